import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { tenantIdColumn, timestampColumn, timestamps } from '../../db/columns';
import { variants } from '../catalog/tables';
import type { Address } from '../customers/tables';
import { customers } from '../customers/tables';
import { stores } from '../stores/tables';
import { suppliers } from '../suppliers/tables';
import { FULFILLMENT_STATUSES, ORDER_STATUSES, REFUND_STATUSES } from './states';

const money = (name: string) => bigint(name, { mode: 'number' });
const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

/** A shopper's basket in one store. Totals are computed on read by the one pricing function. */
export const carts = pgTable(
  'carts',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    storeId: text('store_id').notNull(),
    customerId: text('customer_id'),
    email: text('email'),
    phone: text('phone'),
    shippingAddress: jsonb('shipping_address').$type<Address>(),
    /** A tracking link's code (推广位) the shopper arrived with. */
    linkCode: text('link_code'),
    /** A coupon code the shopper entered (members module); checked again at checkout. */
    couponCode: text('coupon_code'),
    status: text('status', { enum: ['active', 'completed'] })
      .notNull()
      .default('active'),
    orderId: text('order_id'),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    expiresAt: timestampColumn('expires_at').notNull(),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({ columns: [t.tenantId, t.storeId], foreignColumns: [stores.tenantId, stores.id] }),
    foreignKey({ columns: [t.tenantId, t.customerId], foreignColumns: [customers.tenantId, customers.id] }),
    check('carts_status_check', sql`${t.status} in ('active', 'completed')`),
  ],
);

export const cartLines = pgTable(
  'cart_lines',
  {
    tenantId: tenantIdColumn(),
    cartId: text('cart_id').notNull(),
    variantId: text('variant_id').notNull(),
    quantity: integer('quantity').notNull(),
    position: integer('position').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.cartId, t.variantId] }),
    foreignKey({ columns: [t.tenantId, t.cartId], foreignColumns: [carts.tenantId, carts.id] }).onDelete(
      'cascade',
    ),
    foreignKey({ columns: [t.tenantId, t.variantId], foreignColumns: [variants.tenantId, variants.id] }),
    check('cart_lines_quantity_check', sql`${t.quantity} > 0`),
  ],
);

export interface Attribution {
  /** Who earns on the order's lines (one promoter, or none): DESIGN.md §3. */
  promoter_id: string | null;
  rule: 'shopkeeper_store' | 'link' | 'binding' | 'none';
  candidates: Array<{ rule: 'shopkeeper_store' | 'link' | 'binding'; promoter_id: string; detail: string }>;
}

/**
 * An order. Money is integer minor units: total = subtotal − discount_total + shipping_total.
 * `amount_refunded` counts succeeded refunds and `refund_pending` the open ones; both are held
 * against the paid amount, which they can never exceed (CHECK).
 */
export const orders = pgTable(
  'orders',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    storeId: text('store_id').notNull(),
    customerId: text('customer_id'),
    cartId: text('cart_id'),
    status: text('status', { enum: ORDER_STATUSES }).notNull(),
    currency: text('currency').notNull(),
    subtotal: money('subtotal').notNull(),
    discountTotal: money('discount_total').notNull().default(0),
    shippingTotal: money('shipping_total').notNull().default(0),
    total: money('total').notNull(),
    amountPaid: money('amount_paid').notNull().default(0),
    amountRefunded: money('amount_refunded').notNull().default(0),
    refundPending: money('refund_pending').notNull().default(0),
    email: text('email'),
    phone: text('phone'),
    shippingAddress: jsonb('shipping_address').$type<Address>(),
    linkCode: text('link_code'),
    /** The coupon redeemed by the order (its discount is in the lines' `discount`). */
    couponCode: text('coupon_code'),
    /** The promoter the attribution chose (also in `attribution`), for their order lists. */
    promoterId: text('promoter_id'),
    attribution: jsonb('attribution').$type<Attribution>().notNull(),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    paymentDueAt: timestampColumn('payment_due_at').notNull(),
    paidAt: timestampColumn('paid_at'),
    shippedAt: timestampColumn('shipped_at'),
    completedAt: timestampColumn('completed_at'),
    canceledAt: timestampColumn('canceled_at'),
    cancelReason: text('cancel_reason'),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({ columns: [t.tenantId, t.storeId], foreignColumns: [stores.tenantId, stores.id] }),
    foreignKey({ columns: [t.tenantId, t.customerId], foreignColumns: [customers.tenantId, customers.id] }),
    index('orders_store_idx').on(t.tenantId, t.storeId, t.id),
    index('orders_customer_idx').on(t.tenantId, t.customerId, t.id),
    index('orders_status_idx').on(t.tenantId, t.status, t.id),
    index('orders_promoter_idx').on(t.tenantId, t.promoterId, t.id),
    check('orders_status_check', sql`${t.status} in (${inList(ORDER_STATUSES)})`),
    check(
      'orders_money_check',
      sql`${t.subtotal} >= 0 and ${t.discountTotal} >= 0 and ${t.shippingTotal} >= 0 and ${t.total} >= 0
        and ${t.total} = ${t.subtotal} - ${t.discountTotal} + ${t.shippingTotal}`,
    ),
    // The refundable remainder can never go below zero.
    check(
      'orders_refund_check',
      sql`${t.amountRefunded} >= 0 and ${t.refundPending} >= 0 and ${t.amountPaid} <= ${t.total}
        and ${t.amountRefunded} + ${t.refundPending} <= ${t.amountPaid}`,
    ),
  ],
);

/** One line: a snapshot of what was sold (SKU, title, price, supplier) at the time of the order. */
export const orderLines = pgTable(
  'order_lines',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    orderId: text('order_id').notNull(),
    position: integer('position').notNull(),
    variantId: text('variant_id').notNull(),
    productId: text('product_id').notNull(),
    supplierId: text('supplier_id').notNull(),
    categoryId: text('category_id'),
    sku: text('sku').notNull(),
    title: text('title').notNull(),
    options: jsonb('options').$type<Array<{ name: string; value: string }>>().notNull(),
    quantity: integer('quantity').notNull(),
    unitPrice: money('unit_price').notNull(),
    listPrice: money('list_price').notNull(),
    supplyPrice: money('supply_price'),
    subtotal: money('subtotal').notNull(),
    discount: money('discount').notNull().default(0),
    /** What the buyer pays for the line: subtotal − discount. Commissions and refunds use it. */
    total: money('total').notNull(),
    flashSaleItemId: text('flash_sale_item_id'),
    quantityShipped: integer('quantity_shipped').notNull().default(0),
    /**
     * Units in succeeded or open refunds. They come off what is still to ship first (仅退款);
     * beyond that they are returns of shipped units (退货退款).
     */
    quantityRefunded: integer('quantity_refunded').notNull().default(0),
    /** Money in succeeded or open refunds. */
    amountRefunded: money('amount_refunded').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({ columns: [t.tenantId, t.orderId], foreignColumns: [orders.tenantId, orders.id] }),
    foreignKey({ columns: [t.tenantId, t.supplierId], foreignColumns: [suppliers.tenantId, suppliers.id] }),
    index('order_lines_order_idx').on(t.tenantId, t.orderId, t.position),
    index('order_lines_supplier_idx').on(t.tenantId, t.supplierId),
    check(
      'order_lines_quantity_check',
      sql`${t.quantity} > 0 and ${t.quantityShipped} between 0 and ${t.quantity}
        and ${t.quantityRefunded} between 0 and ${t.quantity}`,
    ),
    check(
      'order_lines_money_check',
      sql`${t.unitPrice} >= 0 and ${t.subtotal} = ${t.unitPrice} * ${t.quantity} and ${t.discount} >= 0
        and ${t.total} = ${t.subtotal} - ${t.discount} and ${t.amountRefunded} >= 0 and ${t.amountRefunded} <= ${t.total}`,
    ),
  ],
);

/** Money an integrator reports received (we do not move money). One per provider reference. */
export const payments = pgTable(
  'payments',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    orderId: text('order_id').notNull(),
    provider: text('provider').notNull(),
    reference: text('reference').notNull(),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    createdAt: timestampColumn('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('payments_reference_key').on(t.tenantId, t.provider, t.reference),
    foreignKey({ columns: [t.tenantId, t.orderId], foreignColumns: [orders.tenantId, orders.id] }),
    index('payments_order_idx').on(t.tenantId, t.orderId),
    check('payments_amount_check', sql`${t.amount} > 0`),
  ],
);

/** The part of a paid order one supplier ships (一件代发). */
export const fulfillments = pgTable(
  'fulfillments',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    orderId: text('order_id').notNull(),
    supplierId: text('supplier_id').notNull(),
    status: text('status', { enum: FULFILLMENT_STATUSES }).notNull().default('pending'),
    shippedAt: timestampColumn('shipped_at'),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('fulfillments_order_supplier_key').on(t.tenantId, t.orderId, t.supplierId),
    foreignKey({ columns: [t.tenantId, t.orderId], foreignColumns: [orders.tenantId, orders.id] }),
    foreignKey({ columns: [t.tenantId, t.supplierId], foreignColumns: [suppliers.tenantId, suppliers.id] }),
    index('fulfillments_supplier_idx').on(t.tenantId, t.supplierId, t.status, t.id),
    check('fulfillments_status_check', sql`${t.status} in (${inList(FULFILLMENT_STATUSES)})`),
  ],
);

export interface ShipmentLine {
  order_line_id: string;
  quantity: number;
}

/** One parcel: carrier, tracking number, and which units of which lines it holds. */
export const shipments = pgTable(
  'shipments',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    fulfillmentId: text('fulfillment_id').notNull(),
    orderId: text('order_id').notNull(),
    carrier: text('carrier').notNull(),
    trackingNumber: text('tracking_number').notNull(),
    lines: jsonb('lines').$type<ShipmentLine[]>().notNull(),
    createdAt: timestampColumn('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({
      columns: [t.tenantId, t.fulfillmentId],
      foreignColumns: [fulfillments.tenantId, fulfillments.id],
    }),
    index('shipments_fulfillment_idx').on(t.tenantId, t.fulfillmentId),
  ],
);

export interface RefundLine {
  order_line_id: string;
  quantity: number;
  amount: number;
}

/** An after-sale refund (售后): per line by quantity or amount, optionally restocking. */
export const refunds = pgTable(
  'refunds',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    orderId: text('order_id').notNull(),
    status: text('status', { enum: REFUND_STATUSES }).notNull(),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    lines: jsonb('lines').$type<RefundLine[]>().notNull(),
    restock: boolean('restock').notNull().default(false),
    reason: text('reason'),
    reference: text('reference'),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    succeededAt: timestampColumn('succeeded_at'),
    canceledAt: timestampColumn('canceled_at'),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({ columns: [t.tenantId, t.orderId], foreignColumns: [orders.tenantId, orders.id] }),
    index('refunds_order_idx').on(t.tenantId, t.orderId, t.id),
    check('refunds_status_check', sql`${t.status} in (${inList(REFUND_STATUSES)})`),
    check('refunds_amount_check', sql`${t.amount} > 0`),
  ],
);

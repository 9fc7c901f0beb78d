import { and, asc, desc, eq, inArray, lt } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { conflict, fieldError, notFound, unprocessable } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { attributeOrder, bindOnPaidOrder } from '../attribution/service';
import { syncOrderCommissions } from '../commissions/service';
import { customerForOrder } from '../customers/service';
import type { Address } from '../customers/tables';
import { recordEvent } from '../events/service';
import { admitToSale, knownSoldOut } from '../flash-sales/gate';
import { returnSaleStock, type SaleUnits, saleIndexLoader, takeSaleStock } from '../flash-sales/service';
import { commitReservedStock, releaseStock, reserveStock, restock } from '../inventory/stock';
import type { JobHandler } from '../jobs/runner';
import { cancelJob, enqueueJob } from '../jobs/service';
import { redeemCoupon } from '../members/coupons';
import { membersAssertReferenceFree, membersOnOrderCanceled, membersOnOrderPaid } from '../members/hooks';
import { promoterScope } from '../promoters/service';
import { requireStore, type Store } from '../stores/service';
import { readTenantSettings } from '../tenants/service';
import { type LineRequest, type PricedLine, priceOrder, totalsOf } from './pricing';
import { fulfillmentMachine, type OrderStatus, orderMachine } from './states';
import { fulfillments, orderLines, orders, payments, refunds } from './tables';

export type OrderRow = typeof orders.$inferSelect;
export type OrderLineRow = typeof orderLines.$inferSelect;
type FulfillmentRow = typeof fulfillments.$inferSelect;
type PaymentRow = typeof payments.$inferSelect;
type Ctx = Pick<TenantCtx, 'tenantId' | 'clock'>;

export const EXPIRE_ORDER_JOB = 'order.expire';
export const AUTO_COMPLETE_JOB = 'order.auto_complete';
export const MAX_ORDER_LINES = 100;

// ---------------------------------------------------------------------------------------------
// Presenting

export function presentOrderLine(row: OrderLineRow) {
  return {
    id: row.id,
    object: 'order_line' as const,
    variant_id: row.variantId,
    product_id: row.productId,
    supplier_id: row.supplierId,
    sku: row.sku,
    title: row.title,
    options: row.options,
    quantity: row.quantity,
    unit_price: row.unitPrice,
    list_price: row.listPrice,
    subtotal: row.subtotal,
    discount: row.discount,
    total: row.total,
    flash_sale_item_id: row.flashSaleItemId,
    quantity_shipped: row.quantityShipped,
    quantity_refunded: row.quantityRefunded,
    amount_refunded: row.amountRefunded,
  };
}

function presentFulfillmentSummary(row: FulfillmentRow) {
  return { id: row.id, supplier_id: row.supplierId, status: row.status, shipped_at: iso(row.shippedAt) };
}

export function presentOrder(row: OrderRow, lines: OrderLineRow[], fulfillmentRows: FulfillmentRow[]) {
  return {
    id: row.id,
    object: 'order' as const,
    store_id: row.storeId,
    customer_id: row.customerId,
    cart_id: row.cartId,
    status: row.status,
    currency: row.currency,
    subtotal: row.subtotal,
    discount_total: row.discountTotal,
    shipping_total: row.shippingTotal,
    total: row.total,
    amount_paid: row.amountPaid,
    amount_refunded: row.amountRefunded,
    refund_pending: row.refundPending,
    /** What can still be refunded: paid, less succeeded and open refunds. */
    amount_refundable: row.amountPaid - row.amountRefunded - row.refundPending,
    email: row.email,
    phone: row.phone,
    shipping_address: row.shippingAddress,
    link_code: row.linkCode,
    coupon_code: row.couponCode,
    promoter_id: row.promoterId,
    attribution: row.attribution,
    lines: lines.map(presentOrderLine),
    fulfillments: fulfillmentRows.map(presentFulfillmentSummary),
    metadata: row.metadata,
    payment_due_at: iso(row.paymentDueAt)!,
    paid_at: iso(row.paidAt),
    shipped_at: iso(row.shippedAt),
    completed_at: iso(row.completedAt),
    canceled_at: iso(row.canceledAt),
    cancel_reason: row.cancelReason,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Order = ReturnType<typeof presentOrder>;

export function presentPayment(row: PaymentRow) {
  return {
    id: row.id,
    object: 'payment' as const,
    order_id: row.orderId,
    provider: row.provider,
    reference: row.reference,
    amount: row.amount,
    currency: row.currency,
    metadata: row.metadata,
    created_at: iso(row.createdAt)!,
  };
}

// ---------------------------------------------------------------------------------------------
// Loading

/** A promoter token reads only the orders attributed to it. */
function visibility(ctx: TenantCtx) {
  const self = promoterScope(ctx.actor);
  return self ? eq(orders.promoterId, self) : undefined;
}

export async function linesOf(tx: Tx, tenantId: string, orderIds: string[]) {
  if (!orderIds.length) return new Map<string, OrderLineRow[]>();
  const rows = await tx
    .select()
    .from(orderLines)
    .where(and(eq(orderLines.tenantId, tenantId), inArray(orderLines.orderId, orderIds)))
    .orderBy(asc(orderLines.orderId), asc(orderLines.position));
  const out = new Map<string, OrderLineRow[]>();
  for (const r of rows) out.set(r.orderId, [...(out.get(r.orderId) ?? []), r]);
  return out;
}

export async function fulfillmentsOf(tx: Tx, tenantId: string, orderIds: string[]) {
  if (!orderIds.length) return new Map<string, FulfillmentRow[]>();
  const rows = await tx
    .select()
    .from(fulfillments)
    .where(and(eq(fulfillments.tenantId, tenantId), inArray(fulfillments.orderId, orderIds)))
    .orderBy(asc(fulfillments.id));
  const out = new Map<string, FulfillmentRow[]>();
  for (const r of rows) out.set(r.orderId, [...(out.get(r.orderId) ?? []), r]);
  return out;
}

/** The order row, locked for the rest of the transaction: every change of an order starts here. */
export async function lockOrder(tx: Tx, tenantId: string, id: string, ctx?: TenantCtx): Promise<OrderRow> {
  const [row] = await tx
    .select()
    .from(orders)
    .where(and(eq(orders.tenantId, tenantId), eq(orders.id, id), ctx ? visibility(ctx) : undefined))
    .for('update');
  if (!row) throw notFound('order', id);
  return row;
}

export async function loadOrder(tx: Tx, tenantId: string, row: OrderRow): Promise<Order> {
  const [lines, fuls] = [await linesOf(tx, tenantId, [row.id]), await fulfillmentsOf(tx, tenantId, [row.id])];
  return presentOrder(row, lines.get(row.id) ?? [], fuls.get(row.id) ?? []);
}

export async function getOrder(ctx: TenantCtx, id: string): Promise<Order> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const [row] = await tx
      .select()
      .from(orders)
      .where(and(eq(orders.tenantId, ctx.tenantId), eq(orders.id, id), visibility(ctx)));
    if (!row) throw notFound('order', id);
    return loadOrder(tx, ctx.tenantId, row);
  });
}

export interface OrderFilters {
  status?: OrderStatus | undefined;
  store_id?: string | undefined;
  customer_id?: string | undefined;
  promoter_id?: string | undefined;
}

export async function listOrders(ctx: TenantCtx, query: ListQuery & OrderFilters) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(orders)
      .where(
        and(
          eq(orders.tenantId, ctx.tenantId),
          visibility(ctx),
          query.status ? eq(orders.status, query.status) : undefined,
          query.store_id ? eq(orders.storeId, query.store_id) : undefined,
          query.customer_id ? eq(orders.customerId, query.customer_id) : undefined,
          query.promoter_id ? eq(orders.promoterId, query.promoter_id) : undefined,
          after ? lt(orders.id, after) : undefined,
        ),
      )
      .orderBy(desc(orders.id))
      .limit(query.limit + 1);
    const ids = rows.slice(0, query.limit).map((r) => r.id);
    const [lines, fuls] = [await linesOf(tx, ctx.tenantId, ids), await fulfillmentsOf(tx, ctx.tenantId, ids)];
    return pageOf(rows, query.limit, (r) => presentOrder(r, lines.get(r.id) ?? [], fuls.get(r.id) ?? []));
  });
}

// ---------------------------------------------------------------------------------------------
// Placing an order (checkout and direct orders)

export interface PlaceOrderInput {
  store: Store;
  lines: LineRequest[];
  customerId?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
  name?: string | undefined;
  shippingAddress: Address;
  linkCode?: string | undefined;
  shippingTotal?: number | undefined;
  cartId?: string | undefined;
  /** A coupon code: checked and redeemed in the order's transaction (members module). */
  couponCode?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

/** Refuses lines the pricing function cannot sell, naming each. */
export function assertSellable(priced: PricedLine[]) {
  const bad = priced.flatMap((l, i) =>
    l.sellable ? [] : [fieldError(`lines.${i}.variant_id`, l.unsellable_reason!, reasonText(l))],
  );
  if (bad.length) throw unprocessable('lines_unsellable', 'Some lines cannot be sold.', bad);
}

function reasonText(l: PricedLine): string {
  switch (l.unsellable_reason) {
    case 'unknown_variant':
      return `No such variant: '${l.variant_id}'`;
    case 'not_published':
      return 'The product is not published';
    case 'not_in_store':
      return 'This shopkeeper store has not picked the product';
    case 'pick_flagged':
      return "The store's price for this product is outside the supplier's band; the shopkeeper must re-price it";
    default:
      return 'The variant is priced in another currency';
  }
}

/** Merges repeated variants into one line each, keeping the first position. */
export function mergeLines(lines: LineRequest[]): LineRequest[] {
  const merged = new Map<string, LineRequest>();
  for (const l of lines) {
    const prev = merged.get(l.variant_id);
    merged.set(l.variant_id, { variant_id: l.variant_id, quantity: (prev?.quantity ?? 0) + l.quantity });
  }
  return [...merged.values()];
}

const saleUnitsOf = (
  lines: Array<Pick<OrderLineRow, 'flashSaleItemId' | 'quantity'>>,
  buyer: string | null,
  limits?: Map<string, number | null>,
) =>
  lines
    .filter((l) => l.flashSaleItemId)
    .map<SaleUnits>((l) => ({
      itemId: l.flashSaleItemId!,
      quantity: l.quantity,
      perCustomerLimit: limits?.get(l.flashSaleItemId!) ?? null,
      buyer,
    }));

/**
 * Fails fast, before any transaction, when this node already knows a flash-sale item in the
 * order has sold out (the buyers after the last unit must not queue on its row lock).
 */
export function precheckFlashSale(tenantId: string, lines: LineRequest[]) {
  if (
    knownSoldOut(
      tenantId,
      lines.map((l) => l.variant_id),
    )
  ) {
    throw conflict('flash_sale_sold_out', 'The flash sale has no units left for this item.');
  }
}

/**
 * One transaction: price the lines, take flash-sale stock, reserve stock (one conditional
 * update; any shortfall fails the whole order with 409 naming the lines), attribute, insert
 * the order and its lines, record `order.created`, and schedule the payment timeout.
 */
export async function placeOrder(tx: Tx, ctx: Ctx, input: PlaceOrderInput): Promise<Order> {
  const now = ctx.clock.now();
  const settings = await readTenantSettings(tx, ctx.tenantId);
  if (input.store.status !== 'active') throw conflict('store_closed', 'This store is closed.');
  const requested = mergeLines(input.lines);
  const customerId = await customerForOrder(tx, ctx, {
    customerId: input.customerId,
    phone: input.phone ?? input.shippingAddress.phone,
    email: input.email,
    name: input.name ?? input.shippingAddress.name,
  });
  // Member prices need a customer the caller named; coupons count uses per customer found.
  const { lines: priced, coupon } = await priceOrder(tx, ctx, {
    store: input.store,
    lines: requested,
    currency: settings.currency,
    at: now,
    customerId: input.customerId,
    coupon: input.couponCode
      ? { code: input.couponCode, customerId, memberCustomerId: input.customerId ?? null, preview: false }
      : null,
  });
  assertSellable(priced);
  if (coupon?.error) throw coupon.error;

  const orderId = newId('order');
  const lineRows = priced.map((l, position) => ({
    tenantId: ctx.tenantId,
    id: newId('orderLine'),
    orderId,
    position,
    variantId: l.variant_id,
    productId: l.product_id,
    supplierId: l.supplier_id,
    categoryId: l.category_id,
    sku: l.sku,
    title: l.title,
    options: l.options,
    quantity: l.quantity,
    unitPrice: l.unit_price,
    listPrice: l.list_price,
    supplyPrice: l.supply_price,
    subtotal: l.subtotal,
    discount: l.discount,
    total: l.total,
    flashSaleItemId: l.flash_sale_item_id,
  }));
  const limits = new Map(
    priced.filter((l) => l.flash_sale_item_id).map((l) => [l.flash_sale_item_id!, l.flash_sale_limit]),
  );
  await takeSaleStock(tx, ctx, saleUnitsOf(lineRows, customerId, limits));
  await reserveStock(tx, ctx, requested);

  const attribution = await attributeOrder(tx, ctx, {
    store: input.store,
    linkCode: input.linkCode ?? null,
    customerId,
  });
  const totals = totalsOf(priced, input.shippingTotal ?? 0);
  if (coupon?.redeem) {
    await redeemCoupon(tx, ctx, coupon.redeem, { id: orderId, customerId, discount: totals.discount_total });
  }
  const paymentDueAt = new Date(now.getTime() + settings.payment_timeout_minutes * 60_000);
  // The order, its lines, its event and its timeout go out pipelined (sent together, answered
  // in order on the one connection): two round trips instead of four.
  const [[row], insertedLines] = await Promise.all([
    tx
      .insert(orders)
      .values({
        tenantId: ctx.tenantId,
        id: orderId,
        storeId: input.store.id,
        customerId,
        cartId: input.cartId ?? null,
        status: 'pending_payment',
        currency: settings.currency,
        subtotal: totals.subtotal,
        discountTotal: totals.discount_total,
        shippingTotal: totals.shipping_total,
        total: totals.total,
        email: input.email ?? null,
        phone: input.phone ?? input.shippingAddress.phone,
        shippingAddress: input.shippingAddress,
        linkCode: input.linkCode ?? null,
        couponCode: coupon?.redeem?.code ?? null,
        promoterId: attribution.promoter_id,
        attribution,
        metadata: input.metadata ?? {},
        paymentDueAt,
        createdAt: now,
        updatedAt: now,
      })
      .returning(),
    tx.insert(orderLines).values(lineRows).returning(),
  ]);
  const order = presentOrder(row!, insertedLines, []);
  await Promise.all([
    recordEvent(tx, ctx, { type: 'order.created', object: order }),
    enqueueJob(
      tx,
      ctx.tenantId,
      { kind: EXPIRE_ORDER_JOB, runAt: paymentDueAt, payload: { order_id: orderId }, dedupeKey: orderId },
      now,
    ),
  ]);
  return order;
}

export interface DirectOrderInput extends Omit<PlaceOrderInput, 'store' | 'cartId'> {
  store_id: string;
}

/** `POST /v1/orders`: for integrations that keep their own cart (secret keys). */
export async function createOrder(ctx: TenantCtx, input: DirectOrderInput): Promise<Order> {
  const release = await admitToSale(
    ctx.tenantId,
    input.lines.map((l) => l.variant_id),
    saleIndexLoader(ctx.db, ctx.tenantId, () => ctx.clock.now()),
  );
  try {
    return await withTenant(ctx.db, ctx.tenantId, async (tx) => {
      const store = await requireStore(tx, ctx.tenantId, input.store_id, 'body.store_id');
      return placeOrder(tx, ctx, { ...input, store });
    });
  } finally {
    release();
  }
}

// ---------------------------------------------------------------------------------------------
// Payment

export interface PaymentInput {
  provider: string;
  reference: string;
  amount: number;
  currency?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

/**
 * The checks every reported payment passes (orders, and memberships in the members module): the
 * amount is exactly what is due, in the currency it is due in.
 */
export function assertPaymentMatches(due: { amount: number; currency: string }, input: PaymentInput) {
  if (input.amount !== due.amount) {
    throw unprocessable(
      'amount_mismatch',
      `The amount due is ${due.amount} (${due.currency}); the payment says ${input.amount}.`,
      [fieldError('body.amount', 'amount_mismatch', `Must be ${due.amount}`)],
    );
  }
  if (input.currency && input.currency !== due.currency) {
    throw unprocessable('currency_mismatch', `The amount is due in ${due.currency}.`, [
      fieldError('body.currency', 'currency_mismatch', `Must be ${due.currency}`),
    ]);
  }
}

/**
 * Records a payment the integrator received. The order row is locked first, so concurrent
 * reports of one order are serialised: it is paid once. The same provider reference again is
 * a replay (the recorded payment is returned); the amount must be exactly the amount due.
 */
export async function recordPayment(
  ctx: TenantCtx,
  orderId: string,
  input: PaymentInput,
): Promise<{ payment: ReturnType<typeof presentPayment>; order: Order; replayed: boolean }> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const order = await lockOrder(tx, ctx.tenantId, orderId);
    const [existing] = await tx
      .select()
      .from(payments)
      .where(
        and(
          eq(payments.tenantId, ctx.tenantId),
          eq(payments.provider, input.provider),
          eq(payments.reference, input.reference),
        ),
      );
    if (existing) {
      if (existing.orderId !== orderId) {
        throw conflict('payment_reference_used', `This ${input.provider} reference paid another order.`);
      }
      return {
        payment: presentPayment(existing),
        order: await loadOrder(tx, ctx.tenantId, order),
        replayed: true,
      };
    }
    await membersAssertReferenceFree(tx, ctx.tenantId, input);
    if (order.status !== 'pending_payment' && order.status !== 'canceled') {
      throw conflict('order_already_paid', 'This order is already paid (under another reference).');
    }
    orderMachine.next(order.status, 'pay');
    assertPaymentMatches({ amount: order.total - order.amountPaid, currency: order.currency }, input);
    const now = ctx.clock.now();
    const [payment] = await tx
      .insert(payments)
      .values({
        tenantId: ctx.tenantId,
        id: newId('payment'),
        orderId,
        provider: input.provider,
        reference: input.reference,
        amount: input.amount,
        currency: order.currency,
        metadata: input.metadata ?? {},
        createdAt: now,
      })
      .returning();
    const [paid] = await tx
      .update(orders)
      .set({ status: 'paid', amountPaid: order.amountPaid + input.amount, paidAt: now, updatedAt: now })
      .where(and(eq(orders.tenantId, ctx.tenantId), eq(orders.id, orderId)))
      .returning();
    const lines = (await linesOf(tx, ctx.tenantId, [orderId])).get(orderId) ?? [];
    // The reservation becomes a deduction.
    await commitReservedStock(
      tx,
      ctx,
      lines.map((l) => ({ variant_id: l.variantId, quantity: l.quantity })),
      orderId,
    );
    await cancelJob(tx, ctx.tenantId, EXPIRE_ORDER_JOB, orderId);
    // One fulfillment per supplier (一件代发).
    const suppliers = [...new Set(lines.map((l) => l.supplierId))];
    const fuls = await tx
      .insert(fulfillments)
      .values(
        suppliers.map((supplierId) => ({
          tenantId: ctx.tenantId,
          id: newId('fulfillment'),
          orderId,
          supplierId,
          createdAt: now,
          updatedAt: now,
        })),
      )
      .returning();
    await bindOnPaidOrder(tx, ctx, paid!.attribution, paid!.customerId);
    await membersOnOrderPaid(tx, ctx, paid!, lines);
    await syncOrderCommissions(tx, ctx, orderId);
    const presented = presentOrder(paid!, lines, fuls);
    await recordEvent(tx, ctx, { type: 'order.paid', object: presented });
    return { payment: presentPayment(payment!), order: presented, replayed: false };
  });
}

// ---------------------------------------------------------------------------------------------
// Cancelling, expiring, completing

/**
 * Cancels an order before anything ships. Unpaid: the reservation and any flash-sale units are
 * released. Paid: the deducted stock is put back, fulfillments are cancelled, and the paid
 * amount is refunded in full (a succeeded refund: cancel it after returning the money).
 */
export async function cancelOrderTx(
  tx: Tx,
  ctx: Ctx,
  order: OrderRow,
  reason: string,
  event: 'cancel' | 'expire',
) {
  orderMachine.next(order.status, event);
  const now = ctx.clock.now();
  const lines = (await linesOf(tx, ctx.tenantId, [order.id])).get(order.id) ?? [];
  let refundId: string | null = null;
  if (order.status === 'pending_payment') {
    await releaseStock(
      tx,
      ctx,
      lines.map((l) => ({ variant_id: l.variantId, quantity: l.quantity })),
    );
    await cancelJob(tx, ctx.tenantId, EXPIRE_ORDER_JOB, order.id);
  } else {
    if (order.refundPending > 0) {
      throw conflict('refund_pending', 'Finish or cancel the open refunds of this order first.');
    }
    const open = lines.filter((l) => l.quantity > l.quantityRefunded || l.total > l.amountRefunded);
    await restock(
      tx,
      ctx,
      open
        .filter((l) => l.quantity > l.quantityRefunded)
        .map((l) => ({ variant_id: l.variantId, quantity: l.quantity - l.quantityRefunded })),
      order.id,
    );
    const refundLines = open.map((l) => ({
      order_line_id: l.id,
      quantity: l.quantity - l.quantityRefunded,
      amount: l.total - l.amountRefunded,
    }));
    const amount = order.amountPaid - order.amountRefunded;
    for (const l of open) {
      await tx
        .update(orderLines)
        .set({ quantityRefunded: l.quantity, amountRefunded: l.total })
        .where(and(eq(orderLines.tenantId, ctx.tenantId), eq(orderLines.id, l.id)));
    }
    await tx
      .update(fulfillments)
      .set({ status: 'canceled', updatedAt: now })
      .where(and(eq(fulfillments.tenantId, ctx.tenantId), eq(fulfillments.orderId, order.id)));
    if (amount > 0) {
      refundId = newId('refund');
      const [refund] = await tx
        .insert(refunds)
        .values({
          tenantId: ctx.tenantId,
          id: refundId,
          orderId: order.id,
          status: 'succeeded',
          amount,
          currency: order.currency,
          lines: refundLines.filter((l) => l.amount > 0 || l.quantity > 0),
          restock: true,
          reason: 'order_canceled',
          succeededAt: now,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      await recordEvent(tx, ctx, { type: 'refund.created', object: presentRefundRow(refund!) });
    }
  }
  const buyer = order.customerId;
  await returnSaleStock(tx, ctx, saleUnitsOf(lines, buyer));
  const [canceled] = await tx
    .update(orders)
    .set({
      status: 'canceled',
      canceledAt: now,
      cancelReason: reason,
      amountRefunded: order.status === 'pending_payment' ? order.amountRefunded : order.amountPaid,
      updatedAt: now,
    })
    .where(and(eq(orders.tenantId, ctx.tenantId), eq(orders.id, order.id)))
    .returning();
  await membersOnOrderCanceled(tx, ctx, canceled!, lines, refundId);
  const presented = await loadOrder(tx, ctx.tenantId, canceled!);
  await recordEvent(tx, ctx, { type: 'order.canceled', object: presented });
  await syncOrderCommissions(tx, ctx, order.id);
  return { order: presented, refundId };
}

export async function cancelOrder(ctx: TenantCtx, id: string, reason?: string): Promise<Order> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const order = await lockOrder(tx, ctx.tenantId, id);
    return (await cancelOrderTx(tx, ctx, order, reason ?? 'requested_by_merchant', 'cancel')).order;
  });
}

/** Job: cancel an order still unpaid at its payment deadline, releasing its stock. */
export const expireOrderJob: JobHandler = async (job, { tx, clock }) => {
  const ctx = { tenantId: job.tenantId, clock };
  const [order] = await tx
    .select()
    .from(orders)
    .where(and(eq(orders.tenantId, job.tenantId), eq(orders.id, String(job.payload.order_id))))
    .for('update');
  if (order?.status !== 'pending_payment' || order.paymentDueAt.getTime() > clock.now().getTime()) return;
  await cancelOrderTx(tx, ctx, order, 'payment_timeout', 'expire');
};

async function completeOrderTx(tx: Tx, ctx: Ctx, order: OrderRow) {
  orderMachine.next(order.status, 'complete');
  const now = ctx.clock.now();
  const [done] = await tx
    .update(orders)
    .set({ status: 'completed', completedAt: now, updatedAt: now })
    .where(and(eq(orders.tenantId, ctx.tenantId), eq(orders.id, order.id)))
    .returning();
  await cancelJob(tx, ctx.tenantId, AUTO_COMPLETE_JOB, order.id);
  await syncOrderCommissions(tx, ctx, order.id);
  const presented = await loadOrder(tx, ctx.tenantId, done!);
  await recordEvent(tx, ctx, { type: 'order.completed', object: presented });
  return presented;
}

/** The buyer confirmed receipt (确认收货). */
export async function completeOrder(ctx: TenantCtx, id: string): Promise<Order> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) =>
    completeOrderTx(tx, ctx, await lockOrder(tx, ctx.tenantId, id)),
  );
}

/** Job: complete a shipped order the buyer never confirmed, after the tenant's auto_complete_days. */
export const autoCompleteJob: JobHandler = async (job, { tx, clock }) => {
  const [order] = await tx
    .select()
    .from(orders)
    .where(and(eq(orders.tenantId, job.tenantId), eq(orders.id, String(job.payload.order_id))))
    .for('update');
  if (order?.status !== 'shipped') return;
  await completeOrderTx(tx, { tenantId: job.tenantId, clock }, order);
};

// ---------------------------------------------------------------------------------------------
// Progress: fulfillment and order status follow the lines' shipped and refunded units.

/** Units of a line still to ship: refunded units come off the unshipped ones first. */
export const unitsToShip = (l: Pick<OrderLineRow, 'quantity' | 'quantityShipped' | 'quantityRefunded'>) =>
  Math.max(0, l.quantity - l.quantityShipped - l.quantityRefunded);

/**
 * Recomputes the fulfillments' and the order's status from their lines after a shipment or a
 * refund, through the state machines. A paid order whose every unit was refunded before any
 * shipped is cancelled: nothing is left to send.
 */
export async function syncProgress(tx: Tx, ctx: Ctx, order: OrderRow): Promise<OrderRow> {
  const now = ctx.clock.now();
  const lines = (await linesOf(tx, ctx.tenantId, [order.id])).get(order.id) ?? [];
  const fuls = (await fulfillmentsOf(tx, ctx.tenantId, [order.id])).get(order.id) ?? [];
  let anyShipped = false;
  let allDone = fuls.length > 0;
  for (const f of fuls) {
    const own = lines.filter((l) => l.supplierId === f.supplierId);
    const shipped = own.reduce((a, l) => a + l.quantityShipped, 0);
    const open = own.reduce((a, l) => a + unitsToShip(l), 0);
    anyShipped ||= shipped > 0;
    let status = f.status;
    if (f.status !== 'canceled' && f.status !== 'shipped') {
      if (open === 0 && shipped === 0) status = fulfillmentMachine.next(f.status, 'cancel');
      else if (open === 0) status = fulfillmentMachine.next(f.status, 'ship_all');
      else if (shipped > 0 && f.status === 'pending') status = fulfillmentMachine.next(f.status, 'ship_part');
    }
    if (status !== f.status) {
      await tx
        .update(fulfillments)
        .set({ status, shippedAt: status === 'shipped' ? now : f.shippedAt, updatedAt: now })
        .where(and(eq(fulfillments.tenantId, ctx.tenantId), eq(fulfillments.id, f.id)));
    }
    if (status !== 'shipped' && status !== 'canceled') allDone = false;
  }
  let next: OrderStatus = order.status;
  if (order.status === 'paid' || order.status === 'partially_shipped') {
    if (allDone && !anyShipped) next = orderMachine.next(order.status, 'cancel');
    else if (allDone) next = orderMachine.next(order.status, 'ship_all');
    else if (anyShipped) next = orderMachine.next(order.status, 'ship_part');
  }
  if (next === order.status) return order;
  const { auto_complete_days } = await readTenantSettings(tx, ctx.tenantId);
  const [row] = await tx
    .update(orders)
    .set({
      status: next,
      shippedAt: next === 'shipped' ? now : order.shippedAt,
      canceledAt: next === 'canceled' ? now : order.canceledAt,
      cancelReason: next === 'canceled' ? 'fully_refunded' : order.cancelReason,
      updatedAt: now,
    })
    .where(and(eq(orders.tenantId, ctx.tenantId), eq(orders.id, order.id)))
    .returning();
  if (next === 'shipped') {
    const runAt = new Date(now.getTime() + auto_complete_days * 86_400_000);
    await enqueueJob(
      tx,
      ctx.tenantId,
      { kind: AUTO_COMPLETE_JOB, runAt, payload: { order_id: order.id }, dedupeKey: order.id },
      now,
    );
  }
  if (next === 'canceled') {
    await recordEvent(tx, ctx, { type: 'order.canceled', object: await loadOrder(tx, ctx.tenantId, row!) });
  }
  return row!;
}

// Refund presentation lives with orders because cancellation writes refunds too.
type RefundRow = typeof refunds.$inferSelect;
export function presentRefundRow(row: RefundRow) {
  return {
    id: row.id,
    object: 'refund' as const,
    order_id: row.orderId,
    status: row.status,
    amount: row.amount,
    currency: row.currency,
    lines: row.lines,
    restock: row.restock,
    reason: row.reason,
    reference: row.reference,
    metadata: row.metadata,
    succeeded_at: iso(row.succeededAt),
    canceled_at: iso(row.canceledAt),
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Refund = ReturnType<typeof presentRefundRow>;

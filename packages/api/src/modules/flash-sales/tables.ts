import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  foreignKey,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { tenantIdColumn, timestampColumn, timestamps } from '../../db/columns';
import { variants } from '../catalog/tables';

/** A time-boxed sale (限时特卖 / 秒杀): its own price and its own stock for a few variants. */
export const flashSales = pgTable(
  'flash_sales',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    startsAt: timestampColumn('starts_at').notNull(),
    endsAt: timestampColumn('ends_at').notNull(),
    canceledAt: timestampColumn('canceled_at'),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('flash_sales_window_idx').on(t.tenantId, t.endsAt),
    check('flash_sales_window_check', sql`${t.endsAt} > ${t.startsAt}`),
  ],
);

/**
 * One variant in a sale. `sold` counts units held by orders (placed, not cancelled); the CHECK
 * makes overselling impossible whatever the code does: a consume is one conditional UPDATE.
 */
export const flashSaleItems = pgTable(
  'flash_sale_items',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    flashSaleId: text('flash_sale_id').notNull(),
    variantId: text('variant_id').notNull(),
    salePrice: bigint('sale_price', { mode: 'number' }).notNull(),
    saleStock: integer('sale_stock').notNull(),
    sold: integer('sold').notNull().default(0),
    /** Units one buyer may hold across their orders; null for no limit. */
    perCustomerLimit: integer('per_customer_limit'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('flash_sale_items_variant_key').on(t.tenantId, t.flashSaleId, t.variantId),
    index('flash_sale_items_by_variant_idx').on(t.tenantId, t.variantId),
    foreignKey({
      columns: [t.tenantId, t.flashSaleId],
      foreignColumns: [flashSales.tenantId, flashSales.id],
    }),
    foreignKey({ columns: [t.tenantId, t.variantId], foreignColumns: [variants.tenantId, variants.id] }),
    check('flash_sale_items_stock_check', sql`${t.sold} >= 0 and ${t.sold} <= ${t.saleStock}`),
    check('flash_sale_items_price_check', sql`${t.salePrice} >= 0`),
    check('flash_sale_items_limit_check', sql`${t.perCustomerLimit} > 0`),
  ],
);

/** Units each buyer holds of an item, for the per-customer limit (one conditional upsert). */
export const flashSalePurchases = pgTable(
  'flash_sale_purchases',
  {
    tenantId: tenantIdColumn(),
    itemId: text('item_id').notNull(),
    /** The customer id, or a normalised phone or email when the buyer has no customer record. */
    buyer: text('buyer').notNull(),
    quantity: integer('quantity').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.itemId, t.buyer] }),
    foreignKey({
      columns: [t.tenantId, t.itemId],
      foreignColumns: [flashSaleItems.tenantId, flashSaleItems.id],
    }),
    check('flash_sale_purchases_quantity_check', sql`${t.quantity} >= 0`),
  ],
);

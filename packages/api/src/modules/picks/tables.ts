import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  foreignKey,
  index,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { tenantIdColumn, timestampColumn, timestamps } from '../../db/columns';
import { products, variants } from '../catalog/tables';
import { stores } from '../stores/tables';

export const PICK_STATUSES = ['active', 'flagged'] as const;
export const PICK_FLAG_REASONS = ['price_below_floor', 'price_above_ceiling'] as const;

/**
 * A shopkeeper store's pick (选品): one catalog product the store sells, with an optional
 * recommendation text. `flagged` when a supplier's price change put one of the pick's own
 * prices outside the variant's band: the product is not sold in the store until re-priced.
 */
export const storePicks = pgTable(
  'store_picks',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    storeId: text('store_id').notNull(),
    productId: text('product_id').notNull(),
    recommendation: text('recommendation'),
    status: text('status', { enum: PICK_STATUSES }).notNull().default('active'),
    flagReason: text('flag_reason', { enum: PICK_FLAG_REASONS }),
    flagMessage: text('flag_message'),
    flaggedAt: timestampColumn('flagged_at'),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    // One pick per product per store; also the storefront's lookup of a store's picks.
    uniqueIndex('store_picks_store_product_key').on(t.tenantId, t.storeId, t.productId),
    // A supplier's price change finds the picks of a product through it.
    index('store_picks_product_idx').on(t.tenantId, t.productId),
    foreignKey({ columns: [t.tenantId, t.storeId], foreignColumns: [stores.tenantId, stores.id] }),
    foreignKey({ columns: [t.tenantId, t.productId], foreignColumns: [products.tenantId, products.id] }),
    check('store_picks_status_check', sql`${t.status} in ('active', 'flagged')`),
    check('store_picks_flag_check', sql`(${t.status} = 'flagged') = (${t.flagReason} is not null)`),
  ],
);

/** A pick's own retail price for one variant (分); variants without a row sell at list price. */
export const storePickPrices = pgTable(
  'store_pick_prices',
  {
    tenantId: tenantIdColumn(),
    pickId: text('pick_id').notNull(),
    variantId: text('variant_id').notNull(),
    price: bigint('price', { mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.pickId, t.variantId] }),
    index('store_pick_prices_variant_idx').on(t.tenantId, t.variantId),
    foreignKey({
      columns: [t.tenantId, t.pickId],
      foreignColumns: [storePicks.tenantId, storePicks.id],
    }).onDelete('cascade'),
    foreignKey({ columns: [t.tenantId, t.variantId], foreignColumns: [variants.tenantId, variants.id] }),
    check('store_pick_prices_price_check', sql`${t.price} >= 0`),
  ],
);

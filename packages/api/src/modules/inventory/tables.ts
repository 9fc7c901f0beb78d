import { sql } from 'drizzle-orm';
import {
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

/** Warehouses and shops that hold stock. Each tenant gets a default one on first use. */
export const locations = pgTable(
  'locations',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    code: text('code'),
    isDefault: boolean('is_default').notNull().default(false),
    address: jsonb('address').$type<Record<string, string>>().notNull().default({}),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('locations_code_key').on(t.tenantId, t.code),
    uniqueIndex('locations_default_key').on(t.tenantId).where(sql`${t.isDefault}`),
  ],
);

/**
 * Stock of one variant at one location. `available` (on_hand - reserved) is computed, never
 * stored. Every change is one conditional UPDATE, and the CHECKs make overselling impossible
 * even for code that forgets the condition:
 *   reserve  reserved += n        where on_hand - reserved >= n
 *   release  reserved -= n        where reserved >= n
 *   commit   on_hand -= n, reserved -= n  where reserved >= n
 */
export const stockLevels = pgTable(
  'stock_levels',
  {
    tenantId: tenantIdColumn(),
    variantId: text('variant_id').notNull(),
    locationId: text('location_id').notNull(),
    onHand: integer('on_hand').notNull().default(0),
    reserved: integer('reserved').notNull().default(0),
    updatedAt: timestampColumn('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.variantId, t.locationId] }),
    foreignKey({ columns: [t.tenantId, t.variantId], foreignColumns: [variants.tenantId, variants.id] }),
    foreignKey({ columns: [t.tenantId, t.locationId], foreignColumns: [locations.tenantId, locations.id] }),
    index('stock_levels_location_idx').on(t.tenantId, t.locationId),
    check('stock_levels_on_hand_check', sql`${t.onHand} >= 0`),
    check('stock_levels_reserved_check', sql`${t.reserved} >= 0`),
    check('stock_levels_available_check', sql`${t.reserved} <= ${t.onHand}`),
  ],
);

/**
 * Per-variant inventory settings: the low-stock threshold, and whether the variant is below it
 * now, so `inventory.low` fires once per crossing rather than on every change below it.
 */
export const inventoryItems = pgTable(
  'inventory_items',
  {
    tenantId: tenantIdColumn(),
    variantId: text('variant_id').notNull(),
    lowStockThreshold: integer('low_stock_threshold'),
    lowStock: boolean('low_stock').notNull().default(false),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.variantId] }),
    foreignKey({ columns: [t.tenantId, t.variantId], foreignColumns: [variants.tenantId, variants.id] }),
    check('inventory_items_threshold_check', sql`${t.lowStockThreshold} >= 0`),
  ],
);

/** Why a person or an ERP adjusts stock by hand. */
export const MANUAL_REASONS = [
  'received',
  'returned',
  'damaged',
  'lost',
  'correction',
  'cycle_count',
  'other',
] as const;
/** All reasons: the manual ones, and those the system writes (sync, order sale and restock). */
export const ADJUSTMENT_REASONS = [...MANUAL_REASONS, 'sync', 'sale', 'restock'] as const;
export type AdjustmentReason = (typeof ADJUSTMENT_REASONS)[number];

/** The audit trail: every change of on_hand, with why, by how much and what it became. */
export const inventoryAdjustments = pgTable(
  'inventory_adjustments',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    variantId: text('variant_id').notNull(),
    locationId: text('location_id').notNull(),
    delta: integer('delta').notNull(),
    onHandAfter: integer('on_hand_after').notNull(),
    reason: text('reason', { enum: ADJUSTMENT_REASONS }).notNull(),
    note: text('note'),
    /** What caused it, e.g. an order id. */
    reference: text('reference'),
    createdAt: timestampColumn('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({ columns: [t.tenantId, t.variantId], foreignColumns: [variants.tenantId, variants.id] }),
    foreignKey({ columns: [t.tenantId, t.locationId], foreignColumns: [locations.tenantId, locations.id] }),
    index('inventory_adjustments_variant_idx').on(t.tenantId, t.variantId, t.id),
    check(
      'inventory_adjustments_reason_check',
      sql`${t.reason} in (${sql.raw(ADJUSTMENT_REASONS.map((r) => `'${r}'`).join(', '))})`,
    ),
  ],
);

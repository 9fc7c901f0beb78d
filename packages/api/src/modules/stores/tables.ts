import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  foreignKey,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { tenantIdColumn, timestamps } from '../../db/columns';
import { promoters } from '../promoters/tables';

export const STORE_KINDS = ['brand', 'white_label', 'shopkeeper'] as const;

/** A storefront or channel. Publishable keys are bound to one. */
export const stores = pgTable(
  'stores',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    kind: text('kind', { enum: STORE_KINDS }).notNull(),
    name: text('name').notNull(),
    /** The shopkeeper (店主) who owns a `shopkeeper` store; null for other kinds. */
    ownerPromoterId: text('owner_promoter_id'),
    status: text('status', { enum: ['active', 'closed'] })
      .notNull()
      .default('active'),
    /** White-label theme and domain: logo, colours, custom domain. */
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    /**
     * Bumped by changes that show in this store's storefront only (a shopkeeper's picks): its
     * cached pages are versioned by the tenant's catalog version plus this (catalog/version.ts).
     */
    contentVersion: bigint('content_version', { mode: 'number' }).notNull().default(0),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    // One store per shopkeeper.
    uniqueIndex('stores_owner_key').on(t.tenantId, t.ownerPromoterId),
    foreignKey({
      columns: [t.tenantId, t.ownerPromoterId],
      foreignColumns: [promoters.tenantId, promoters.id],
    }),
    check('stores_owner_check', sql`(${t.kind} = 'shopkeeper') = (${t.ownerPromoterId} is not null)`),
    check('stores_kind_check', sql`${t.kind} in ('brand', 'white_label', 'shopkeeper')`),
    check('stores_status_check', sql`${t.status} in ('active', 'closed')`),
  ],
);

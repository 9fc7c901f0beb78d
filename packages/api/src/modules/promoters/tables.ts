import { sql } from 'drizzle-orm';
import {
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

export const PROMOTER_KINDS = ['shopkeeper', 'guide', 'affiliate'] as const;
export const PROMOTER_STATUSES = ['active', 'suspended', 'terminated'] as const;

/**
 * People who earn commission: shopkeepers (店主), shopping guides (导购) and CPS affiliates.
 * `invited_by` records who recruited whom; it never pays commission (one level only).
 */
export const promoters = pgTable(
  'promoters',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    kind: text('kind', { enum: PROMOTER_KINDS }).notNull(),
    name: text('name').notNull(),
    phone: text('phone'),
    status: text('status', { enum: PROMOTER_STATUSES }).notNull().default('active'),
    level: integer('level').notNull().default(0),
    /** A guide's physical store (门店), as the tenant codes it. */
    locationCode: text('location_code'),
    invitedBy: text('invited_by'),
    externalId: text('external_id'),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('promoters_external_id_key').on(t.tenantId, t.externalId),
    index('promoters_invited_by_idx').on(t.tenantId, t.invitedBy),
    foreignKey({ columns: [t.tenantId, t.invitedBy], foreignColumns: [t.tenantId, t.id] }),
    check('promoters_kind_check', sql`${t.kind} in ('shopkeeper', 'guide', 'affiliate')`),
    check('promoters_status_check', sql`${t.status} in ('active', 'suspended', 'terminated')`),
    check('promoters_not_self_invited', sql`${t.invitedBy} is null or ${t.invitedBy} <> ${t.id}`),
  ],
);

/** Short-lived tokens a guide or shopkeeper app acts with; stored as hashes like API keys. */
export const promoterTokens = pgTable(
  'promoter_tokens',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    promoterId: text('promoter_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestampColumn('expires_at').notNull(),
    revokedAt: timestampColumn('revoked_at'),
    createdAt: timestampColumn('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('promoter_tokens_hash_key').on(t.tenantId, t.tokenHash),
    index('promoter_tokens_promoter_idx').on(t.tenantId, t.promoterId),
    foreignKey({ columns: [t.tenantId, t.promoterId], foreignColumns: [promoters.tenantId, promoters.id] }),
  ],
);

import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { timestampColumn, timestamps } from '../../db/columns';

/** Agencies (代运营) that create and manage tenants for their clients. A platform-level table. */
export const partners = pgTable(
  'partners',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    status: text('status', { enum: ['active', 'suspended'] })
      .notNull()
      .default('active'),
    tokenHash: text('token_hash').notNull(),
    tokenLast4: text('token_last4').notNull(),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('partners_token_hash_key').on(t.tokenHash),
    check('partners_status_check', sql`${t.status} in ('active', 'suspended')`),
  ],
);

/** The root of the tenancy boundary. Row-level security lets a tenant read only its own row. */
export const tenants = pgTable(
  'tenants',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    status: text('status', { enum: ['active', 'suspended'] })
      .notNull()
      .default('active'),
    partnerId: text('partner_id').references(() => partners.id),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    suspendedAt: timestampColumn('suspended_at'),
    ...timestamps(),
  },
  (t) => [
    index('tenants_partner_idx').on(t.partnerId, t.id),
    check('tenants_status_check', sql`${t.status} in ('active', 'suspended')`),
  ],
);

import { sql } from 'drizzle-orm';
import { jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { tenantIdColumn, timestamps } from '../../db/columns';

export interface Address {
  name: string;
  phone: string;
  province: string;
  city: string;
  district?: string;
  line1: string;
  line2?: string;
  postal_code?: string;
  is_default?: boolean;
}

/** Buyers. Phone, email and the tenant's own external id (e.g. a WeChat unionid) are unique when set. */
export const customers = pgTable(
  'customers',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    name: text('name'),
    phone: text('phone'),
    email: text('email'),
    externalId: text('external_id'),
    addresses: jsonb('addresses').$type<Address[]>().notNull().default([]),
    /** Marketing tags, e.g. set by a guide (导购打标签). */
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('customers_phone_key').on(t.tenantId, t.phone),
    uniqueIndex('customers_email_key').on(t.tenantId, t.email),
    uniqueIndex('customers_external_id_key').on(t.tenantId, t.externalId),
  ],
);

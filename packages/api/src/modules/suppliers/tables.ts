import { sql } from 'drizzle-orm';
import { boolean, check, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { tenantIdColumn, timestamps } from '../../db/columns';

/** Brands that supply goods and ship them (一件代发). */
export const suppliers = pgTable(
  'suppliers',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    code: text('code'),
    status: text('status', { enum: ['active', 'inactive'] })
      .notNull()
      .default('active'),
    isDefault: boolean('is_default').notNull().default(false),
    contact: jsonb('contact').$type<Record<string, string>>().notNull().default({}),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('suppliers_code_key').on(t.tenantId, t.code),
    // At most one default supplier per tenant.
    uniqueIndex('suppliers_default_key').on(t.tenantId).where(sql`${t.isDefault}`),
    check('suppliers_status_check', sql`${t.status} in ('active', 'inactive')`),
  ],
);

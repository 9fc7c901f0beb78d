import { text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Column helpers shared by every table. A table with a `tenant_id` column is a tenant table:
 * the migration step `mujiang_secure_tenant_tables()` turns on forced row-level security for it.
 */
export const tenantIdColumn = () => text('tenant_id').notNull();

export const timestamps = () => ({
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const timestampColumn = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

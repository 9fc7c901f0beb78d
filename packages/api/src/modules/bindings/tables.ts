import { sql } from 'drizzle-orm';
import { check, foreignKey, index, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { tenantIdColumn, timestampColumn } from '../../db/columns';
import { customers } from '../customers/tables';
import { promoters } from '../promoters/tables';

export const BINDING_SOURCES = ['order', 'guide', 'link', 'api'] as const;
export const BINDING_STATUSES = ['active', 'expired', 'released'] as const;

/**
 * A customer tied to one promoter for a protection period (客户绑定). While a binding is
 * active no other promoter can take the customer: at most one active binding per customer.
 */
export const customerBindings = pgTable(
  'customer_bindings',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    customerId: text('customer_id').notNull(),
    promoterId: text('promoter_id').notNull(),
    source: text('source', { enum: BINDING_SOURCES }).notNull(),
    status: text('status', { enum: BINDING_STATUSES }).notNull().default('active'),
    startsAt: timestampColumn('starts_at').notNull(),
    expiresAt: timestampColumn('expires_at').notNull(),
    endedAt: timestampColumn('ended_at'),
    createdAt: timestampColumn('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('customer_bindings_one_active')
      .on(t.tenantId, t.customerId)
      .where(sql`${t.status} = 'active'`),
    index('customer_bindings_promoter_idx').on(t.tenantId, t.promoterId, t.id),
    foreignKey({ columns: [t.tenantId, t.customerId], foreignColumns: [customers.tenantId, customers.id] }),
    foreignKey({ columns: [t.tenantId, t.promoterId], foreignColumns: [promoters.tenantId, promoters.id] }),
    check('customer_bindings_source_check', sql`${t.source} in ('order', 'guide', 'link', 'api')`),
    check('customer_bindings_status_check', sql`${t.status} in ('active', 'expired', 'released')`),
    check('customer_bindings_period_check', sql`${t.expiresAt} > ${t.startsAt}`),
  ],
);

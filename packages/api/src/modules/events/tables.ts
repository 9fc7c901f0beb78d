import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { tenantIdColumn, timestampColumn } from '../../db/columns';

/**
 * The transactional outbox: one row per state change integrators care about, written in the
 * same transaction as the change. `object_seq` orders the events of one object.
 * `fanned_out_at` is set when the webhook dispatcher has turned the event into one delivery per
 * matching endpoint (modules/webhooks); the partial index holds only events still waiting.
 */
export const events = pgTable(
  'events',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    type: text('type').notNull(),
    objectType: text('object_type').notNull(),
    objectId: text('object_id').notNull(),
    objectSeq: integer('object_seq').notNull(),
    data: jsonb('data').$type<{ object: Record<string, unknown> }>().notNull(),
    createdAt: timestampColumn('created_at').notNull().defaultNow(),
    fannedOutAt: timestampColumn('fanned_out_at'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('events_object_seq_key').on(t.tenantId, t.objectId, t.objectSeq),
    index('events_type_idx').on(t.tenantId, t.type, t.id),
    index('events_fan_out_idx').on(t.id).where(sql`${t.fannedOutAt} is null`),
  ],
);

import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { tenantIdColumn, timestampColumn } from '../../db/columns';

/**
 * Background work, due at `run_at` by the app clock: unpaid-order timeouts, import processing,
 * commission confirmation. Enqueued inside tenant transactions; claimed across tenants by the
 * worker role with SKIP LOCKED; run inside the job's tenant transaction, which also deletes it.
 */
export const jobs = pgTable(
  'jobs',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    /** Makes an enqueue idempotent: one pending job per (kind, dedupe key). */
    dedupeKey: text('dedupe_key'),
    state: text('state', { enum: ['pending', 'running', 'failed'] })
      .notNull()
      .default('pending'),
    runAt: timestampColumn('run_at').notNull(),
    lockedUntil: timestampColumn('locked_until'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(10),
    lastError: text('last_error'),
    createdAt: timestampColumn('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('jobs_dedupe_key').on(t.tenantId, t.kind, t.dedupeKey),
    index('jobs_due_idx').on(t.runAt).where(sql`${t.state} <> 'failed'`),
    check('jobs_state_check', sql`${t.state} in ('pending', 'running', 'failed')`),
  ],
);

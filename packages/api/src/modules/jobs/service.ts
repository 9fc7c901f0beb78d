import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { newId } from '../../lib/ids';
import { jobs } from './tables';

export type JobRow = typeof jobs.$inferSelect;

export interface JobInput {
  kind: string;
  runAt: Date;
  payload?: Record<string, unknown>;
  /** With a dedupe key, enqueuing the same (kind, key) again while one is pending does nothing. */
  dedupeKey?: string;
  maxAttempts?: number;
}

/**
 * Enqueues a job in the caller's tenant transaction, so it exists exactly when the change that
 * needs it commits (an order and its payment timeout, an import and its processing).
 */
export async function enqueueJob(tx: Tx, tenantId: string, job: JobInput, now: Date): Promise<void> {
  await tx
    .insert(jobs)
    .values({
      tenantId,
      id: newId('job'),
      kind: job.kind,
      payload: job.payload ?? {},
      dedupeKey: job.dedupeKey ?? null,
      runAt: job.runAt,
      maxAttempts: job.maxAttempts ?? 10,
      createdAt: now,
    })
    .onConflictDoNothing();
}

/** Drops a pending job (e.g. the payment timeout of an order that was paid). */
export async function cancelJob(tx: Tx, tenantId: string, kind: string, dedupeKey: string): Promise<void> {
  await tx
    .delete(jobs)
    .where(and(eq(jobs.tenantId, tenantId), eq(jobs.kind, kind), eq(jobs.dedupeKey, dedupeKey)));
}

/** Finishes a job inside the tenant transaction that did its work: both commit, or neither. */
export async function completeJob(tx: Tx, job: JobRow): Promise<void> {
  await tx.delete(jobs).where(and(eq(jobs.tenantId, job.tenantId), eq(jobs.id, job.id)));
}

/** Claims due jobs across tenants (worker role). Running jobs whose lock lapsed are due again. */
export async function claimDueJobs(tx: Tx, now: Date, limit: number, lockMs: number): Promise<JobRow[]> {
  const due = tx
    .select({ tenantId: jobs.tenantId, id: jobs.id })
    .from(jobs)
    .where(
      sql`${jobs.runAt} <= ${now.toISOString()}::timestamptz and ${jobs.state} <> 'failed'
        and (${jobs.lockedUntil} is null or ${jobs.lockedUntil} <= ${now.toISOString()}::timestamptz)`,
    )
    .orderBy(jobs.runAt)
    .limit(limit)
    .for('update', { skipLocked: true });
  return tx
    .update(jobs)
    .set({
      state: 'running',
      attempts: sql`${jobs.attempts} + 1`,
      lockedUntil: new Date(now.getTime() + lockMs),
    })
    .where(sql`(${jobs.tenantId}, ${jobs.id}) in ${due}`)
    .returning();
}

/** Records a failed attempt: retried later with backoff, or parked as failed after the last try. */
export async function failJob(tx: Tx, job: JobRow, error: string, retryAt: Date): Promise<void> {
  const exhausted = job.attempts >= job.maxAttempts;
  await tx
    .update(jobs)
    .set({
      state: exhausted ? 'failed' : 'pending',
      runAt: retryAt,
      lockedUntil: null,
      lastError: error.slice(0, 2000),
    })
    .where(and(eq(jobs.tenantId, job.tenantId), eq(jobs.id, job.id)));
}

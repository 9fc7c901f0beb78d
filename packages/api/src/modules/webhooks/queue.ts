import { type AnyColumn, and, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Clock } from '../../config';
import { jsonRecordset, rowsOf, type Tx } from '../../db/client';
import { newId } from '../../lib/ids';
import { recordEvent } from '../events/service';
import { events } from '../events/tables';
import { DISABLE_AFTER_FAILING_MS, matchesEventFilter } from './rules';
import { presentEndpoint } from './service';
import { webhookDeliveries, webhookEndpoints } from './tables';

/**
 * The delivery queue in SQL. Claiming runs as the worker role across tenants and touches only
 * queue columns (migration 0005); loading payloads and secrets and recording outcomes run in
 * each tenant's own transaction, under row-level security.
 */

/** `column = any(list)` with the list as one parameter (ids hold no commas). */
const anyOf = (column: AnyColumn, ids: string[]) =>
  sql`${column} = any(string_to_array(${ids.join(',')}, ','))`;

/**
 * Settings of every dispatcher transaction:
 * - commit without waiting for the WAL flush: if the database crashed before the flush, a claim
 *   or an outcome would be undone and the delivery sent again (same webhook-id), never lost;
 *   the events themselves were committed durably by their writers;
 * - plan each statement for its actual parameters: the queue tables grow from empty and turn
 *   over fast, and a generic plan cached while they were small (a sequential scan) would stay
 *   in use as they grow.
 */
export async function tuneDispatcherTx(tx: Tx): Promise<void> {
  await tx.execute(
    sql`select set_config('synchronous_commit', 'off', true), set_config('plan_cache_mode', 'force_custom_plan', true)`,
  );
}

export interface ClaimedDelivery {
  tenantId: string;
  id: string;
  endpointId: string;
  eventId: string;
  /** The attempt number this claim took. */
  attemptCount: number;
  retryStep: number;
}

const claimedColumns = {
  tenantId: webhookDeliveries.tenantId,
  id: webhookDeliveries.id,
  endpointId: webhookDeliveries.endpointId,
  eventId: webhookDeliveries.eventId,
  attemptCount: webhookDeliveries.attemptCount,
  retryStep: webhookDeliveries.retryStep,
};

/**
 * Fan-out (worker role): takes up to `limit` committed events not yet fanned out (SKIP LOCKED,
 * so dispatchers never take the same event), marks them, and inserts one delivery per enabled
 * endpoint whose filter matches and that existed when the event happened. The deliveries come
 * back already claimed by the caller (attempt 1, leased until `leaseUntil`), so a new event
 * costs one round of claiming, not two. If the caller dies, the lease lapses and any dispatcher
 * takes them over; if the transaction fails, the events stay un-fanned. Nothing is lost.
 */
export async function fanOutEvents(tx: Tx, now: Date, limit: number, leaseUntil: Date) {
  const claimed = rowsOf<{ tenant_id: string; id: string; type: string; created_at: string | Date }>(
    await tx.execute(sql`
      update ${events} set fanned_out_at = ${now.toISOString()}::timestamptz
      where (tenant_id, id) in (
        select tenant_id, id from ${events} where fanned_out_at is null
        order by id limit ${limit} for update skip locked)
      returning tenant_id, id, type, created_at`),
  );
  if (claimed.length === 0) return { events: 0, deliveries: [] as ClaimedDelivery[] };
  const tenantIds = [...new Set(claimed.map((e) => e.tenant_id))];
  const endpoints = await tx
    .select({
      tenantId: webhookEndpoints.tenantId,
      id: webhookEndpoints.id,
      enabledEvents: webhookEndpoints.enabledEvents,
      createdAt: webhookEndpoints.createdAt,
    })
    .from(webhookEndpoints)
    .where(and(anyOf(webhookEndpoints.tenantId, tenantIds), eq(webhookEndpoints.status, 'enabled')));
  const byTenant = new Map<string, typeof endpoints>();
  for (const e of endpoints) byTenant.set(e.tenantId, [...(byTenant.get(e.tenantId) ?? []), e]);
  const rows: Array<{
    tenant_id: string;
    id: string;
    endpoint_id: string;
    event_id: string;
    event_type: string;
  }> = [];
  // In event order, so deliveries of one endpoint are attempted in the order events happened.
  claimed.sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const event of claimed) {
    const at = new Date(event.created_at).getTime();
    for (const endpoint of byTenant.get(event.tenant_id) ?? []) {
      if (endpoint.createdAt.getTime() > at || !matchesEventFilter(endpoint.enabledEvents, event.type))
        continue;
      rows.push({
        tenant_id: event.tenant_id,
        id: newId('webhookDelivery'),
        endpoint_id: endpoint.id,
        event_id: event.id,
        event_type: event.type,
      });
    }
  }
  if (rows.length === 0) return { events: claimed.length, deliveries: [] as ClaimedDelivery[] };
  const inserted = rowsOf<{ tenant_id: string; id: string; endpoint_id: string; event_id: string }>(
    await tx.execute(sql`
      insert into webhook_deliveries
        (tenant_id, id, endpoint_id, event_id, event_type, attempt_count, next_attempt_at, created_at)
      select u.tenant_id, u.id, u.endpoint_id, u.event_id, u.event_type, 1,
             ${leaseUntil.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as u(tenant_id text, id text, endpoint_id text, event_id text, event_type text)
      returning tenant_id, id, endpoint_id, event_id`),
  );
  const deliveries: ClaimedDelivery[] = inserted.map((r) => ({
    tenantId: r.tenant_id,
    id: r.id,
    endpointId: r.endpoint_id,
    eventId: r.event_id,
    attemptCount: 1,
    retryStep: 0,
  }));
  return { events: claimed.length, deliveries };
}

/** Claims due deliveries (retries, replays, recoveries, lapsed leases) across tenants. */
export async function claimDueDeliveries(tx: Tx, now: Date, limit: number, leaseUntil: Date) {
  if (limit <= 0) return [];
  const due = tx
    .select({ tenantId: webhookDeliveries.tenantId, id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.status, 'pending'), lte(webhookDeliveries.nextAttemptAt, now)))
    .orderBy(webhookDeliveries.nextAttemptAt)
    .limit(limit)
    .for('update', { skipLocked: true });
  return tx
    .update(webhookDeliveries)
    .set({ attemptCount: sql`${webhookDeliveries.attemptCount} + 1`, nextAttemptAt: leaseUntil })
    .where(sql`(${webhookDeliveries.tenantId}, ${webhookDeliveries.id}) in ${due}`)
    .returning(claimedColumns);
}

/** The events and endpoints of claimed deliveries, read in the tenant's transaction. */
export async function loadDeliveryContext(tx: Tx, tenantId: string, deliveries: ClaimedDelivery[]) {
  const eventIds = [...new Set(deliveries.map((d) => d.eventId))];
  const endpointIds = [...new Set(deliveries.map((d) => d.endpointId))];
  const eventRows = await tx
    .select()
    .from(events)
    .where(and(eq(events.tenantId, tenantId), anyOf(events.id, eventIds)));
  const endpointRows = await tx
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.tenantId, tenantId), anyOf(webhookEndpoints.id, endpointIds)));
  return {
    events: new Map(eventRows.map((r) => [r.id, r])),
    endpoints: new Map(endpointRows.map((r) => [r.id, r])),
  };
}

/** How one claimed delivery ended this round. */
export interface Outcome {
  delivery: ClaimedDelivery;
  /** The HTTP attempt, when one was made (not for a disabled endpoint). */
  attempt?: {
    attemptedAt: Date;
    statusCode: number | null;
    latencyMs: number;
    errorCode: string | null;
    errorMessage: string | null;
    responseSnippet: string | null;
  };
  status: 'pending' | 'succeeded' | 'failed';
  nextAttemptAt: Date;
  retryStep: number;
  lastErrorCode: string | null;
  /** Counts for the endpoint's health: a real answer (or silence) from the receiver. */
  endpointHealth?: 'ok' | 'failed' | 'gone';
  endpointFailingSince: Date | null;
}

// Postgres text cannot hold NUL; a receiver's answer may.
const clean = (s: string | null) => (s === null ? null : s.replaceAll('\u0000', ''));

/**
 * Records outcomes in the tenant's transaction: the deliveries (only where this worker's claim
 * still stands: same attempt number, still pending), their attempts, and the endpoints' health:
 * a success clears `failing_since`; failures set it, and 5 days of them, or one 410, disable
 * the endpoint with a `webhook_endpoint.disabled` event.
 */
export async function recordOutcomes(
  tx: Tx,
  ctx: { tenantId: string; clock: Clock },
  outcomes: Outcome[],
): Promise<void> {
  const { tenantId } = ctx;
  const updates = outcomes.map((o) => ({
    id: o.delivery.id,
    claimed: o.delivery.attemptCount,
    attempt_count: o.attempt ? o.delivery.attemptCount : o.delivery.attemptCount - 1,
    status: o.status,
    retry_step: o.retryStep,
    next_attempt_at: o.nextAttemptAt.toISOString(),
    attempted: o.attempt !== undefined,
    attempted_at: o.attempt?.attemptedAt.toISOString() ?? null,
    status_code: o.attempt?.statusCode ?? null,
    error_code: o.lastErrorCode,
    completed_at: o.status === 'pending' ? null : (o.attempt?.attemptedAt ?? ctx.clock.now()).toISOString(),
  }));
  // Only where this worker's claim still stands; the rows stay locked until commit, so the
  // attempts below cannot lose their delivery to a concurrent delete.
  const updated = rowsOf<{ id: string }>(
    await tx.execute(sql`
      update webhook_deliveries d set
        status = u.status, retry_step = u.retry_step, next_attempt_at = u.next_attempt_at,
        attempt_count = u.attempt_count,
        last_attempt_at = case when u.attempted then u.attempted_at else d.last_attempt_at end,
        last_status_code = case when u.attempted then u.status_code else d.last_status_code end,
        last_error_code = u.error_code, completed_at = u.completed_at
      from ${jsonRecordset(
        updates,
        'u',
        `id text, claimed int, attempt_count int, status text, retry_step int, next_attempt_at timestamptz,
         attempted boolean, attempted_at timestamptz, status_code int, error_code text, completed_at timestamptz`,
      )}
      where d.tenant_id = ${tenantId} and d.id = u.id and d.attempt_count = u.claimed and d.status = 'pending'
      returning d.id`),
  );
  const ours = new Set(updated.map((r) => r.id));
  // An attempt whose claim was taken over (its lease lapsed) is not logged: the other's is.
  const attempts = outcomes
    .filter((o) => o.attempt && ours.has(o.delivery.id))
    .map((o) => ({
      delivery_id: o.delivery.id,
      attempt: o.delivery.attemptCount,
      attempted_at: o.attempt!.attemptedAt.toISOString(),
      status_code: o.attempt!.statusCode,
      latency_ms: o.attempt!.latencyMs,
      error_code: o.attempt!.errorCode,
      error_message: clean(o.attempt!.errorMessage),
      response_snippet: clean(o.attempt!.responseSnippet),
    }));
  if (attempts.length) {
    // One JSON parameter rather than nine per row: far cheaper to send, parse and plan.
    await tx.execute(sql`
      insert into webhook_delivery_attempts
        (tenant_id, delivery_id, attempt, attempted_at, status_code, latency_ms, error_code, error_message, response_snippet)
      select ${tenantId}, u.delivery_id, u.attempt, u.attempted_at, u.status_code, u.latency_ms, u.error_code,
             u.error_message, u.response_snippet
      from jsonb_to_recordset(${JSON.stringify(attempts)}::jsonb) as u(delivery_id text, attempt int,
        attempted_at timestamptz, status_code int, latency_ms int, error_code text, error_message text,
        response_snippet text)
      on conflict do nothing`);
  }

  const health = new Map<
    string,
    { ok: boolean; gone: boolean; firstFailure?: Date; failingSince: Date | null }
  >();
  for (const o of outcomes) {
    if (!o.endpointHealth || !o.attempt) continue;
    const h = health.get(o.delivery.endpointId) ?? {
      ok: false,
      gone: false,
      failingSince: o.endpointFailingSince,
    };
    if (o.endpointHealth === 'ok') h.ok = true;
    else {
      if (o.endpointHealth === 'gone') h.gone = true;
      if (!h.firstFailure || o.attempt.attemptedAt < h.firstFailure) h.firstFailure = o.attempt.attemptedAt;
    }
    health.set(o.delivery.endpointId, h);
  }
  const now = ctx.clock.now();
  const recovered = [...health].filter(([, h]) => h.ok && h.failingSince && !h.gone).map(([id]) => id);
  if (recovered.length) {
    await tx
      .update(webhookEndpoints)
      .set({ failingSince: null })
      .where(and(eq(webhookEndpoints.tenantId, tenantId), inArray(webhookEndpoints.id, recovered)));
  }
  for (const [id, h] of health) {
    if (h.gone) await disableEndpoint(tx, ctx, id, 'gone');
    else if (h.ok || !h.firstFailure) continue;
    else if (!h.failingSince) {
      await tx
        .update(webhookEndpoints)
        .set({ failingSince: h.firstFailure })
        .where(
          and(
            eq(webhookEndpoints.tenantId, tenantId),
            eq(webhookEndpoints.id, id),
            sql`${webhookEndpoints.failingSince} is null`,
          ),
        );
    } else if (now.getTime() - h.failingSince.getTime() >= DISABLE_AFTER_FAILING_MS) {
      await disableEndpoint(tx, ctx, id, 'failing');
    }
  }
}

async function disableEndpoint(
  tx: Tx,
  ctx: { tenantId: string; clock: Clock },
  id: string,
  reason: 'gone' | 'failing',
) {
  const now = ctx.clock.now();
  const [row] = await tx
    .update(webhookEndpoints)
    .set({ status: 'disabled', disabledReason: reason, disabledAt: now, updatedAt: now })
    .where(
      and(
        eq(webhookEndpoints.tenantId, ctx.tenantId),
        eq(webhookEndpoints.id, id),
        eq(webhookEndpoints.status, 'enabled'),
      ),
    )
    .returning();
  if (row) await recordEvent(tx, ctx, { type: 'webhook_endpoint.disabled', object: presentEndpoint(row) });
}

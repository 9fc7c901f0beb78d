import { generateSecret } from '@mujiang/webhooks';
import { and, asc, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { conflict, type FieldError, invalidReference, notFound, unprocessable } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { mergeRecord } from '../../lib/records';
import { presentEvent, recordEvent } from '../events/service';
import { events } from '../events/tables';
import { matchesEventFilter, PREVIOUS_SECRET_TTL_MS } from './rules';
import type { SecretBox } from './secret-box';
import { bareHost, blockedAddressReason, isLocalHostName } from './ssrf';
import { webhookDeliveries, webhookDeliveryAttempts, webhookEndpoints } from './tables';

type EndpointRow = typeof webhookEndpoints.$inferSelect;
type DeliveryRow = typeof webhookDeliveries.$inferSelect;
type AttemptRow = typeof webhookDeliveryAttempts.$inferSelect;

/** What endpoint calls need beyond the context: how secrets are kept, and the SSRF switch. */
export interface WebhookSettings {
  box: SecretBox;
  allowPrivateNetworks: boolean;
}

/** The channel dispatchers LISTEN on (the events trigger of migration 0005 notifies it too). */
export const WAKE_CHANNEL = 'mujiang_webhooks';

/** Wakes the dispatchers when this transaction commits. */
export async function wakeDispatchers(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_notify(${WAKE_CHANNEL}, '')`);
}

export function presentEndpoint(row: EndpointRow) {
  return {
    id: row.id,
    object: 'webhook_endpoint' as const,
    url: row.url,
    description: row.description,
    enabled_events: row.enabledEvents,
    enabled: row.status === 'enabled',
    status: row.status,
    disabled_reason: row.disabledReason,
    disabled_at: iso(row.disabledAt),
    failing_since: iso(row.failingSince),
    previous_secret_expires_at: iso(row.previousSecretExpiresAt),
    metadata: row.metadata,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type WebhookEndpoint = ReturnType<typeof presentEndpoint>;

export function presentDelivery(row: DeliveryRow, attempts: AttemptRow[]) {
  return {
    id: row.id,
    object: 'webhook_delivery' as const,
    endpoint_id: row.endpointId,
    event_id: row.eventId,
    event_type: row.eventType,
    status: row.status,
    attempt_count: attempts.length,
    next_attempt_at: row.status === 'pending' ? iso(row.nextAttemptAt) : null,
    last_attempt_at: iso(row.lastAttemptAt),
    last_status_code: row.lastStatusCode,
    last_error_code: row.lastErrorCode,
    completed_at: iso(row.completedAt),
    created_at: iso(row.createdAt)!,
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      attempted_at: iso(a.attemptedAt)!,
      status_code: a.statusCode,
      latency_ms: a.latencyMs,
      error_code: a.errorCode,
      error_message: a.errorMessage,
      response_snippet: a.responseSnippet,
    })),
  };
}
export type WebhookDelivery = ReturnType<typeof presentDelivery>;

/**
 * A URL we may deliver to: https (http only where private networks are allowed), no
 * credentials, and no host that is a special-purpose address or a loopback name. Hosts that
 * resolve to such addresses are refused at every attempt (ssrf.ts), since DNS can change.
 */
function checkUrl(raw: string, settings: WebhookSettings): void {
  const url = new URL(raw);
  const problems: FieldError[] = [];
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && settings.allowPrivateNetworks)) {
    problems.push({ field: 'body.url', code: 'https_required', message: 'Use an https:// URL.' });
  }
  if (url.username || url.password) {
    problems.push({
      field: 'body.url',
      code: 'credentials_not_allowed',
      message: 'Leave credentials out of the URL; verify deliveries by their signature.',
    });
  }
  if (!settings.allowPrivateNetworks) {
    const host = bareHost(url);
    const reason = isLocalHostName(host) ? 'a loopback host name' : blockedAddressReason(host);
    if (reason && reason !== 'not an IP address') {
      problems.push({
        field: 'body.url',
        code: 'address_not_allowed',
        message: `The host is ${reason}; webhooks go to public addresses only.`,
      });
    }
  }
  if (problems.length) throw unprocessable('invalid_webhook_url', problems[0]!.message, problems);
}

export interface CreateEndpointInput {
  url: string;
  enabled_events: string[];
  description?: string | null | undefined;
  enabled?: boolean | undefined;
  metadata?: Record<string, string> | undefined;
}

export async function createEndpoint(ctx: TenantCtx, input: CreateEndpointInput, settings: WebhookSettings) {
  checkUrl(input.url, settings);
  const id = newId('webhookEndpoint');
  const secret = generateSecret(32);
  const now = ctx.clock.now();
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const enabled = input.enabled ?? true;
    const [row] = await tx
      .insert(webhookEndpoints)
      .values({
        tenantId: ctx.tenantId,
        id,
        url: input.url,
        description: input.description ?? null,
        enabledEvents: [...new Set(input.enabled_events)],
        status: enabled ? 'enabled' : 'disabled',
        disabledReason: enabled ? null : 'manual',
        disabledAt: enabled ? null : now,
        secret: settings.box.seal(ctx.tenantId, id, secret),
        metadata: input.metadata ?? {},
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    return { ...presentEndpoint(row!), secret };
  });
}

export async function listEndpoints(ctx: TenantCtx, query: ListQuery) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(webhookEndpoints)
      .where(
        and(eq(webhookEndpoints.tenantId, ctx.tenantId), after ? lt(webhookEndpoints.id, after) : undefined),
      )
      .orderBy(desc(webhookEndpoints.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentEndpoint);
  });
}

async function findEndpoint(tx: Tx, tenantId: string, id: string, lock = false) {
  const q = tx
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.id, id)));
  const [row] = lock ? await q.for('update') : await q;
  return row;
}

async function requireEndpoint(tx: Tx, tenantId: string, id: string, lock = false) {
  const row = await findEndpoint(tx, tenantId, id, lock);
  if (!row) throw notFound('webhook_endpoint', id);
  return row;
}

function requireEnabled(row: EndpointRow) {
  if (row.status !== 'enabled') {
    throw conflict(
      'webhook_endpoint_disabled',
      `The endpoint is disabled (${row.disabledReason}); enable it first (PATCH enabled: true).`,
    );
  }
}

export async function getEndpoint(ctx: TenantCtx, id: string) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) =>
    presentEndpoint(await requireEndpoint(tx, ctx.tenantId, id)),
  );
}

export interface UpdateEndpointInput {
  url?: string | undefined;
  enabled_events?: string[] | undefined;
  description?: string | null | undefined;
  enabled?: boolean | undefined;
  metadata?: Record<string, string | null> | undefined;
}

export async function updateEndpoint(
  ctx: TenantCtx,
  id: string,
  input: UpdateEndpointInput,
  settings: WebhookSettings,
) {
  if (input.url !== undefined) checkUrl(input.url, settings);
  const now = ctx.clock.now();
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const current = await requireEndpoint(tx, ctx.tenantId, id, true);
    const status =
      input.enabled === undefined
        ? current.status
        : input.enabled
          ? ('enabled' as const)
          : ('disabled' as const);
    const changed = status !== current.status;
    const [row] = await tx
      .update(webhookEndpoints)
      .set({
        url: input.url ?? current.url,
        enabledEvents: input.enabled_events ? [...new Set(input.enabled_events)] : current.enabledEvents,
        description: input.description === undefined ? current.description : input.description,
        metadata: input.metadata ? mergeRecord(current.metadata, input.metadata) : current.metadata,
        status,
        // `enabled: true` starts afresh (also on an enabled endpoint, once its receiver is
        // fixed): no reason, and 5 more days before failures disable it again.
        disabledReason: status === 'enabled' ? null : changed ? 'manual' : current.disabledReason,
        disabledAt: status === 'enabled' ? null : changed ? now : current.disabledAt,
        failingSince: input.enabled === true ? null : current.failingSince,
        updatedAt: now,
      })
      .where(and(eq(webhookEndpoints.tenantId, ctx.tenantId), eq(webhookEndpoints.id, id)))
      .returning();
    return presentEndpoint(row!);
  });
}

/** Deletes the endpoint with its delivery log; deliveries in flight are dropped. */
export async function deleteEndpoint(ctx: TenantCtx, id: string) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    // The attempt log first (it has no foreign key to cascade along); deliveries cascade.
    await tx.delete(webhookDeliveryAttempts).where(
      and(
        eq(webhookDeliveryAttempts.tenantId, ctx.tenantId),
        sql`${webhookDeliveryAttempts.deliveryId} in (select ${webhookDeliveries.id} from ${webhookDeliveries}
          where ${webhookDeliveries.tenantId} = ${ctx.tenantId} and ${webhookDeliveries.endpointId} = ${id})`,
      ),
    );
    const [row] = await tx
      .delete(webhookEndpoints)
      .where(and(eq(webhookEndpoints.tenantId, ctx.tenantId), eq(webhookEndpoints.id, id)))
      .returning({ id: webhookEndpoints.id });
    if (!row) throw notFound('webhook_endpoint', id);
    return { id: row.id, object: 'webhook_endpoint' as const, deleted: true as const };
  });
}

/**
 * A new secret, shown once. The old one keeps signing (every delivery carries both signatures)
 * for 24 h, so receivers can switch without losing a delivery; a second rotation inside that
 * window retires the oldest.
 */
export async function rotateEndpointSecret(ctx: TenantCtx, id: string, settings: WebhookSettings) {
  const secret = generateSecret(32);
  const now = ctx.clock.now();
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const current = await requireEndpoint(tx, ctx.tenantId, id, true);
    const previous = settings.box.open(ctx.tenantId, id, current.secret);
    const [row] = await tx
      .update(webhookEndpoints)
      .set({
        secret: settings.box.seal(ctx.tenantId, id, secret),
        // Re-sealed, so a key set since the last rotation applies to it as well.
        previousSecret: previous === null ? null : settings.box.seal(ctx.tenantId, id, previous),
        previousSecretExpiresAt: previous === null ? null : new Date(now.getTime() + PREVIOUS_SECRET_TTL_MS),
        updatedAt: now,
      })
      .where(and(eq(webhookEndpoints.tenantId, ctx.tenantId), eq(webhookEndpoints.id, id)))
      .returning();
    return { ...presentEndpoint(row!), secret };
  });
}

async function attemptsOf(tx: Tx, tenantId: string, deliveryIds: string[]) {
  if (deliveryIds.length === 0) return new Map<string, AttemptRow[]>();
  const rows = await tx
    .select()
    .from(webhookDeliveryAttempts)
    .where(
      and(
        eq(webhookDeliveryAttempts.tenantId, tenantId),
        inArray(webhookDeliveryAttempts.deliveryId, deliveryIds),
      ),
    )
    .orderBy(asc(webhookDeliveryAttempts.deliveryId), asc(webhookDeliveryAttempts.attempt));
  const out = new Map<string, AttemptRow[]>();
  for (const r of rows) out.set(r.deliveryId, [...(out.get(r.deliveryId) ?? []), r]);
  return out;
}

/** New deliveries of one event, due now, in the caller's tenant transaction. */
async function insertDeliveries(
  tx: Tx,
  ctx: Pick<TenantCtx, 'tenantId' | 'clock'>,
  event: { id: string; type: string },
  endpointIds: string[],
) {
  if (endpointIds.length === 0) return [];
  const now = ctx.clock.now();
  const rows = await tx
    .insert(webhookDeliveries)
    .values(
      endpointIds.map((endpointId) => ({
        tenantId: ctx.tenantId,
        id: newId('webhookDelivery'),
        endpointId,
        eventId: event.id,
        eventType: event.type,
        nextAttemptAt: now,
        createdAt: now,
      })),
    )
    .returning();
  await wakeDispatchers(tx);
  return rows.map((r) => presentDelivery(r, []));
}

/** Sends a `webhook_endpoint.tested` event to this endpoint only. */
export async function sendTestEvent(ctx: TenantCtx, id: string) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const endpoint = await requireEndpoint(tx, ctx.tenantId, id);
    requireEnabled(endpoint);
    const event = await recordEvent(tx, ctx, {
      type: 'webhook_endpoint.tested',
      object: presentEndpoint(endpoint),
      skipFanOut: true,
    });
    const [delivery] = await insertDeliveries(tx, ctx, event, [endpoint.id]);
    return delivery!;
  });
}

/**
 * Delivers an event again: to one endpoint (any enabled one, whatever its filter), or to every
 * enabled endpoint whose filter matches. Receivers see the same `webhook-id`.
 */
export async function redeliverEvent(
  ctx: TenantCtx,
  eventId: string,
  input: { endpoint_id?: string | undefined },
) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const [event] = await tx
      .select({ id: events.id, type: events.type })
      .from(events)
      .where(and(eq(events.tenantId, ctx.tenantId), eq(events.id, eventId)));
    if (!event) throw notFound('event', eventId);
    let targets: string[];
    if (input.endpoint_id) {
      const endpoint = await findEndpoint(tx, ctx.tenantId, input.endpoint_id);
      if (!endpoint) throw invalidReference('webhook_endpoint', input.endpoint_id, 'body.endpoint_id');
      requireEnabled(endpoint);
      targets = [endpoint.id];
    } else {
      const endpoints = await tx
        .select({ id: webhookEndpoints.id, enabledEvents: webhookEndpoints.enabledEvents })
        .from(webhookEndpoints)
        .where(and(eq(webhookEndpoints.tenantId, ctx.tenantId), eq(webhookEndpoints.status, 'enabled')));
      targets = endpoints.filter((e) => matchesEventFilter(e.enabledEvents, event.type)).map((e) => e.id);
    }
    const data = await insertDeliveries(tx, ctx, event, targets);
    return { object: 'list' as const, data, has_more: false, next_cursor: null };
  });
}

/** Days of failures `recover` looks back by default: as long as events are kept. */
export const RECOVER_DEFAULT_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;

/** Queues every failed delivery of the endpoint created since `since` again, from attempt one. */
export async function recoverEndpoint(ctx: TenantCtx, id: string, input: { since?: Date | undefined }) {
  const now = ctx.clock.now();
  const since = input.since ?? new Date(now.getTime() - RECOVER_DEFAULT_WINDOW_MS);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const endpoint = await requireEndpoint(tx, ctx.tenantId, id);
    requireEnabled(endpoint);
    const requeued = await tx
      .update(webhookDeliveries)
      .set({ status: 'pending', retryStep: 0, nextAttemptAt: now, completedAt: null })
      .where(
        and(
          eq(webhookDeliveries.tenantId, ctx.tenantId),
          eq(webhookDeliveries.endpointId, id),
          eq(webhookDeliveries.status, 'failed'),
          gte(webhookDeliveries.createdAt, since),
        ),
      )
      .returning({ id: webhookDeliveries.id });
    if (requeued.length) await wakeDispatchers(tx);
    return {
      object: 'webhook_recovery' as const,
      endpoint_id: id,
      since: iso(since)!,
      requeued: requeued.length,
    };
  });
}

export async function listDeliveries(
  ctx: TenantCtx,
  query: ListQuery & {
    endpoint_id?: string | undefined;
    event_id?: string | undefined;
    status?: DeliveryRow['status'] | undefined;
  },
) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(webhookDeliveries)
      .where(
        and(
          eq(webhookDeliveries.tenantId, ctx.tenantId),
          query.endpoint_id ? eq(webhookDeliveries.endpointId, query.endpoint_id) : undefined,
          query.event_id ? eq(webhookDeliveries.eventId, query.event_id) : undefined,
          query.status ? eq(webhookDeliveries.status, query.status) : undefined,
          after ? lt(webhookDeliveries.id, after) : undefined,
        ),
      )
      .orderBy(desc(webhookDeliveries.id))
      .limit(query.limit + 1);
    const attempts = await attemptsOf(
      tx,
      ctx.tenantId,
      rows.slice(0, query.limit).map((r) => r.id),
    );
    return pageOf(rows, query.limit, (r) => presentDelivery(r, attempts.get(r.id) ?? []));
  });
}

export async function getDelivery(ctx: TenantCtx, id: string) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const [row] = await tx
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.tenantId, ctx.tenantId), eq(webhookDeliveries.id, id)));
    if (!row) throw notFound('webhook_delivery', id);
    const attempts = await attemptsOf(tx, ctx.tenantId, [id]);
    return presentDelivery(row, attempts.get(id) ?? []);
  });
}

/** The body every endpoint receives for an event (built once per event per batch). */
export function eventBody(row: typeof events.$inferSelect): string {
  return JSON.stringify(presentEvent(row));
}

import { sql } from 'drizzle-orm';
import { check, foreignKey, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { tenantIdColumn, timestampColumn, timestamps } from '../../db/columns';
import { events } from '../events/tables';

export const ENDPOINT_STATUSES = ['enabled', 'disabled'] as const;
/** Why an endpoint is disabled: by its owner, answered 410 Gone, or failed for 5 days. */
export const DISABLED_REASONS = ['manual', 'gone', 'failing'] as const;
export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

/**
 * Where a tenant receives events. The signing secret is stored so the dispatcher can sign
 * (sealed with AES-256-GCM when WEBHOOK_SECRET_KEY is set; see secret-box.ts). During a
 * rotation the previous secret signs too, until `previous_secret_expires_at`.
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    url: text('url').notNull(),
    description: text('description'),
    /** Event types to deliver: exact (`order.paid`), a prefix (`order.*`) or all (`*`). */
    enabledEvents: text('enabled_events').array().notNull(),
    status: text('status', { enum: ENDPOINT_STATUSES }).notNull().default('enabled'),
    disabledReason: text('disabled_reason', { enum: DISABLED_REASONS }),
    disabledAt: timestampColumn('disabled_at'),
    secret: text('secret').notNull(),
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: timestampColumn('previous_secret_expires_at'),
    /** The first failed attempt since the last success; 5 days of it disables the endpoint. */
    failingSince: timestampColumn('failing_since'),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    check('webhook_endpoints_status_check', sql`${t.status} in ('enabled', 'disabled')`),
    check(
      'webhook_endpoints_disabled_check',
      sql`(${t.status} = 'enabled' and ${t.disabledReason} is null)
        or (${t.status} = 'disabled' and ${t.disabledReason} in ('manual', 'gone', 'failing'))`,
    ),
  ],
);

/**
 * One event to one endpoint (and one per replay). A queue row as well: claimed across tenants
 * by the worker role with SKIP LOCKED; while an attempt is in flight `next_attempt_at` is the
 * end of its lease, so a crashed worker's deliveries fall due again by themselves.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    endpointId: text('endpoint_id').notNull(),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    status: text('status', { enum: DELIVERY_STATUSES }).notNull().default('pending'),
    /** Attempts claimed so far (each claim takes the next number, so attempts never collide). */
    attemptCount: integer('attempt_count').notNull().default(0),
    /** Failed attempts in the current round of the retry schedule (a recovery starts a new one). */
    retryStep: integer('retry_step').notNull().default(0),
    nextAttemptAt: timestampColumn('next_attempt_at').notNull(),
    lastAttemptAt: timestampColumn('last_attempt_at'),
    lastStatusCode: integer('last_status_code'),
    lastErrorCode: text('last_error_code'),
    completedAt: timestampColumn('completed_at'),
    createdAt: timestampColumn('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({
      columns: [t.tenantId, t.endpointId],
      foreignColumns: [webhookEndpoints.tenantId, webhookEndpoints.id],
    }).onDelete('cascade'),
    foreignKey({ columns: [t.tenantId, t.eventId], foreignColumns: [events.tenantId, events.id] }),
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index('webhook_deliveries_endpoint_idx').on(t.tenantId, t.endpointId, t.id),
    index('webhook_deliveries_event_idx').on(t.tenantId, t.eventId, t.id),
    check('webhook_deliveries_status_check', sql`${t.status} in ('pending', 'succeeded', 'failed')`),
  ],
);

/**
 * Every HTTP attempt of a delivery: when, the answer, how long, and what went wrong. A log,
 * written only together with its delivery (recordOutcomes, which holds the delivery's row lock)
 * and deleted with it (deleteEndpoint), so it carries no foreign key: a per-row FK check is the
 * costliest part of recording at thousands of deliveries a second, and PostgreSQL caches a
 * sequential-scan plan for it while the table is young.
 */
export const webhookDeliveryAttempts = pgTable(
  'webhook_delivery_attempts',
  {
    tenantId: tenantIdColumn(),
    deliveryId: text('delivery_id').notNull(),
    attempt: integer('attempt').notNull(),
    attemptedAt: timestampColumn('attempted_at').notNull(),
    statusCode: integer('status_code'),
    latencyMs: integer('latency_ms').notNull(),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    responseSnippet: text('response_snippet'),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.deliveryId, t.attempt] })],
);

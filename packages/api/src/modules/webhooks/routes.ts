import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantCtx } from '../../http/context';
import { listOf, listQuerySchema } from '../../http/pagination';
import {
  idParams,
  metadataPatchSchema,
  metadataSchema,
  timestampInput,
  timestampSchema,
} from '../../http/schemas';
import { EVENT_FILTER_PATTERN } from './rules';
import {
  createEndpoint,
  deleteEndpoint,
  getDelivery,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  recoverEndpoint,
  redeliverEvent,
  rotateEndpointSecret,
  sendTestEvent,
  updateEndpoint,
} from './service';
import { DELIVERY_STATUSES, DISABLED_REASONS } from './tables';

const urlSchema = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .describe('Where to POST events: https (plain http only where private networks are allowed).');
const enabledEventsSchema = z
  .array(
    z
      .string()
      .max(100)
      .regex(EVENT_FILTER_PATTERN, 'Use an event type (order.paid), a prefix wildcard (order.*) or *'),
  )
  .min(1)
  .max(100)
  .describe('Event types to receive: exact (`order.paid`), a prefix wildcard (`order.*`), or `*` for all.');
const descriptionSchema = z.string().trim().max(500).nullable();

const endpointSchema = z
  .object({
    id: z.string(),
    object: z.literal('webhook_endpoint'),
    url: z.string(),
    description: z.string().nullable(),
    enabled_events: z.array(z.string()),
    enabled: z.boolean(),
    status: z.enum(['enabled', 'disabled']),
    disabled_reason: z
      .enum(DISABLED_REASONS)
      .nullable()
      .describe('`manual` (by you), `gone` (it answered 410), `failing` (every attempt failed for 5 days).'),
    disabled_at: timestampSchema.nullable(),
    failing_since: timestampSchema.nullable().describe('First failed attempt since the last success.'),
    previous_secret_expires_at: timestampSchema
      .nullable()
      .describe('Until then, deliveries are signed with the previous secret as well.'),
    metadata: z.record(z.string(), z.string()),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'WebhookEndpoint' });

const endpointWithSecretSchema = endpointSchema
  .extend({
    secret: z
      .string()
      .describe('The signing secret (`whsec_…`). Shown only here: store it now; it is never shown again.'),
  })
  .meta({ id: 'WebhookEndpointWithSecret' });

const attemptSchema = z.object({
  attempt: z.number().int(),
  attempted_at: timestampSchema,
  status_code: z.number().int().nullable(),
  latency_ms: z.number().int(),
  error_code: z
    .string()
    .nullable()
    .describe(
      '`http_error`, `redirect_not_followed`, `timeout`, `connection_failed`, `dns_failed`, `address_not_allowed`, `tls_error`, `secret_unavailable`.',
    ),
  error_message: z.string().nullable(),
  response_snippet: z.string().nullable().describe('The first 1 KiB of the response body.'),
});

const deliverySchema = z
  .object({
    id: z.string(),
    object: z.literal('webhook_delivery'),
    endpoint_id: z.string(),
    event_id: z.string().describe('Also the `webhook-id` header: the same on every retry and replay.'),
    event_type: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempt_count: z.number().int(),
    next_attempt_at: timestampSchema.nullable(),
    last_attempt_at: timestampSchema.nullable(),
    last_status_code: z.number().int().nullable(),
    last_error_code: z.string().nullable(),
    completed_at: timestampSchema.nullable(),
    created_at: timestampSchema,
    attempts: z.array(attemptSchema),
  })
  .meta({ id: 'WebhookDelivery' });

const deletedSchema = z
  .object({ id: z.string(), object: z.literal('webhook_endpoint'), deleted: z.literal(true) })
  .meta({ id: 'DeletedWebhookEndpoint' });

const recoverySchema = z
  .object({
    object: z.literal('webhook_recovery'),
    endpoint_id: z.string(),
    since: timestampSchema,
    requeued: z.number().int().describe('Failed deliveries queued again.'),
  })
  .meta({ id: 'WebhookRecovery' });

const WRITE = { auth: ['secret'] as const, scope: 'webhooks:write' as const };
const READ = { auth: ['secret'] as const, scope: 'webhooks:read' as const };

export const webhookRoutes: FastifyPluginAsyncZod = async (app) => {
  const settings = () => app.webhooks.settings;

  app.post(
    '/v1/webhook_endpoints',
    {
      schema: {
        operationId: 'createWebhookEndpoint',
        tags: ['Webhooks'],
        summary: 'Create a webhook endpoint',
        description:
          'Events are POSTed to the URL, signed per Standard Webhooks (verify with `@mujiang/webhooks`). The response carries the signing `secret`, shown only once.',
        body: z.strictObject({
          url: urlSchema,
          enabled_events: enabledEventsSchema.default(['*']),
          description: descriptionSchema.optional(),
          enabled: z.boolean().optional().describe('Default true.'),
          metadata: metadataSchema.optional(),
        }),
        response: { 201: endpointWithSecretSchema },
      },
      config: WRITE,
    },
    async (request, reply) =>
      reply.code(201).send(await createEndpoint(tenantCtx(request), request.body, settings())),
  );

  app.get(
    '/v1/webhook_endpoints',
    {
      schema: {
        operationId: 'listWebhookEndpoints',
        tags: ['Webhooks'],
        summary: 'List webhook endpoints',
        querystring: listQuerySchema,
        response: { 200: listOf(endpointSchema) },
      },
      config: READ,
    },
    async (request) => listEndpoints(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/webhook_endpoints/:id',
    {
      schema: {
        operationId: 'getWebhookEndpoint',
        tags: ['Webhooks'],
        summary: 'Retrieve a webhook endpoint',
        params: idParams('we'),
        response: { 200: endpointSchema },
      },
      config: READ,
    },
    async (request) => getEndpoint(tenantCtx(request), request.params.id),
  );

  app.patch(
    '/v1/webhook_endpoints/:id',
    {
      schema: {
        operationId: 'updateWebhookEndpoint',
        tags: ['Webhooks'],
        summary: 'Update a webhook endpoint',
        description:
          'Set `enabled: true` to re-enable a disabled endpoint (then `recover` its failed deliveries). Metadata merges key by key.',
        params: idParams('we'),
        body: z.strictObject({
          url: urlSchema.optional(),
          enabled_events: enabledEventsSchema.optional(),
          description: descriptionSchema.optional(),
          enabled: z.boolean().optional(),
          metadata: metadataPatchSchema.optional(),
        }),
        response: { 200: endpointSchema },
      },
      config: WRITE,
    },
    async (request) => updateEndpoint(tenantCtx(request), request.params.id, request.body, settings()),
  );

  app.delete(
    '/v1/webhook_endpoints/:id',
    {
      schema: {
        operationId: 'deleteWebhookEndpoint',
        tags: ['Webhooks'],
        summary: 'Delete a webhook endpoint',
        description: 'Deletes its delivery log too; pending deliveries are dropped.',
        params: idParams('we'),
        response: { 200: deletedSchema },
      },
      config: WRITE,
    },
    async (request) => deleteEndpoint(tenantCtx(request), request.params.id),
  );

  app.post(
    '/v1/webhook_endpoints/:id/rotate_secret',
    {
      schema: {
        operationId: 'rotateWebhookEndpointSecret',
        tags: ['Webhooks'],
        summary: 'Rotate the signing secret',
        description:
          'Returns a new secret, shown once. For 24 h every delivery carries signatures with both the new and the previous secret, so receivers can switch without missing one.',
        params: idParams('we'),
        body: z.strictObject({}).nullish(),
        response: { 200: endpointWithSecretSchema },
      },
      config: WRITE,
    },
    async (request) => rotateEndpointSecret(tenantCtx(request), request.params.id, settings()),
  );

  app.post(
    '/v1/webhook_endpoints/:id/test',
    {
      schema: {
        operationId: 'testWebhookEndpoint',
        tags: ['Webhooks'],
        summary: 'Send a test event',
        description:
          'Sends a `webhook_endpoint.tested` event to this endpoint only; follow it in the returned delivery.',
        params: idParams('we'),
        body: z.strictObject({}).nullish(),
        response: { 201: deliverySchema },
      },
      config: WRITE,
    },
    async (request, reply) =>
      reply.code(201).send(await sendTestEvent(tenantCtx(request), request.params.id)),
  );

  app.post(
    '/v1/webhook_endpoints/:id/recover',
    {
      schema: {
        operationId: 'recoverWebhookEndpoint',
        tags: ['Webhooks'],
        summary: 'Retry the failed deliveries of an endpoint',
        description:
          'Queues every failed delivery of this endpoint created since `since` (default: 30 days ago) again, starting the retry schedule afresh.',
        params: idParams('we'),
        body: z.strictObject({ since: timestampInput.optional() }).nullish(),
        response: { 200: recoverySchema },
      },
      config: WRITE,
    },
    async (request) => recoverEndpoint(tenantCtx(request), request.params.id, { since: request.body?.since }),
  );

  app.post(
    '/v1/events/:id/redeliver',
    {
      schema: {
        operationId: 'redeliverEvent',
        tags: ['Webhooks'],
        summary: 'Deliver an event again',
        description:
          'To one endpoint (`endpoint_id`, whatever its filter) or to every enabled endpoint whose filter matches. Receivers see the same `webhook-id` as before.',
        params: idParams('evt'),
        body: z.strictObject({ endpoint_id: z.string().max(64).optional() }).nullish(),
        response: { 201: listOf(deliverySchema) },
      },
      config: WRITE,
    },
    async (request, reply) => {
      const input = { endpoint_id: request.body?.endpoint_id };
      return reply.code(201).send(await redeliverEvent(tenantCtx(request), request.params.id, input));
    },
  );

  app.get(
    '/v1/webhook_deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        tags: ['Webhooks'],
        summary: 'List webhook deliveries',
        description: 'Newest first, each with its attempts.',
        querystring: listQuerySchema.extend({
          endpoint_id: z.string().max(64).optional(),
          event_id: z.string().max(64).optional(),
          status: z.enum(DELIVERY_STATUSES).optional(),
        }),
        response: { 200: listOf(deliverySchema) },
      },
      config: READ,
    },
    async (request) => listDeliveries(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/webhook_deliveries/:id',
    {
      schema: {
        operationId: 'getWebhookDelivery',
        tags: ['Webhooks'],
        summary: 'Retrieve a webhook delivery',
        params: idParams('whd'),
        response: { 200: deliverySchema },
      },
      config: READ,
    },
    async (request) => getDelivery(tenantCtx(request), request.params.id),
  );
};

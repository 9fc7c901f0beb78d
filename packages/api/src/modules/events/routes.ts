import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantCtx } from '../../http/context';
import { listOf, listQuerySchema } from '../../http/pagination';
import { idParams, timestampSchema } from '../../http/schemas';
import { getEvent, listEvents } from './service';

export const eventSchema = z
  .object({
    id: z.string(),
    object: z.literal('event'),
    type: z.string().describe('`resource.verb_past`, e.g. `order.paid`.'),
    created_at: timestampSchema,
    object_seq: z
      .number()
      .int()
      .describe('Numbers the events of one object (1, 2, …): order them by it, not by arrival.'),
    data: z.object({
      object: z.record(z.string(), z.unknown()).describe('The object as it was after the change.'),
    }),
  })
  .meta({ id: 'Event' });

/** The outbox as integrators read it; kept at least 30 days. Webhooks deliver the same objects. */
export const eventRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/events',
    {
      schema: {
        operationId: 'listEvents',
        tags: ['Events'],
        summary: 'List events',
        description: 'Newest first; events are kept for at least 30 days.',
        querystring: listQuerySchema.extend({
          type: z.string().max(100).optional().describe('Only events of this type, e.g. `order.paid`.'),
          object_id: z.string().max(64).optional().describe('Only events about this object.'),
        }),
        response: { 200: listOf(eventSchema) },
      },
      config: { auth: ['secret'], scope: 'events:read' },
    },
    async (request) => listEvents(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/events/:id',
    {
      schema: {
        operationId: 'getEvent',
        tags: ['Events'],
        summary: 'Retrieve an event',
        params: idParams('evt'),
        response: { 200: eventSchema },
      },
      config: { auth: ['secret'], scope: 'events:read' },
    },
    async (request) => getEvent(tenantCtx(request), request.params.id),
  );
};

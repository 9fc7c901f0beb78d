import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantCtx } from '../../http/context';
import { listOf, listQuerySchema } from '../../http/pagination';
import { idParams, timestampSchema } from '../../http/schemas';
import {
  createBinding,
  EXPIRE_BINDING_JOB,
  expireBindingJob,
  getBinding,
  listBindings,
  releaseBinding,
} from './service';
import { BINDING_SOURCES, BINDING_STATUSES } from './tables';

const bindingSchema = z
  .object({
    id: z.string(),
    object: z.literal('customer_binding'),
    customer_id: z.string(),
    promoter_id: z.string(),
    source: z.enum(BINDING_SOURCES),
    status: z.enum(BINDING_STATUSES),
    starts_at: timestampSchema,
    expires_at: timestampSchema,
    ended_at: timestampSchema.nullable(),
    created_at: timestampSchema,
  })
  .meta({ id: 'CustomerBinding' });

export const bindingRoutes: FastifyPluginAsyncZod = async (app) => {
  app.jobs.register(EXPIRE_BINDING_JOB, expireBindingJob);

  app.post(
    '/v1/customer_bindings',
    {
      schema: {
        operationId: 'createCustomerBinding',
        tags: ['Customer bindings'],
        summary: 'Bind a customer to a promoter',
        description:
          "Protects the customer for the tenant's `binding_days`. Binding again by the same promoter renews the period; another promoter's binding in force answers 409 customer_already_bound. A promoter token binds to itself.",
        body: z.strictObject({
          customer_id: z.string().max(64),
          promoter_id: z.string().max(64).optional().describe('Required with a secret key.'),
        }),
        response: { 201: bindingSchema },
      },
      config: { auth: ['secret', 'promoter'], scope: 'customers:write' },
    },
    async (request, reply) => reply.code(201).send(await createBinding(tenantCtx(request), request.body)),
  );

  app.get(
    '/v1/customer_bindings',
    {
      schema: {
        operationId: 'listCustomerBindings',
        tags: ['Customer bindings'],
        summary: 'List customer bindings',
        querystring: listQuerySchema.extend({
          customer_id: z.string().max(64).optional(),
          promoter_id: z.string().max(64).optional(),
          status: z.enum(BINDING_STATUSES).optional(),
        }),
        response: { 200: listOf(bindingSchema) },
      },
      config: { auth: ['secret', 'promoter'], scope: 'customers:read' },
    },
    async (request) => listBindings(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/customer_bindings/:id',
    {
      schema: {
        operationId: 'getCustomerBinding',
        tags: ['Customer bindings'],
        summary: 'Retrieve a customer binding',
        params: idParams('bnd'),
        response: { 200: bindingSchema },
      },
      config: { auth: ['secret', 'promoter'], scope: 'customers:read' },
    },
    async (request) => getBinding(tenantCtx(request), request.params.id),
  );

  app.post(
    '/v1/customer_bindings/:id/release',
    {
      schema: {
        operationId: 'releaseCustomerBinding',
        tags: ['Customer bindings'],
        summary: 'Release a binding before it expires',
        params: idParams('bnd'),
        response: { 200: bindingSchema },
      },
      config: { auth: ['secret'], scope: 'customers:write' },
    },
    async (request) => releaseBinding(tenantCtx(request), request.params.id),
  );
};

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantCtx } from '../../http/context';
import { listOf, listQuerySchema } from '../../http/pagination';
import { idParams, metadataPatchSchema, metadataSchema, timestampSchema } from '../../http/schemas';
import { createCustomer, getCustomer, listCustomers, updateCustomer } from './service';

const phoneSchema = z.string().regex(/^\+?[0-9][0-9 -]{4,19}$/, 'Use digits, optionally with + and spaces');
const tagSchema = z.string().trim().min(1).max(40);

const addressSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  phone: phoneSchema,
  province: z.string().trim().min(1).max(50),
  city: z.string().trim().min(1).max(50),
  district: z.string().trim().max(50).optional(),
  line1: z.string().trim().min(1).max(200),
  line2: z.string().trim().max(200).optional(),
  postal_code: z
    .string()
    .regex(/^[0-9A-Za-z -]{3,10}$/)
    .optional(),
  is_default: z.boolean().optional(),
});

const customerSchema = z
  .object({
    id: z.string(),
    object: z.literal('customer'),
    name: z.string().nullable(),
    phone: z.string().nullable(),
    email: z.string().nullable(),
    external_id: z.string().nullable().describe('Your own id, e.g. a WeChat unionid.'),
    addresses: z.array(addressSchema.meta({ id: 'Address' })),
    tags: z.array(z.string()),
    metadata: z.record(z.string(), z.string()),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Customer' });

const fields = {
  name: z.string().trim().min(1).max(100),
  phone: phoneSchema,
  email: z.email().max(254),
  external_id: z.string().trim().min(1).max(128),
  addresses: z.array(addressSchema).max(20),
  tags: z.array(tagSchema).max(50),
};

export const customerRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/customers',
    {
      schema: {
        operationId: 'createCustomer',
        tags: ['Customers'],
        summary: 'Create a customer',
        description:
          'With a promoter token the customer is bound to that promoter; an existing customer with the same phone, email or external id is bound instead (200), unless another promoter holds it (409 customer_already_bound).',
        body: z.strictObject({
          name: fields.name.optional(),
          phone: fields.phone.optional(),
          email: fields.email.optional(),
          external_id: fields.external_id.optional(),
          addresses: fields.addresses.optional(),
          tags: fields.tags.optional(),
          metadata: metadataSchema.optional(),
        }),
        response: { 200: customerSchema, 201: customerSchema },
      },
      config: { auth: ['secret', 'promoter'], scope: 'customers:write' },
    },
    async (request, reply) => {
      const { customer, created } = await createCustomer(tenantCtx(request), request.body);
      return reply.code(created ? 201 : 200).send(customer);
    },
  );

  app.get(
    '/v1/customers',
    {
      schema: {
        operationId: 'listCustomers',
        tags: ['Customers'],
        summary: 'List customers',
        description: 'With a promoter token: the customers bound to that promoter now.',
        querystring: listQuerySchema.extend({
          tag: tagSchema.optional(),
          phone: z.string().max(30).optional(),
          email: z.string().max(254).optional(),
          external_id: z.string().max(128).optional(),
        }),
        response: { 200: listOf(customerSchema) },
      },
      config: { auth: ['secret', 'promoter'], scope: 'customers:read' },
    },
    async (request) => listCustomers(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/customers/:id',
    {
      schema: {
        operationId: 'getCustomer',
        tags: ['Customers'],
        summary: 'Retrieve a customer',
        params: idParams('cus'),
        response: { 200: customerSchema },
      },
      config: { auth: ['secret', 'promoter'], scope: 'customers:read' },
    },
    async (request) => getCustomer(tenantCtx(request), request.params.id),
  );

  app.patch(
    '/v1/customers/:id',
    {
      schema: {
        operationId: 'updateCustomer',
        tags: ['Customers'],
        summary: 'Update a customer',
        description:
          'A promoter token may only change `tags` of its own customers. `addresses` and `tags` replace the lists.',
        params: idParams('cus'),
        body: z.strictObject({
          name: fields.name.nullable().optional(),
          phone: fields.phone.nullable().optional(),
          email: fields.email.nullable().optional(),
          external_id: fields.external_id.nullable().optional(),
          addresses: fields.addresses.optional(),
          tags: fields.tags.optional(),
          metadata: metadataPatchSchema.optional(),
        }),
        response: { 200: customerSchema },
      },
      config: { auth: ['secret', 'promoter'], scope: 'customers:write' },
    },
    async (request) => updateCustomer(tenantCtx(request), request.params.id, request.body),
  );
};

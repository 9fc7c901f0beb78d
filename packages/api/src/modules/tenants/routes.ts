import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { platformCtx, tenantCtx } from '../../http/context';
import { listOf, listQuerySchema } from '../../http/pagination';
import {
  idParams,
  metadataPatchSchema,
  metadataSchema,
  nameSchema,
  timestampSchema,
} from '../../http/schemas';
import { amountSchema, currencySchema } from '../../lib/money';
import { apiKeyWithSecretSchema, createApiKeyBody } from '../api-keys/schemas';
import type { Scope } from '../auth/principal';
import {
  createPartner,
  createTenant,
  createTenantApiKey,
  getCurrentTenant,
  getPartner,
  getTenant,
  listPartners,
  listTenants,
  setTenantStatus,
  updatePartner,
  updateTenant,
} from './service';

const settingsInput = z.strictObject({
  currency: currencySchema.optional(),
  binding_days: z.number().int().min(1).max(3650).optional().describe('Customer binding protection period.'),
  payment_timeout_minutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .optional()
    .describe('Unpaid orders are cancelled after this.'),
  auto_complete_days: z
    .number()
    .int()
    .min(1)
    .max(90)
    .optional()
    .describe('Shipped orders complete by themselves after this.'),
  return_window_days: z
    .number()
    .int()
    .min(0)
    .max(90)
    .optional()
    .describe('Return window after completion (default 7).'),
  cart_ttl_days: z
    .number()
    .int()
    .min(1)
    .max(90)
    .optional()
    .describe('Carts expire this long after their last change.'),
  commission_cap_bps: z
    .number()
    .int()
    .min(0)
    .max(10_000)
    .optional()
    .describe('Cap on the commission of one order line, in basis points of its amount (default 5000 = 50%).'),
  min_payout: amountSchema
    .optional()
    .describe(
      'Minimum settlement payout per promoter (minor units); smaller balances carry over (default 0).',
    ),
  member_growth_per_unit: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .optional()
    .describe('Member growth value per ¥1 (100 minor units) of goods paid (default 1; 0: off).'),
});

const tenantSchema = z
  .object({
    id: z.string(),
    object: z.literal('tenant'),
    name: z.string(),
    status: z.enum(['active', 'suspended']),
    partner_id: z.string().nullable(),
    settings: z.object({
      currency: z.string(),
      binding_days: z.number().int(),
      payment_timeout_minutes: z.number().int(),
      auto_complete_days: z.number().int(),
      return_window_days: z.number().int(),
      cart_ttl_days: z.number().int(),
      commission_cap_bps: z.number().int(),
      min_payout: z.number().int(),
      member_growth_per_unit: z.number().int(),
    }),
    metadata: z.record(z.string(), z.string()),
    suspended_at: timestampSchema.nullable(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Tenant' });

const partnerSchema = z
  .object({
    id: z.string(),
    object: z.literal('partner'),
    name: z.string(),
    status: z.enum(['active', 'suspended']),
    redacted_token: z.string(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Partner' });

const PLATFORM = ['platform', 'partner'] as const;

export const tenantRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/tenants',
    {
      schema: {
        operationId: 'createTenant',
        tags: ['Tenants'],
        summary: 'Create a tenant',
        description:
          'Creates a tenant and its first secret key, returned once in `api_key.secret`. A partner token creates tenants it then manages.',
        body: z.strictObject({
          name: nameSchema,
          settings: settingsInput.optional(),
          metadata: metadataSchema.optional(),
        }),
        response: {
          201: tenantSchema.extend({ api_key: apiKeyWithSecretSchema }).meta({ id: 'TenantWithApiKey' }),
        },
      },
      config: { auth: PLATFORM },
    },
    async (request, reply) => reply.code(201).send(await createTenant(platformCtx(request), request.body)),
  );

  app.get(
    '/v1/tenants',
    {
      schema: {
        operationId: 'listTenants',
        tags: ['Tenants'],
        summary: 'List tenants',
        description: 'The platform sees every tenant; a partner sees the tenants it created.',
        querystring: listQuerySchema.extend({ status: z.enum(['active', 'suspended']).optional() }),
        response: { 200: listOf(tenantSchema) },
      },
      config: { auth: PLATFORM },
    },
    async (request) => listTenants(platformCtx(request), request.query),
  );

  app.get(
    '/v1/tenants/:id',
    {
      schema: {
        operationId: 'getTenant',
        tags: ['Tenants'],
        summary: 'Retrieve a tenant',
        params: idParams('ten'),
        response: { 200: tenantSchema },
      },
      config: { auth: PLATFORM },
    },
    async (request) => getTenant(platformCtx(request), request.params.id),
  );

  app.patch(
    '/v1/tenants/:id',
    {
      schema: {
        operationId: 'updateTenant',
        tags: ['Tenants'],
        summary: 'Update a tenant',
        params: idParams('ten'),
        body: z.strictObject({
          name: nameSchema.optional(),
          settings: settingsInput.optional(),
          metadata: metadataPatchSchema.optional(),
        }),
        response: { 200: tenantSchema },
      },
      config: { auth: PLATFORM },
    },
    async (request) => updateTenant(platformCtx(request), request.params.id, request.body),
  );

  for (const [action, status] of [
    ['suspend', 'suspended'],
    ['reactivate', 'active'],
  ] as const) {
    app.post(
      `/v1/tenants/:id/${action}`,
      {
        schema: {
          operationId: `${action}Tenant`,
          tags: ['Tenants'],
          summary: action === 'suspend' ? 'Suspend a tenant' : 'Reactivate a tenant',
          description:
            action === 'suspend'
              ? "A suspended tenant's keys are refused with 403 `tenant_suspended`; its data is kept."
              : 'Its keys work again.',
          params: idParams('ten'),
          response: { 200: tenantSchema },
        },
        config: { auth: PLATFORM },
      },
      async (request) => {
        const tenant = await setTenantStatus(platformCtx(request), request.params.id, status);
        request.server.authCache.forgetTenant(tenant.id);
        return tenant;
      },
    );
  }

  app.post(
    '/v1/tenants/:id/api_keys',
    {
      schema: {
        operationId: 'createTenantApiKey',
        tags: ['Tenants'],
        summary: 'Mint an API key for a tenant',
        description: 'For the platform, and for a partner on the tenants it manages.',
        params: idParams('ten'),
        body: createApiKeyBody,
        response: { 201: apiKeyWithSecretSchema },
      },
      config: { auth: PLATFORM },
    },
    async (request, reply) => {
      const body = { ...request.body, scopes: request.body.scopes as Scope[] | undefined };
      return reply.code(201).send(await createTenantApiKey(platformCtx(request), request.params.id, body));
    },
  );

  app.get(
    '/v1/tenant',
    {
      schema: {
        operationId: 'getCurrentTenant',
        tags: ['Tenants'],
        summary: "Retrieve the calling key's tenant",
        response: { 200: tenantSchema },
      },
      config: { auth: ['secret'], scope: 'tenant:read' },
    },
    async (request) => getCurrentTenant(tenantCtx(request)),
  );

  // Partners: the platform's agencies.
  app.post(
    '/v1/partners',
    {
      schema: {
        operationId: 'createPartner',
        tags: ['Partners'],
        summary: 'Create a partner (agency)',
        description: 'The response carries the partner token in `token`, shown once.',
        body: z.strictObject({ name: nameSchema }),
        response: { 201: partnerSchema.extend({ token: z.string() }).meta({ id: 'PartnerWithToken' }) },
      },
      config: { auth: ['platform'] },
    },
    async (request, reply) => reply.code(201).send(await createPartner(platformCtx(request), request.body)),
  );

  app.get(
    '/v1/partners',
    {
      schema: {
        operationId: 'listPartners',
        tags: ['Partners'],
        summary: 'List partners',
        querystring: listQuerySchema,
        response: { 200: listOf(partnerSchema) },
      },
      config: { auth: ['platform'] },
    },
    async (request) => listPartners(platformCtx(request), request.query),
  );

  app.get(
    '/v1/partners/:id',
    {
      schema: {
        operationId: 'getPartner',
        tags: ['Partners'],
        summary: 'Retrieve a partner',
        params: idParams('ptnr'),
        response: { 200: partnerSchema },
      },
      config: { auth: ['platform'] },
    },
    async (request) => getPartner(platformCtx(request), request.params.id),
  );

  app.patch(
    '/v1/partners/:id',
    {
      schema: {
        operationId: 'updatePartner',
        tags: ['Partners'],
        summary: 'Update, suspend or roll the token of a partner',
        description: '`roll_token: true` replaces the token at once and returns the new one in `token`.',
        params: idParams('ptnr'),
        body: z.strictObject({
          name: nameSchema.optional(),
          status: z.enum(['active', 'suspended']).optional(),
          roll_token: z.boolean().optional(),
        }),
        response: { 200: partnerSchema.extend({ token: z.string().optional() }) },
      },
      config: { auth: ['platform'] },
    },
    async (request) => {
      const partner = await updatePartner(platformCtx(request), request.params.id, request.body);
      request.server.authCache.forgetPartner(partner.id);
      return partner;
    },
  );
};

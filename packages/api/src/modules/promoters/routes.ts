import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantCtx } from '../../http/context';
import { listOf, listQuerySchema } from '../../http/pagination';
import {
  idParams,
  metadataPatchSchema,
  metadataSchema,
  nameSchema,
  timestampSchema,
} from '../../http/schemas';
import {
  createPromoter,
  DEFAULT_TOKEN_TTL_SECONDS,
  getPromoter,
  listPromoters,
  MAX_TOKEN_TTL_SECONDS,
  mintPromoterToken,
  updatePromoter,
} from './service';
import { PROMOTER_KINDS, PROMOTER_STATUSES } from './tables';

const phoneSchema = z.string().regex(/^\+?[0-9][0-9 -]{4,19}$/, 'Use digits, optionally with + and spaces');
const levelSchema = z.number().int().min(0).max(100);

const promoterSchema = z
  .object({
    id: z.string(),
    object: z.literal('promoter'),
    kind: z.enum(PROMOTER_KINDS),
    name: z.string(),
    phone: z.string().nullable(),
    status: z.enum(PROMOTER_STATUSES),
    level: z.number().int(),
    location_code: z.string().nullable().describe("A guide's physical store (门店) code."),
    invited_by: z
      .string()
      .nullable()
      .describe('Who recruited this promoter. Recorded only: invitations never pay commission.'),
    external_id: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Promoter' });

export const promoterRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/promoters',
    {
      schema: {
        operationId: 'createPromoter',
        tags: ['Promoters'],
        summary: 'Create a promoter',
        description: 'A shopkeeper (店主), shopping guide (导购) or CPS affiliate who earns commission.',
        body: z.strictObject({
          kind: z.enum(PROMOTER_KINDS),
          name: nameSchema,
          phone: phoneSchema.optional(),
          level: levelSchema.optional(),
          location_code: z.string().trim().min(1).max(64).optional(),
          invited_by: z.string().max(64).optional(),
          external_id: z.string().trim().min(1).max(128).optional(),
          metadata: metadataSchema.optional(),
        }),
        response: { 201: promoterSchema },
      },
      config: { auth: ['secret'], scope: 'promoters:write' },
    },
    async (request, reply) => reply.code(201).send(await createPromoter(tenantCtx(request), request.body)),
  );

  app.get(
    '/v1/promoters',
    {
      schema: {
        operationId: 'listPromoters',
        tags: ['Promoters'],
        summary: 'List promoters',
        description: 'With a promoter token: only that promoter.',
        querystring: listQuerySchema.extend({
          kind: z.enum(PROMOTER_KINDS).optional(),
          status: z.enum(PROMOTER_STATUSES).optional(),
          invited_by: z.string().max(64).optional(),
        }),
        response: { 200: listOf(promoterSchema) },
      },
      config: { auth: ['secret', 'promoter'], scope: 'promoters:read' },
    },
    async (request) => listPromoters(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/promoters/:id',
    {
      schema: {
        operationId: 'getPromoter',
        tags: ['Promoters'],
        summary: 'Retrieve a promoter',
        params: idParams('prm'),
        response: { 200: promoterSchema },
      },
      config: { auth: ['secret', 'promoter'], scope: 'promoters:read' },
    },
    async (request) => getPromoter(tenantCtx(request), request.params.id),
  );

  app.patch(
    '/v1/promoters/:id',
    {
      schema: {
        operationId: 'updatePromoter',
        tags: ['Promoters'],
        summary: 'Update, suspend or terminate a promoter',
        description: 'Suspending or terminating revokes its promoter tokens at once.',
        params: idParams('prm'),
        body: z.strictObject({
          name: nameSchema.optional(),
          phone: phoneSchema.nullable().optional(),
          status: z.enum(PROMOTER_STATUSES).optional(),
          level: levelSchema.optional(),
          location_code: z.string().trim().min(1).max(64).nullable().optional(),
          metadata: metadataPatchSchema.optional(),
        }),
        response: { 200: promoterSchema },
      },
      config: { auth: ['secret'], scope: 'promoters:write' },
    },
    async (request) => {
      const promoter = await updatePromoter(tenantCtx(request), request.params.id, request.body);
      if (promoter.status !== 'active') request.server.authCache.forgetPromoter(promoter.id);
      return promoter;
    },
  );

  app.post(
    '/v1/promoters/:id/tokens',
    {
      schema: {
        operationId: 'createPromoterToken',
        tags: ['Promoters'],
        summary: 'Mint a short-lived promoter token',
        description:
          "Your backend mints it for a guide or shopkeeper app. With it the app manages that promoter's own store, links and customers and reads its own orders and commissions, nothing else. Shown once.",
        params: idParams('prm'),
        body: z
          .strictObject({
            ttl_seconds: z
              .number()
              .int()
              .min(60)
              .max(MAX_TOKEN_TTL_SECONDS)
              .default(DEFAULT_TOKEN_TTL_SECONDS)
              .describe('Lifetime, 60 s to 24 h (default 1 h).'),
          })
          .default({ ttl_seconds: DEFAULT_TOKEN_TTL_SECONDS }),
        response: {
          201: z
            .object({
              id: z.string(),
              object: z.literal('promoter_token'),
              promoter_id: z.string(),
              token: z.string(),
              expires_at: timestampSchema,
            })
            .meta({ id: 'PromoterToken' }),
        },
      },
      config: { auth: ['secret'], scope: 'promoters:write' },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await mintPromoterToken(tenantCtx(request), request.params.id, request.body.ttl_seconds)),
  );
};

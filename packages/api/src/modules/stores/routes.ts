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
import { createStore, getStore, listStores, updateStore } from './service';
import { STORE_KINDS } from './tables';

const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'Use a hex colour such as #C8102E');
const hostname = z
  .string()
  .max(253)
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i,
    'Use a host name such as shop.example.com',
  );

/** White-label theme and domain. Unknown keys are refused so a typo does not pass silently. */
const settingsSchema = z.strictObject({
  display_name: z.string().max(100).nullable().optional(),
  logo_url: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .nullable()
    .optional(),
  primary_color: hexColor.nullable().optional(),
  accent_color: hexColor.nullable().optional(),
  custom_domain: hostname.nullable().optional(),
  url: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .nullable()
    .optional()
    .describe(
      "The storefront's base URL (H5 page or site) where tracking links send buyers; else https://<custom_domain>/.",
    ),
  support_phone: z.string().max(40).nullable().optional(),
});

const storeSchema = z
  .object({
    id: z.string(),
    object: z.literal('store'),
    kind: z.enum(STORE_KINDS),
    name: z.string(),
    owner_promoter_id: z.string().nullable().describe('The shopkeeper who owns a shopkeeper store.'),
    status: z.enum(['active', 'closed']),
    settings: z.record(z.string(), z.unknown()),
    metadata: z.record(z.string(), z.string()),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Store' });

const stripNulls = (o: Record<string, unknown> | undefined) =>
  o ? Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) : undefined;

export const storeRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/stores',
    {
      schema: {
        operationId: 'createStore',
        tags: ['Stores'],
        summary: 'Create a store',
        body: z.strictObject({
          kind: z.enum(STORE_KINDS),
          name: nameSchema,
          owner_promoter_id: z.string().max(64).optional().describe('Required for a shopkeeper store.'),
          settings: settingsSchema.optional(),
          metadata: metadataSchema.optional(),
        }),
        response: { 201: storeSchema },
      },
      config: { auth: ['secret'], scope: 'stores:write' },
    },
    async (request, reply) => {
      const body = request.body;
      const store = await createStore(tenantCtx(request), { ...body, settings: stripNulls(body.settings) });
      return reply.code(201).send(store);
    },
  );

  app.get(
    '/v1/stores',
    {
      schema: {
        operationId: 'listStores',
        tags: ['Stores'],
        summary: 'List stores',
        description: "With a promoter token: the shopkeeper's own store.",
        querystring: listQuerySchema.extend({ kind: z.enum(STORE_KINDS).optional() }),
        response: { 200: listOf(storeSchema) },
      },
      config: { auth: ['secret', 'promoter'], scope: 'stores:read' },
    },
    async (request) => listStores(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/stores/:id',
    {
      schema: {
        operationId: 'getStore',
        tags: ['Stores'],
        summary: 'Retrieve a store',
        params: idParams('store'),
        response: { 200: storeSchema },
      },
      config: { auth: ['secret', 'promoter'], scope: 'stores:read' },
    },
    async (request) => getStore(tenantCtx(request), request.params.id),
  );

  app.patch(
    '/v1/stores/:id',
    {
      schema: {
        operationId: 'updateStore',
        tags: ['Stores'],
        summary: 'Update a store',
        description:
          "Settings and metadata merge key by key; set a key to null to remove it. A shopkeeper's promoter token may update its own store, but not its status.",
        params: idParams('store'),
        body: z.strictObject({
          name: nameSchema.optional(),
          status: z.enum(['active', 'closed']).optional(),
          settings: settingsSchema.optional(),
          metadata: metadataPatchSchema.optional(),
        }),
        response: { 200: storeSchema },
      },
      config: { auth: ['secret', 'promoter'], scope: 'stores:write' },
    },
    async (request) => updateStore(tenantCtx(request), request.params.id, request.body),
  );
};

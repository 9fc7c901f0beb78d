import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantCtx } from '../../http/context';
import { listOf, listQuerySchema } from '../../http/pagination';
import { idParams, timestampSchema } from '../../http/schemas';
import { onCatalogChange } from '../catalog/version';
import { STORE_KINDS } from '../stores/tables';
import { type CachedPage, etagMatches, StorefrontCache } from './cache';
import {
  loadStorefrontProduct,
  loadStorefrontProducts,
  loadStorefrontStore,
  readVersion,
  storeOf,
} from './service';

const storefrontVariantSchema = z.object({
  id: z.string(),
  sku: z.string(),
  options: z.array(z.object({ name: z.string(), value: z.string() })),
  price: z.number().int().describe("The store's price in minor units (分)."),
  currency: z.string(),
  available: z.number().int(),
  in_stock: z.boolean(),
});

const storefrontProductSchema = z
  .object({
    id: z.string(),
    object: z.literal('storefront_product'),
    title: z.string(),
    description: z.string().nullable(),
    handle: z.string().nullable(),
    category_id: z.string().nullable(),
    tags: z.array(z.string()),
    media: z.array(z.string()),
    options: z
      .array(z.object({ name: z.string(), values: z.array(z.string()) }))
      .describe('Option names with their values, for size/colour pickers.'),
    price_min: z.number().int(),
    price_max: z.number().int(),
    currency: z.string(),
    available: z.number().int().describe('Over all variants and locations.'),
    in_stock: z.boolean(),
    variants: z.array(storefrontVariantSchema),
    recommendation: z
      .string()
      .nullable()
      .describe("A shopkeeper store's recommendation text for its pick (推荐语); null elsewhere."),
    updated_at: timestampSchema,
  })
  .meta({ id: 'StorefrontProduct' });

const storefrontStoreSchema = z
  .object({
    id: z.string(),
    object: z.literal('storefront_store'),
    name: z.string(),
    kind: z.enum(STORE_KINDS),
    status: z.enum(['active', 'closed']),
    currency: z.string(),
    theme: z.object({
      display_name: z.string().nullable(),
      logo_url: z.string().nullable(),
      primary_color: z.string().nullable(),
      accent_color: z.string().nullable(),
      support_phone: z.string().nullable(),
    }),
  })
  .meta({ id: 'StorefrontStore' });

const cached = {
  headers: z.looseObject({
    'if-none-match': z.string().max(1024).optional().describe('An ETag of an earlier response.'),
  }),
  notModified: z.null().describe('Not modified: the `If-None-Match` tag is current.'),
};
const PUBLISHABLE = { auth: ['publishable'], scope: 'catalog:read' } as const;

/**
 * Browsers and CDNs may reuse a page for 5 s and serve it stale for 30 s more while they
 * revalidate with the ETag (304 costs no body). Stock figures are advice; the reservation at
 * checkout is what never oversells. Pages differ per key (store), hence `Vary: Authorization`.
 */
const CACHE_CONTROL = 'public, max-age=5, stale-while-revalidate=30';

function send(request: FastifyRequest, reply: FastifyReply, page: CachedPage) {
  reply.header('etag', page.etag).header('cache-control', CACHE_CONTROL).header('vary', 'Authorization');
  if (etagMatches(request.headers['if-none-match'], page.etag)) return reply.code(304).send();
  // Already JSON, already UTF-8: nothing is serialised or encoded per request.
  return reply.type('application/json; charset=utf-8').send(page.body);
}

export const storefrontRoutes: FastifyPluginAsyncZod = async (app) => {
  const cache = new StorefrontCache();
  const unsubscribe = onCatalogChange((change) => cache.changed(change));
  app.addHook('onClose', async () => unsubscribe());

  app.get(
    '/v1/storefront/products',
    {
      schema: {
        operationId: 'listStorefrontProducts',
        tags: ['Storefront'],
        summary: "List the store's products",
        description:
          'Published products at the store’s price, with availability, newest first. A shopkeeper store lists ' +
          'only its active picks, at its own prices, with its recommendation text. Send the ETag back in ' +
          '`If-None-Match` to get 304 while nothing changed.',
        headers: cached.headers,
        querystring: listQuerySchema.extend({
          category_id: z.string().max(64).optional().describe('This category and the categories below it.'),
          tag: z.string().max(50).optional(),
          q: z
            .string()
            .max(100)
            .optional()
            .describe('Title search; every word must appear (works for Chinese).'),
        }),
        response: { 200: listOf(storefrontProductSchema), 304: cached.notModified },
      },
      config: PUBLISHABLE,
    },
    async (request, reply) => {
      const ctx = tenantCtx(request);
      const { limit, starting_after, category_id, tag, q } = request.query;
      const key = `products\u0000${JSON.stringify([limit, starting_after, category_id, tag, q])}`;
      const page = await cache.page(
        ctx.tenantId,
        `${storeOf(ctx)}\u0000${key}`,
        () => loadStorefrontProducts(ctx, request.query),
        readVersion(ctx),
        storeOf(ctx),
      );
      return send(request, reply, page);
    },
  );

  app.get(
    '/v1/storefront/products/:id',
    {
      schema: {
        operationId: 'getStorefrontProduct',
        tags: ['Storefront'],
        summary: 'Retrieve a product of the store',
        description: 'Only published products; anything else is 404.',
        headers: cached.headers,
        params: idParams('prod'),
        response: { 200: storefrontProductSchema, 304: cached.notModified },
      },
      config: PUBLISHABLE,
    },
    async (request, reply) => {
      const ctx = tenantCtx(request);
      const page = await cache.page(
        ctx.tenantId,
        `${storeOf(ctx)}\u0000product\u0000${request.params.id}`,
        () => loadStorefrontProduct(ctx, request.params.id),
        readVersion(ctx),
        storeOf(ctx),
      );
      return send(request, reply, page);
    },
  );

  app.get(
    '/v1/storefront/store',
    {
      schema: {
        operationId: 'getStorefrontStore',
        tags: ['Storefront'],
        summary: 'The store: name, currency and theme',
        headers: cached.headers,
        response: { 200: storefrontStoreSchema, 304: cached.notModified },
      },
      config: { auth: ['publishable'], scope: 'stores:read' },
    },
    async (request, reply) => {
      const ctx = tenantCtx(request);
      const page = await cache.page(
        ctx.tenantId,
        `${storeOf(ctx)}\u0000store`,
        () => loadStorefrontStore(ctx),
        readVersion(ctx),
        storeOf(ctx),
      );
      return send(request, reply, page);
    },
  );
};

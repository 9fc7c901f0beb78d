import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantCtx } from '../../http/context';
import { listOf, listQuerySchema } from '../../http/pagination';
import { idParams, metadataPatchSchema, metadataSchema } from '../../http/schemas';
import { categoryTree, createCategory, getCategory, listCategories, updateCategory } from './categories';
import {
  categoryFields,
  categoryNodeSchema,
  categorySchema,
  MAX_BULK_ITEMS,
  productBulkItemSchema,
  productBulkResultSchema,
  productCreateSchema,
  productListQuery,
  productSchema,
  productUpdateSchema,
  skuSchema,
  variantSchema,
  variantUpdateSchema,
} from './schemas';
import {
  archiveProduct,
  bulkProducts,
  createProduct,
  getProduct,
  getVariant,
  listProducts,
  listVariants,
  updateProduct,
  updateVariant,
} from './service';

/** Products and variants: secret keys, and supplier keys for their own supplier's products. */
const CATALOG_KEYS = ['secret', 'supplier'] as const;
const read = { auth: CATALOG_KEYS, scope: 'catalog:read' } as const;
const write = { auth: CATALOG_KEYS, scope: 'catalog:write' } as const;

export const catalogRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/products',
    {
      schema: {
        operationId: 'createProduct',
        tags: ['Catalog'],
        summary: 'Create a product with its variants',
        description:
          'Prices are integers in minor units. A supplier key creates products of its own supplier only.',
        body: productCreateSchema,
        response: { 201: productSchema },
      },
      config: write,
    },
    async (request, reply) => reply.code(201).send(await createProduct(tenantCtx(request), request.body)),
  );

  app.post(
    '/v1/products/bulk',
    {
      schema: {
        operationId: 'bulkProducts',
        tags: ['Catalog'],
        summary: 'Create or update many products',
        description:
          `Up to ${MAX_BULK_ITEMS} items; an item without \`id\` creates a product, one with \`id\` updates it. ` +
          'A malformed request (wrong types, unknown fields) is refused whole with 400; otherwise each item ' +
          'applies whole or not at all, and its result says which, with the same error codes as the single calls.',
        body: z.strictObject({ items: z.array(productBulkItemSchema).min(1).max(MAX_BULK_ITEMS) }),
        response: { 200: productBulkResultSchema },
      },
      config: write,
    },
    async (request) => {
      const results = await bulkProducts(tenantCtx(request), request.body.items);
      const count = (status: string) => results.filter((r) => r.status === status).length;
      return {
        object: 'bulk_result' as const,
        created: count('created'),
        updated: count('updated'),
        failed: count('failed'),
        results,
      };
    },
  );

  app.get(
    '/v1/products',
    {
      schema: {
        operationId: 'listProducts',
        tags: ['Catalog'],
        summary: 'List products',
        description: 'Newest first, with their variants. A supplier key lists its own products only.',
        querystring: productListQuery,
        response: { 200: listOf(productSchema) },
      },
      config: read,
    },
    async (request) => listProducts(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/products/:id',
    {
      schema: {
        operationId: 'getProduct',
        tags: ['Catalog'],
        summary: 'Retrieve a product',
        params: idParams('prod'),
        response: { 200: productSchema },
      },
      config: read,
    },
    async (request) => getProduct(tenantCtx(request), request.params.id),
  );

  app.patch(
    '/v1/products/:id',
    {
      schema: {
        operationId: 'updateProduct',
        tags: ['Catalog'],
        summary: 'Update a product',
        description:
          'Fields replace; `metadata` and `external_ids` merge key by key (null removes). Each `variants` ' +
          'entry with an id changes that variant, one without adds a variant.',
        params: idParams('prod'),
        body: productUpdateSchema,
        response: { 200: productSchema },
      },
      config: write,
    },
    async (request) => updateProduct(tenantCtx(request), request.params.id, request.body),
  );

  app.post(
    '/v1/products/:id/archive',
    {
      schema: {
        operationId: 'archiveProduct',
        tags: ['Catalog'],
        summary: 'Archive a product',
        description: 'Hides it from storefronts; it and its SKUs stay for orders and history.',
        params: idParams('prod'),
        response: { 200: productSchema },
      },
      config: write,
    },
    async (request) => archiveProduct(tenantCtx(request), request.params.id),
  );

  app.get(
    '/v1/variants',
    {
      schema: {
        operationId: 'listVariants',
        tags: ['Catalog'],
        summary: 'List variants',
        description: 'Find a variant by SKU code, or the variants of a product.',
        querystring: listQuerySchema.extend({
          sku: skuSchema.optional(),
          product_id: z.string().max(64).optional(),
        }),
        response: { 200: listOf(variantSchema) },
      },
      config: read,
    },
    async (request) => listVariants(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/variants/:id',
    {
      schema: {
        operationId: 'getVariant',
        tags: ['Catalog'],
        summary: 'Retrieve a variant',
        params: idParams('var'),
        response: { 200: variantSchema },
      },
      config: read,
    },
    async (request) => getVariant(tenantCtx(request), request.params.id),
  );

  app.patch(
    '/v1/variants/:id',
    {
      schema: {
        operationId: 'updateVariant',
        tags: ['Catalog'],
        summary: 'Update a variant',
        description: 'SKU, barcode, weight, options and prices; the price rules are checked on the result.',
        params: idParams('var'),
        body: variantUpdateSchema,
        response: { 200: variantSchema },
      },
      config: write,
    },
    async (request) => updateVariant(tenantCtx(request), request.params.id, request.body),
  );

  app.post(
    '/v1/categories',
    {
      schema: {
        operationId: 'createCategory',
        tags: ['Catalog'],
        summary: 'Create a category',
        body: z.strictObject({
          name: categoryFields.name,
          parent_id: categoryFields.parent_id.optional(),
          position: categoryFields.position.optional(),
          metadata: metadataSchema.optional(),
        }),
        response: { 201: categorySchema },
      },
      config: { auth: ['secret'], scope: 'catalog:write' },
    },
    async (request, reply) => reply.code(201).send(await createCategory(tenantCtx(request), request.body)),
  );

  app.get(
    '/v1/categories',
    {
      schema: {
        operationId: 'listCategories',
        tags: ['Catalog'],
        summary: 'List categories (flat)',
        description: 'Each with its `parent_id`; `GET /v1/categories/tree` returns them nested.',
        querystring: listQuerySchema.extend({
          parent_id: z.string().max(64).optional().describe('Only the children of this category.'),
          roots: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional()
            .describe('Only categories without a parent.'),
        }),
        response: { 200: listOf(categorySchema) },
      },
      config: read,
    },
    async (request) => listCategories(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/categories/tree',
    {
      schema: {
        operationId: 'getCategoryTree',
        tags: ['Catalog'],
        summary: 'The category tree',
        description: 'Every category, nested under its parent; siblings by position, then name.',
        response: {
          200: z.object({ object: z.literal('category_tree'), data: z.array(categoryNodeSchema) }),
        },
      },
      config: read,
    },
    async (request) => ({
      object: 'category_tree' as const,
      data: await categoryTree(tenantCtx(request)),
    }),
  );

  app.get(
    '/v1/categories/:id',
    {
      schema: {
        operationId: 'getCategory',
        tags: ['Catalog'],
        summary: 'Retrieve a category',
        params: idParams('cat'),
        response: { 200: categorySchema },
      },
      config: read,
    },
    async (request) => getCategory(tenantCtx(request), request.params.id),
  );

  app.patch(
    '/v1/categories/:id',
    {
      schema: {
        operationId: 'updateCategory',
        tags: ['Catalog'],
        summary: 'Update or move a category',
        description: 'A move below itself or one of its descendants is refused (`category_cycle`).',
        params: idParams('cat'),
        body: z.strictObject({
          name: categoryFields.name.optional(),
          parent_id: categoryFields.parent_id.optional(),
          position: categoryFields.position.optional(),
          metadata: metadataPatchSchema.optional(),
        }),
        response: { 200: categorySchema },
      },
      config: { auth: ['secret'], scope: 'catalog:write' },
    },
    async (request) => updateCategory(tenantCtx(request), request.params.id, request.body),
  );
};

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantCtx } from '../../http/context';
import { listOf, listQuerySchema } from '../../http/pagination';
import { idParams, nameSchema, timestampInput, timestampSchema } from '../../http/schemas';
import { amountSchema } from '../../lib/money';
import { cancelFlashSale, createFlashSale, getFlashSale, listFlashSales, updateFlashSale } from './service';

const STATUSES = ['scheduled', 'active', 'ended', 'canceled'] as const;

const flashSaleSchema = z
  .object({
    id: z.string(),
    object: z.literal('flash_sale'),
    name: z.string(),
    starts_at: timestampSchema,
    ends_at: timestampSchema,
    status: z.enum(STATUSES),
    items: z.array(
      z.object({
        id: z.string(),
        variant_id: z.string(),
        sale_price: z.number().int(),
        sale_stock: z.number().int(),
        sold: z.number().int().describe('Units held by orders (placed and not cancelled).'),
        remaining: z.number().int(),
        per_customer_limit: z.number().int().nullable(),
      }),
    ),
    canceled_at: timestampSchema.nullable(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'FlashSale' });

export const flashSaleRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/flash_sales',
    {
      schema: {
        operationId: 'createFlashSale',
        tags: ['Flash sales'],
        summary: 'Create a flash sale (限时特卖)',
        description:
          'During the window the sale price applies and the sale stock is consumed; it can never oversell. A variant is in at most one sale at a time.',
        body: z.strictObject({
          name: nameSchema,
          starts_at: timestampInput,
          ends_at: timestampInput,
          items: z
            .array(
              z.strictObject({
                variant_id: z.string().max(64),
                sale_price: amountSchema,
                sale_stock: z.number().int().min(1).max(10_000_000),
                per_customer_limit: z.number().int().min(1).max(10_000).optional(),
              }),
            )
            .min(1)
            .max(200),
        }),
        response: { 201: flashSaleSchema },
      },
      config: { auth: ['secret'], scope: 'flash_sales:write' },
    },
    async (request, reply) => reply.code(201).send(await createFlashSale(tenantCtx(request), request.body)),
  );

  app.get(
    '/v1/flash_sales',
    {
      schema: {
        operationId: 'listFlashSales',
        tags: ['Flash sales'],
        summary: 'List flash sales',
        querystring: listQuerySchema.extend({ status: z.enum(STATUSES).optional() }),
        response: { 200: listOf(flashSaleSchema) },
      },
      config: { auth: ['secret'], scope: 'flash_sales:read' },
    },
    async (request) => listFlashSales(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/flash_sales/:id',
    {
      schema: {
        operationId: 'getFlashSale',
        tags: ['Flash sales'],
        summary: 'Retrieve a flash sale',
        params: idParams('fs'),
        response: { 200: flashSaleSchema },
      },
      config: { auth: ['secret'], scope: 'flash_sales:read' },
    },
    async (request) => getFlashSale(tenantCtx(request), request.params.id),
  );

  app.patch(
    '/v1/flash_sales/:id',
    {
      schema: {
        operationId: 'updateFlashSale',
        tags: ['Flash sales'],
        summary: 'Rename, move or end a flash sale early',
        params: idParams('fs'),
        body: z.strictObject({
          name: nameSchema.optional(),
          starts_at: timestampInput.optional(),
          ends_at: timestampInput.optional(),
        }),
        response: { 200: flashSaleSchema },
      },
      config: { auth: ['secret'], scope: 'flash_sales:write' },
    },
    async (request) => updateFlashSale(tenantCtx(request), request.params.id, request.body),
  );

  app.post(
    '/v1/flash_sales/:id/cancel',
    {
      schema: {
        operationId: 'cancelFlashSale',
        tags: ['Flash sales'],
        summary: 'Cancel a flash sale',
        params: idParams('fs'),
        response: { 200: flashSaleSchema },
      },
      config: { auth: ['secret'], scope: 'flash_sales:write' },
    },
    async (request) => cancelFlashSale(tenantCtx(request), request.params.id),
  );
};

import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantCtx } from '../../http/context';
import { listOf, listQuerySchema } from '../../http/pagination';
import { timestampSchema } from '../../http/schemas';
import { amountSchema } from '../../lib/money';
import { createPick, deletePick, getPick, listPicks, MAX_PICKS, updatePick } from './service';
import { PICK_FLAG_REASONS, PICK_STATUSES } from './tables';

const pickSchema = z
  .object({
    id: z.string(),
    object: z.literal('store_pick'),
    store_id: z.string(),
    product_id: z.string(),
    prices: z
      .array(z.object({ variant_id: z.string(), price: z.number().int() }))
      .describe("The store's own retail prices; variants not listed sell at their list price."),
    recommendation: z.string().nullable().describe('The shopkeeper’s recommendation text (推荐语).'),
    status: z
      .enum(PICK_STATUSES)
      .describe("`flagged`: a price left the supplier's band; not sold until re-priced inside it."),
    flag_reason: z.enum(PICK_FLAG_REASONS).nullable(),
    flag_message: z.string().nullable(),
    flagged_at: timestampSchema.nullable(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'StorePick' });

const pricesInput = z
  .array(z.strictObject({ variant_id: z.string().max(64), price: amountSchema }))
  .max(100)
  .describe(
    "Per-variant retail prices, each inside the variant's band [retail_floor, retail_ceiling]; an unset bound is the list price, so a variant without a band sells only at its list price.",
  );
const recommendation = z.string().trim().min(1).max(2000);

const storeParams = z.object({ id: z.string().max(64).describe('A shopkeeper store id (`store_…`).') });
const pickParams = storeParams.extend({ pick_id: z.string().max(64).describe('A pick id (`pick_…`).') });
const AUTH = {
  read: { auth: ['secret', 'promoter'], scope: 'stores:read' },
  write: { auth: ['secret', 'promoter'], scope: 'stores:write' },
} as const;

export const pickRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/stores/:id/picks',
    {
      schema: {
        operationId: 'createStorePick',
        tags: ['Stores'],
        summary: 'Pick a product into a shopkeeper store (选品)',
        description: `A published catalog product, optionally with the store's own prices inside the supplier's band and a recommendation text. At most ${MAX_PICKS} picks per store. Only shopkeeper stores (409 \`store_not_shopkeeper\`); a shopkeeper's promoter token reaches only its own store.`,
        params: storeParams,
        body: z.strictObject({
          product_id: z.string().max(64),
          prices: pricesInput.optional(),
          recommendation: recommendation.optional(),
        }),
        response: { 201: pickSchema },
      },
      config: AUTH.write,
    },
    async (request, reply) =>
      reply.code(201).send(await createPick(tenantCtx(request), request.params.id, request.body)),
  );

  app.get(
    '/v1/stores/:id/picks',
    {
      schema: {
        operationId: 'listStorePicks',
        tags: ['Stores'],
        summary: "List a shopkeeper store's picks",
        params: storeParams,
        querystring: listQuerySchema.extend({
          status: z.enum(PICK_STATUSES).optional(),
          product_id: z.string().max(64).optional(),
        }),
        response: { 200: listOf(pickSchema) },
      },
      config: AUTH.read,
    },
    async (request) => listPicks(tenantCtx(request), request.params.id, request.query),
  );

  app.get(
    '/v1/stores/:id/picks/:pick_id',
    {
      schema: {
        operationId: 'getStorePick',
        tags: ['Stores'],
        summary: 'Retrieve a pick',
        params: pickParams,
        response: { 200: pickSchema },
      },
      config: AUTH.read,
    },
    async (request) => getPick(tenantCtx(request), request.params.id, request.params.pick_id),
  );

  app.patch(
    '/v1/stores/:id/picks/:pick_id',
    {
      schema: {
        operationId: 'updateStorePick',
        tags: ['Stores'],
        summary: 'Re-price a pick or change its recommendation',
        description:
          '`prices` replaces the whole set (`[]`: every variant at list price). A flagged pick whose prices are all inside the bands afterwards is active again (`store_pick.unflagged`).',
        params: pickParams,
        body: z.strictObject({
          prices: pricesInput.optional(),
          recommendation: recommendation.nullable().optional(),
        }),
        response: { 200: pickSchema },
      },
      config: AUTH.write,
    },
    async (request) =>
      updatePick(tenantCtx(request), request.params.id, request.params.pick_id, request.body),
  );

  app.delete(
    '/v1/stores/:id/picks/:pick_id',
    {
      schema: {
        operationId: 'deleteStorePick',
        tags: ['Stores'],
        summary: 'Remove a pick from the store',
        params: pickParams,
        response: {
          200: z
            .object({ id: z.string(), object: z.literal('store_pick'), deleted: z.literal(true) })
            .meta({ id: 'DeletedStorePick' }),
        },
      },
      config: AUTH.write,
    },
    async (request) => deletePick(tenantCtx(request), request.params.id, request.params.pick_id),
  );
};

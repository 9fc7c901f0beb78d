import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantCtx } from '../../http/context';
import { listOf, listQuerySchema } from '../../http/pagination';
import {
  codeSchema,
  idParams,
  metadataPatchSchema,
  metadataSchema,
  nameSchema,
  timestampSchema,
} from '../../http/schemas';
import { createLocation, getLocation, listLocations, updateLocation } from './locations';
import {
  adjustStock,
  getAdjustment,
  getInventoryItem,
  listAdjustments,
  listInventoryLevels,
  MAX_SYNC_ITEMS,
  syncStock,
  updateInventoryItem,
} from './service';
import { MAX_QUANTITY } from './stock';
import { ADJUSTMENT_REASONS, MANUAL_REASONS } from './tables';

const STOCK_KEYS = ['secret', 'supplier'] as const;
const read = { auth: STOCK_KEYS, scope: 'inventory:read' } as const;
const write = { auth: STOCK_KEYS, scope: 'inventory:write' } as const;

const locationCode = codeSchema.describe(
  "The location's own code, unique in the tenant (e.g. the warehouse code in the ERP).",
);
const ADDRESS_KEYS = [
  'name',
  'phone',
  'province',
  'city',
  'district',
  'line1',
  'line2',
  'postal_code',
] as const;
const addressSchema = z
  .partialRecord(z.enum(ADDRESS_KEYS), z.string().max(200))
  .describe('Where the stock is: contact, 省/市/区 and street lines.');

const locationSchema = z
  .object({
    id: z.string(),
    object: z.literal('location'),
    name: z.string(),
    code: z.string().nullable(),
    is_default: z.boolean(),
    address: z.record(z.string(), z.string()),
    metadata: z.record(z.string(), z.string()),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Location' });

const levelSchema = z
  .object({
    object: z.literal('inventory_level'),
    variant_id: z.string(),
    sku: z.string().nullable(),
    location_id: z.string(),
    on_hand: z.number().int(),
    reserved: z.number().int().describe('Held for unpaid orders.'),
    available: z.number().int().describe('on_hand - reserved: what can still be sold.'),
    updated_at: timestampSchema,
  })
  .meta({ id: 'InventoryLevel' });

const itemSchema = z
  .object({
    id: z.string().describe('The variant id.'),
    object: z.literal('inventory_item'),
    variant_id: z.string(),
    product_id: z.string(),
    sku: z.string(),
    low_stock_threshold: z.number().int().nullable(),
    low_stock: z.boolean().describe('available ≤ low_stock_threshold, as of the last change.'),
    on_hand: z.number().int(),
    reserved: z.number().int(),
    available: z.number().int(),
    levels: z.array(levelSchema),
  })
  .meta({ id: 'InventoryItem' });

const adjustmentSchema = z
  .object({
    id: z.string(),
    object: z.literal('inventory_adjustment'),
    variant_id: z.string(),
    location_id: z.string(),
    delta: z.number().int(),
    on_hand_after: z.number().int(),
    reason: z.enum(ADJUSTMENT_REASONS),
    note: z.string().nullable(),
    reference: z.string().nullable(),
    created_at: timestampSchema,
  })
  .meta({ id: 'InventoryAdjustment' });

const syncResultSchema = z
  .object({
    object: z.literal('inventory_sync_result'),
    updated: z.number().int(),
    unchanged: z.number().int(),
    failed: z.number().int(),
    results: z.array(
      z.object({
        index: z.number().int().describe('The position of the item in the request.'),
        sku: z.string(),
        status: z.enum(['updated', 'unchanged', 'failed']),
        location_id: z.string().optional(),
        on_hand: z.number().int().optional(),
        reserved: z.number().int().optional(),
        available: z.number().int().optional(),
        error: z
          .object({ code: z.string(), message: z.string() })
          .optional()
          .describe('unknown_sku, invalid_quantity, below_reserved, unknown_location or duplicate_item.'),
      }),
    ),
  })
  .meta({ id: 'InventorySyncResult' });

const locationRef = z.string().max(64);

export const inventoryRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/locations',
    {
      schema: {
        operationId: 'createLocation',
        tags: ['Inventory'],
        summary: 'Create a location',
        description: "A tenant's first location becomes its default unless `is_default` is false.",
        body: z.strictObject({
          name: nameSchema,
          code: locationCode.optional(),
          is_default: z.boolean().optional(),
          address: addressSchema.optional(),
          metadata: metadataSchema.optional(),
        }),
        response: { 201: locationSchema },
      },
      config: { auth: ['secret'], scope: 'inventory:write' },
    },
    async (request, reply) => reply.code(201).send(await createLocation(tenantCtx(request), request.body)),
  );

  app.get(
    '/v1/locations',
    {
      schema: {
        operationId: 'listLocations',
        tags: ['Inventory'],
        summary: 'List locations',
        querystring: listQuerySchema,
        response: { 200: listOf(locationSchema) },
      },
      config: read,
    },
    async (request) => listLocations(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/locations/:id',
    {
      schema: {
        operationId: 'getLocation',
        tags: ['Inventory'],
        summary: 'Retrieve a location',
        params: idParams('loc'),
        response: { 200: locationSchema },
      },
      config: read,
    },
    async (request) => getLocation(tenantCtx(request), request.params.id),
  );

  app.patch(
    '/v1/locations/:id',
    {
      schema: {
        operationId: 'updateLocation',
        tags: ['Inventory'],
        summary: 'Update a location',
        params: idParams('loc'),
        body: z.strictObject({
          name: nameSchema.optional(),
          code: locationCode.nullable().optional(),
          is_default: z.boolean().optional(),
          address: z
            .partialRecord(z.enum(ADDRESS_KEYS), z.string().max(200).nullable())
            .optional()
            .describe('Keys to set; a null value removes one.'),
          metadata: metadataPatchSchema.optional(),
        }),
        response: { 200: locationSchema },
      },
      config: { auth: ['secret'], scope: 'inventory:write' },
    },
    async (request) => updateLocation(tenantCtx(request), request.params.id, request.body),
  );

  app.get(
    '/v1/inventory_levels',
    {
      schema: {
        operationId: 'listInventoryLevels',
        tags: ['Inventory'],
        summary: 'List stock levels',
        description: 'One per variant and location. A supplier key sees its own variants only.',
        querystring: listQuerySchema.extend({
          variant_id: z.string().max(64).optional(),
          location_id: locationRef.optional(),
        }),
        response: { 200: listOf(levelSchema) },
      },
      config: read,
    },
    async (request) => listInventoryLevels(tenantCtx(request), request.query),
  );

  app.post(
    '/v1/inventory_levels/sync',
    {
      schema: {
        operationId: 'syncInventory',
        tags: ['Inventory'],
        summary: 'Set stock by SKU (ERP sync)',
        description:
          `Sets the absolute on_hand of up to ${MAX_SYNC_ITEMS} SKUs in one call, at \`location_id\` (per item or ` +
          'for the call; default: the default location). Each item succeeds or fails alone and the result ' +
          'says which; the same call twice leaves the same stock (the second reports `unchanged`).',
        body: z.strictObject({
          location_id: locationRef.optional(),
          items: z
            .array(
              z.strictObject({
                sku: z.string().min(1).max(200),
                on_hand: z
                  .number()
                  .describe(`Integer, 0–${MAX_QUANTITY}; anything else fails the item (invalid_quantity).`),
                location_id: locationRef.optional(),
              }),
            )
            .min(1)
            .max(MAX_SYNC_ITEMS),
        }),
        response: { 200: syncResultSchema },
      },
      config: write,
    },
    async (request) => {
      const results = await syncStock(tenantCtx(request), request.body);
      const count = (status: string) => results.filter((r) => r.status === status).length;
      return {
        object: 'inventory_sync_result' as const,
        updated: count('updated'),
        unchanged: count('unchanged'),
        failed: count('failed'),
        results,
      };
    },
  );

  app.get(
    '/v1/variants/:id/inventory',
    {
      schema: {
        operationId: 'getInventoryItem',
        tags: ['Inventory'],
        summary: "A variant's stock",
        description: 'Totals over all locations, each location, and the low-stock threshold.',
        params: idParams('var'),
        response: { 200: itemSchema },
      },
      config: read,
    },
    async (request) => getInventoryItem(tenantCtx(request), request.params.id),
  );

  app.patch(
    '/v1/variants/:id/inventory',
    {
      schema: {
        operationId: 'updateInventoryItem',
        tags: ['Inventory'],
        summary: "Set a variant's low-stock threshold",
        description:
          'When available stock (all locations) drops to or below it, an `inventory.low` event is recorded, ' +
          'once per crossing. null turns it off.',
        params: idParams('var'),
        body: z.strictObject({
          low_stock_threshold: z.number().int().min(0).max(MAX_QUANTITY).nullable().optional(),
        }),
        response: { 200: itemSchema },
      },
      config: write,
    },
    async (request) => updateInventoryItem(tenantCtx(request), request.params.id, request.body),
  );

  app.post(
    '/v1/inventory_adjustments',
    {
      schema: {
        operationId: 'createInventoryAdjustment',
        tags: ['Inventory'],
        summary: 'Adjust stock',
        description:
          'Adds to (delta > 0) or takes from on_hand with a reason. Taking more than the unreserved stock ' +
          'is refused with 409 `insufficient_stock`.',
        body: z.strictObject({
          variant_id: z.string().max(64),
          location_id: locationRef.optional(),
          delta: z
            .number()
            .int()
            .min(-MAX_QUANTITY)
            .max(MAX_QUANTITY)
            .refine((n) => n !== 0, 'Must not be 0'),
          reason: z.enum(MANUAL_REASONS),
          note: z.string().max(500).optional(),
          reference: z.string().max(200).optional(),
        }),
        response: { 201: adjustmentSchema },
      },
      config: write,
    },
    async (request, reply) => reply.code(201).send(await adjustStock(tenantCtx(request), request.body)),
  );

  app.get(
    '/v1/inventory_adjustments',
    {
      schema: {
        operationId: 'listInventoryAdjustments',
        tags: ['Inventory'],
        summary: 'List stock adjustments (the audit trail)',
        querystring: listQuerySchema.extend({
          variant_id: z.string().max(64).optional(),
          location_id: locationRef.optional(),
          reason: z.enum(ADJUSTMENT_REASONS).optional(),
        }),
        response: { 200: listOf(adjustmentSchema) },
      },
      config: read,
    },
    async (request) => listAdjustments(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/inventory_adjustments/:id',
    {
      schema: {
        operationId: 'getInventoryAdjustment',
        tags: ['Inventory'],
        summary: 'Retrieve a stock adjustment',
        params: idParams('iadj'),
        response: { 200: adjustmentSchema },
      },
      config: read,
    },
    async (request) => getAdjustment(tenantCtx(request), request.params.id),
  );
};

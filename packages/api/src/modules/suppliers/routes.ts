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
import { createSupplier, getSupplier, listSuppliers, updateSupplier } from './service';

const supplierCode = codeSchema.describe("The supplier's own code, unique in the tenant (e.g. its ERP id).");

const contactSchema = z
  .strictObject({
    name: z.string().max(100).optional(),
    phone: z.string().max(40).optional(),
    email: z.email().max(254).optional(),
    address: z.string().max(500).optional(),
  })
  .describe('Who to call about shipments and stock.');

const supplierSchema = z
  .object({
    id: z.string(),
    object: z.literal('supplier'),
    name: z.string(),
    code: z.string().nullable(),
    status: z.enum(['active', 'inactive']),
    is_default: z.boolean(),
    contact: z.record(z.string(), z.string()),
    metadata: z.record(z.string(), z.string()),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Supplier' });

export const supplierRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/suppliers',
    {
      schema: {
        operationId: 'createSupplier',
        tags: ['Suppliers'],
        summary: 'Create a supplier',
        description: "A tenant's first supplier becomes its default unless `is_default` is false.",
        body: z.strictObject({
          name: nameSchema,
          code: supplierCode.optional(),
          is_default: z.boolean().optional(),
          contact: contactSchema.optional(),
          metadata: metadataSchema.optional(),
        }),
        response: { 201: supplierSchema },
      },
      config: { auth: ['secret'], scope: 'suppliers:write' },
    },
    async (request, reply) => reply.code(201).send(await createSupplier(tenantCtx(request), request.body)),
  );

  app.get(
    '/v1/suppliers',
    {
      schema: {
        operationId: 'listSuppliers',
        tags: ['Suppliers'],
        summary: 'List suppliers',
        description: 'A supplier key lists only its own supplier.',
        querystring: listQuerySchema,
        response: { 200: listOf(supplierSchema) },
      },
      config: { auth: ['secret', 'supplier'], scope: 'suppliers:read' },
    },
    async (request) => listSuppliers(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/suppliers/:id',
    {
      schema: {
        operationId: 'getSupplier',
        tags: ['Suppliers'],
        summary: 'Retrieve a supplier',
        params: idParams('sup'),
        response: { 200: supplierSchema },
      },
      config: { auth: ['secret', 'supplier'], scope: 'suppliers:read' },
    },
    async (request) => getSupplier(tenantCtx(request), request.params.id),
  );

  app.patch(
    '/v1/suppliers/:id',
    {
      schema: {
        operationId: 'updateSupplier',
        tags: ['Suppliers'],
        summary: 'Update a supplier',
        params: idParams('sup'),
        body: z.strictObject({
          name: nameSchema.optional(),
          code: supplierCode.nullable().optional(),
          status: z.enum(['active', 'inactive']).optional(),
          is_default: z.boolean().optional(),
          contact: contactSchema.partial().optional(),
          metadata: metadataPatchSchema.optional(),
        }),
        response: { 200: supplierSchema },
      },
      config: { auth: ['secret'], scope: 'suppliers:write' },
    },
    async (request) => updateSupplier(tenantCtx(request), request.params.id, request.body),
  );
};

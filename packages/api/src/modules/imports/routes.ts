import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantCtx } from '../../http/context';
import { ApiError } from '../../http/errors';
import { listOf, listQuerySchema } from '../../http/pagination';
import { idParams, timestampSchema } from '../../http/schemas';
import { createImport, fileTooLarge, getImport, IMPORT_JOB, importJob, listImports } from './service';
import { IMPORT_FORMATS, IMPORT_STATUSES } from './tables';

/** The content types an upload may have; the `format` parameter says how to read it. */
export const UPLOAD_TYPES = [
  'text/csv',
  'application/json',
  'application/x-ndjson',
  'application/octet-stream',
  'text/plain',
];

/**
 * The request body of an upload: the raw stream, read by the service as it stores it. Its JSON
 * form (what idempotency hashes) is a marker: an upload is never buffered to be hashed.
 */
export class UploadBody {
  constructor(readonly stream: Readable) {}
  toJSON() {
    return { upload: 'stream' };
  }
}

const rowErrorSchema = z.object({
  row: z
    .number()
    .int()
    .describe('The row the problem is on; the CSV header is row 1, a JSON Lines file counts lines.'),
  first_row: z.number().int().describe('The first row of the product that was skipped.'),
  last_row: z.number().int().describe('The last row of the product that was skipped.'),
  product: z.string().nullable().describe('The product as the file names it (handle, `id:NN`, SKU, line).'),
  column: z.string().nullable().describe('The CSV column or JSON field at fault.'),
  code: z.string(),
  message: z.string(),
});

const importSchema = z
  .object({
    id: z.string(),
    object: z.literal('import'),
    format: z.enum(IMPORT_FORMATS),
    status: z.enum(IMPORT_STATUSES),
    dry_run: z.boolean().describe('A dry run reports what would happen and writes nothing to the catalog.'),
    supplier_id: z.string(),
    location_id: z
      .string()
      .nullable()
      .describe("Where stock quantities go; null: the tenant's default location."),
    filename: z.string().nullable(),
    content_type: z.string(),
    size_bytes: z.number().int(),
    sha256: z.string(),
    progress: z.object({
      processed: z.number().int().describe('Data rows done.'),
      total: z
        .number()
        .int()
        .nullable()
        .describe('Data rows in the file; null until the file has been checked.'),
    }),
    report: z.object({
      created: z.number().int().describe('Products created (or that a dry run would create).'),
      updated: z.number().int(),
      unchanged: z.number().int().describe('Products already exactly as the file has them.'),
      skipped: z.number().int().describe('Products not imported because of an error in their rows.'),
      error_count: z.number().int(),
      errors: z.array(rowErrorSchema).describe('The first 100 errors.'),
      errors_truncated: z.boolean(),
    }),
    failure: z
      .object({ code: z.string(), message: z.string() })
      .nullable()
      .describe(
        'Why the whole file was refused (`status` failed): invalid_encoding, malformed_csv, missing_columns, missing_header, record_too_large, internal_error.',
      ),
    created_at: timestampSchema,
    started_at: timestampSchema.nullable(),
    completed_at: timestampSchema.nullable(),
    updated_at: timestampSchema,
  })
  .meta({ id: 'Import' });

const flag = z
  .enum(['true', 'false', '1', '0'])
  .optional()
  .transform((v) => v === 'true' || v === '1');

const uploadBody = z
  .custom<UploadBody>((v) => v instanceof UploadBody, 'Send the file as the request body')
  .meta({
    type: 'string',
    format: 'binary',
    description: 'The file itself, as the raw body (not multipart).',
  });

export const importRoutes: FastifyPluginAsyncZod<{ maxBytes: number }> = async (app, opts) => {
  app.jobs.register(IMPORT_JOB, importJob);

  // In this plugin only: bodies stay streams, so an upload never sits whole in memory (the
  // global JSON body limit does not apply; the service enforces `maxBytes`).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(UPLOAD_TYPES, (request, payload, done) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > opts.maxBytes) {
      done(fileTooLarge(opts.maxBytes), undefined);
      return;
    }
    done(null, new UploadBody(payload));
  });

  app.post(
    '/v1/imports',
    {
      schema: {
        operationId: 'createImport',
        tags: ['Imports'],
        summary: 'Upload a file to import (一键搬家)',
        description:
          'Send the file as the raw request body (`text/csv`, `application/json` / `application/x-ndjson` for JSON Lines, ' +
          'or `application/octet-stream`), and say what it is with `format`. The upload is stored as it streams in ' +
          `(at most ${opts.maxBytes} bytes, else 413 \`file_too_large\`) and processed in the background: poll the import, ` +
          'or listen for `import.completed` / `import.failed`. Products match existing ones by external id, handle, then SKU, ' +
          'so importing the same file again updates instead of duplicating. With an Idempotency-Key, a retry with the same ' +
          'key and query replays the first answer (the file is not compared: it is never buffered). See docs/imports.md.',
        consumes: UPLOAD_TYPES,
        querystring: z.object({
          format: z
            .enum(IMPORT_FORMATS)
            .describe('shopify_csv, woocommerce_csv, or json (JSON Lines, one product per line).'),
          dry_run: flag.describe('true: report what would happen, write nothing.'),
          supplier_id: z
            .string()
            .max(64)
            .optional()
            .describe("The products' supplier; default the tenant's default one (a supplier key: its own)."),
          location_id: z
            .string()
            .max(64)
            .optional()
            .describe("Where stock quantities go; default the tenant's default location."),
          filename: z.string().max(255).optional().describe('Your name for the file, shown on the import.'),
        }),
        body: uploadBody,
        response: { 201: importSchema },
      },
      config: { auth: ['secret', 'supplier'], scope: 'imports:write' },
    },
    async (request, reply) => {
      const body = request.body;
      if (!(body instanceof UploadBody))
        throw new ApiError(400, 'empty_file', 'Send the file as the request body.');
      const contentType = String(request.headers['content-type'] ?? '')
        .split(';')[0]!
        .trim();
      const created = await createImport(
        tenantCtx(request),
        { ...request.query, contentType },
        body.stream,
        opts.maxBytes,
      );
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/v1/imports',
    {
      schema: {
        operationId: 'listImports',
        tags: ['Imports'],
        summary: 'List imports',
        description: 'Newest first. A supplier key lists its own supplier’s imports only.',
        querystring: listQuerySchema.extend({ status: z.enum(IMPORT_STATUSES).optional() }),
        response: { 200: listOf(importSchema) },
      },
      config: { auth: ['secret', 'supplier'], scope: 'imports:read' },
    },
    async (request) => listImports(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/imports/:id',
    {
      schema: {
        operationId: 'getImport',
        tags: ['Imports'],
        summary: 'Retrieve an import: status, progress and report',
        params: idParams('imp'),
        response: { 200: importSchema },
      },
      config: { auth: ['secret', 'supplier'], scope: 'imports:read' },
    },
    async (request) => getImport(tenantCtx(request), request.params.id),
  );
};

import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
} from 'drizzle-orm/pg-core';
import { tenantIdColumn, timestampColumn, timestamps } from '../../db/columns';
import { suppliers } from '../suppliers/tables';

export const IMPORT_FORMATS = ['shopify_csv', 'woocommerce_csv', 'json'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];
export const IMPORT_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** One problem with one product of the file, by the rows it spans. */
export interface ImportRowError {
  /** The row the problem is on (the header is row 1, as a spreadsheet numbers it). */
  row: number;
  /** The rows of the product that were skipped because of it. */
  first_row: number;
  last_row: number;
  /** The product it is about: its handle, id or SKU in the file. */
  product: string | null;
  /** The column (CSV) or field (JSON) at fault, when one is. */
  column: string | null;
  code: string;
  message: string;
}

/** Where processing stands: the next byte to read and the rows and lines before it. */
export interface ImportCursor {
  offset: number;
  rows: number;
  lines: number;
}

/**
 * A catalog migration (一键搬家): one uploaded file, processed in the background in slices
 * (one transaction each), with its progress and report. `actor_*` say who uploaded it, so the
 * background work acts with the same rights (a supplier key's import stays in its supplier).
 */
export const imports = pgTable(
  'imports',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    format: text('format', { enum: IMPORT_FORMATS }).notNull(),
    status: text('status', { enum: IMPORT_STATUSES }).notNull().default('queued'),
    dryRun: boolean('dry_run').notNull().default(false),
    supplierId: text('supplier_id').notNull(),
    locationId: text('location_id'),
    actorKind: text('actor_kind', { enum: ['secret', 'supplier'] }).notNull(),
    actorKeyId: text('actor_key_id').notNull(),
    filename: text('filename'),
    contentType: text('content_type').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    /** Data rows in the file, known once it has been checked whole. */
    totalRows: integer('total_rows'),
    processedRows: integer('processed_rows').notNull().default(0),
    created: integer('created').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    unchanged: integer('unchanged').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    errorCount: integer('error_count').notNull().default(0),
    /** The first errors (capped); `error_count` has them all. */
    errors: jsonb('errors').$type<ImportRowError[]>().notNull().default([]),
    /** The normalised header of a CSV file. */
    columns: jsonb('columns').$type<string[]>(),
    cursor: jsonb('cursor').$type<ImportCursor>(),
    /** Why the whole file was refused (`status` failed). */
    failureCode: text('failure_code'),
    failureMessage: text('failure_message'),
    startedAt: timestampColumn('started_at'),
    completedAt: timestampColumn('completed_at'),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({ columns: [t.tenantId, t.supplierId], foreignColumns: [suppliers.tenantId, suppliers.id] }),
    index('imports_supplier_idx').on(t.tenantId, t.supplierId, t.id),
    check('imports_status_check', sql`${t.status} in ('queued', 'running', 'succeeded', 'failed')`),
    check('imports_format_check', sql`${t.format} in ('shopify_csv', 'woocommerce_csv', 'json')`),
  ],
);

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/**
 * The uploaded file, in order, in pieces of at most CHUNK_BYTES: every node can read it, the
 * upload never sits whole in memory, and it goes away when the import finishes.
 */
export const importChunks = pgTable(
  'import_chunks',
  {
    tenantId: tenantIdColumn(),
    importId: text('import_id').notNull(),
    seq: integer('seq').notNull(),
    /** Byte position of the chunk's first byte in the file. */
    offset: bigint('offset', { mode: 'number' }).notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.importId, t.seq] }),
    foreignKey({
      columns: [t.tenantId, t.importId],
      foreignColumns: [imports.tenantId, imports.id],
    }).onDelete('cascade'),
  ],
);

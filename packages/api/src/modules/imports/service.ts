import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import { jsonRecordset, rowsOf, type Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { ApiError, conflict, fieldError, notFound, toProblem, unprocessable } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import type { TenantPrincipal } from '../auth/principal';
import { insertProduct, type ProductInput, patchProduct, supplierScope } from '../catalog/service';
import { products } from '../catalog/tables';
import { presentVariant, type VariantInput, variantsOf } from '../catalog/variants';
import { bumpCatalogVersion } from '../catalog/version';
import { recordEvent } from '../events/service';
import { knownLocations } from '../inventory/locations';
import { syncStockIn } from '../inventory/service';
import type { JobEnv } from '../jobs/runner';
import { enqueueJob, type JobRow } from '../jobs/service';
import { defaultSupplierId, requireSupplier } from '../suppliers/service';
import {
  CSV_FORMATS,
  type CsvRow,
  type GroupError,
  Header,
  type ImportProductInput,
  importProductSchema,
  normalizeColumn,
  type ProductGroup,
} from './formats';
import { eachCsvRecord, eachJsonLine, FileError, fileChunks } from './reader';
import {
  type ImportCursor,
  type ImportFormat,
  type ImportRowError,
  type ImportStatus,
  importChunks,
  imports,
} from './tables';

type ImportRow = typeof imports.$inferSelect;

export const IMPORT_JOB = 'imports.process';
/** The file is stored in pieces of this size. */
export const CHUNK_BYTES = 256 * 1024;
/** Rows per transaction: a slice always ends at a product boundary, so it may run over a little. */
export const SLICE_ROWS = 500;
/** The report keeps this many errors; `error_count` counts them all. */
export const MAX_REPORTED_ERRORS = 100;
/** A product (Shopify handle, WooCommerce variable product) spans at most this many rows. */
export const MAX_GROUP_ROWS = 1000;

export function presentImport(row: ImportRow) {
  return {
    id: row.id,
    object: 'import' as const,
    format: row.format,
    status: row.status,
    dry_run: row.dryRun,
    supplier_id: row.supplierId,
    location_id: row.locationId,
    filename: row.filename,
    content_type: row.contentType,
    size_bytes: row.sizeBytes,
    sha256: row.sha256,
    progress: { processed: row.processedRows, total: row.totalRows },
    report: {
      created: row.created,
      updated: row.updated,
      unchanged: row.unchanged,
      skipped: row.skipped,
      error_count: row.errorCount,
      errors: row.errors,
      errors_truncated: row.errorCount > row.errors.length,
    },
    failure: row.failureCode ? { code: row.failureCode, message: row.failureMessage ?? '' } : null,
    created_at: iso(row.createdAt)!,
    started_at: iso(row.startedAt),
    completed_at: iso(row.completedAt),
    updated_at: iso(row.updatedAt)!,
  };
}
export type Import = ReturnType<typeof presentImport>;

// ---------------------------------------------------------------------------------------------
// Upload

export interface CreateImportInput {
  format: ImportFormat;
  dry_run: boolean;
  supplier_id?: string | undefined;
  location_id?: string | undefined;
  filename?: string | undefined;
  contentType: string;
}

/** 413, and the connection closes after it, so the rest of the upload is never read. */
export const fileTooLarge = (max: number) =>
  new ApiError(
    413,
    'file_too_large',
    `The file is larger than the ${max}-byte limit of an import.`,
    undefined,
    {
      connection: 'close',
    },
  );

/**
 * Stores the uploaded stream in chunks and queues its processing, in one transaction: an
 * upload that breaks off or runs over `maxBytes` leaves nothing behind.
 */
export async function createImport(
  ctx: TenantCtx,
  input: CreateImportInput,
  body: Readable,
  maxBytes: number,
): Promise<Import> {
  if (ctx.actor.kind !== 'secret' && ctx.actor.kind !== 'supplier') {
    throw new ApiError(403, 'wrong_key_kind', 'Imports need a secret or supplier key.');
  }
  const actor = ctx.actor;
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const supplierId = await importSupplier(tx, ctx, input.supplier_id);
    if (
      input.location_id &&
      !(await knownLocations(tx, ctx.tenantId, [input.location_id])).has(input.location_id)
    ) {
      throw unprocessable('invalid_reference', `No such location: '${input.location_id}'`, [
        fieldError(
          'querystring.location_id',
          'invalid_reference',
          `No such location: '${input.location_id}'`,
        ),
      ]);
    }
    const now = ctx.clock.now();
    const id = newId('import');
    await tx.insert(imports).values({
      tenantId: ctx.tenantId,
      id,
      format: input.format,
      dryRun: input.dry_run,
      supplierId,
      locationId: input.location_id ?? null,
      actorKind: actor.kind as 'secret' | 'supplier',
      actorKeyId: actor.keyId,
      filename: input.filename ?? null,
      contentType: input.contentType,
      sizeBytes: 0,
      sha256: '',
      createdAt: now,
      updatedAt: now,
    });

    const hash = createHash('sha256');
    let size = 0;
    let seq = 0;
    let stored = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (!pendingBytes) return;
      const data = Buffer.concat(pending, pendingBytes);
      await tx
        .insert(importChunks)
        .values({ tenantId: ctx.tenantId, importId: id, seq, offset: stored, data });
      seq++;
      stored += pendingBytes;
      pending = [];
      pendingBytes = 0;
    };
    // Leaving the loop early must not destroy the request: the 413 still has to go out on it.
    for await (const piece of body.iterator({ destroyOnReturn: false })) {
      const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
      size += chunk.length;
      if (size > maxBytes) throw fileTooLarge(maxBytes);
      hash.update(chunk);
      for (let at = 0; at < chunk.length; ) {
        const take = Math.min(CHUNK_BYTES - pendingBytes, chunk.length - at);
        pending.push(chunk.subarray(at, at + take));
        pendingBytes += take;
        at += take;
        if (pendingBytes === CHUNK_BYTES) await flush();
      }
    }
    await flush();
    if (size === 0)
      throw new ApiError(400, 'empty_file', 'The request body is empty: send the file as the body.');

    const [row] = await tx
      .update(imports)
      .set({ sizeBytes: size, sha256: hash.digest('hex') })
      .where(and(eq(imports.tenantId, ctx.tenantId), eq(imports.id, id)))
      .returning();
    await enqueueJob(
      tx,
      ctx.tenantId,
      { kind: IMPORT_JOB, runAt: now, payload: { import_id: id }, dedupeKey: `${id}:scan`, maxAttempts: 5 },
      now,
    );
    return presentImport(row!);
  });
}

/** A supplier key imports into its own supplier only; a secret key into any, or the default. */
async function importSupplier(tx: Tx, ctx: TenantCtx, requested: string | undefined): Promise<string> {
  const field = 'querystring.supplier_id';
  const scope = supplierScope(ctx);
  if (scope) {
    if (requested && requested !== scope) {
      throw unprocessable('invalid_reference', `No such supplier: '${requested}'`, [
        fieldError(field, 'invalid_reference', 'A supplier key imports into its own supplier only'),
      ]);
    }
    return scope;
  }
  if (requested) return (await requireSupplier(tx, ctx.tenantId, requested, field)).id;
  const fallback = await defaultSupplierId(tx, ctx.tenantId);
  if (!fallback) {
    throw unprocessable('supplier_required', 'This tenant has no default supplier; pass supplier_id.', [
      fieldError(field, 'required', 'Create a supplier first, or name one'),
    ]);
  }
  return fallback;
}

// ---------------------------------------------------------------------------------------------
// Reading

function importConditions(ctx: TenantCtx) {
  const scope = supplierScope(ctx);
  return and(eq(imports.tenantId, ctx.tenantId), scope ? eq(imports.supplierId, scope) : undefined);
}

export async function getImport(ctx: TenantCtx, id: string): Promise<Import> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const [row] = await tx
      .select()
      .from(imports)
      .where(and(importConditions(ctx), eq(imports.id, id)));
    if (!row) throw notFound('import', id);
    return presentImport(row);
  });
}

export async function listImports(ctx: TenantCtx, query: ListQuery & { status?: ImportStatus | undefined }) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(imports)
      .where(
        and(
          importConditions(ctx),
          query.status ? eq(imports.status, query.status) : undefined,
          after ? lt(imports.id, after) : undefined,
        ),
      )
      .orderBy(desc(imports.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentImport);
  });
}

// ---------------------------------------------------------------------------------------------
// Processing: a background job per slice. The first checks the whole file (encoding, quotes,
// header) and counts its rows, so a broken file fails before anything is written; each next one
// imports about SLICE_ROWS rows in its own transaction and queues the one after.

function actorOf(row: ImportRow): TenantPrincipal {
  return row.actorKind === 'supplier'
    ? {
        kind: 'supplier',
        tenantId: row.tenantId,
        keyId: row.actorKeyId,
        supplierId: row.supplierId,
        scopes: null,
      }
    : { kind: 'secret', tenantId: row.tenantId, keyId: row.actorKeyId, scopes: null };
}

export async function importJob(job: JobRow, env: JobEnv): Promise<void> {
  const importId = String(job.payload.import_id ?? '');
  const [row] = await env.tx
    .select()
    .from(imports)
    .where(and(eq(imports.tenantId, job.tenantId), eq(imports.id, importId)))
    .for('update');
  if (!row || row.status === 'succeeded' || row.status === 'failed') return;
  const ctx: TenantCtx = { db: env.db, clock: env.clock, tenantId: row.tenantId, actor: actorOf(row) };
  const step = (tx: Tx) => (row.cursor ? importSlice(tx, ctx, row) : scanFile(tx, ctx, row));
  if (job.attempts < job.maxAttempts) {
    if (await step(env.tx)) await bumpCatalogVersion(env.tx, row.tenantId);
    return;
  }
  // The last attempt: whatever goes wrong now ends the import with a clear failure.
  try {
    if (await env.tx.transaction(step)) await bumpCatalogVersion(env.tx, row.tenantId);
  } catch (err) {
    env.log.error({ err, import: row.id }, 'import failed');
    await failImport(
      env.tx,
      ctx,
      row,
      'internal_error',
      'The import stopped on an unexpected error; upload the file again.',
    );
  }
}

async function failImport(tx: Tx, ctx: TenantCtx, row: ImportRow, code: string, message: string) {
  const now = ctx.clock.now();
  const [failed] = await tx
    .update(imports)
    .set({
      status: 'failed',
      failureCode: code,
      failureMessage: message,
      completedAt: now,
      updatedAt: now,
      startedAt: row.startedAt ?? now,
    })
    .where(and(eq(imports.tenantId, row.tenantId), eq(imports.id, row.id)))
    .returning();
  await dropFile(tx, row);
  await recordEvent(tx, ctx, { type: 'import.failed', object: presentImport(failed!) });
}

const dropFile = (tx: Tx, row: ImportRow) =>
  tx
    .delete(importChunks)
    .where(and(eq(importChunks.tenantId, row.tenantId), eq(importChunks.importId, row.id)));

const queueNext = (tx: Tx, ctx: TenantCtx, row: ImportRow, offset: number) =>
  enqueueJob(
    tx,
    row.tenantId,
    {
      kind: IMPORT_JOB,
      runAt: ctx.clock.now(),
      payload: { import_id: row.id },
      dedupeKey: `${row.id}:${offset}`,
      maxAttempts: 5,
    },
    ctx.clock.now(),
  );

/** Checks the whole file and counts its rows; a bad file fails here with nothing written. */
async function scanFile(tx: Tx, ctx: TenantCtx, row: ImportRow): Promise<boolean> {
  const chunks = fileChunks(tx, row.tenantId, row.id, 0);
  let columns: string[] | undefined;
  let start = 0;
  let total = 0;
  try {
    if (row.format === 'json') {
      await eachJsonLine(chunks, 0, 0, true, async () => {
        total++;
        return true;
      });
    } else {
      const format = CSV_FORMATS[row.format];
      await eachCsvRecord(chunks, 0, true, async (record) => {
        if (columns) {
          total++;
          return true;
        }
        columns = record.value.map(normalizeColumn);
        start = record.end;
        const missing = format.required.filter((c) => !columns!.includes(c));
        if (missing.length) {
          throw new FileError(
            'missing_columns',
            `The header lacks required column${missing.length > 1 ? 's' : ''}: ${missing.join(', ')} (is this a ${row.format} file?).`,
          );
        }
        return true;
      });
      if (!columns) throw new FileError('missing_header', 'The file has no header row.');
    }
  } catch (err) {
    if (!(err instanceof FileError)) throw err;
    await failImport(tx, ctx, row, err.code, err.message);
    return false;
  }
  const now = ctx.clock.now();
  await tx
    .update(imports)
    .set({
      status: 'running',
      totalRows: total,
      columns: columns ?? null,
      cursor: { offset: start, rows: 0, lines: 0 },
      startedAt: now,
      updatedAt: now,
    })
    .where(and(eq(imports.tenantId, row.tenantId), eq(imports.id, row.id)));
  await queueNext(tx, ctx, row, start);
  return false;
}

interface Tally {
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  errors: ImportRowError[];
  errorCount: number;
}

/** Imports about SLICE_ROWS rows from the cursor on; says whether it wrote to the catalog. */
async function importSlice(tx: Tx, ctx: TenantCtx, row: ImportRow): Promise<boolean> {
  const cursor = row.cursor!;
  const tally: Tally = { created: 0, updated: 0, unchanged: 0, skipped: 0, errors: [], errorCount: 0 };
  let at: ImportCursor = cursor;
  let rowsDone = 0;
  const chunks = fileChunks(tx, row.tenantId, row.id, cursor.offset);
  // The slice's products are read first (≤ about SLICE_ROWS rows in memory), then written.
  const batch: ProductGroup[] = [];
  const finish = async (group: ProductGroup, end: ImportCursor) => {
    batch.push(group);
    rowsDone += end.rows - at.rows;
    at = end;
  };
  let complete: boolean;
  if (row.format === 'json') {
    complete = await eachJsonLine(chunks, cursor.offset, cursor.lines, false, async (line) => {
      if (rowsDone >= SLICE_ROWS) return false;
      await finish(jsonGroup(line.value, line.line), {
        offset: line.end,
        rows: at.rows + 1,
        lines: line.line,
      });
      return true;
    });
  } else {
    const format = CSV_FORMATS[row.format];
    const header = new Header(row.columns ?? []);
    let pending: { rows: CsvRow[]; overflow: CsvRow | undefined; end: ImportCursor } | undefined;
    let count = cursor.rows;
    const close = async () => {
      const p = pending!;
      const group = format.build(header, p.rows);
      if (p.overflow) {
        group.lastRow = p.overflow.row;
        group.errors.push({
          row: p.overflow.row,
          column: null,
          code: 'too_many_rows',
          message: `A product spans at most ${MAX_GROUP_ROWS} rows`,
        });
      }
      pending = undefined;
      await finish(group, p.end);
    };
    complete = await eachCsvRecord(chunks, cursor.offset, false, async (record) => {
      count++;
      const csvRow: CsvRow = { row: count + 1, cells: record.value };
      const end = { offset: record.end, rows: count, lines: 0 };
      if (pending && format.continues(header, pending.rows, csvRow)) {
        if (pending.rows.length < MAX_GROUP_ROWS) pending.rows.push(csvRow);
        else pending.overflow = csvRow;
        pending.end = end;
        return true;
      }
      if (pending) {
        await close();
        if (rowsDone >= SLICE_ROWS) return false;
      }
      pending = { rows: [csvRow], overflow: undefined, end };
      return true;
    });
    if (complete && pending) await close();
  }
  await importBatch(tx, ctx, row, batch, tally);

  const now = ctx.clock.now();
  const errors = [...row.errors, ...tally.errors].slice(0, MAX_REPORTED_ERRORS);
  const [updated] = await tx
    .update(imports)
    .set({
      cursor: at,
      processedRows: at.rows,
      created: row.created + tally.created,
      updated: row.updated + tally.updated,
      unchanged: row.unchanged + tally.unchanged,
      skipped: row.skipped + tally.skipped,
      errorCount: row.errorCount + tally.errorCount,
      errors,
      ...(complete ? { status: 'succeeded' as const, completedAt: now, totalRows: at.rows } : {}),
      updatedAt: now,
    })
    .where(and(eq(imports.tenantId, row.tenantId), eq(imports.id, row.id)))
    .returning();
  if (complete) {
    await dropFile(tx, row);
    await recordEvent(tx, ctx, { type: 'import.completed', object: presentImport(updated!) });
  } else {
    await queueNext(tx, ctx, row, at.offset);
  }
  return !row.dryRun && tally.created + tally.updated > 0;
}

/** One JSON line: one product. */
function jsonGroup(text: string, line: number): ProductGroup {
  const group: ProductGroup = {
    key: `line ${line}`,
    firstRow: line,
    lastRow: line,
    variantRows: [],
    input: { variants: [] },
    errors: [],
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    group.errors.push({
      row: line,
      column: null,
      code: 'invalid_json',
      message: 'The line is not a JSON object',
    });
    return group;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    group.errors.push({
      row: line,
      column: null,
      code: 'invalid_json',
      message: 'Each line is one product object',
    });
    return group;
  }
  const v = value as { handle?: unknown; title?: unknown; variants?: unknown };
  group.key =
    typeof v.handle === 'string' ? v.handle : typeof v.title === 'string' ? v.title.slice(0, 100) : group.key;
  group.input = value as ProductGroup['input'];
  group.variantRows = Array.isArray(v.variants) ? v.variants.map(() => line) : [];
  return group;
}

// ---------------------------------------------------------------------------------------------
// One product

/** Rolls a dry run's savepoint back, carrying what would have happened. */
class DryRun {
  constructor(readonly outcome: Outcome) {}
}
type Outcome = 'created' | 'updated' | 'unchanged';

function skip(tally: Tally, group: ProductGroup, errors: GroupError[]) {
  tally.skipped++;
  tally.errorCount += errors.length;
  for (const e of errors) {
    if (tally.errors.length >= MAX_REPORTED_ERRORS) break;
    tally.errors.push({
      ...e,
      first_row: group.firstRow,
      last_row: group.lastRow,
      product: group.key || null,
    });
  }
}

/** Where a catalog field error (`product.variants.2.sku`) sits in the file. */
function locate(group: ProductGroup, path: Array<PropertyKey>): { row: number; column: string | null } {
  if (path[0] === 'variants' && typeof path[1] === 'number') {
    return {
      row: group.variantRows[path[1]] ?? group.firstRow,
      column: path.slice(2).join('.') || 'variants',
    };
  }
  return { row: group.firstRow, column: path.join('.') || null };
}

/** What the catalog already has, by the keys the slice's products can match on. */
interface Matches {
  external: Map<string, string>;
  handle: Map<string, string>;
  sku: Map<string, string>;
}
const refKey = (system: string, id: string) => `${system}\u0000${id}`;

/** The slice's products, each in its own savepoint, with lookups made once for the slice. */
async function importBatch(tx: Tx, ctx: TenantCtx, row: ImportRow, batch: ProductGroup[], tally: Tally) {
  const valid: Array<{ group: ProductGroup; input: ImportProductInput }> = [];
  for (const group of batch) {
    if (group.errors.length) {
      skip(tally, group, group.errors);
      continue;
    }
    const parsed = importProductSchema.safeParse(group.input);
    if (parsed.success) valid.push({ group, input: parsed.data });
    else {
      skip(
        tally,
        group,
        parsed.error.issues.map((issue) => ({
          ...locate(group, issue.path),
          code: 'invalid_value',
          message: issue.message,
        })),
      );
    }
  }
  if (!valid.length) return;
  const matches = await lookupMatches(tx, ctx.tenantId, valid);
  // Stock of products created here cannot fail (new variants, nothing reserved): it is set for
  // the whole slice in one sync after them, in the slice's transaction.
  const newStock: Array<{ sku: string; on_hand: number; group: ProductGroup }> = [];
  for (const { group, input } of valid) {
    let outcome: Outcome;
    try {
      outcome = await tx.transaction(async (sp) => {
        const result = await writeProduct(sp, ctx, row, group, input, matches);
        if (row.dryRun) throw new DryRun(result.outcome);
        if (result.outcome === 'created') {
          for (const v of input.variants) {
            if (v.inventory_quantity !== undefined)
              newStock.push({ sku: v.sku, on_hand: v.inventory_quantity, group });
          }
        }
        return result.outcome;
      });
    } catch (err) {
      if (err instanceof DryRun) outcome = err.outcome;
      else {
        const { problem } = toProblem(err);
        if (problem.status >= 500) throw err;
        const fields = problem.errors?.length
          ? problem.errors
          : [{ field: '', code: problem.code, message: problem.detail }];
        skip(
          tally,
          group,
          fields.map((f) => ({
            ...locate(
              group,
              f.field
                .replace(/^product\.?/, '')
                .split('.')
                .filter(Boolean)
                .map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
            ),
            code: f.code,
            message: f.message,
          })),
        );
        continue;
      }
    }
    tally[outcome]++;
  }
  if (newStock.length) {
    const results = await syncStockIn(tx, ctx, {
      location_id: row.locationId ?? undefined,
      items: newStock.map(({ sku, on_hand }) => ({ sku, on_hand })),
    });
    for (const r of results) {
      if (r.status !== 'failed') continue;
      const { group } = newStock[r.index]!;
      tally.errorCount++;
      if (tally.errors.length < MAX_REPORTED_ERRORS) {
        tally.errors.push({
          row: group.firstRow,
          first_row: group.firstRow,
          last_row: group.lastRow,
          product: group.key,
          column: 'inventory_quantity',
          code: r.error.code,
          message: `Stock not set: ${r.error.message}`,
        });
      }
    }
  }
}

async function lookupMatches(
  tx: Tx,
  tenantId: string,
  valid: Array<{ group: ProductGroup; input: ImportProductInput }>,
): Promise<Matches> {
  const refs = valid.flatMap(({ group, input }) =>
    group.parent
      ? [group.parent]
      : Object.entries(input.external_ids ?? {}).map(([system, id]) => ({ system, id })),
  );
  const handles = valid.flatMap(({ input }) => (input.handle ? [input.handle] : []));
  const skus = valid.flatMap(({ input }) => input.variants.map((v) => v.sku));
  const matches: Matches = { external: new Map(), handle: new Map(), sku: new Map() };
  if (refs.length) {
    const keys = refs.map((r) => ({ system: r.system, external_id: r.id }));
    const hits = rowsOf<{ system: string; external_id: string; product_id: string }>(
      await tx.execute(sql`
        select e.system, e.external_id, e.product_id from product_external_ids e
        join ${jsonRecordset(keys, 'k', 'system text, external_id text')}
          on e.system = k.system and e.external_id = k.external_id
        where e.tenant_id = ${tenantId}`),
    );
    for (const h of hits) matches.external.set(refKey(h.system, h.external_id), h.product_id);
  }
  // One JSON parameter per list (not a parameter per value): the statement's text, and so its
  // prepared plan, stays the same whatever the slice holds.
  if (handles.length) {
    const hits = rowsOf<{ id: string; handle: string }>(
      await tx.execute(sql`
        select p.id, p.handle from products p
        join ${jsonRecordset(
          handles.map((handle) => ({ handle })),
          'k',
          'handle text',
        )} on p.handle = k.handle
        where p.tenant_id = ${tenantId}`),
    );
    for (const h of hits) matches.handle.set(h.handle, h.id);
  }
  if (skus.length) {
    const hits = rowsOf<{ sku: string; product_id: string }>(
      await tx.execute(sql`
        select v.sku, v.product_id from variants v
        join ${jsonRecordset(
          skus.map((sku) => ({ sku })),
          'k',
          'sku text',
        )} on v.sku = k.sku
        where v.tenant_id = ${tenantId}`),
    );
    for (const h of hits) matches.sku.set(h.sku, h.product_id);
  }
  return matches;
}

/** Notes a product written in this slice, so later products of the slice match it. */
function remember(matches: Matches, productId: string, group: ProductGroup, input: ImportProductInput) {
  if (!group.parent) {
    for (const [system, id] of Object.entries(input.external_ids ?? {})) {
      matches.external.set(refKey(system, id), productId);
    }
    if (input.handle) matches.handle.set(input.handle, productId);
  }
  for (const v of input.variants) matches.sku.set(v.sku, productId);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

async function findExisting(
  tx: Tx,
  ctx: TenantCtx,
  group: ProductGroup,
  input: ImportProductInput,
  matches: Matches,
) {
  const tenantId = ctx.tenantId;
  const refs = group.parent
    ? [group.parent]
    : Object.entries(input.external_ids ?? {}).map(([system, id]) => ({ system, id }));
  let productId: string | undefined;
  for (const ref of refs) {
    productId = matches.external.get(refKey(ref.system, ref.id));
    if (productId) break;
  }
  if (!productId && !group.parent && input.handle) productId = matches.handle.get(input.handle);
  const bySku = !productId && !group.parent;
  if (bySku) {
    const hits = new Set(input.variants.flatMap((v) => matches.sku.get(v.sku) ?? []));
    if (hits.size > 1) {
      throw conflict(
        'ambiguous_match',
        `The product's SKUs belong to ${hits.size} different products in the catalog.`,
      );
    }
    productId = [...hits][0];
  }
  if (!productId) return undefined;
  const [product] = await tx
    .select()
    .from(products)
    .where(and(eq(products.tenantId, tenantId), eq(products.id, productId)));
  if (product && bySku) {
    // A SKU names the product only when nothing else says it is another one.
    const otherHandle = input.handle && product.handle && product.handle !== input.handle;
    const otherId = Object.entries(input.external_ids ?? {}).some(
      ([system, id]) => product.externalIds[system] !== undefined && product.externalIds[system] !== id,
    );
    if (otherHandle || otherId) return undefined;
  }
  const scope = supplierScope(ctx);
  if (product && scope && product.supplierId !== scope) {
    throw conflict(
      'product_of_another_supplier',
      `Product ${product.id} (matched by handle, external id or SKU) belongs to another supplier.`,
    );
  }
  return product;
}

async function writeProduct(
  tx: Tx,
  ctx: TenantCtx,
  row: ImportRow,
  group: ProductGroup,
  input: ImportProductInput,
  matches: Matches,
): Promise<{ outcome: Outcome }> {
  const variantInputs: VariantInput[] = input.variants.map(({ inventory_quantity: _qty, ...v }) => v);
  const existing = await findExisting(tx, ctx, group, input, matches);
  let outcome: Outcome;
  if (!existing) {
    if (group.parent) {
      throw unprocessable(
        'parent_not_found',
        `The parent product ${group.key} is neither in the catalog nor earlier in the file.`,
        [
          fieldError(
            'product',
            'parent_not_found',
            `No product ${group.key}; its row must come before its variations`,
          ),
        ],
      );
    }
    const { variants: _v, ...fields } = input;
    const product = await insertProduct(
      tx,
      ctx,
      { ...fields, supplier_id: row.supplierId, variants: variantInputs } as ProductInput,
      'product',
    );
    if (!row.dryRun) remember(matches, product.id, group, input);
    return { outcome: 'created' };
  } else {
    const current = (await variantsOf(tx, ctx.tenantId, [existing.id])).get(existing.id)!.map(presentVariant);
    const changes: VariantInput[] = [];
    for (const v of variantInputs) {
      const match = current.find((c) => c.sku === v.sku);
      const differs =
        !match ||
        Object.entries(v).some(
          ([k, value]) => value !== undefined && !same(value, match[k as keyof typeof match]),
        );
      if (differs) changes.push(match ? { ...v, id: match.id } : v);
    }
    const patch: ProductInput = {};
    if (input.title !== undefined && input.title !== existing.title) patch.title = input.title;
    if (input.description !== undefined && input.description !== existing.description)
      patch.description = input.description;
    if (input.handle !== undefined && input.handle !== existing.handle) patch.handle = input.handle;
    if (input.status !== undefined && input.status !== existing.status) patch.status = input.status;
    if (input.category_id !== undefined && input.category_id !== existing.categoryId)
      patch.category_id = input.category_id;
    if (input.tags !== undefined && !same(input.tags, existing.tags)) patch.tags = input.tags;
    if (input.media !== undefined && !same(input.media, existing.media)) patch.media = input.media;
    const changed = (next: Record<string, string> | undefined, now: Record<string, string>) =>
      next && Object.entries(next).some(([k, v]) => now[k] !== v);
    if (changed(input.metadata, existing.metadata)) patch.metadata = input.metadata;
    if (changed(input.external_ids, existing.externalIds)) patch.external_ids = input.external_ids;
    if (changes.length) patch.variants = changes;
    if (Object.keys(patch).length) {
      await patchProduct(tx, ctx, existing.id, patch, 'product');
      outcome = 'updated';
    } else outcome = 'unchanged';
  }

  const items = input.variants.flatMap((v) =>
    v.inventory_quantity === undefined ? [] : [{ sku: v.sku, on_hand: v.inventory_quantity }],
  );
  if (items.length) {
    const results = await syncStockIn(tx, ctx, { location_id: row.locationId ?? undefined, items });
    const failed = results.find((r) => r.status === 'failed');
    if (failed && failed.status === 'failed') {
      const index = input.variants.findIndex((v) => v.sku === failed.sku);
      throw unprocessable(failed.error.code, failed.error.message, [
        fieldError(`product.variants.${index}.inventory_quantity`, failed.error.code, failed.error.message),
      ]);
    }
    if (outcome === 'unchanged' && results.some((r) => r.status === 'updated')) outcome = 'updated';
  }
  if (!row.dryRun) remember(matches, existing!.id, group, input);
  return { outcome };
}

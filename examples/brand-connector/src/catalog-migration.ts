import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Mujiang } from '@mujiang/sdk';

/**
 * Step 1 of the connector, one-click migration (一键搬家): bring a catalog over from a Shopify
 * product CSV export through the imports API. Uploads the file (`imports.create`), then follows
 * the background job (`imports.retrieve`), reporting `processed` / `total` rows, until it has
 * succeeded or failed. Re-running the same file updates instead of duplicating (the API matches
 * on external id, handle and SKU), so the connector can run it on every catalog change before the
 * stock sync. A webhook on `import.completed` would do instead of polling in a long-lived service.
 */
export async function migrateShopifyCatalog(
  client: Mujiang,
  csvPath: string,
  options: CatalogMigrationOptions = {},
): Promise<CatalogMigrationReport> {
  const file = new Uint8Array(await readFile(csvPath));
  let job = await client.imports.create(file, {
    format: 'shopify_csv',
    filename: basename(csvPath),
    ...(options.dryRun ? { dry_run: 'true' as const } : {}),
  });
  const pollMs = options.pollIntervalMs ?? 500;
  const deadline = Date.now() + (options.timeoutMs ?? 60 * 60_000);
  let last = '';
  for (;;) {
    const seen = `${job.progress.processed}/${job.progress.total}`;
    if (seen !== last) options.onProgress?.(job.progress);
    last = seen;
    if (job.status === 'succeeded' || job.status === 'failed') break;
    if (Date.now() > deadline)
      throw new Error(`import ${job.id} did not finish in time (still ${job.status})`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    job = await client.imports.retrieve(job.id);
  }
  if (job.status === 'failed')
    throw new CatalogMigrationFailed(job.id, job.failure?.code, job.failure?.message);
  return {
    importId: job.id,
    created: job.report.created,
    updated: job.report.updated,
    unchanged: job.report.unchanged,
    skipped: job.report.skipped,
    errors: job.report.errors.map((e) => ({ row: e.row, code: e.code, message: e.message })),
  };
}

export interface CatalogMigrationOptions {
  /** Report what would happen without writing (the import's `dry_run`). */
  dryRun?: boolean;
  onProgress?: (progress: { processed: number; total: number | null }) => void;
  /** How often to look at the job (default 500 ms), and for how long at most (default 1 h). */
  pollIntervalMs?: number;
  timeoutMs?: number;
}

export interface CatalogMigrationReport {
  importId: string;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  errors: Array<{ row: number; code: string; message: string }>;
}

/** The API refused the whole file (wrong encoding, broken quotes, missing columns…). */
export class CatalogMigrationFailed extends Error {
  override name = 'CatalogMigrationFailed';
  constructor(
    readonly importId: string,
    readonly code: string | undefined,
    detail: string | undefined,
  ) {
    super(`import ${importId} failed: ${code ?? 'unknown'}: ${detail ?? ''}`);
  }
}

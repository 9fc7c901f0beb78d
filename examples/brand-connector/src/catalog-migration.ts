import type { Mujiang } from '@mujiang/sdk';

/**
 * Step 1 of the connector, one-click migration (一键搬家): bring a catalog over from a Shopify
 * product CSV export.
 *
 * ─── PLUG-IN POINT ────────────────────────────────────────────────────────────────────────────
 * This waits for the imports API (`/v1/imports`, issue 3), which is being built. When it and its
 * SDK resource (`client.imports`) land, the body becomes:
 *
 *   1. upload the file: `client.imports.create({ format: 'shopify_csv', file, dry_run })` → a job;
 *   2. poll the job (`client.imports.retrieve(id)`) and report `processed` / `total` through
 *      `onProgress`, until it is `completed` or `failed` (or listen for `import.completed`);
 *   3. return the job's report: created / updated / skipped, and the errors with row numbers.
 *
 * Re-running the same file updates instead of duplicating (the API matches on handle, SKU and
 * external id), so the connector can run it on every catalog change before the stock sync.
 * Keep this function's signature: `cli.ts` (`brand-connector catalog <file>`) and the README
 * already call it.
 * ──────────────────────────────────────────────────────────────────────────────────────────────
 */
export async function migrateShopifyCatalog(
  _client: Mujiang,
  _csvPath: string,
  _options: CatalogMigrationOptions = {},
): Promise<CatalogMigrationReport> {
  throw new CatalogMigrationUnavailable();
}

export interface CatalogMigrationOptions {
  /** Report what would happen without writing (the import's `dry_run`). */
  dryRun?: boolean;
  onProgress?: (progress: { processed: number; total: number | null }) => void;
}

export interface CatalogMigrationReport {
  importId: string;
  created: number;
  updated: number;
  skipped: number;
  errors: Array<{ row: number; code: string; message: string }>;
}

export class CatalogMigrationUnavailable extends Error {
  override name = 'CatalogMigrationUnavailable';
  constructor() {
    super(
      'The Shopify CSV migration needs the imports API (/v1/imports), which is not in this version ' +
        'yet. Sync stock with `brand-connector stock <feed>` meanwhile.',
    );
  }
}

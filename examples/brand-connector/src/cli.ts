import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ApiError, Mujiang, MujiangError } from '@mujiang/sdk';
import { CatalogMigrationFailed, migrateShopifyCatalog } from './catalog-migration';
import { readStockFeed } from './feed';
import { type BatchProgress, MAX_BATCH, type SyncSummary, syncStock } from './stock-sync';

const USAGE = `brand-connector: keeps a brand's stock in the 木匠 API true to its own system.

Usage:
  brand-connector stock <feed.csv|feed.json> [--batch-size N] [--location ID] [--report FILE] [--dry-run]
  brand-connector catalog <shopify-products.csv> [--dry-run]

Environment:
  MUJIANG_API_URL   the API (default http://127.0.0.1:3000)
  MUJIANG_API_KEY   a supplier key (spk_…: only its own SKUs) or a secret key (sk_…);
                    default: the demo supplier key that \`pnpm start\` saved in packages/api/.data

Exit codes: 0 all synced, 2 some items failed, 1 the sync could not run or stopped.`;

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
}

/** The demo supplier key `pnpm start` saved, for running against it without configuration. */
function demoKey(): string | undefined {
  const dir = fileURLToPath(new URL('../../../packages/api/.data', import.meta.url));
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir)
    .filter((f) => /^demo-.*\.json$/.test(f))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const file of files) {
    const key = (JSON.parse(readFileSync(file, 'utf8')) as { supplier_key?: string }).supplier_key;
    if (key) return key;
  }
  return undefined;
}

const pct = (done: number, total: number) => (total ? Math.floor((done / total) * 100) : 100);

export function formatProgress(p: BatchProgress): string {
  const head = `batch ${p.batch}/${p.batches}: ${p.size} items`;
  const result = p.error
    ? `failed as a whole (${p.error})`
    : `${p.updated} updated, ${p.unchanged} unchanged, ${p.failed} failed`;
  return `${head} → ${result}  [${p.done}/${p.total} ${pct(p.done, p.total)}%] ${p.ms} ms${
    p.requestId ? ` (request ${p.requestId})` : ''
  }`;
}

type Problem = { line: number; sku: string; code: string; message: string };

function formatErrors(errors: Problem[], maxErrors: number): string[] {
  if (!errors.length) return [];
  const sorted = [...errors].sort((a, b) => a.line - b.line);
  const lines = [`Errors (${errors.length}):`];
  for (const e of sorted.slice(0, maxErrors)) {
    lines.push(`  line ${String(e.line).padStart(5)}  ${e.sku || '(no sku)'}  ${e.code}  ${e.message}`);
  }
  if (errors.length > maxErrors) lines.push(`  … and ${errors.length - maxErrors} more (see --report)`);
  return lines;
}

export function formatSummary(s: SyncSummary, rejected: Problem[], maxErrors = 50): string[] {
  const lines = [
    '',
    `Summary: ${s.total} items sent in ${s.batches} batch${s.batches === 1 ? '' : 'es'} in ${s.ms} ms: ` +
      `${s.updated} updated, ${s.unchanged} unchanged, ${s.failed + rejected.length} failed ` +
      `(${rejected.length} rejected in the feed, ${s.failed} by the API).`,
  ];
  if (s.stoppedBy) lines.push(`Stopped: ${s.stoppedBy}; ${s.notSent} items were not sent.`);
  return [...lines, ...formatErrors([...rejected, ...s.errors], maxErrors)];
}

async function stock(client: Mujiang, file: string, values: Record<string, unknown>, io: Io) {
  const batchSize = values['batch-size'] === undefined ? MAX_BATCH : Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH) {
    io.err(`--batch-size must be an integer from 1 to ${MAX_BATCH}`);
    return 1;
  }
  const feed = await readStockFeed(file);
  io.out(
    `Stock feed ${file}: ${feed.entries} entries, ${feed.items.length} to sync` +
      (feed.problems.length ? `, ${feed.problems.length} rejected before sending` : '') +
      ` (batches of ≤ ${batchSize}).`,
  );
  if (values['dry-run']) {
    io.out(
      `Dry run: ${feed.items.length} items would be sent in ${Math.ceil(feed.items.length / batchSize)} batches; nothing sent.`,
    );
    for (const line of formatErrors(feed.problems, 50)) io.out(line);
    return feed.problems.length ? 2 : 0;
  }
  const summary = await syncStock(client, feed.items, {
    batchSize,
    locationId: values.location as string | undefined,
    onProgress: (p) => io.out(formatProgress(p)),
  });
  for (const line of formatSummary(summary, feed.problems)) io.out(line);
  if (typeof values.report === 'string') {
    await writeFile(
      values.report,
      `${JSON.stringify({ ...summary, rejected: feed.problems }, null, 2)}\n`,
      'utf8',
    );
    io.out(`Report written to ${values.report}.`);
  }
  if (summary.stoppedBy) return 1;
  return summary.failed + feed.problems.length > 0 ? 2 : 0;
}

async function catalog(client: Mujiang, file: string, values: Record<string, unknown>, io: Io) {
  try {
    const report = await migrateShopifyCatalog(client, file, {
      dryRun: Boolean(values['dry-run']),
      onProgress: (p) => io.out(`imported ${p.processed}/${p.total ?? '?'} rows`),
      pollIntervalMs: Number(io.env.MUJIANG_IMPORT_POLL_MS ?? 500),
    });
    io.out(
      `Import ${report.importId}: ${report.created} created, ${report.updated} updated, ${report.unchanged} unchanged, ${report.skipped} skipped, ${report.errors.length} errors.`,
    );
    for (const e of report.errors) io.out(`  row ${e.row}  ${e.code}  ${e.message}`);
    return report.errors.length ? 2 : 0;
  } catch (error) {
    if (error instanceof CatalogMigrationFailed) {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
}

/** The command line; returns the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'batch-size': { type: 'string' },
        location: { type: 'string' },
        report: { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 1;
  }
  const [command, file, ...extra] = parsed.positionals;
  if (parsed.values.help || !command) {
    io.out(USAGE);
    return command || parsed.values.help ? 0 : 1;
  }
  if ((command !== 'stock' && command !== 'catalog') || !file || extra.length) {
    io.err(USAGE);
    return 1;
  }
  if (!existsSync(file)) {
    io.err(`No such file: ${file}`);
    return 1;
  }
  const apiKey = io.env.MUJIANG_API_KEY ?? demoKey();
  if (!apiKey) {
    io.err(
      'Set MUJIANG_API_KEY to a supplier key (spk_…) or secret key (sk_…), e.g. one `pnpm start` prints.',
    );
    return 1;
  }
  const client = new Mujiang({
    baseUrl: io.env.MUJIANG_API_URL ?? 'http://127.0.0.1:3000',
    apiKey,
    userAgent: 'brand-connector-example/0.1',
  });
  try {
    return command === 'stock'
      ? await stock(client, file, parsed.values, io)
      : await catalog(client, file, parsed.values, io);
  } catch (error) {
    if (error instanceof ApiError)
      io.err(`${error.status} ${error.code}: ${error.detail} (request ${error.requestId})`);
    else if (error instanceof MujiangError) io.err(`${error.name}: ${error.message}`);
    else throw error;
    return 1;
  }
}

// Run as a script (`tsx src/cli.ts …`), not when a test imports it.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2), {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    env: process.env,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DemoApi, startDemoApi } from '@mujiang/examples-support';
import { Mujiang } from '@mujiang/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli';

const SAMPLE_CSV = fileURLToPath(new URL('../samples/stock-feed.csv', import.meta.url));
const SAMPLE_JSON = fileURLToPath(new URL('../samples/stock-feed.json', import.meta.url));

let api: DemoApi;
let secret: Mujiang;
let dir: string;

beforeAll(async () => {
  api = await startDemoApi();
  secret = new Mujiang({ baseUrl: api.baseUrl, apiKey: api.demo.secret_key });
  dir = await mkdtemp(join(tmpdir(), 'brand-connector-'));
});

afterAll(async () => {
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the command line in-process, as `tsx src/cli.ts …` would, with the demo supplier key. */
async function run(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: { MUJIANG_API_URL: api.baseUrl, MUJIANG_API_KEY: api.demo.supplier_key, ...env },
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function onHand(sku: string) {
  const [variant] = (await secret.variants.list({ sku })).data;
  return (await secret.variants.inventory(variant!.id)).on_hand;
}

describe('brand-connector stock', () => {
  it('syncs the sample feed and reports every item that failed, with its line', async () => {
    const first = await run(['stock', SAMPLE_CSV]);
    expect(first.code).toBe(2); // some items failed
    expect(first.out).toContain('21 entries, 19 to sync, 2 rejected before sending');
    expect(first.out).toMatch(/batch 1\/1: 19 items → 10 updated, 7 unchanged, 2 failed {2}\[19\/19 100%\]/);
    expect(first.out).toContain(
      'Summary: 19 items sent in 1 batch in', // … ms
    );
    expect(first.out).toContain('10 updated, 7 unchanged, 4 failed (2 rejected in the feed, 2 by the API).');
    expect(first.out).toMatch(/line {4}19 {2}MJ-PUER-2019 {2}invalid_quantity/);
    expect(first.out).toMatch(/line {4}20 {2}MJ-PUER-2021 {2}invalid_quantity/);
    expect(first.out).toMatch(/line {4}21 {2}MJ-NOT-IN-CATALOG {2}unknown_sku/);
    expect(first.out).toMatch(/line {4}22 {2}MJ-TEE-WHT-M {2}duplicate_item/);

    expect(await onHand('MJ-TEE-WHT-M')).toBe(150); // the first figure, not the duplicate's 999
    expect(await onHand('MJ-TEE-BLK-XL')).toBe(12);
    expect(await onHand('MJ-PUER-2021')).toBe(60); // refused: the demo's figure stays
    expect(await onHand('MJ-PUER-2019')).toBe(15);

    // The levels are absolute: the same feed again changes nothing.
    const again = await run(['stock', SAMPLE_CSV]);
    expect(again.out).toMatch(/batch 1\/1: 19 items → 0 updated, 17 unchanged, 2 failed/);
  });

  it('reads JSON feeds and splits into batches of the size asked for', async () => {
    const result = await run(['stock', SAMPLE_JSON, '--batch-size', '3']);
    expect(result.out).toMatch(/batch 1\/2: 3 items → .* {2}\[3\/4 75%\]/);
    expect(result.out).toMatch(/batch 2\/2: 1 items → 0 updated, 0 unchanged, 1 failed {2}\[4\/4 100%\]/);
    expect(result.out).toMatch(/line {5}4 {2}MJ-HAT-PNK {2}invalid_quantity/);
    expect(await onHand('MJ-CUP-SET-GRN')).toBe(30);
  });

  it('sends a large feed in batches of at most 1,000 and writes the full report', async () => {
    const demoSkus = (await secret.variants.list({ limit: 100 })).data.map((v) => v.sku);
    const rows = ['sku,quantity'];
    for (const sku of demoSkus) rows.push(`${sku},7`);
    for (let i = 0; rows.length <= 2_345; i++) rows.push(`GEN-${String(i).padStart(5, '0')},1`);
    const feed = join(dir, 'large.csv');
    const report = join(dir, 'report.json');
    await writeFile(feed, `${rows.join('\r\n')}\r\n`);

    const result = await run(['stock', feed, '--report', report]);
    expect(result.code).toBe(2);
    expect(result.out).toMatch(/batch 1\/3: 1000 items → .* {2}\[1000\/2345 42%\]/);
    expect(result.out).toMatch(
      /batch 2\/3: 1000 items → 0 updated, 0 unchanged, 1000 failed {2}\[2000\/2345 85%\]/,
    );
    expect(result.out).toMatch(
      /batch 3\/3: 345 items → 0 updated, 0 unchanged, 345 failed {2}\[2345\/2345 100%\]/,
    );
    const failed = 2_345 - demoSkus.length;
    expect(result.out).toContain(`${failed} failed (0 rejected in the feed, ${failed} by the API)`);
    expect(result.out).toContain(`… and ${failed - 50} more (see --report)`);
    const written = JSON.parse(await readFile(report, 'utf8'));
    expect(written).toMatchObject({ total: 2_345, batches: 3, failed, updated: demoSkus.length });
    expect(written.errors).toHaveLength(failed);
    expect(written.errors[0]).toMatchObject({ line: demoSkus.length + 2, code: 'unknown_sku' });
    expect(await onHand('MJ-DRESS-IVR-S')).toBe(7);
  });

  it('stops at the first batch when the key is refused, and says what was not sent', async () => {
    const result = await run(['stock', SAMPLE_CSV, '--batch-size', '5'], {
      MUJIANG_API_KEY: `spk_${'0'.repeat(26)}notarealkey`,
    });
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/batch 1\/4: 5 items → failed as a whole \(\w+: /);
    expect(result.out).toContain('items were not sent.');
    expect(result.out).toMatch(/Stopped: .*; 14 items were not sent\./);
    expect(result.out).not.toContain('batch 2/4');
  });

  it('checks its arguments', async () => {
    expect((await run(['stock', SAMPLE_CSV, '--batch-size', '1001'])).code).toBe(1);
    expect((await run(['stock', join(dir, 'missing.csv')])).err).toContain('No such file');
    const dry = await run(['stock', SAMPLE_CSV, '--dry-run']);
    expect(dry.code).toBe(2);
    expect(dry.out).toContain('Dry run: 19 items would be sent in 1 batches; nothing sent.');
  });
});

describe('brand-connector catalog (一键搬家 through /v1/imports)', () => {
  const SHOPIFY = fileURLToPath(new URL('../samples/shopify-products.csv', import.meta.url));

  /** Runs the command while the demo API's background jobs are pumped (its job timer is off). */
  async function runImport(args: string[]) {
    let finished = false;
    const pump = (async () => {
      while (!finished) {
        await api.runJobs();
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      return await run(args, { MUJIANG_IMPORT_POLL_MS: '10' });
    } finally {
      finished = true;
      await pump;
    }
  }

  it('dry-runs, imports, and on a second run finds everything unchanged; a bad row is reported', async () => {
    // The sample has one product with a broken price on row 8: it is skipped, the rest imported.
    const dry = await runImport(['catalog', SHOPIFY, '--dry-run']);
    expect(dry.code, dry.out + dry.err).toBe(2);
    expect(dry.out).toContain('imported 8/8 rows');
    expect(dry.out).toContain('2 created, 0 updated, 0 unchanged, 1 skipped, 1 errors');
    expect(dry.out).toMatch(/row 8 +invalid_price/);

    const real = await runImport(['catalog', SHOPIFY]);
    expect(real.out).toContain('2 created, 0 updated, 0 unchanged, 1 skipped, 1 errors');

    const again = await runImport(['catalog', SHOPIFY]);
    expect(again.out).toContain('0 created, 0 updated, 2 unchanged, 1 skipped, 1 errors');
  });

  it('reports a file the API refuses as a whole', async () => {
    const bad = join(dir, 'not-shopify.csv');
    await writeFile(bad, 'name,price\nT恤,99\n');
    const result = await runImport(['catalog', bad]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('missing_columns');
  });
});

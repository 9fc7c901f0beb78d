/**
 * Import (一键搬家) benchmark, not part of the tests: writes a ROWS-row Shopify product CSV to
 * disk (streaming), starts the API in its own process, uploads the file to POST /v1/imports as
 * a streamed body, and follows the background job to the end. Prints rows/s and the server's
 * peak RSS (sampled from /proc every 100 ms).
 *
 *   pnpm bench:imports                                   # embedded PGlite in a temp folder
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm bench:imports   # a fresh database on that server
 *
 * ROWS (default 100000) and VARIANTS (rows per product, default 4) change the file.
 */
import { execSync } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { ROOT } from './lib/env';
import { startProcess } from './lib/server';

const ROWS = Number(process.env.ROWS ?? 100_000);
const VARIANTS = Number(process.env.VARIANTS ?? 4);
const PLATFORM_TOKEN = 'plat_bench_0123456789abcdefghijklmnopq';
const adminUrl = process.env.DATABASE_URL;
const work = mkdtempSync(join(tmpdir(), 'mujiang-imports-'));
const file = join(work, 'products.csv');

const HEADER =
  'Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,Variant Fulfillment Service,Variant Price,Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Variant Barcode,Image Src,Image Position,Image Alt Text,Gift Card,SEO Title,SEO Description,Status\n';
const COLORS = ['红色', '蓝色', '黑色', '白色', '绿色'];
const SIZES = ['S', 'M', 'L', 'XL'];

/** Writes the CSV a row at a time, waiting when the file stream is full. */
async function writeCsv() {
  const out = createWriteStream(file);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(HEADER);
  for (let row = 0; row < ROWS; row++) {
    const p = Math.floor(row / VARIANTS);
    const v = row % VARIANTS;
    const handle = `product-${p}`;
    const color = COLORS[v % COLORS.length];
    const size = SIZES[Math.floor(v / COLORS.length) % SIZES.length];
    const price = `${(p % 500) + 9}.${String(v * 10).padStart(2, '0')}`;
    const variant = `${color},尺码,${size},,,${handle}-${v},250,shopify,${(p + v) % 100},deny,manual,${price},,true,true,'69${String(p).padStart(8, '0')}${v}`;
    await write(
      v === 0
        ? `${handle},"商品 ${p} 纯棉T恤","<p>第 ${p} 号商品,""舒适""面料。</p>\n<p>第二段</p>",木匠,Apparel,T恤,"夏季, 纯棉",true,颜色,${variant},https://cdn.example.com/${p}.jpg,1,,false,,,active\n`
        : `${handle},,,,,,,,,${variant},,,,,,,\n`,
    );
  }
  out.end();
  await once(out, 'finish');
}

async function api(url: string, key: string, method = 'GET', body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as any;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Streams the file from disk as the request body (never read whole here either). */
function uploadFile(url: string, key: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'text/csv',
          'content-length': statSync(file).size,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () =>
          res.statusCode === 201 ? resolve(JSON.parse(text)) : reject(new Error(`${res.statusCode} ${text}`)),
        );
      },
    );
    req.on('error', reject);
    pipeline(createReadStream(file), req).catch(reject);
  });
}

let dbName: string | undefined;
let databaseUrl: string | undefined;
if (adminUrl) {
  dbName = `mujiang_bench_imports_${Date.now()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  databaseUrl = u.toString();
}

const t0 = performance.now();
await writeCsv();
const size = statSync(file).size;
console.log(
  `wrote ${ROWS} rows (${Math.ceil(ROWS / VARIANTS)} products) to ${file}: ${(size / 2 ** 20).toFixed(1)} MiB in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

// The built server (as `pnpm bench` runs it), so the RSS is the API's, not a TypeScript loader's.
execSync('npx -y pnpm@10 --filter @mujiang/api build', { cwd: ROOT, stdio: 'ignore' });
const server = await startProcess(
  join(ROOT, 'packages/api/dist/server.js'),
  [],
  {
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATA_DIR: join(work, 'pglite') }),
    PLATFORM_TOKEN,
    DEMO: 'false',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '100000000',
    JOBS_ENABLED: 'true',
    JOBS_INTERVAL_MS: '50',
  },
  3950,
  '/readyz',
);
try {
  const idle = server.peakRssMb();
  const tenant = await api(`${server.url}/v1/tenants`, PLATFORM_TOKEN, 'POST', { name: 'Import bench' });
  const key = tenant.api_key.secret as string;
  await api(`${server.url}/v1/suppliers`, key, 'POST', { name: '木匠' });

  const started = performance.now();
  const job = await uploadFile(`${server.url}/v1/imports?format=shopify_csv&filename=bench.csv`, key);
  const uploaded = performance.now();
  console.log(
    `uploaded in ${((uploaded - started) / 1000).toFixed(1)} s (${job.id}); server RSS peak so far ${server.peakRssMb()} MB`,
  );
  let done: any;
  let lastPrint = 0;
  for (;;) {
    done = await api(`${server.url}/v1/imports/${job.id}`, key);
    const now = performance.now();
    if (now - lastPrint > 10_000) {
      lastPrint = now;
      const s = (now - uploaded) / 1000;
      console.log(
        `  ${s.toFixed(0)} s: ${done.status} ${done.progress.processed}/${done.progress.total ?? '?'} rows, ${(done.progress.processed / s).toFixed(0)} rows/s, RSS peak ${server.peakRssMb()} MB`,
      );
    }
    if (done.status === 'succeeded' || done.status === 'failed') break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const finished = performance.now();
  const total = (finished - started) / 1000;
  const processing = (finished - uploaded) / 1000;
  console.log('');
  console.log(`database           ${databaseUrl ? 'PostgreSQL' : 'PGlite (embedded)'}`);
  console.log(`status             ${done.status}${done.failure ? ` ${JSON.stringify(done.failure)}` : ''}`);
  console.log(`rows               ${done.progress.processed} / ${done.progress.total}`);
  console.log(
    `report             ${JSON.stringify({ ...done.report, errors: done.report.errors.slice(0, 3) })}`,
  );
  console.log(`file               ${(size / 2 ** 20).toFixed(1)} MiB`);
  console.log(`upload             ${((uploaded - started) / 1000).toFixed(1)} s`);
  console.log(`processing         ${processing.toFixed(1)} s`);
  console.log(
    `throughput         ${(ROWS / total).toFixed(0)} rows/s end to end, ${(ROWS / processing).toFixed(0)} rows/s processing`,
  );
  console.log(`server RSS         idle ${idle} MB, peak ${server.peakRssMb()} MB`);
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
  if (adminUrl && dbName) {
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}

import { execSync } from 'node:child_process';
import { freshDatabase } from './lib/db';
import { ADMIN_URL, PLATFORM_TOKEN, QUICK, ROOT } from './lib/env';
import { type Figure, fmt, writeReport } from './lib/report';
import { seedShop } from './lib/seed';
import { startApi } from './lib/server';
import { checkout } from './scenarios/checkout';
import { flashSale } from './scenarios/flash-sale';
import { growth } from './scenarios/growth';
import { listBaseline } from './scenarios/list-baseline';
import { storefrontList } from './scenarios/storefront';
import { webhookDelivery } from './scenarios/webhooks';

/**
 * `pnpm bench`: builds the API, starts it on a fresh PostgreSQL database, runs every scenario
 * with autocannon next to its reference measured in the same run, and prints one table
 * (also written to bench/results/latest.md). Not part of the test suite.
 */
execSync('npx -y pnpm@10 --filter @mujiang/api build', { cwd: ROOT, stdio: 'inherit' });
const db = await freshDatabase('mujiang_bench');
const api = await startApi(ROOT, db.url, PLATFORM_TOKEN);
const figures: Figure[] = [];
/** BENCH_ONLY=checkout,flash_sale runs a subset (the seed and memory figure always run). */
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const wanted = (name: string) => !only || only.includes(name);
const notes: string[] = [];
try {
  const idleRss = api.peakRssMb();
  const products = QUICK ? 10_000 : 100_000;
  const shop = await seedShop(api.url, db.url, products, 1_000_000);
  if (wanted('storefront')) figures.push(...(await storefrontList(api, shop, products)));
  if (wanted('storefront')) figures.push(...(await listBaseline(api)));
  if (wanted('checkout')) figures.push(...(await checkout(api, shop, db.url)));
  if (wanted('flash_sale')) figures.push(...(await flashSale(api, shop, db.url)));
  const peak = api.peakRssMb();
  figures.push({
    scenario: 'server memory',
    figure: 'RSS idle / peak MB',
    value: `${idleRss} / ${peak}`,
    reference: '',
    ratio: '',
    target: '< 256',
    pass: peak < 256,
  });
  notes.push(
    `load generator (autocannon), API and PostgreSQL share the machine; API pool ${fmt(20)} connections`,
  );
} finally {
  await api.stop();
  await db.drop();
}
// These two bring their own databases and processes.
if (wanted('webhooks')) {
  const runs = await webhookDelivery(ADMIN_URL, {
    backlog: QUICK ? 5_000 : 20_000,
    rate: 1_000,
    seconds: QUICK ? 3 : 10,
    workers: QUICK ? [1] : [1, 2],
  });
  for (const run of runs) {
    const scenario = `webhook delivery, ${run.workers} worker process${run.workers > 1 ? 'es' : ''}`;
    figures.push(
      {
        scenario,
        figure: 'deliveries/s (backlog)',
        value: fmt(run.deliveriesPerS),
        reference: `${run.duplicates} duplicates`,
        ratio: '',
        target: '≥ 2,000',
        pass: run.deliveriesPerS >= 2000 && run.duplicates === 0,
      },
      {
        scenario,
        figure: 'commit-to-delivery p50 / p99 ms (1,000/s)',
        value: `${run.p50.toFixed(1)} / ${run.p99.toFixed(1)}`,
        reference: '',
        ratio: '',
        target: '< 100',
        pass: run.p99 < 100,
      },
    );
  }
}
if (wanted('growth')) figures.push(...(await growth()));
writeReport(figures, notes);

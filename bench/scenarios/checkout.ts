import { execFileSync } from 'node:child_process';
import { DURATION_S, QUICK } from '../lib/env';
import { runLoad } from '../lib/load';
import { type Figure, fmt } from '../lib/report';
import type { SeededShop } from '../lib/seed';
import type { RunningServer } from '../lib/server';

const ADDRESS = {
  name: '压测',
  phone: '13800000000',
  province: '上海市',
  city: '上海市',
  line1: '压测路 1 号',
};

/** pgbench -N (simple-update, no branch contention) on the same database: the reference tps. */
export function pgbenchTps(databaseUrl: string): number {
  const url = new URL(databaseUrl);
  const args = ['-h', url.hostname, '-p', url.port || '5432', '-U', url.username || 'postgres'];
  const db = url.pathname.slice(1);
  execFileSync('pgbench', [...args, '-i', '-q', '-s', '10', db], { stdio: 'ignore' });
  const out = execFileSync(
    'pgbench',
    [...args, '-N', '-c', '64', '-j', '2', '-T', String(QUICK ? 3 : 10), db],
    {
      encoding: 'utf8',
    },
  );
  const m = /tps = ([\d.]+)/.exec(out);
  return m ? Number(m[1]) : 0;
}

/**
 * Checkout throughput: direct orders (secret key) of one random SKU out of 1,000, at 64
 * connections, next to pgbench -N on the same database. Targets: ≥ 0.35 of pgbench's tps,
 * p99 < 100 ms.
 */
export async function checkout(api: RunningServer, shop: SeededShop, databaseUrl: string): Promise<Figure[]> {
  const skus = shop.variantIds.slice(0, 1000);
  const headers = { authorization: `Bearer ${shop.secretKey}`, 'content-type': 'application/json' };
  const body = () =>
    JSON.stringify({
      store_id: shop.storeId,
      lines: [{ variant_id: skus[Math.floor(Math.random() * skus.length)], quantity: 1 }],
      shipping_address: ADDRESS,
    });
  const request = (req: any) => ({ ...req, body: body() });
  await runLoad({
    url: `${api.url}/v1/orders`,
    method: 'POST',
    connections: 16,
    durationS: 2,
    headers,
    setupRequest: request,
  });
  const cpuBefore = api.cpuMs();
  const ours = await runLoad({
    url: `${api.url}/v1/orders`,
    method: 'POST',
    connections: 64,
    durationS: DURATION_S,
    headers,
    setupRequest: request,
  });
  const cpuPerOrder = (api.cpuMs() - cpuBefore) / Math.max(ours.requests, 1);
  const reference = pgbenchTps(databaseUrl);
  const ratio = ours.rps / reference;
  const scenario = 'checkout (direct order, 1 of 1,000 SKUs), 64 conns';
  return [
    {
      scenario,
      figure: 'orders/s',
      value: fmt(ours.rps),
      reference: `${fmt(reference)} tps (pgbench -N, same database)`,
      ratio: fmt(ratio, 2),
      target: '≥ 0.35',
      pass: ratio >= 0.35 && ours.errors === 0 && ours.non2xx === 0,
    },
    {
      scenario,
      figure: 'p50 / p99 ms',
      value: `${ours.p50} / ${ours.p99}`,
      reference: '',
      ratio: '',
      target: 'p99 < 100',
      pass: ours.p99 < 100,
    },
    {
      scenario,
      figure: 'API CPU ms per order',
      value: fmt(cpuPerOrder, 2),
      reference: '',
      ratio: '',
      target: '',
      pass: null,
    },
  ];
}

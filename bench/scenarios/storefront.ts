import { join } from 'node:path';
import { DURATION_S, ROOT } from '../lib/env';
import { runLoad } from '../lib/load';
import { type Figure, fmt } from '../lib/report';
import type { SeededShop } from '../lib/seed';
import { type RunningServer, startProcess } from '../lib/server';

/**
 * DESIGN.md §7: the storefront product list (20 items) at 64 connections against 100,000
 * products, next to a bare Fastify route serving the same JSON from memory. Targets: ≥ 0.5 of
 * the bare route's req/s (within 2×), p99 < 50 ms.
 */
export async function storefrontList(
  api: RunningServer,
  shop: SeededShop,
  products: number,
): Promise<Figure[]> {
  const path = '/v1/storefront/products?limit=20';
  const headers = { authorization: `Bearer ${shop.publishableKey}` };
  const ref = await startProcess(
    join(ROOT, 'bench/reference-server.mjs'),
    [api.url + path, shop.publishableKey],
    {},
    3902,
  );
  await runLoad({ url: `${ref.url}/reference`, connections: 16, durationS: 2 });
  await runLoad({ url: api.url + path, connections: 16, durationS: 2, headers });
  const bare = await runLoad({ url: `${ref.url}/reference`, connections: 64, durationS: DURATION_S });
  const ours = await runLoad({ url: api.url + path, connections: 64, durationS: DURATION_S, headers });
  await ref.stop();
  const ratio = ours.rps / bare.rps;
  const scenario = `storefront list (20 of ${fmt(products)} products), 64 conns`;
  return [
    {
      scenario,
      figure: 'req/s',
      value: fmt(ours.rps),
      reference: `${fmt(bare.rps)} (bare Fastify, same JSON)`,
      ratio: fmt(ratio, 2),
      target: '≥ 0.50',
      pass: ratio >= 0.5 && ours.errors === 0 && ours.non2xx === 0,
    },
    {
      scenario,
      figure: 'p50 / p99 ms',
      value: `${ours.p50} / ${ours.p99}`,
      reference: `${bare.p50} / ${bare.p99}`,
      ratio: '',
      target: 'p99 < 50',
      pass: ours.p99 < 50,
    },
  ];
}

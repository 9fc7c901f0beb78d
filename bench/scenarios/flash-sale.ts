import { join } from 'node:path';
import postgres from 'postgres';
import { call } from '../lib/api';
import { ROOT } from '../lib/env';
import { runLoad } from '../lib/load';
import { type Figure, fmt } from '../lib/report';
import type { SeededShop } from '../lib/seed';
import { type RunningServer, startProcess } from '../lib/server';

/**
 * DESIGN.md §7: 10,000 concurrent buyers for 100 units of one SKU → exactly 100 orders, no
 * oversell, everyone answered in < 5 s. Each buyer is one connection sending one checkout.
 */
export async function flashSale(
  api: RunningServer,
  shop: SeededShop,
  databaseUrl: string,
): Promise<Figure[]> {
  const variant = shop.variantIds[shop.variantIds.length - 1]!;
  const now = Date.now();
  const sale = await call(api.url, shop.secretKey, 'POST', '/v1/flash_sales', {
    name: '压测秒杀',
    starts_at: new Date(now - 60_000).toISOString(),
    ends_at: new Date(now + 48 * 3600_000).toISOString(),
    items: [{ variant_id: variant, sale_price: 100, sale_stock: 100 }],
  });
  const headers = { authorization: `Bearer ${shop.secretKey}`, 'content-type': 'application/json' };
  let n = 0;
  const cpuBefore = api.cpuMs();
  const started = performance.now();
  const result = await runLoad({
    url: `${api.url}/v1/orders`,
    method: 'POST',
    connections: 10_000,
    amount: 10_000,
    headers,
    setupRequest: (req: any) => ({
      ...req,
      body: JSON.stringify({
        store_id: shop.storeId,
        lines: [{ variant_id: variant, quantity: 1 }],
        shipping_address: {
          name: '抢购',
          phone: `139${String(++n).padStart(8, '0')}`,
          province: '上海市',
          city: '上海市',
          line1: '1 号',
        },
      }),
    }),
  });
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = (api.cpuMs() - cpuBefore) / 1000;
  // The same 10,000 connections against a bare Fastify route: what the load generator and the
  // machine allow at all, whatever the API does.
  const ref = await startProcess(
    join(ROOT, 'bench/reference-server.mjs'),
    [`${api.url}/healthz`, ''],
    {},
    3902,
  );
  const refStarted = performance.now();
  const bare = await runLoad({
    url: `${ref.url}/reference`,
    method: 'POST',
    connections: 10_000,
    amount: 10_000,
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const refSeconds = (performance.now() - refStarted) / 1000;
  await ref.stop();
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const [counts] = await sql<{ orders: number; sold: number; reserved: number }[]>`
    select (select count(*)::int from order_lines where tenant_id = ${shop.tenantId} and flash_sale_item_id = ${sale.items[0].id}) as orders,
           (select sold from flash_sale_items where tenant_id = ${shop.tenantId} and id = ${sale.items[0].id}) as sold,
           (select reserved from stock_levels where tenant_id = ${shop.tenantId} and variant_id = ${variant}) as reserved`;
  await sql.end();
  const exact = counts!.orders === 100 && counts!.sold === 100 && counts!.reserved === 100;
  return [
    {
      scenario: 'flash sale: 10,000 concurrent buyers, 100 units',
      figure: 'orders / sold / reserved',
      value: `${counts!.orders} / ${counts!.sold} / ${counts!.reserved}`,
      reference: `${result.requests} answered, ${result.errors} errors/timeouts, API CPU ${cpuSeconds.toFixed(1)} s`,
      ratio: '',
      target: 'exactly 100',
      pass: exact,
    },
    {
      scenario: 'flash sale: 10,000 concurrent buyers, 100 units',
      figure: 'time to answer everyone',
      value: `${seconds.toFixed(2)} s (p99 ${result.p99} ms)`,
      reference: `${refSeconds.toFixed(2)} s (bare Fastify, same 10,000 connections; ${bare.errors} errors)`,
      ratio: fmt(seconds / refSeconds, 2),
      target: '< 5 s',
      pass: seconds < 5 && result.errors === 0,
    },
  ];
}

import postgres from 'postgres';
import { freshDatabase } from '../lib/db';
import { PLATFORM_TOKEN, QUICK, ROOT } from '../lib/env';
import { runLoad } from '../lib/load';
import { type Figure, fmt } from '../lib/report';
import { type SeededShop, seedShop } from '../lib/seed';
import { startApi } from '../lib/server';

const CONNECTIONS = 8;
const SECONDS = QUICK ? 3 : 5;

interface Latency {
  list: number;
  checkout: number;
}

/**
 * DESIGN.md §7, growth: the same requests for a small shop (1,000 products) while the database
 * grows: a shop of 1,000,000 products beside it, then 10,000 more tenants. Latency must not grow
 * by more than 1.3× (every index leads with tenant_id, so it should not grow at all).
 *
 * List pages are fetched at random cursors (the storefront cache holds pages it has built, so the
 * first page alone would measure the cache, not the database). On its own database and API
 * process, so the other scenarios' data does not count.
 */
export async function growth(): Promise<Figure[]> {
  const bigProducts = QUICK ? 100_000 : 1_000_000;
  const tenants = QUICK ? 1_000 : 10_000;
  const db = await freshDatabase('mujiang_bench_growth');
  const api = await startApi(ROOT, db.url, PLATFORM_TOKEN, 3903);
  try {
    const small = await seedShop(api.url, db.url, 1_000, 1_000_000);
    const measure = async (shop: SeededShop): Promise<Latency> => {
      const list = await listAtRandomCursors(api.url, shop);
      const checkout = await checkoutLatency(api.url, shop);
      return { list, checkout };
    };
    await measure(small); // warm-up: connections, prepared statements, caches
    const alone = await measure(small);
    const big = await seedShop(api.url, db.url, bigProducts, 1_000_000);
    const inBig = await measure(big);
    await seedTenants(db.url, tenants, 10);
    const crowded = await measure(small);

    const row = (what: string, figure: string, a: number, b: number, label: string): Figure => {
      const ratio = b / a;
      return {
        scenario: `growth: ${what}`,
        figure,
        value: `${b.toFixed(2)} ms`,
        reference: `${a.toFixed(2)} ms (${label})`,
        ratio: fmt(ratio, 2),
        target: '< 1.3',
        pass: ratio < 1.3,
      };
    };
    return [
      row(`shop of ${fmt(bigProducts)} products`, 'list p50', alone.list, inBig.list, '1,000 products'),
      row(
        `shop of ${fmt(bigProducts)} products`,
        'checkout p50',
        alone.checkout,
        inBig.checkout,
        '1,000 products',
      ),
      row(`${fmt(tenants)} more tenants`, 'list p50', alone.list, crowded.list, 'first tenants only'),
      row(
        `${fmt(tenants)} more tenants`,
        'checkout p50',
        alone.checkout,
        crowded.checkout,
        'first tenants only',
      ),
    ];
  } finally {
    await api.stop();
    await db.drop();
  }
}

/** p50 of storefront list pages starting after random products of the shop. */
async function listAtRandomCursors(base: string, shop: SeededShop): Promise<number> {
  const headers = { authorization: `Bearer ${shop.publishableKey}` };
  const first = (await (await fetch(`${base}/v1/storefront/products?limit=20`, { headers })).json()) as {
    next_cursor: string;
  };
  const sample = JSON.parse(
    Buffer.from(first.next_cursor as string, 'base64url').toString('utf8'),
  ) as unknown[];
  const products = [...new Set(shop.variantIds.map((v) => v.replace(/^var_seed/, 'prod_seed').slice(0, 30)))];
  const cursor = () => {
    const id = products[Math.floor(Math.random() * products.length)]!;
    // Same shape as the cursor the API returned, with a random product id in it.
    const key = sample.map((part) => (typeof part === 'string' && part.startsWith('prod_') ? id : part));
    return Buffer.from(JSON.stringify(key)).toString('base64url');
  };
  const result = await runLoad({
    url: `${base}/v1/storefront/products`,
    connections: CONNECTIONS,
    durationS: SECONDS,
    headers,
    setupRequest: (req: any) => ({
      ...req,
      path: `/v1/storefront/products?limit=20&starting_after=${cursor()}`,
    }),
  });
  if (result.non2xx || result.errors)
    throw new Error(`growth list: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.p50;
}

async function checkoutLatency(base: string, shop: SeededShop): Promise<number> {
  const result = await runLoad({
    url: `${base}/v1/orders`,
    method: 'POST',
    connections: CONNECTIONS,
    durationS: SECONDS,
    headers: { authorization: `Bearer ${shop.secretKey}`, 'content-type': 'application/json' },
    setupRequest: (req: any) => ({
      ...req,
      body: JSON.stringify({
        store_id: shop.storeId,
        lines: [
          { variant_id: shop.variantIds[Math.floor(Math.random() * shop.variantIds.length)], quantity: 1 },
        ],
        shipping_address: {
          name: '增长',
          phone: '13800000000',
          province: '上海市',
          city: '上海市',
          line1: '1 号',
        },
      }),
    }),
  });
  if (result.non2xx || result.errors)
    throw new Error(`growth checkout: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.p50;
}

/** `count` tenants, each with a supplier, a location and `products` products in stock (SQL). */
async function seedTenants(databaseUrl: string, count: number, products: number) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`insert into tenants (id, name) select 'ten_grow' || lpad(n::text, 18, '0'), '租户 ' || n from generate_series(1, ${count}) n`;
    await sql`insert into suppliers (tenant_id, id, name, is_default)
              select 'ten_grow' || lpad(n::text, 18, '0'), 'sup_grow', '品牌', true from generate_series(1, ${count}) n`;
    await sql`insert into locations (tenant_id, id, name, is_default)
              select 'ten_grow' || lpad(n::text, 18, '0'), 'loc_grow', '仓库', true from generate_series(1, ${count}) n`;
    await sql`insert into products (tenant_id, id, supplier_id, title, search_text, search_tokens, description, status, tags, media, published_at)
              select 'ten_grow' || lpad(t::text, 18, '0'), 'prod_grow' || lpad(p::text, 21, '0'), 'sup_grow',
                     '商品 ' || p, '商品 ' || p, '{}', '', 'published', '{}', '{}', now()
              from generate_series(1, ${count}) t, generate_series(1, ${products}) p`;
    await sql`insert into variants (tenant_id, id, product_id, sku, options, position, currency, list_price)
              select 'ten_grow' || lpad(t::text, 18, '0'), 'var_grow' || lpad(p::text, 22, '0'), 'prod_grow' || lpad(p::text, 21, '0'),
                     'G-' || p, '[]'::jsonb, 0, 'CNY', 9900
              from generate_series(1, ${count}) t, generate_series(1, ${products}) p`;
    await sql`insert into stock_levels (tenant_id, variant_id, location_id, on_hand, reserved)
              select 'ten_grow' || lpad(t::text, 18, '0'), 'var_grow' || lpad(p::text, 22, '0'), 'loc_grow', 1000, 0
              from generate_series(1, ${count}) t, generate_series(1, ${products}) p`;
    await sql.unsafe('analyze tenants; analyze products; analyze variants; analyze stock_levels');
  } finally {
    await sql.end();
  }
}

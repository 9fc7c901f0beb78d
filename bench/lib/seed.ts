import postgres from 'postgres';
import { call, createTenant } from './api';

export interface SeededShop {
  tenantId: string;
  secretKey: string;
  publishableKey: string;
  storeId: string;
  supplierId: string;
  /** Variant ids, newest first (the storefront's order). */
  variantIds: string[];
}

/**
 * A tenant with a store, keys and a supplier through the API, then `products` published products
 * (one variant each, `stock` units) written straight into the database with generate_series: the
 * API would take minutes for 100,000 products, and the benchmark measures reads, not seeding.
 */
export async function seedShop(
  base: string,
  databaseUrl: string,
  products: number,
  stock: number,
): Promise<SeededShop> {
  const tenant = await createTenant(base, `bench ${products}`);
  const store = await call(base, tenant.secretKey, 'POST', '/v1/stores', {
    kind: 'brand',
    name: '压测旗舰店',
  });
  const supplier = await call(base, tenant.secretKey, 'POST', '/v1/suppliers', { name: '压测品牌' });
  const pk = await call(base, tenant.secretKey, 'POST', '/v1/api_keys', {
    kind: 'publishable',
    store_id: store.id,
  });
  // One product through the API creates the default location the stock rows need.
  const first = await call(base, tenant.secretKey, 'POST', '/v1/products', {
    title: '样品',
    status: 'published',
    supplier_id: supplier.id,
    variants: [{ sku: 'SEED-0', list_price: 1000 }],
  });
  const adj = await call(base, tenant.secretKey, 'POST', '/v1/inventory_adjustments', {
    variant_id: first.variants[0].id,
    delta: stock,
    reason: 'received',
  });
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const t = tenant.id;
    await sql`
      insert into products (tenant_id, id, supplier_id, title, search_text, search_tokens, description, status, tags, media, published_at)
      select ${t}, 'prod_seed' || lpad(n::text, 21, '0'), ${supplier.id},
             '压测商品 第' || n || '号 纯棉T恤', '压测商品 第' || n || '号 纯棉t恤', '{}',
             '面料舒适，适合日常穿着。', 'published', array['压测', '夏季'], array['https://img.example.cn/' || n || '.jpg'], now()
      from generate_series(1, ${products - 1}) n`;
    await sql`
      insert into variants (tenant_id, id, product_id, sku, options, position, currency, list_price, supply_price, retail_floor, retail_ceiling)
      select ${t}, 'var_seed' || lpad(n::text, 22, '0'), 'prod_seed' || lpad(n::text, 21, '0'), 'SEED-' || n,
             '[{"name":"尺码","value":"M"}]'::jsonb, 0, 'CNY', 9900 + n % 100, 5000, 8000, 12000
      from generate_series(1, ${products - 1}) n`;
    await sql`
      insert into stock_levels (tenant_id, variant_id, location_id, on_hand, reserved)
      select ${t}, 'var_seed' || lpad(n::text, 22, '0'), ${adj.location_id}, ${stock}, 0
      from generate_series(1, ${products - 1}) n`;
    await sql.unsafe('analyze products; analyze variants; analyze stock_levels');
    const rows = await sql<
      { id: string }[]
    >`select id from variants where tenant_id = ${t} order by product_id desc limit 2000`;
    return {
      tenantId: t,
      secretKey: tenant.secretKey,
      publishableKey: pk.secret,
      storeId: store.id,
      supplierId: supplier.id,
      variantIds: rows.map((r) => r.id),
    };
  } finally {
    await sql.end();
  }
}

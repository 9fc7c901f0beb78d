import { createTestTenant, expectStatus, type TestApp } from '../helpers';

export const ADDRESS = {
  name: '张三',
  phone: '13800000000',
  province: '上海市',
  city: '上海市',
  district: '浦东新区',
  line1: '世纪大道 100 号',
};

export interface Shopkeeper {
  promoterId: string;
  token: string;
  storeId: string;
  /** A publishable key bound to the shopkeeper's store. */
  pk: string;
}

export interface DistributionWorld {
  tenantId: string;
  sk: string;
  supplierKey: string;
  brandStoreId: string;
  brandPk: string;
  /** Products: `tee` (variants `a` in a band 8000–12000, `b` without a band), `bag` (`c`, floor only), `draft`. */
  products: { tee: string; bag: string; draft: string };
  v: { a: string; b: string; c: string };
  keeper: Shopkeeper;
  other: Shopkeeper;
}

let seq = 0;

/** POST that must answer 201; returns the body. */
export function poster(t: TestApp, defaultKey: string) {
  return async (url: string, body: unknown, key = defaultKey) => {
    const res = await t.request({ method: 'POST', url, key, body });
    expectStatus(res, 201);
    return res.body;
  };
}

export async function shopkeeper(t: TestApp, sk: string, name: string, url?: string): Promise<Shopkeeper> {
  const post = poster(t, sk);
  const promoter = await post('/v1/promoters', { kind: 'shopkeeper', name });
  const store = await post('/v1/stores', {
    kind: 'shopkeeper',
    name: `${name}的小店`,
    owner_promoter_id: promoter.id,
    ...(url ? { settings: { url } } : {}),
  });
  const token = await post(`/v1/promoters/${promoter.id}/tokens`, { ttl_seconds: 86_400 });
  const pk = await post('/v1/api_keys', { kind: 'publishable', store_id: store.id });
  return { promoterId: promoter.id, token: token.token, storeId: store.id, pk: pk.secret };
}

/**
 * A tenant with one supplier, a brand store, two shopkeepers with their stores, and products
 * with retail bands (控价) and stock.
 */
export async function distributionWorld(t: TestApp): Promise<DistributionWorld> {
  const tenant = await createTestTenant(t);
  const sk = tenant.secretKey;
  const post = poster(t, sk);
  const n = ++seq;
  const supplier = await post('/v1/suppliers', { name: '品牌甲' });
  const supplierKey = await post('/v1/api_keys', { kind: 'supplier', supplier_id: supplier.id });
  const brand = await post('/v1/stores', {
    kind: 'brand',
    name: '旗舰店',
    settings: { url: 'https://brand.example.cn/shop' },
  });
  const brandPk = await post('/v1/api_keys', { kind: 'publishable', store_id: brand.id });
  const tee = await post('/v1/products', {
    title: '纯棉T恤',
    status: 'published',
    supplier_id: supplier.id,
    variants: [
      {
        sku: `D${n}-A`,
        list_price: 9900,
        supply_price: 5000,
        retail_floor: 8000,
        retail_ceiling: 12000,
        options: [{ name: '尺码', value: 'M' }],
      },
      { sku: `D${n}-B`, list_price: 3333, options: [{ name: '尺码', value: 'L' }] },
    ],
  });
  const bag = await post('/v1/products', {
    title: '帆布包',
    status: 'published',
    supplier_id: supplier.id,
    variants: [{ sku: `D${n}-C`, list_price: 5000, retail_floor: 4500 }],
  });
  const draft = await post('/v1/products', {
    title: '草稿',
    supplier_id: supplier.id,
    variants: [{ sku: `D${n}-D`, list_price: 100 }],
  });
  const [a, b] = tee.variants.map((v: { id: string }) => v.id);
  const c = bag.variants[0].id;
  for (const variant_id of [a, b, c]) {
    await post('/v1/inventory_adjustments', { variant_id, delta: 100, reason: 'received' });
  }
  const keeper = await shopkeeper(t, sk, `店主${n}`, `https://h5.example.cn/s/${n}/`);
  const other = await shopkeeper(t, sk, `别的店主${n}`, `https://h5.example.cn/s/${n}-2/`);
  return {
    tenantId: tenant.id,
    sk,
    supplierKey: supplierKey.secret,
    brandStoreId: brand.id,
    brandPk: brandPk.secret,
    products: { tee: tee.id, bag: bag.id, draft: draft.id },
    v: { a, b, c },
    keeper,
    other,
  };
}

/** A direct order through the secret key. */
export function order(
  t: TestApp,
  w: DistributionWorld,
  storeId: string,
  lines: Array<{ variant_id: string; quantity: number }>,
  extra: Record<string, unknown> = {},
) {
  return t.request({
    method: 'POST',
    url: '/v1/orders',
    key: w.sk,
    body: { store_id: storeId, lines, shipping_address: ADDRESS, ...extra },
  });
}

export function pay(t: TestApp, w: DistributionWorld, o: { id: string; total: number }) {
  return t.request({
    method: 'POST',
    url: `/v1/orders/${o.id}/payments`,
    key: w.sk,
    body: { provider: 'wechat_pay', reference: `wx-${o.id}`, amount: o.total },
  });
}

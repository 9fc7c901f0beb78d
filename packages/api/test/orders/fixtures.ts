import { createTestTenant, expectStatus, type TestApp } from '../helpers';

export const ADDRESS = {
  name: '张三',
  phone: '13800000000',
  province: '上海市',
  city: '上海市',
  district: '浦东新区',
  line1: '世纪大道 100 号',
};

export interface Shop {
  tenantId: string;
  sk: string;
  pk: string;
  storeId: string;
  supplierIds: [string, string];
  supplierKeys: [string, string];
  /** variant ids: `a` and `b` from supplier 0, `c` from supplier 1. */
  v: { a: string; b: string; c: string };
}

/**
 * A tenant with a brand store and its publishable key, two suppliers (each with a supplier
 * key) and three variants with stock: a (¥99.00, 100 units), b (¥33.33, 50), c (¥50.00, 80).
 */
export async function openShop(t: TestApp): Promise<Shop> {
  const tenant = await createTestTenant(t);
  const sk = tenant.secretKey;
  const post = async (url: string, body: unknown, key = sk) => {
    const res = await t.request({ method: 'POST', url, key, body });
    expectStatus(res, 201);
    return res.body;
  };
  const store = await post('/v1/stores', { kind: 'brand', name: '旗舰店' });
  const s0 = await post('/v1/suppliers', { name: '品牌甲' });
  const s1 = await post('/v1/suppliers', { name: '品牌乙' });
  const p0 = await post('/v1/products', {
    title: '纯棉T恤',
    status: 'published',
    supplier_id: s0.id,
    variants: [
      { sku: `${tenant.id}-A`, list_price: 9900, options: [{ name: '尺码', value: 'M' }] },
      { sku: `${tenant.id}-B`, list_price: 3333, options: [{ name: '尺码', value: 'L' }] },
    ],
  });
  const p1 = await post('/v1/products', {
    title: '帆布包',
    status: 'published',
    supplier_id: s1.id,
    variants: [{ sku: `${tenant.id}-C`, list_price: 5000, supply_price: 3000 }],
  });
  const [a, b] = p0.variants.map((v: { id: string }) => v.id);
  const c = p1.variants[0].id;
  for (const [variant_id, delta] of [
    [a, 100],
    [b, 50],
    [c, 80],
  ]) {
    await post('/v1/inventory_adjustments', { variant_id, delta, reason: 'received' });
  }
  const pk = await post('/v1/api_keys', { kind: 'publishable', store_id: store.id });
  const k0 = await post('/v1/api_keys', { kind: 'supplier', supplier_id: s0.id });
  const k1 = await post('/v1/api_keys', { kind: 'supplier', supplier_id: s1.id });
  return {
    tenantId: tenant.id,
    sk,
    pk: pk.secret,
    storeId: store.id,
    supplierIds: [s0.id, s1.id],
    supplierKeys: [k0.secret, k1.secret],
    v: { a, b, c },
  };
}

/** Available, on hand and reserved of a variant, through the inventory API. */
export async function stockOf(t: TestApp, shop: Shop, variantId: string) {
  const res = await t.request({ method: 'GET', url: `/v1/variants/${variantId}/inventory`, key: shop.sk });
  expectStatus(res, 200);
  return {
    on_hand: res.body.on_hand as number,
    reserved: res.body.reserved as number,
    available: res.body.available as number,
  };
}

/** An order through the secret key's direct order endpoint. */
export async function order(
  t: TestApp,
  shop: Shop,
  lines: Array<{ variant_id: string; quantity: number }>,
  extra: Record<string, unknown> = {},
) {
  return t.request({
    method: 'POST',
    url: '/v1/orders',
    key: shop.sk,
    body: { store_id: shop.storeId, lines, shipping_address: ADDRESS, ...extra },
  });
}

export async function pay(
  t: TestApp,
  shop: Shop,
  o: { id: string; total: number },
  reference = `wx-${o.id}`,
) {
  return t.request({
    method: 'POST',
    url: `/v1/orders/${o.id}/payments`,
    key: shop.sk,
    body: { provider: 'wechat_pay', reference, amount: o.total },
  });
}

let variantSeq = 0;

/** A new published variant of supplier 0 with `stock` units, for tests that count stock exactly. */
export async function freshVariant(t: TestApp, shop: Shop, stock: number, listPrice = 1000): Promise<string> {
  const product = await t.request({
    method: 'POST',
    url: '/v1/products',
    key: shop.sk,
    body: {
      title: `单品 ${++variantSeq}`,
      status: 'published',
      supplier_id: shop.supplierIds[0],
      variants: [{ sku: `${shop.tenantId}-F${variantSeq}`, list_price: listPrice }],
    },
  });
  expectStatus(product, 201);
  const variant = product.body.variants[0].id as string;
  if (stock > 0) {
    expectStatus(
      await t.request({
        method: 'POST',
        url: '/v1/inventory_adjustments',
        key: shop.sk,
        body: { variant_id: variant, delta: stock, reason: 'received' },
      }),
      201,
    );
  }
  return variant;
}

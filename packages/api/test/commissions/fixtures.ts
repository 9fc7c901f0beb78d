import { expect } from 'vitest';
import { expectStatus, PLATFORM_TOKEN, type TestApp } from '../helpers';
import { ADDRESS, openShop, type Shop } from '../orders/fixtures';

export const DAY = 86_400_000;

export interface Distribution extends Shop {
  /** A shopkeeper (店主) and its store: orders placed there are attributed to it. */
  shopkeeperId: string;
  shopkeeperStoreId: string;
}

let variantSeq = 0;

export function api(t: TestApp, key: string) {
  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
    t.request({ method, url, key, body });
  return {
    call,
    async ok(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, status?: number) {
      const res = await call(method, url, body);
      expectStatus(res, status ?? (method === 'POST' ? 201 : 200));
      return res.body;
    },
  };
}

/** A shop (see orders/fixtures) plus a shopkeeper and its store. */
export async function openDistribution(t: TestApp): Promise<Distribution> {
  const shop = await openShop(t);
  const { ok } = api(t, shop.sk);
  const shopkeeper = await ok('POST', '/v1/promoters', { kind: 'shopkeeper', name: '王店主' });
  const store = await ok('POST', '/v1/stores', {
    kind: 'shopkeeper',
    name: '王店主的小店',
    owner_promoter_id: shopkeeper.id,
  });
  return { ...shop, shopkeeperId: shopkeeper.id, shopkeeperStoreId: store.id };
}

/** A new shopkeeper with its own store. */
export async function newShopkeeper(t: TestApp, d: Shop, name = '店主') {
  const { ok } = api(t, d.sk);
  const p = await ok('POST', '/v1/promoters', { kind: 'shopkeeper', name });
  const store = await ok('POST', '/v1/stores', {
    kind: 'shopkeeper',
    name: `${name}的店`,
    owner_promoter_id: p.id,
  });
  return { promoterId: p.id as string, storeId: store.id as string };
}

/** A published variant of supplier 0 with plenty of stock, at `price` (and an optional supply price). */
export async function variant(t: TestApp, d: Shop, price: number, supplyPrice?: number) {
  const { ok } = api(t, d.sk);
  const product = await ok('POST', '/v1/products', {
    title: `佣金商品 ${++variantSeq}`,
    status: 'published',
    supplier_id: d.supplierIds[0],
    variants: [
      {
        sku: `${d.tenantId}-K${variantSeq}`,
        list_price: price,
        ...(supplyPrice !== undefined ? { supply_price: supplyPrice } : {}),
      },
    ],
  });
  await ok('POST', '/v1/inventory_adjustments', {
    variant_id: product.variants[0].id,
    delta: 100_000,
    reason: 'received',
  });
  return { variantId: product.variants[0].id as string, productId: product.id as string };
}

/** Shopkeeper stores sell only what they picked (选品): pick each line's product once. */
const picked = new Set<string>();
async function pickFor(t: TestApp, d: Shop, storeId: string, variantIds: string[]) {
  if (storeId === d.storeId) return;
  const { ok, call } = api(t, d.sk);
  for (const variantId of variantIds) {
    if (picked.has(`${storeId}:${variantId}`)) continue;
    const { product_id } = await ok('GET', `/v1/variants/${variantId}`);
    const res = await call('POST', `/v1/stores/${storeId}/picks`, { product_id });
    if (res.status !== 409) expectStatus(res, 201);
    picked.add(`${storeId}:${variantId}`);
  }
}

/** Places and pays an order in `storeId` (picking its products first in a shopkeeper store). */
export async function paidOrder(
  t: TestApp,
  d: Shop,
  storeId: string,
  lines: Array<{ variant_id: string; quantity: number }>,
  extra: Record<string, unknown> = {},
) {
  const { ok } = api(t, d.sk);
  await pickFor(
    t,
    d,
    storeId,
    lines.map((l) => l.variant_id),
  );
  const o = await ok('POST', '/v1/orders', { store_id: storeId, lines, shipping_address: ADDRESS, ...extra });
  const paid = await ok('POST', `/v1/orders/${o.id}/payments`, {
    provider: 'wechat_pay',
    reference: `wx-${o.id}`,
    amount: o.total,
  });
  return paid.order;
}

/** Ships every fulfillment of the order and confirms receipt. */
export async function shipAndComplete(t: TestApp, d: Shop, orderId: string) {
  const { ok } = api(t, d.sk);
  const order = await ok('GET', `/v1/orders/${orderId}`);
  for (const f of order.fulfillments) {
    await ok('POST', `/v1/fulfillments/${f.id}/shipments`, {
      carrier: 'SF',
      tracking_number: `SF${f.id.slice(-8)}`,
    });
  }
  return ok('POST', `/v1/orders/${orderId}/complete`, undefined, 200);
}

export async function commissionsOf(t: TestApp, d: Shop, orderId: string) {
  const { ok } = api(t, d.sk);
  const list = await ok('GET', `/v1/commissions?order_id=${orderId}&limit=100`);
  return (list.data as any[]).sort((a, b) => a.order_line_id.localeCompare(b.order_line_id));
}

/** Sets tenant settings through the platform API. */
export async function setSettings(t: TestApp, tenantId: string, settings: Record<string, unknown>) {
  const res = await t.request({
    method: 'PATCH',
    url: `/v1/tenants/${tenantId}`,
    key: PLATFORM_TOKEN,
    body: { settings },
  });
  expectStatus(res, 200);
}

/** Settles now; returns the settlement. */
export async function settle(t: TestApp, d: Shop, body: Record<string, unknown> = {}) {
  const res = await t.request({ method: 'POST', url: '/v1/settlements', key: d.sk, body });
  expectStatus(res, 201);
  const s = res.body;
  // Reconciliation: the lines sum to the totals, each line to its parts, none negative.
  expect(s.lines.data.reduce((a: number, l: any) => a + l.amount, 0)).toBe(s.total);
  expect(s.total).toBe(s.commission_total + s.adjustment_total);
  for (const l of s.lines.data) {
    expect(l.amount).toBe(l.commission_total + l.adjustment_total);
    expect(l.amount).toBeGreaterThanOrEqual(0);
  }
  return s;
}

import { beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, FakeClock, type TestApp, testApp } from '../helpers';
import { ADDRESS, freshVariant, openShop, order, type Shop, stockOf } from './fixtures';

const clock = new FakeClock();
let t: TestApp;
let shop: Shop;
const HOUR = 3_600_000;

beforeAll(async () => {
  t = await testApp({ clock });
  shop = await openShop(t);
});

const at = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();

async function sale(items: unknown[], startsIn = 0, lasts = 48 * HOUR) {
  const res = await t.request({
    method: 'POST',
    url: '/v1/flash_sales',
    key: shop.sk,
    body: { name: '双十一秒杀', starts_at: at(startsIn), ends_at: at(startsIn + lasts), items },
  });
  return res;
}

const getSale = async (id: string) =>
  (await t.request({ method: 'GET', url: `/v1/flash_sales/${id}`, key: shop.sk })).body;

describe('flash sales', () => {
  it('validates windows, variants and overlaps', async () => {
    const v = await freshVariant(t, shop, 10);
    const backwards = await t.request({
      method: 'POST',
      url: '/v1/flash_sales',
      key: shop.sk,
      body: {
        name: 'x',
        starts_at: at(HOUR),
        ends_at: at(0),
        items: [{ variant_id: v, sale_price: 1, sale_stock: 1 }],
      },
    });
    expect(backwards.status).toBe(400);
    const unknown = await sale([{ variant_id: 'var_nope', sale_price: 1, sale_stock: 1 }]);
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0].field).toBe('body.items.0.variant_id');
    expectStatus(await sale([{ variant_id: v, sale_price: 500, sale_stock: 5 }], HOUR), 201);
    const overlap = await sale([{ variant_id: v, sale_price: 400, sale_stock: 5 }], 2 * HOUR);
    expect(overlap.status).toBe(409);
    expect(overlap.body.code).toBe('flash_sale_overlap');
    const noZero = await sale([{ variant_id: v, sale_price: 1, sale_stock: 0 }], 100 * HOUR);
    expect(noZero.status).toBe(400);
  });

  it('applies the sale price only inside the window', async () => {
    const v = await freshVariant(t, shop, 20, 10_000);
    const s = await sale([{ variant_id: v, sale_price: 6_800, sale_stock: 10 }], HOUR, 2 * HOUR);
    expect(s.body.status).toBe('scheduled');
    const priceNow = async () => {
      const cart = await t.request({
        method: 'POST',
        url: '/v1/carts',
        key: shop.pk,
        body: { lines: [{ variant_id: v, quantity: 1 }] },
      });
      return [cart.body.lines[0].unit_price, cart.body.lines[0].price_source];
    };
    expect(await priceNow()).toEqual([10_000, 'store']);
    clock.advance(HOUR);
    expect((await getSale(s.body.id)).status).toBe('active');
    expect(await priceNow()).toEqual([6_800, 'flash_sale']);
    const o = await order(t, shop, [{ variant_id: v, quantity: 2 }]);
    expect(o.body.lines[0]).toMatchObject({ unit_price: 6_800, flash_sale_item_id: s.body.items[0].id });
    expect((await getSale(s.body.id)).items[0]).toMatchObject({ sold: 2, remaining: 8 });
    clock.advance(2 * HOUR);
    expect((await getSale(s.body.id)).status).toBe('ended');
    expect(await priceNow()).toEqual([10_000, 'store']);
  });

  it('never oversells the sale stock, answers 409 when it is gone, and gets units back from cancelled orders', async () => {
    const v = await freshVariant(t, shop, 100);
    const s = await sale([{ variant_id: v, sale_price: 99, sale_stock: 3 }]);
    const orders = [];
    for (let i = 0; i < 3; i++) orders.push(await order(t, shop, [{ variant_id: v, quantity: 1 }]));
    expect(orders.map((o) => o.status)).toEqual([201, 201, 201]);
    const fourth = await order(t, shop, [{ variant_id: v, quantity: 1 }]);
    expect(fourth.status).toBe(409);
    expect(fourth.body.code).toBe('flash_sale_sold_out');
    // Inventory beyond the sale stock is untouched: only the 3 orders hold units.
    expect((await stockOf(t, shop, v)).reserved).toBe(3);
    expectStatus(
      await t.request({ method: 'POST', url: `/v1/orders/${orders[0]!.body.id}/cancel`, key: shop.sk }),
      200,
    );
    expect((await getSale(s.body.id)).items[0]).toMatchObject({ sold: 2, remaining: 1 });
    expectStatus(await order(t, shop, [{ variant_id: v, quantity: 1 }]), 201);
  });

  it('limits units per customer across orders', async () => {
    const v = await freshVariant(t, shop, 100);
    await sale([{ variant_id: v, sale_price: 99, sale_stock: 50, per_customer_limit: 2 }]);
    const buyer = { phone: '13712345678' };
    expectStatus(await order(t, shop, [{ variant_id: v, quantity: 1 }], buyer), 201);
    expectStatus(await order(t, shop, [{ variant_id: v, quantity: 1 }], buyer), 201);
    const third = await order(t, shop, [{ variant_id: v, quantity: 1 }], buyer);
    expect(third.status).toBe(409);
    expect(third.body.code).toBe('flash_sale_limit_exceeded');
    const tooMany = await order(t, shop, [{ variant_id: v, quantity: 3 }], { phone: '13700000009' });
    expect(tooMany.status).toBe(409);
    expectStatus(await order(t, shop, [{ variant_id: v, quantity: 2 }], { phone: '13700000010' }), 201);
  });

  it('sells exactly the sale stock to many concurrent buyers', async () => {
    const v = await freshVariant(t, shop, 1000);
    const s = await sale([{ variant_id: v, sale_price: 1, sale_stock: 20 }]);
    const buyers = Array.from({ length: 150 }, (_, i) =>
      t.request({
        method: 'POST',
        url: '/v1/orders',
        key: shop.sk,
        body: {
          store_id: shop.storeId,
          lines: [{ variant_id: v, quantity: 1 }],
          shipping_address: { ...ADDRESS, phone: `1360000${String(i).padStart(4, '0')}` },
        },
      }),
    );
    const results = await Promise.all(buyers);
    expect(results.filter((r) => r.status === 201)).toHaveLength(20);
    for (const r of results.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(409);
      expect(r.body.code).toBe('flash_sale_sold_out');
    }
    expect((await getSale(s.body.id)).items[0]).toMatchObject({ sold: 20, remaining: 0 });
    expect((await stockOf(t, shop, v)).reserved).toBe(20);
  });

  it('can be cancelled before it ends, after which the list price applies again', async () => {
    const v = await freshVariant(t, shop, 10, 2000);
    const s = await sale([{ variant_id: v, sale_price: 1000, sale_stock: 5 }]);
    const canceled = await t.request({
      method: 'POST',
      url: `/v1/flash_sales/${s.body.id}/cancel`,
      key: shop.sk,
    });
    expect(canceled.body.status).toBe('canceled');
    const o = await order(t, shop, [{ variant_id: v, quantity: 1 }]);
    expect(o.body.lines[0].unit_price).toBe(2000);
    expect(
      (await t.request({ method: 'POST', url: `/v1/flash_sales/${s.body.id}/cancel`, key: shop.sk })).status,
    ).toBe(409);
    const list = await t.request({ method: 'GET', url: '/v1/flash_sales?status=canceled', key: shop.sk });
    expect(list.body.data.map((x: any) => x.id)).toContain(s.body.id);
  });
});

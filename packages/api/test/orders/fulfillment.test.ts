import { beforeAll, describe, expect, it } from 'vitest';
import { eventTypesOf, expectStatus, FakeClock, PLATFORM_TOKEN, type TestApp, testApp } from '../helpers';
import { openShop, order, pay, type Shop } from './fixtures';

const clock = new FakeClock();
let t: TestApp;
let shop: Shop;
const DAY = 86_400_000;

beforeAll(async () => {
  t = await testApp({ clock });
  shop = await openShop(t);
});

/** A paid order of 3 × a and 1 × b (supplier 0) and 2 × c (supplier 1). */
async function paidOrder() {
  const o = await order(t, shop, [
    { variant_id: shop.v.a, quantity: 3 },
    { variant_id: shop.v.b, quantity: 1 },
    { variant_id: shop.v.c, quantity: 2 },
  ]);
  expectStatus(o, 201);
  const paid = await pay(t, shop, o.body);
  expectStatus(paid, 201);
  return paid.body.order;
}

const fulfillmentOf = (o: any, supplier: number) =>
  o.fulfillments.find((f: any) => f.supplier_id === shop.supplierIds[supplier]).id;
const ship = (id: string, body: unknown, key = shop.sk) =>
  t.request({ method: 'POST', url: `/v1/fulfillments/${id}/shipments`, key, body });

describe('supplier dropship (一件代发)', () => {
  it('lets a supplier key see and ship only its own fulfillments and lines', async () => {
    const o = await paidOrder();
    const mine = await t.request({
      method: 'GET',
      url: `/v1/fulfillments?order_id=${o.id}`,
      key: shop.supplierKeys[0],
    });
    expect(mine.body.data).toHaveLength(1);
    const f = mine.body.data[0];
    expect(f.lines.map((l: any) => l.variant_id).sort()).toEqual([shop.v.a, shop.v.b].sort());
    expect(f.shipping_address.city).toBe('上海市');
    const theirs = fulfillmentOf(o, 1);
    expect(
      (await t.request({ method: 'GET', url: `/v1/fulfillments/${theirs}`, key: shop.supplierKeys[0] }))
        .status,
    ).toBe(404);
    expect(
      (await ship(theirs, { carrier: 'SF', tracking_number: 'SF0001' }, shop.supplierKeys[0])).status,
    ).toBe(404);
    expect(
      (await t.request({ method: 'GET', url: `/v1/orders/${o.id}`, key: shop.supplierKeys[0] })).status,
    ).toBe(403);
  });

  it('ships in parts: fulfillments and the order move to partially shipped, then shipped', async () => {
    const o = await paidOrder();
    const f0 = fulfillmentOf(o, 0);
    const lineA = o.lines.find((l: any) => l.variant_id === shop.v.a).id;
    const lineC = o.lines.find((l: any) => l.variant_id === shop.v.c).id;
    const first = await ship(
      f0,
      { carrier: 'SF', tracking_number: 'SF1001', lines: [{ order_line_id: lineA, quantity: 2 }] },
      shop.supplierKeys[0],
    );
    expectStatus(first, 201);
    expect(first.body.status).toBe('partially_shipped');
    expect(first.body.lines.find((l: any) => l.id === lineA)).toMatchObject({
      quantity_shipped: 2,
      quantity_to_ship: 1,
    });
    expect((await t.request({ method: 'GET', url: `/v1/orders/${o.id}`, key: shop.sk })).body.status).toBe(
      'partially_shipped',
    );

    const tooMany = await ship(f0, {
      carrier: 'SF',
      tracking_number: 'SF1002',
      lines: [{ order_line_id: lineA, quantity: 2 }],
    });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.errors[0]).toMatchObject({ field: 'body.lines.0.quantity', code: 'too_many' });
    const foreign = await ship(f0, {
      carrier: 'SF',
      tracking_number: 'SF1003',
      lines: [{ order_line_id: lineC, quantity: 1 }],
    });
    expect(foreign.status).toBe(422);

    const rest = await ship(f0, { carrier: 'ZTO', tracking_number: 'ZT2001' }, shop.supplierKeys[0]);
    expect(rest.body.status).toBe('shipped');
    expect(rest.body.shipments).toHaveLength(2);
    expect((await ship(f0, { carrier: 'SF', tracking_number: 'SF1004' })).status).toBe(409);
    const other = await ship(
      fulfillmentOf(o, 1),
      { carrier: 'JD', tracking_number: 'JD3001' },
      shop.supplierKeys[1],
    );
    expect(other.body.status).toBe('shipped');
    const shipped = await t.request({ method: 'GET', url: `/v1/orders/${o.id}`, key: shop.sk });
    expect(shipped.body.status).toBe('shipped');
    expect(shipped.body.shipped_at).toBe(clock.now().toISOString());
    expect(await eventTypesOf(t, shop.tenantId, o.id)).toEqual([
      'order.created',
      'order.paid',
      'order.fulfillment_shipped',
      'order.fulfillment_shipped',
      'order.fulfillment_shipped',
    ]);
  });

  it('completes on confirmed receipt, or by itself after the tenant auto-complete days', async () => {
    await t.request({
      method: 'PATCH',
      url: `/v1/tenants/${shop.tenantId}`,
      key: PLATFORM_TOKEN,
      body: { settings: { auto_complete_days: 5 } },
    });
    const confirmed = await paidOrder();
    for (const f of confirmed.fulfillments) await ship(f.id, { carrier: 'SF', tracking_number: 'SF5000' });
    const done = await t.request({
      method: 'POST',
      url: `/v1/orders/${confirmed.id}/complete`,
      key: shop.sk,
    });
    expectStatus(done, 200);
    expect(done.body).toMatchObject({ status: 'completed', completed_at: clock.now().toISOString() });
    expect(
      (await t.request({ method: 'POST', url: `/v1/orders/${confirmed.id}/complete`, key: shop.sk })).status,
    ).toBe(409);

    const silent = await paidOrder();
    for (const f of silent.fulfillments) await ship(f.id, { carrier: 'SF', tracking_number: 'SF5001' });
    clock.advance(5 * DAY - 1000);
    await t.app.jobs.drain();
    expect(
      (await t.request({ method: 'GET', url: `/v1/orders/${silent.id}`, key: shop.sk })).body.status,
    ).toBe('shipped');
    clock.advance(1000);
    await t.app.jobs.drain();
    const auto = await t.request({ method: 'GET', url: `/v1/orders/${silent.id}`, key: shop.sk });
    expect(auto.body.status).toBe('completed');
    expect((await eventTypesOf(t, shop.tenantId, silent.id)).at(-1)).toBe('order.completed');
  });

  it('refuses to complete or ship orders in the wrong state with 409', async () => {
    const unpaid = await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }]);
    const complete = await t.request({
      method: 'POST',
      url: `/v1/orders/${unpaid.body.id}/complete`,
      key: shop.sk,
    });
    expect(complete.status).toBe(409);
    expect(complete.body.code).toBe('invalid_order_transition');
    const paid = await paidOrder();
    expectStatus(
      await t.request({ method: 'POST', url: `/v1/orders/${paid.id}/cancel`, key: shop.sk, body: {} }),
      200,
    );
    const late = await ship(fulfillmentOf(paid, 0), { carrier: 'SF', tracking_number: 'SF6000' });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('invalid_fulfillment_transition');
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { eventTypesOf, expectStatus, FakeClock, type TestApp, testApp } from '../helpers';
import { ADDRESS, freshVariant, openShop, order, pay, type Shop, stockOf } from './fixtures';

const clock = new FakeClock();
let t: TestApp;
let shop: Shop;

beforeAll(async () => {
  t = await testApp({ clock });
  shop = await openShop(t);
});

const cart = (body: unknown, key = shop.pk) => t.request({ method: 'POST', url: '/v1/carts', key, body });

describe('carts', () => {
  it('prices lines on the server in integer minor units and keeps them in order', async () => {
    const created = await cart({ lines: [{ variant_id: shop.v.b, quantity: 3 }] });
    expectStatus(created, 201);
    expect(created.body).toMatchObject({
      store_id: shop.storeId,
      status: 'active',
      currency: 'CNY',
      subtotal: 9999,
      total: 9999,
    });
    const added = await t.request({
      method: 'POST',
      url: `/v1/carts/${created.body.id}/lines`,
      key: shop.pk,
      body: { variant_id: shop.v.a, quantity: 1 },
    });
    expect(added.body.lines.map((l: any) => [l.variant_id, l.quantity, l.unit_price, l.total])).toEqual([
      [shop.v.b, 3, 3333, 9999],
      [shop.v.a, 1, 9900, 9900],
    ]);
    expect(added.body.total).toBe(19899);
    const again = await t.request({
      method: 'POST',
      url: `/v1/carts/${created.body.id}/lines`,
      key: shop.pk,
      body: { variant_id: shop.v.a, quantity: 2 },
    });
    expect(again.body.lines[1].quantity).toBe(3);
    const set = await t.request({
      method: 'PATCH',
      url: `/v1/carts/${created.body.id}/lines/${shop.v.b}`,
      key: shop.pk,
      body: { quantity: 1 },
    });
    expect(set.body.subtotal).toBe(3333 + 3 * 9900);
    const removed = await t.request({
      method: 'DELETE',
      url: `/v1/carts/${created.body.id}/lines/${shop.v.b}`,
      key: shop.pk,
    });
    expect(removed.body.lines.map((l: any) => l.variant_id)).toEqual([shop.v.a]);
    const missing = await t.request({
      method: 'DELETE',
      url: `/v1/carts/${created.body.id}/lines/${shop.v.c}`,
      key: shop.pk,
    });
    expect(missing.status).toBe(404);
  });

  it('refuses unknown variants, and refuses to check out lines that stopped being sellable, naming them', async () => {
    const unknown = await cart({ lines: [{ variant_id: 'var_nope', quantity: 1 }] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0].field).toBe('body.lines.0.variant_id');
    const variant = await freshVariant(t, shop, 5);
    const created = await cart({
      lines: [
        { variant_id: shop.v.a, quantity: 1 },
        { variant_id: variant, quantity: 1 },
      ],
    });
    expectStatus(created, 201);
    const product = (await t.request({ method: 'GET', url: `/v1/variants/${variant}`, key: shop.sk })).body
      .product_id;
    expectStatus(
      await t.request({ method: 'POST', url: `/v1/products/${product}/archive`, key: shop.sk }),
      200,
    );
    const shown = await t.request({ method: 'GET', url: `/v1/carts/${created.body.id}`, key: shop.pk });
    expect(shown.body.lines[1]).toMatchObject({ sellable: false, unsellable_reason: 'not_published' });
    expect(shown.body.total).toBe(9900);
    const res = await t.request({
      method: 'POST',
      url: `/v1/carts/${created.body.id}/checkout`,
      key: shop.pk,
      body: { shipping_address: ADDRESS },
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('lines_unsellable');
    expect(res.body.errors).toEqual([
      expect.objectContaining({ field: 'lines.1.variant_id', code: 'not_published' }),
    ]);
  });

  it("keeps a storefront to its own store's carts, and customer ids to secret keys", async () => {
    const other = await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: shop.sk,
      body: { kind: 'white_label', name: '别的店' },
    });
    const viaSecret = await cart(
      { store_id: other.body.id, lines: [{ variant_id: shop.v.a, quantity: 1 }] },
      shop.sk,
    );
    expectStatus(viaSecret, 201);
    expect(
      (await t.request({ method: 'GET', url: `/v1/carts/${viaSecret.body.id}`, key: shop.pk })).status,
    ).toBe(404);
    const claim = await cart({ customer_id: 'cus_someone' });
    expect(claim.status).toBe(403);
    const noStore = await cart({}, shop.sk);
    expect(noStore.status).toBe(400);
    expect(noStore.body.code).toBe('store_required');
  });

  it('expires after the tenant cart TTL, and needs lines and an address to check out', async () => {
    const empty = await cart({});
    const none = await t.request({
      method: 'POST',
      url: `/v1/carts/${empty.body.id}/checkout`,
      key: shop.pk,
      body: { shipping_address: ADDRESS },
    });
    expect(none.status).toBe(409);
    expect(none.body.code).toBe('cart_empty');
    const noAddress = await cart({ lines: [{ variant_id: shop.v.a, quantity: 1 }] });
    const res = await t.request({
      method: 'POST',
      url: `/v1/carts/${noAddress.body.id}/checkout`,
      key: shop.pk,
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('shipping_address_required');
    clock.advance(8 * 86_400_000);
    expect(
      (await t.request({ method: 'GET', url: `/v1/carts/${noAddress.body.id}`, key: shop.pk })).body.status,
    ).toBe('expired');
    const late = await t.request({
      method: 'POST',
      url: `/v1/carts/${noAddress.body.id}/checkout`,
      key: shop.pk,
      body: { shipping_address: ADDRESS },
    });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('cart_expired');
  });
});

describe('checkout', () => {
  it('creates a pending order, reserves stock, finds or creates the customer, and completes the cart', async () => {
    const before = await stockOf(t, shop, shop.v.b);
    const c = await cart({ lines: [{ variant_id: shop.v.b, quantity: 2 }], email: 'Li@Example.com' });
    const o = await t.request({
      method: 'POST',
      url: `/v1/carts/${c.body.id}/checkout`,
      key: shop.pk,
      body: { shipping_address: { ...ADDRESS, phone: '13911112222' } },
    });
    expectStatus(o, 201);
    expect(o.body).toMatchObject({
      status: 'pending_payment',
      total: 6666,
      cart_id: c.body.id,
      phone: '13911112222',
      email: 'Li@Example.com',
    });
    expect(o.body.customer_id).toMatch(/^cus_/);
    expect(o.body.lines[0]).toMatchObject({
      sku: expect.stringContaining('-B'),
      title: '纯棉T恤',
      quantity: 2,
      unit_price: 3333,
      total: 6666,
    });
    expect(await stockOf(t, shop, shop.v.b)).toEqual({
      ...before,
      reserved: before.reserved + 2,
      available: before.available - 2,
    });
    const done = await t.request({ method: 'GET', url: `/v1/carts/${c.body.id}`, key: shop.pk });
    expect(done.body).toMatchObject({ status: 'completed', order_id: o.body.id });
    const twice = await t.request({
      method: 'POST',
      url: `/v1/carts/${c.body.id}/checkout`,
      key: shop.pk,
      body: {},
    });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('cart_completed');
    // The same phone finds the same customer next time.
    const second = await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }], { phone: '139 1111 2222' });
    expect(second.body.customer_id).toBe(o.body.customer_id);
    expect(await eventTypesOf(t, shop.tenantId, o.body.id)).toEqual(['order.created']);
  });

  it('fails the whole checkout with 409 naming the short line, holding nothing', async () => {
    const a0 = await stockOf(t, shop, shop.v.a);
    const c0 = await stockOf(t, shop, shop.v.c);
    const res = await order(t, shop, [
      { variant_id: shop.v.a, quantity: 1 },
      { variant_id: shop.v.c, quantity: c0.available + 1 },
    ]);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('insufficient_stock');
    expect(res.body.errors.map((e: any) => e.field)).toEqual(['lines.1']);
    expect(await stockOf(t, shop, shop.v.a)).toEqual(a0);
    expect(await stockOf(t, shop, shop.v.c)).toEqual(c0);
  });

  it('accepts direct orders from secret keys only, with their own shipping charge', async () => {
    const o = await order(t, shop, [{ variant_id: shop.v.c, quantity: 1 }], { shipping_total: 800 });
    expectStatus(o, 201);
    expect(o.body).toMatchObject({ subtotal: 5000, shipping_total: 800, total: 5800 });
    const viaPk = await t.request({
      method: 'POST',
      url: '/v1/orders',
      key: shop.pk,
      body: {
        store_id: shop.storeId,
        lines: [{ variant_id: shop.v.c, quantity: 1 }],
        shipping_address: ADDRESS,
      },
    });
    expect(viaPk.status).toBe(403);
    const bad = await order(t, shop, [{ variant_id: shop.v.c, quantity: 0 }]);
    expect(bad.status).toBe(400);
  });

  it('cancels unpaid orders at the payment timeout and releases their stock', async () => {
    const variant = await freshVariant(t, shop, 5);
    const before = await stockOf(t, shop, variant);
    const o = await order(t, shop, [{ variant_id: variant, quantity: 2 }]);
    expect((await stockOf(t, shop, variant)).reserved).toBe(2);
    clock.advance(29 * 60_000);
    await t.app.jobs.drain();
    expect(
      (await t.request({ method: 'GET', url: `/v1/orders/${o.body.id}`, key: shop.sk })).body.status,
    ).toBe('pending_payment');
    clock.advance(60_000);
    await t.app.jobs.drain();
    const after = await t.request({ method: 'GET', url: `/v1/orders/${o.body.id}`, key: shop.sk });
    expect(after.body).toMatchObject({ status: 'canceled', cancel_reason: 'payment_timeout' });
    expect(await stockOf(t, shop, variant)).toEqual(before);
    expect(await eventTypesOf(t, shop.tenantId, o.body.id)).toEqual(['order.created', 'order.canceled']);
    const late = await pay(t, shop, o.body);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('invalid_order_transition');
  });
});

describe('payment', () => {
  it('needs the exact amount due', async () => {
    const o = await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }]);
    const res = await t.request({
      method: 'POST',
      url: `/v1/orders/${o.body.id}/payments`,
      key: shop.sk,
      body: { provider: 'alipay', reference: 'ali-1', amount: 9899 },
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('amount_mismatch');
    expect(res.body.errors[0].field).toBe('body.amount');
  });

  it('pays an order once: stock is deducted, fulfillments split by supplier, replays are idempotent', async () => {
    const a0 = await stockOf(t, shop, shop.v.a);
    const o = await order(t, shop, [
      { variant_id: shop.v.a, quantity: 1 },
      { variant_id: shop.v.c, quantity: 1 },
    ]);
    const paid = await pay(t, shop, o.body, 'wx-once');
    expectStatus(paid, 201);
    expect(paid.body.order).toMatchObject({ status: 'paid', amount_paid: 14900 });
    expect(paid.body.payment).toMatchObject({ provider: 'wechat_pay', reference: 'wx-once', amount: 14900 });
    expect(paid.body.order.fulfillments.map((f: any) => f.supplier_id).sort()).toEqual(
      [...shop.supplierIds].sort(),
    );
    expect(await stockOf(t, shop, shop.v.a)).toEqual({
      on_hand: a0.on_hand - 1,
      reserved: a0.reserved,
      available: a0.available - 1,
    });

    const replay = await pay(t, shop, o.body, 'wx-once');
    expect(replay.status).toBe(200);
    expect(replay.body.payment.id).toBe(paid.body.payment.id);
    const other = await pay(t, shop, o.body, 'wx-other');
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('order_already_paid');
    const o2 = await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }]);
    const reused = await pay(t, shop, o2.body, 'wx-once');
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('payment_reference_used');
    expect(await eventTypesOf(t, shop.tenantId, o.body.id)).toEqual(['order.created', 'order.paid']);
    // No timeout left to fire.
    clock.advance(86_400_000);
    await t.app.jobs.drain();
    expect(
      (await t.request({ method: 'GET', url: `/v1/orders/${o.body.id}`, key: shop.sk })).body.status,
    ).toBe('paid');
  });

  it('records one payment when the same order is paid concurrently', async () => {
    const o = await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }]);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => pay(t, shop, o.body, `race-${i}`)),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.code === 'order_already_paid')).toBe(
      true,
    );
    const after = await t.request({ method: 'GET', url: `/v1/orders/${o.body.id}`, key: shop.sk });
    expect(after.body).toMatchObject({ status: 'paid', amount_paid: o.body.total });
  });
});

describe('stock under concurrency', () => {
  it('sells exactly the stock to 200 concurrent checkouts for 50 units, never more', async () => {
    const variant = await freshVariant(t, shop, 50);
    const results = await Promise.all(
      Array.from({ length: 200 }, () => order(t, shop, [{ variant_id: variant, quantity: 1 }])),
    );
    const created = results.filter((r) => r.status === 201);
    expect(created).toHaveLength(50);
    for (const r of results.filter((x) => x.status !== 201)) expect(r.body.code).toBe('insufficient_stock');
    expect(await stockOf(t, shop, variant)).toEqual({ on_hand: 50, reserved: 50, available: 0 });
    await Promise.all(created.map((r) => pay(t, shop, r.body)));
    expect(await stockOf(t, shop, variant)).toEqual({ on_hand: 0, reserved: 0, available: 0 });
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, FakeClock, onRealPostgres, type TestApp, testApp } from '../helpers';
import { ADDRESS, freshVariant, openShop, order, pay, type Shop } from '../orders/fixtures';

const clock = new FakeClock(new Date('2026-11-22T08:00:00Z'));
const HOUR = 3_600_000;
let t: TestApp;
let shop: Shop;

beforeAll(async () => {
  t = await testApp({ clock });
  shop = await openShop(t);
});

function req(method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) {
  return t.request({ method, url, key: shop.sk, body });
}

let seq = 0;
async function coupon(body: Record<string, unknown>) {
  const res = await req('POST', '/v1/coupons', { name: 'coupon', kind: 'fixed', amount_off: 500, ...body });
  expectStatus(res, 201);
  return res.body as { id: string; code: string | null };
}
const code = () => `C${Date.now().toString(36).toUpperCase()}${++seq}`;

describe('coupons', () => {
  it('validates coupons', async () => {
    const both = await req('POST', '/v1/coupons', {
      name: 'x',
      kind: 'fixed',
      amount_off: 1,
      percent_off: 5,
    });
    expect(both.status).toBe(400);
    expect(both.body.code).toBe('invalid_coupon');
    const none = await req('POST', '/v1/coupons', { name: 'x', kind: 'percentage' });
    expect(none.body.code).toBe('invalid_coupon');
    const noIds = await req('POST', '/v1/coupons', {
      name: 'x',
      kind: 'fixed',
      amount_off: 1,
      scope: 'product',
    });
    expect(noIds.body.code).toBe('invalid_coupon');
    const badRef = await req('POST', '/v1/coupons', {
      name: 'x',
      kind: 'fixed',
      amount_off: 1,
      scope: 'supplier',
      scope_ids: ['sup_nope'],
    });
    expect(badRef.status).toBe(422);
    expect(badRef.body.errors[0].field).toBe('body.scope_ids.0');
    const c = code();
    await coupon({ code: c });
    const taken = await req('POST', '/v1/coupons', {
      name: 'x',
      kind: 'fixed',
      amount_off: 1,
      code: c.toLowerCase(),
    });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('coupon_code_taken');
  });

  it('allocates the discount to the lines in scope by largest remainder', async () => {
    // a: 99.00 ×1, b: 33.33 ×1 (supplier 0), c: 50.00 ×1 (supplier 1); 10% off supplier 0's lines.
    const c = code();
    await coupon({
      kind: 'percentage',
      amount_off: undefined,
      percent_off: 10,
      scope: 'supplier',
      scope_ids: [shop.supplierIds[0]],
      code: c,
    });
    const lines = [
      { variant_id: shop.v.a, quantity: 1 },
      { variant_id: shop.v.b, quantity: 1 },
      { variant_id: shop.v.c, quantity: 1 },
    ];
    const o = await order(t, shop, lines, { coupon_code: c });
    expectStatus(o, 201);
    // 10% of 13,233 = 1,323 (half up): 9,900 → 989.7…, 3,333 → 333.2…: floors 989 + 333, one left to the larger remainder.
    expect(o.body.lines.map((l: any) => [l.discount, l.total])).toEqual([
      [990, 8_910],
      [333, 3_000],
      [0, 5_000],
    ]);
    expect(o.body).toMatchObject({ discount_total: 1_323, total: 18_233 - 1_323 });
    // Refunds use the discounted line totals.
    expectStatus(await pay(t, shop, o.body), 201);
    const tooMuch = await req('POST', `/v1/orders/${o.body.id}/refunds`, {
      lines: [{ order_line_id: o.body.lines[0].id, amount: 9_900 }],
    });
    expect(tooMuch.body.code).toBe('refund_exceeds_remainder');
    const full = await req('POST', `/v1/orders/${o.body.id}/refunds`, {
      lines: [{ order_line_id: o.body.lines[0].id, quantity: 1 }],
    });
    expect(full.body.amount).toBe(8_910);
  });

  it('caps percentage discounts and never discounts below zero', async () => {
    const capped = code();
    await coupon({
      kind: 'percentage',
      amount_off: undefined,
      percent_off: 50,
      max_discount: 1_000,
      code: capped,
    });
    const o = await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }], { coupon_code: capped });
    expect(o.body.discount_total).toBe(1_000);
    const huge = code();
    await coupon({ amount_off: 1_000_000, code: huge });
    const o2 = await order(t, shop, [{ variant_id: shop.v.b, quantity: 1 }], { coupon_code: huge });
    expect(o2.body).toMatchObject({ discount_total: 3_333, total: 0 });
  });

  it('answers a clear code for every reason a coupon does not apply', async () => {
    const now = clock.now().getTime();
    const at = (ms: number) => new Date(now + ms).toISOString();
    const member = (await req('POST', '/v1/customers', { phone: '13944440001' })).body.id;
    const tier = await req('POST', '/v1/member_tiers', { name: 'vip', growth_threshold: 10 });
    expectStatus(tier, 201);
    const vip = (await req('POST', '/v1/customers', { phone: '13944440002' })).body.id;
    await req('POST', `/v1/customers/${vip}/growth_grants`, { amount: 10, reason: 'seed' });
    const otherStore = await req('POST', '/v1/stores', { kind: 'brand', name: '另一家' });

    const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, number]> = [
      ['coupon_not_started', { starts_at: at(HOUR) }, {}, 422],
      ['coupon_expired', { starts_at: at(-2 * HOUR), ends_at: at(-HOUR) }, {}, 422],
      ['coupon_inactive', { active: false }, {}, 422],
      ['coupon_min_spend_not_met', { min_spend: 1_000_000 }, {}, 422],
      ['coupon_out_of_scope', { scope: 'store', scope_ids: [otherStore.body.id] }, {}, 422],
      ['coupon_customer_required', { members_only: true }, {}, 422],
      ['coupon_members_only', { members_only: true }, { customer_id: member }, 422],
    ];
    for (const [reason, body, extra, status] of cases) {
      const c = code();
      await coupon({ ...body, code: c });
      const res = await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }], { ...extra, coupon_code: c });
      expect([reason, res.status, res.body.code]).toEqual([reason, status, reason]);
      // The cart shows the same reason without refusing the cart.
      const cart = await req('POST', '/v1/carts', {
        store_id: shop.storeId,
        lines: [{ variant_id: shop.v.a, quantity: 1 }],
        coupon_code: c,
        ...extra,
      });
      expectStatus(cart, 201);
      expect(cart.body.coupon).toMatchObject({ code: c, applied: false, reason });
    }
    // Members-only works for a member.
    const vipCode = code();
    await coupon({ members_only: true, code: vipCode });
    expectStatus(
      await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }], {
        customer_id: vip,
        coupon_code: vipCode,
      }),
      201,
    );

    // Unknown codes: refused on the order and on the cart.
    const unknown = await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }], {
      coupon_code: 'NOPE-NOPE',
    });
    expect([unknown.status, unknown.body.code]).toEqual([422, 'coupon_unknown']);
    const cart = await req('POST', '/v1/carts', { store_id: shop.storeId, coupon_code: 'NOPE-NOPE' });
    expect([cart.status, cart.body.code]).toEqual([422, 'coupon_unknown']);

    // Usage limits.
    const once = code();
    await coupon({ usage_limit: 1, code: once });
    expectStatus(await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }], { coupon_code: once }), 201);
    const second = await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }], { coupon_code: once });
    expect([second.status, second.body.code]).toEqual([409, 'coupon_usage_limit_reached']);

    const perCustomer = code();
    await coupon({ per_customer_limit: 1, code: perCustomer });
    const buyer = { shipping_address: { ...ADDRESS, phone: '13944440003' } };
    expectStatus(
      await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }], { ...buyer, coupon_code: perCustomer }),
      201,
    );
    const again = await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }], {
      ...buyer,
      coupon_code: perCustomer,
    });
    expect([again.status, again.body.code]).toEqual([409, 'coupon_per_customer_limit_reached']);
    // Someone else may still use it.
    expectStatus(
      await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }], { coupon_code: perCustomer }),
      201,
    );
  });

  it('generates single-use codes: each redeems once; a cancelled order gives the use back', async () => {
    const c = await coupon({ usage_limit: 2 });
    const batch = await req('POST', `/v1/coupons/${c.id}/codes`, { count: 3, prefix: 'vip' });
    expectStatus(batch, 201);
    expect(batch.body.codes).toHaveLength(3);
    expect(new Set(batch.body.codes).size).toBe(3);
    expect(batch.body.codes.every((x: string) => /^VIP[A-Z2-9]{10}$/.test(x))).toBe(true);
    const [c1, c2, c3] = batch.body.codes;
    const o1 = await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }], {
      coupon_code: c1.toLowerCase(),
    });
    expectStatus(o1, 201);
    const used = await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }], { coupon_code: c1 });
    expect([used.status, used.body.code]).toEqual([409, 'coupon_code_used']);
    expectStatus(await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }], { coupon_code: c2 }), 201);
    expect((await req('GET', `/v1/coupons/${c.id}`)).body.redeemed).toBe(2);
    const full = await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }], { coupon_code: c3 });
    expect(full.body.code).toBe('coupon_usage_limit_reached');
    // Cancelling o1 releases both its code and the coupon's use.
    expectStatus(await req('POST', `/v1/orders/${o1.body.id}/cancel`, {}), 200);
    expect((await req('GET', `/v1/coupons/${c.id}`)).body.redeemed).toBe(1);
    expectStatus(await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }], { coupon_code: c1 }), 201);
  });

  it('releases the use when an unpaid order expires; carts carry the code to checkout', async () => {
    const c = code();
    const cp = await coupon({ usage_limit: 1, code: c });
    const cart = await req('POST', '/v1/carts', {
      store_id: shop.storeId,
      lines: [{ variant_id: shop.v.b, quantity: 2 }],
      coupon_code: c,
    });
    expect(cart.body).toMatchObject({ coupon_code: c, discount_total: 500, total: 6_666 - 500 });
    const o = await req('POST', `/v1/carts/${cart.body.id}/checkout`, { shipping_address: ADDRESS });
    expectStatus(o, 201);
    expect(o.body).toMatchObject({ coupon_code: c, discount_total: 500, total: 6_166 });
    expect((await req('GET', `/v1/coupons/${cp.id}`)).body.redeemed).toBe(1);
    clock.advance(HOUR);
    await t.app.jobs.drain();
    expect((await req('GET', `/v1/orders/${o.body.id}`)).body.status).toBe('canceled');
    expect((await req('GET', `/v1/coupons/${cp.id}`)).body.redeemed).toBe(0);
    // A storefront (publishable key) cart takes a code too, and checks out with it.
    const shared = code();
    await coupon({ code: shared, per_customer_limit: 1 });
    const pkCart = await t.request({
      method: 'POST',
      url: '/v1/carts',
      key: shop.pk,
      body: { lines: [{ variant_id: shop.v.c, quantity: 1 }], coupon_code: shared.toLowerCase() },
    });
    expectStatus(pkCart, 201);
    expect(pkCart.body.coupon).toMatchObject({ applied: true, discount: 500 });
    const pkOrder = await t.request({
      method: 'POST',
      url: `/v1/carts/${pkCart.body.id}/checkout`,
      key: shop.pk,
      body: { shipping_address: { ...ADDRESS, phone: '13944449999' } },
    });
    expectStatus(pkOrder, 201);
    expect(pkOrder.body.discount_total).toBe(500);
    // Lowering the limit below the uses is refused.
    expectStatus(await order(t, shop, [{ variant_id: shop.v.b, quantity: 1 }], { coupon_code: c }), 201);
    const raise = await req('PATCH', `/v1/coupons/${cp.id}`, { usage_limit: 3 });
    expectStatus(raise, 200);
    await order(t, shop, [{ variant_id: shop.v.b, quantity: 1 }], { coupon_code: c });
    const lower = await req('PATCH', `/v1/coupons/${cp.id}`, { usage_limit: 1 });
    expect([lower.status, lower.body.code]).toEqual([409, 'usage_limit_below_redeemed']);
  });

  it('counts a single-use coupon exactly once under concurrent checkouts', async () => {
    const v = await freshVariant(t, shop, 100, 2_000);
    const c = code();
    const cp = await coupon({ usage_limit: 1, code: c });
    const n = onRealPostgres() ? 20 : 8;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        order(t, shop, [{ variant_id: v, quantity: 1 }], {
          coupon_code: c,
          shipping_address: { ...ADDRESS, phone: `139555${String(i).padStart(5, '0')}` },
        }),
      ),
    );
    const ok = results.filter((r) => r.status === 201);
    expect(ok).toHaveLength(1);
    expect(
      results
        .filter((r) => r.status !== 201)
        .every((r) => r.status === 409 && r.body.code === 'coupon_usage_limit_reached'),
    ).toBe(true);
    expect((await req('GET', `/v1/coupons/${cp.id}`)).body.redeemed).toBe(1);
    // The losers' stock reservations were rolled back with them.
    const inv = await req('GET', `/v1/variants/${v}/inventory`);
    expect(inv.body.reserved).toBe(1);
  });

  it('counts a per-customer limit exactly once when one customer checks out concurrently', async () => {
    const v = await freshVariant(t, shop, 100, 2_000);
    const c = code();
    await coupon({ per_customer_limit: 1, code: c });
    const buyer = (await req('POST', '/v1/customers', { phone: '13966660000' })).body.id;
    const results = await Promise.all(
      Array.from({ length: onRealPostgres() ? 10 : 4 }, () =>
        order(t, shop, [{ variant_id: v, quantity: 1 }], { customer_id: buyer, coupon_code: c }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(
      results
        .filter((r) => r.status !== 201)
        .every((r) => r.status === 409 && r.body.code === 'coupon_per_customer_limit_reached'),
    ).toBe(true);
  });
});

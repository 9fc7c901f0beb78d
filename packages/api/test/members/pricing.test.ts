import { beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, FakeClock, type TestApp, testApp } from '../helpers';
import { ADDRESS, freshVariant, openShop, order, type Shop } from '../orders/fixtures';

const clock = new FakeClock(new Date('2026-11-22T08:00:00Z'));
const HOUR = 3_600_000;
let t: TestApp;
let shop: Shop;
let gold: string;
let silver: string;

beforeAll(async () => {
  t = await testApp({ clock });
  shop = await openShop(t);
  silver = (await req('POST', '/v1/member_tiers', { name: 'silver', growth_threshold: 100 })).body.id;
  gold = (await req('POST', '/v1/member_tiers', { name: 'gold', growth_threshold: 1000 })).body.id;
});

function req(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) {
  return t.request({ method, url, key: shop.sk, body });
}

async function member(phone: string, growth: number) {
  const c = (await req('POST', '/v1/customers', { phone })).body.id as string;
  if (growth) await req('POST', `/v1/customers/${c}/growth_grants`, { amount: growth, reason: 'seed' });
  return c;
}

async function cartPrice(variant: string, customerId?: string, coupon_code?: string) {
  const cart = await req('POST', '/v1/carts', {
    store_id: shop.storeId,
    lines: [{ variant_id: variant, quantity: 2 }],
    ...(customerId ? { customer_id: customerId } : {}),
    ...(coupon_code ? { coupon_code } : {}),
  });
  expectStatus(cart, 201);
  return cart.body;
}

describe('member prices and precedence', () => {
  it('validates member prices: one audience, the floor, duplicates', async () => {
    const v = await freshVariant(t, shop, 10, 10_000);
    await req('PATCH', `/v1/variants/${v}`, { retail_floor: 7_000 });
    const both = await req('POST', '/v1/member_prices', {
      variant_id: v,
      tier_id: gold,
      paid_members: true,
      price: 8_000,
    });
    expect(both.status).toBe(400);
    const low = await req('POST', '/v1/member_prices', { variant_id: v, tier_id: gold, price: 6_000 });
    expect(low.status).toBe(422);
    expect(low.body.code).toBe('below_retail_floor');
    expectStatus(await req('POST', '/v1/member_prices', { variant_id: v, tier_id: gold, price: 8_000 }), 201);
    const dup = await req('POST', '/v1/member_prices', { variant_id: v, tier_id: gold, price: 8_500 });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('member_price_exists');
    const unknown = await req('POST', '/v1/member_prices', {
      variant_id: v,
      tier_id: 'mt_nope',
      price: 8_500,
    });
    expect(unknown.status).toBe(422);
  });

  it('applies the best member price the customer qualifies for, never below the floor', async () => {
    const v = await freshVariant(t, shop, 50, 10_000);
    await req('POST', '/v1/member_prices', { variant_id: v, tier_id: silver, price: 9_000 });
    const goldPrice = await req('POST', '/v1/member_prices', { variant_id: v, tier_id: gold, price: 8_000 });
    await req('POST', '/v1/member_prices', { variant_id: v, paid_members: true, price: 8_500 });
    const nobody = await member('13933330001', 0);
    const s = await member('13933330002', 150);
    const g = await member('13933330003', 1500);
    expect((await cartPrice(v)).lines[0]).toMatchObject({ unit_price: 10_000, price_source: 'store' });
    expect((await cartPrice(v, nobody)).lines[0]).toMatchObject({
      unit_price: 10_000,
      price_source: 'store',
    });
    expect((await cartPrice(v, s)).lines[0]).toMatchObject({ unit_price: 9_000, price_source: 'member' });
    expect((await cartPrice(v, g)).lines[0]).toMatchObject({ unit_price: 8_000, price_source: 'member' });

    // A paid member of the silver tier gets the lower paid-member price.
    const plan = await req('POST', '/v1/membership_plans', { name: 'plus', price: 100, duration_days: 30 });
    const m = await req('POST', '/v1/memberships', { customer_id: s, plan_id: plan.body.id });
    await req('POST', `/v1/memberships/${m.body.id}/payments`, {
      provider: 'wechat_pay',
      reference: 'wx-plus-1',
      amount: 100,
    });
    expect((await cartPrice(v, s)).lines[0].unit_price).toBe(8_500);

    // Orders charge what carts show; a guest by phone does not get member prices.
    const o = await order(t, shop, [{ variant_id: v, quantity: 1 }], { customer_id: g });
    expect(o.body.lines[0]).toMatchObject({ unit_price: 8_000, total: 8_000 });
    const guest = await order(t, shop, [{ variant_id: v, quantity: 1 }], {
      shipping_address: { ...ADDRESS, phone: '13933330003' },
    });
    expect(guest.body.customer_id).toBe(g);
    expect(guest.body.lines[0].unit_price).toBe(10_000);

    // The floor rises above the member price later: the floor wins.
    await req('PATCH', `/v1/variants/${v}`, { retail_floor: 8_800 });
    expect((await cartPrice(v, g)).lines[0]).toMatchObject({ unit_price: 8_800, price_source: 'member' });
    // Removing the gold price leaves the silver one for gold customers (higher tiers inherit).
    await req('PATCH', `/v1/variants/${v}`, { retail_floor: null });
    expectStatus(await req('DELETE', `/v1/member_prices/${goldPrice.body.id}`), 200);
    expect((await cartPrice(v, g)).lines[0].unit_price).toBe(9_000);
  });

  it('flash sale beats member price; the coupon applies last, on the result', async () => {
    const v = await freshVariant(t, shop, 50, 10_000);
    await req('POST', '/v1/member_prices', { variant_id: v, tier_id: gold, price: 6_000 });
    const g = await member('13933330004', 1500);
    const coupon = await req('POST', '/v1/coupons', {
      name: '立减10元',
      kind: 'fixed',
      amount_off: 1_000,
      code: 'PREC10',
    });
    expectStatus(coupon, 201);
    // Member price, then the coupon.
    let cart = await cartPrice(v, g, 'prec10');
    expect(cart.lines[0]).toMatchObject({
      unit_price: 6_000,
      price_source: 'member',
      discount: 1_000,
      total: 11_000,
    });
    expect(cart).toMatchObject({ subtotal: 12_000, discount_total: 1_000, total: 11_000 });
    expect(cart.coupon).toMatchObject({ code: 'PREC10', applied: true, discount: 1_000 });
    // A flash sale at a higher price than the member price still wins.
    const now = clock.now().getTime();
    expectStatus(
      await req('POST', '/v1/flash_sales', {
        name: '秒杀',
        starts_at: new Date(now).toISOString(),
        ends_at: new Date(now + HOUR).toISOString(),
        items: [{ variant_id: v, sale_price: 7_000, sale_stock: 10 }],
      }),
      201,
    );
    cart = await cartPrice(v, g, 'PREC10');
    expect(cart.lines[0]).toMatchObject({
      unit_price: 7_000,
      price_source: 'flash_sale',
      discount: 1_000,
      total: 13_000,
    });
    const o = await order(t, shop, [{ variant_id: v, quantity: 2 }], {
      customer_id: g,
      coupon_code: 'prec10',
    });
    expectStatus(o, 201);
    expect(o.body).toMatchObject({
      coupon_code: 'PREC10',
      subtotal: 14_000,
      discount_total: 1_000,
      total: 13_000,
    });
    clock.advance(HOUR);
    expect((await cartPrice(v, g)).lines[0].price_source).toBe('member');
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, FakeClock, type TestApp, testApp } from '../helpers';
import { freshVariant, openShop, order, pay, type Shop } from '../orders/fixtures';

// 2026-11-22 08:00 UTC; the next evaluation is 2026-12-01 00:00 Asia/Shanghai = 2026-11-30 16:00 UTC.
const clock = new FakeClock(new Date('2026-11-22T08:00:00Z'));
let t: TestApp;
let shop: Shop;

beforeAll(async () => {
  t = await testApp({ clock });
  shop = await openShop(t);
});

const req = (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) =>
  t.request({ method, url, key: shop.sk, body });

async function customer(phone: string) {
  const res = await req('POST', '/v1/customers', { name: '会员', phone });
  expectStatus(res, 201);
  return res.body.id as string;
}

const profile = async (id: string) => (await req('GET', `/v1/customers/${id}/member_profile`)).body;

async function paidOrder(customerId: string, variant: string, quantity: number) {
  const o = await order(t, shop, [{ variant_id: variant, quantity }], { customer_id: customerId });
  expectStatus(o, 201);
  expectStatus(await pay(t, shop, o.body), 201);
  return o.body;
}

describe('member tiers', () => {
  const tiers: Record<string, string> = {};

  it('creates an ordered ladder and refuses a duplicate threshold', async () => {
    for (const [name, growth_threshold, keep_threshold] of [
      ['银卡', 100, 50],
      ['金卡', 500, 200],
      ['普通', 0, 0],
    ] as const) {
      const res = await req('POST', '/v1/member_tiers', { name, growth_threshold, keep_threshold });
      expectStatus(res, 201);
      tiers[name] = res.body.id;
    }
    const dup = await req('POST', '/v1/member_tiers', { name: 'x', growth_threshold: 100 });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('tier_threshold_taken');
    const list = await req('GET', '/v1/member_tiers');
    expect(list.body.data.map((x: { name: string }) => x.name)).toEqual(['普通', '银卡', '金卡']);
    const patched = await req('PATCH', `/v1/member_tiers/${tiers.金卡}`, { name: '金卡会员' });
    expect(patched.body.name).toBe('金卡会员');
  });

  it('accrues growth on paid orders (1 per ¥1 of goods), promotes at once, reverses refunds pro rata', async () => {
    const v = await freshVariant(t, shop, 100, 10_050); // ¥100.50
    const c = await customer('13911110001');
    expect((await profile(c)).growth_value).toBe(0);
    const o = await paidOrder(c, v, 3); // ¥301.50 → 301
    const p = await profile(c);
    expect(p.growth_value).toBe(301);
    expect(p.tier.id).toBe(tiers.银卡);
    // A refund of one unit (¥100.50 of ¥301.50) reverses floor(301 × 1/3) = 100.
    const refund = await req('POST', `/v1/orders/${o.id}/refunds`, {
      lines: [{ order_line_id: o.lines[0].id, quantity: 1 }],
    });
    expectStatus(refund, 201);
    expect((await profile(c)).growth_value).toBe(201);
    // The rest: the whole order's growth is gone, exactly.
    expectStatus(await req('POST', `/v1/orders/${o.id}/refunds`, { amount: 20_100 }), 201);
    expect((await profile(c)).growth_value).toBe(0);
    const ledger = await req('GET', `/v1/customers/${c}/growth_entries`);
    expect(ledger.body.data.map((e: { source: string; amount: number }) => [e.source, e.amount])).toEqual([
      ['order_refunded', -201],
      ['order_refunded', -100],
      ['order_paid', 301],
    ]);
    // Still 银卡 until the monthly evaluation.
    expect((await profile(c)).tier.id).toBe(tiers.银卡);
  });

  it('pending refunds reverse when they succeed; a cancelled paid order reverses everything', async () => {
    const v = await freshVariant(t, shop, 100, 5_000);
    const c = await customer('13911110002');
    const o = await paidOrder(c, v, 2);
    expect((await profile(c)).growth_value).toBe(100);
    const pending = await req('POST', `/v1/orders/${o.id}/refunds`, { amount: 2_500, status: 'pending' });
    expect((await profile(c)).growth_value).toBe(100);
    expectStatus(await req('POST', `/v1/refunds/${pending.body.id}/succeed`, {}), 200);
    expect((await profile(c)).growth_value).toBe(75);
    const o2 = await paidOrder(c, v, 1);
    expect((await profile(c)).growth_value).toBe(125);
    expectStatus(await req('POST', `/v1/orders/${o2.id}/cancel`, {}), 200);
    expect((await profile(c)).growth_value).toBe(75);
  });

  it('grants growth by hand with a reason; a deduction cannot go below zero', async () => {
    const c = await customer('13911110003');
    const g = await req('POST', `/v1/customers/${c}/growth_grants`, { amount: 600, reason: '活动奖励' });
    expectStatus(g, 201);
    expect(g.body).toMatchObject({ object: 'growth_entry', amount: 600, balance: 600, source: 'grant' });
    expect((await profile(c)).tier.id).toBe(tiers.金卡);
    const tooMuch = await req('POST', `/v1/customers/${c}/growth_grants`, { amount: -601, reason: '扣除' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.code).toBe('growth_insufficient');
    const zero = await req('POST', `/v1/customers/${c}/growth_grants`, { amount: 0, reason: 'x' });
    expect(zero.status).toBe(400);
    const missing = await req('POST', '/v1/customers/cus_nope/growth_grants', { amount: 1, reason: 'x' });
    expect(missing.status).toBe(404);
    const changes = await req('GET', `/v1/customers/${c}/tier_changes`);
    expect(changes.body.data[0]).toMatchObject({ to_tier_id: tiers.金卡, reason: 'growth' });
  });

  it('evaluates monthly: keeps with enough growth, demotes one tier (resetting growth) without', async () => {
    const keeper = await customer('13911110004');
    const lapsed = await customer('13911110005');
    const refunded = await customer('13911110006');
    for (const c of [keeper, lapsed]) {
      await req('POST', `/v1/customers/${c}/growth_grants`, { amount: 700, reason: '迁移' });
    }
    await req('POST', `/v1/customers/${refunded}/growth_grants`, { amount: 150, reason: '迁移' });
    await req('POST', `/v1/customers/${refunded}/growth_grants`, { amount: -100, reason: '纠正' });
    expect((await profile(refunded)).tier.id).toBe(tiers.银卡);

    // December 1st, 00:00 in Shanghai: everyone got their tier this month, so all keep it
    // (except the one whose growth no longer reaches it).
    clock.set(new Date('2026-11-30T15:59:00Z'));
    await t.app.jobs.drain();
    expect((await profile(refunded)).tier.id).toBe(tiers.银卡);
    clock.set(new Date('2026-11-30T16:00:00Z'));
    await t.app.jobs.drain();
    expect((await profile(keeper)).tier.id).toBe(tiers.金卡);
    expect((await profile(refunded)).tier.id).toBe(tiers.普通);

    // During December the keeper earns 200 (the keep threshold), the other nothing.
    clock.set(new Date('2026-12-10T00:00:00Z'));
    await req('POST', `/v1/customers/${keeper}/growth_grants`, { amount: 200, reason: '消费' });
    clock.set(new Date('2027-01-01T00:00:00+08:00'));
    await t.app.jobs.drain();
    expect((await profile(keeper)).tier.id).toBe(tiers.金卡);
    const p = await profile(lapsed);
    expect(p.tier.id).toBe(tiers.银卡);
    expect(p.growth_value).toBe(100);
    const history = await req('GET', `/v1/customers/${lapsed}/tier_changes`);
    expect(history.body.data[0]).toMatchObject({
      from_tier_id: tiers.金卡,
      to_tier_id: tiers.银卡,
      reason: 'keep_failed',
      growth_value: 100,
    });
    const events = await req('GET', '/v1/events?type=member.tier_changed&limit=100');
    expect(events.body.data.some((e: any) => e.data.object.reason === 'keep_failed')).toBe(true);
    // And February evaluates again: a lapsed 银卡 (keep 50) falls to 普通.
    clock.set(new Date('2027-02-01T00:00:00+08:00'));
    await t.app.jobs.drain();
    expect((await profile(lapsed)).tier.id).toBe(tiers.普通);
    expect((await profile(keeper)).tier.id).toBe(tiers.银卡);
  });

  it('follows the tenant growth rate setting', async () => {
    // Turned off, nothing accrues.
    const v = await freshVariant(t, shop, 10, 10_000);
    const c = await customer('13911110007');
    const tenant = await t.request({
      method: 'PATCH',
      url: `/v1/tenants/${shop.tenantId}`,
      key: 'plat_test_0123456789abcdefghijklmnop',
      body: { settings: { member_growth_per_unit: 0 } },
    });
    expectStatus(tenant, 200);
    await paidOrder(c, v, 1);
    expect((await profile(c)).growth_value).toBe(0);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, FakeClock, type TestApp, testApp } from '../helpers';
import { openShop, type Shop } from '../orders/fixtures';

const clock = new FakeClock(new Date('2026-11-22T08:00:00Z'));
const DAY = 86_400_000;
let t: TestApp;
let shop: Shop;
let plan: { id: string; price: number };

beforeAll(async () => {
  t = await testApp({ clock });
  shop = await openShop(t);
  const res = await t.request({
    method: 'POST',
    url: '/v1/membership_plans',
    key: shop.sk,
    body: { name: '年卡会员', price: 39_800, duration_days: 365 },
  });
  expectStatus(res, 201);
  plan = res.body;
});

const req = (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) =>
  t.request({ method, url, key: shop.sk, body });

async function customer(phone: string) {
  return (await req('POST', '/v1/customers', { phone })).body.id as string;
}

const payment = (reference: string, amount: number) => ({ provider: 'wechat_pay', reference, amount });

describe('paid membership', () => {
  it('starts when paid, with the same payment rules as orders', async () => {
    const c = await customer('13922220001');
    const m = await req('POST', '/v1/memberships', { customer_id: c, plan_id: plan.id });
    expectStatus(m, 201);
    expect(m.body).toMatchObject({ status: 'pending', amount_due: 39_800, started_at: null });
    const again = await req('POST', '/v1/memberships', { customer_id: c, plan_id: plan.id });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('membership_exists');

    const wrong = await req('POST', `/v1/memberships/${m.body.id}/payments`, payment('wx-m1', 100));
    expect(wrong.status).toBe(422);
    expect(wrong.body.code).toBe('amount_mismatch');
    const cur = await req('POST', `/v1/memberships/${m.body.id}/payments`, {
      ...payment('wx-m1', 39_800),
      currency: 'USD',
    });
    expect(cur.body.code).toBe('currency_mismatch');

    const paid = await req('POST', `/v1/memberships/${m.body.id}/payments`, payment('wx-m1', 39_800));
    expectStatus(paid, 201);
    expect(paid.body.membership).toMatchObject({
      status: 'active',
      amount_due: 0,
      amount_paid: 39_800,
      started_at: clock.now().toISOString(),
      ends_at: new Date(clock.now().getTime() + 365 * DAY).toISOString(),
    });
    // The same reference again is a replay; paying again without renewing is refused.
    const replay = await req('POST', `/v1/memberships/${m.body.id}/payments`, payment('wx-m1', 39_800));
    expect(replay.status).toBe(200);
    expect(replay.body.payment.id).toBe(paid.body.payment.id);
    const twice = await req('POST', `/v1/memberships/${m.body.id}/payments`, payment('wx-m2', 39_800));
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('membership_already_paid');
    const profile = await req('GET', `/v1/customers/${c}/member_profile`);
    expect(profile.body).toMatchObject({ paid_member: true, membership_id: m.body.id });
    const started = await req('GET', '/v1/events?type=membership.started');
    expect(started.body.data[0].data.object.id).toBe(m.body.id);

    // Another membership's reference cannot be reused.
    const c2 = await customer('13922220002');
    const m2 = await req('POST', '/v1/memberships', { customer_id: c2, plan_id: plan.id });
    const used = await req('POST', `/v1/memberships/${m2.body.id}/payments`, payment('wx-m1', 39_800));
    expect(used.status).toBe(409);
    expect(used.body.code).toBe('payment_reference_used');
    // Nor an order's, nor an order with a membership's reference.
    const o = await req('POST', '/v1/orders', {
      store_id: shop.storeId,
      lines: [{ variant_id: shop.v.a, quantity: 1 }],
      shipping_address: {
        name: '张三',
        phone: '13800000000',
        province: '上海市',
        city: '上海市',
        line1: '路 1 号',
      },
    });
    const orderRef = await req('POST', `/v1/orders/${o.body.id}/payments`, payment('wx-m1', o.body.total));
    expect([orderRef.status, orderRef.body.code]).toEqual([409, 'payment_reference_used']);
    expectStatus(await req('POST', `/v1/orders/${o.body.id}/payments`, payment('wx-o1', o.body.total)), 201);
    const fromOrder = await req('POST', `/v1/memberships/${m2.body.id}/payments`, payment('wx-o1', 39_800));
    expect([fromOrder.status, fromOrder.body.code]).toEqual([409, 'payment_reference_used']);
    expectStatus(await req('POST', `/v1/memberships/${m2.body.id}/cancel`, {}), 200);
    const gone = await req('POST', `/v1/memberships/${m2.body.id}/payments`, payment('wx-m3', 39_800));
    expect(gone.body.code).toBe('membership_canceled');
  });

  it('renews from the current end, and expires by job at the end', async () => {
    const c = await customer('13922220003');
    const m = (await req('POST', '/v1/memberships', { customer_id: c, plan_id: plan.id })).body;
    const started = clock.now().getTime();
    await req('POST', `/v1/memberships/${m.id}/payments`, payment('wx-r1', 39_800));
    clock.advance(300 * DAY);
    // The plan price changed: the renewal costs the new price.
    await req('PATCH', `/v1/membership_plans/${plan.id}`, { price: 36_800 });
    const renew = await req('POST', `/v1/memberships/${m.id}/renew`, {});
    expectStatus(renew, 200);
    expect(renew.body.amount_due).toBe(36_800);
    const paid = await req('POST', `/v1/memberships/${m.id}/payments`, payment('wx-r2', 36_800));
    expectStatus(paid, 201);
    expect(paid.body.membership.ends_at).toBe(new Date(started + 730 * DAY).toISOString());
    expect(paid.body.membership.amount_paid).toBe(39_800 + 36_800);

    // The first period's end passes: still active (the job was moved).
    clock.set(new Date(started + 366 * DAY));
    await t.app.jobs.drain();
    expect((await req('GET', `/v1/memberships/${m.id}`)).body.status).toBe('active');
    clock.set(new Date(started + 730 * DAY));
    await t.app.jobs.drain();
    const expired = (await req('GET', `/v1/memberships/${m.id}`)).body;
    expect(expired.status).toBe('expired');
    expect((await req('GET', `/v1/customers/${c}/member_profile`)).body.paid_member).toBe(false);
    const ev = await req('GET', '/v1/events?type=membership.expired');
    expect(ev.body.data.some((e: any) => e.data.object.id === m.id)).toBe(true);

    // An expired membership renews from the payment.
    await req('POST', `/v1/memberships/${m.id}/renew`, {});
    clock.advance(DAY);
    const back = await req('POST', `/v1/memberships/${m.id}/payments`, payment('wx-r3', 36_800));
    expect(back.body.membership.status).toBe('active');
    expect(back.body.membership.ends_at).toBe(new Date(clock.now().getTime() + 365 * DAY).toISOString());
  });

  it('refuses inactive plans and unknown references', async () => {
    const inactive = await req('POST', '/v1/membership_plans', {
      name: '停售',
      price: 100,
      duration_days: 30,
      active: false,
    });
    const c = await customer('13922220004');
    const res = await req('POST', '/v1/memberships', { customer_id: c, plan_id: inactive.body.id });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('plan_inactive');
    const unknown = await req('POST', '/v1/memberships', { customer_id: c, plan_id: 'mplan_nope' });
    expect(unknown.status).toBe(422);
    const noCustomer = await req('POST', '/v1/memberships', { customer_id: 'cus_nope', plan_id: plan.id });
    expect(noCustomer.status).toBe(422);
    const list = await req('GET', '/v1/membership_plans?active=false');
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([inactive.body.id]);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import {
  createTestTenant,
  eventTypesOf,
  expectStatus,
  FakeClock,
  PLATFORM_TOKEN,
  type TestApp,
  type TestTenant,
  testApp,
} from '../helpers';

const clock = new FakeClock();
let t: TestApp;
let tenant: TestTenant;
let phoneSeq = 0;
const DAY = 86_400_000;

beforeAll(async () => {
  t = await testApp({ clock });
  tenant = await createTestTenant(t);
  // A 15-day protection period for this tenant.
  expectStatus(
    await t.request({
      method: 'PATCH',
      url: `/v1/tenants/${tenant.id}`,
      key: PLATFORM_TOKEN,
      body: { settings: { binding_days: 15 } },
    }),
    200,
  );
});

const phone = () => `139${String(++phoneSeq).padStart(8, '0')}`;

async function post(url: string, body: unknown, key = tenant.secretKey) {
  return t.request({ method: 'POST', url, key, body });
}

async function guideWithToken(name: string) {
  const g = await post('/v1/promoters', { kind: 'guide', name });
  const tok = await post(`/v1/promoters/${g.body.id}/tokens`, {});
  return { id: g.body.id as string, token: tok.body.token as string };
}

describe('customers', () => {
  it('creates, normalises phone and email, and refuses a duplicate with 409', async () => {
    const res = await post('/v1/customers', {
      name: '陈女士',
      phone: '139 1234 5678',
      email: 'Chen@Example.com',
      tags: ['vip', 'vip', '宝妈'],
      addresses: [
        {
          name: '陈女士',
          phone: '13912345678',
          province: '上海市',
          city: '上海市',
          district: '浦东新区',
          line1: '世纪大道 100 号',
        },
      ],
    });
    expectStatus(res, 201);
    expect(res.body).toMatchObject({
      phone: '13912345678',
      email: 'chen@example.com',
      tags: ['vip', '宝妈'],
    });
    const dup = await post('/v1/customers', { phone: '139-1234-5678' });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('customer_exists');
    const byTag = await t.request({ method: 'GET', url: '/v1/customers?tag=宝妈', key: tenant.secretKey });
    expect(byTag.body.data.map((c: any) => c.id)).toEqual([res.body.id]);
    const byEmail = await t.request({
      method: 'GET',
      url: '/v1/customers?email=CHEN@example.com',
      key: tenant.secretKey,
    });
    expect(byEmail.body.data).toHaveLength(1);
  });

  it('lets a guide add customers (bound to it), see only those, and tag them', async () => {
    const guide = await guideWithToken('导购甲');
    const mine = await post('/v1/customers', { name: '顾客', phone: phone() }, guide.token);
    expectStatus(mine, 201);
    const notMine = await post('/v1/customers', { name: '别人', phone: phone() });
    const list = await t.request({ method: 'GET', url: '/v1/customers', key: guide.token });
    expect(list.body.data.map((c: any) => c.id)).toEqual([mine.body.id]);
    expect(
      (await t.request({ method: 'GET', url: `/v1/customers/${notMine.body.id}`, key: guide.token })).status,
    ).toBe(404);
    const tagged = await t.request({
      method: 'PATCH',
      url: `/v1/customers/${mine.body.id}`,
      key: guide.token,
      body: { tags: ['高意向'] },
    });
    expectStatus(tagged, 200);
    expect(tagged.body.tags).toEqual(['高意向']);
    const renamed = await t.request({
      method: 'PATCH',
      url: `/v1/customers/${mine.body.id}`,
      key: guide.token,
      body: { name: 'x' },
    });
    expect(renamed.status).toBe(403);
    expect(renamed.body.code).toBe('field_not_editable');
    const bindings = await t.request({ method: 'GET', url: '/v1/customer_bindings', key: guide.token });
    expect(bindings.body.data).toEqual([
      expect.objectContaining({
        customer_id: mine.body.id,
        promoter_id: guide.id,
        source: 'guide',
        status: 'active',
      }),
    ]);
  });

  it("binds an existing free customer to the guide who adds it, but not another guide's", async () => {
    const p = phone();
    const existing = await post('/v1/customers', { name: '老顾客', phone: p });
    const g1 = await guideWithToken('导购乙');
    const g2 = await guideWithToken('导购丙');
    const added = await post('/v1/customers', { phone: p }, g1.token);
    expect(added.status).toBe(200);
    expect(added.body.id).toBe(existing.body.id);
    const taken = await post('/v1/customers', { phone: p }, g2.token);
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('customer_already_bound');
  });
});

describe('customer bindings', () => {
  it('protect a customer for the period, renew for the same promoter, expire, then free the customer', async () => {
    const customer = await post('/v1/customers', { phone: phone() });
    const a = await post('/v1/promoters', { kind: 'affiliate', name: 'A' });
    const b = await post('/v1/promoters', { kind: 'affiliate', name: 'B' });
    const bound = await post('/v1/customer_bindings', {
      customer_id: customer.body.id,
      promoter_id: a.body.id,
    });
    expectStatus(bound, 201);
    expect(new Date(bound.body.expires_at).getTime() - clock.now().getTime()).toBe(15 * DAY);

    const stolen = await post('/v1/customer_bindings', {
      customer_id: customer.body.id,
      promoter_id: b.body.id,
    });
    expect(stolen.status).toBe(409);
    expect(stolen.body.code).toBe('customer_already_bound');

    clock.advance(10 * DAY);
    const renewed = await post('/v1/customer_bindings', {
      customer_id: customer.body.id,
      promoter_id: a.body.id,
    });
    expect(renewed.body.id).toBe(bound.body.id);
    expect(new Date(renewed.body.expires_at).getTime() - clock.now().getTime()).toBe(15 * DAY);

    // The original expiry passes: the renewed binding holds.
    clock.advance(6 * DAY);
    await t.app.jobs.drain();
    expect(
      (
        await t.request({
          method: 'GET',
          url: `/v1/customer_bindings/${bound.body.id}`,
          key: tenant.secretKey,
        })
      ).body.status,
    ).toBe('active');

    clock.advance(10 * DAY);
    await t.app.jobs.drain();
    const expired = await t.request({
      method: 'GET',
      url: `/v1/customer_bindings/${bound.body.id}`,
      key: tenant.secretKey,
    });
    expect(expired.body).toMatchObject({ status: 'expired', ended_at: renewed.body.expires_at });
    expect(await eventTypesOf(t, tenant.id, bound.body.id)).toEqual(['binding.created', 'binding.expired']);

    const now = await post('/v1/customer_bindings', {
      customer_id: customer.body.id,
      promoter_id: b.body.id,
    });
    expectStatus(now, 201);
    expect(now.body.promoter_id).toBe(b.body.id);
  });

  it('end at expiry even when the job has not run yet', async () => {
    const customer = await post('/v1/customers', { phone: phone() });
    const a = await post('/v1/promoters', { kind: 'affiliate', name: 'A2' });
    const b = await post('/v1/promoters', { kind: 'affiliate', name: 'B2' });
    await post('/v1/customer_bindings', { customer_id: customer.body.id, promoter_id: a.body.id });
    clock.advance(15 * DAY + 1);
    const taken = await post('/v1/customer_bindings', {
      customer_id: customer.body.id,
      promoter_id: b.body.id,
    });
    expectStatus(taken, 201);
  });

  it('can be released early, once', async () => {
    const customer = await post('/v1/customers', { phone: phone() });
    const a = await post('/v1/promoters', { kind: 'guide', name: 'G' });
    const bound = await post('/v1/customer_bindings', {
      customer_id: customer.body.id,
      promoter_id: a.body.id,
    });
    const released = await post(`/v1/customer_bindings/${bound.body.id}/release`, {});
    expectStatus(released, 200);
    expect(released.body.status).toBe('released');
    const again = await post(`/v1/customer_bindings/${bound.body.id}/release`, {});
    expect(again.status).toBe(409);
    expect(await eventTypesOf(t, tenant.id, bound.body.id)).toEqual(['binding.created', 'binding.released']);
  });

  it('refuses unknown customers and promoters, and inactive promoters', async () => {
    const customer = await post('/v1/customers', { phone: phone() });
    expect(
      (await post('/v1/customer_bindings', { customer_id: 'cus_nope', promoter_id: 'prm_nope' })).status,
    ).toBe(422);
    expect((await post('/v1/customer_bindings', { customer_id: customer.body.id })).status).toBe(400);
    const p = await post('/v1/promoters', { kind: 'guide', name: 'off' });
    await t.request({
      method: 'PATCH',
      url: `/v1/promoters/${p.body.id}`,
      key: tenant.secretKey,
      body: { status: 'suspended' },
    });
    const res = await post('/v1/customer_bindings', {
      customer_id: customer.body.id,
      promoter_id: p.body.id,
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('promoter_inactive');
  });

  it('let exactly one of many concurrent promoters bind a customer', async () => {
    const customer = await post('/v1/customers', { phone: phone() });
    const promoters = await Promise.all(
      Array.from({ length: 10 }, (_, i) => post('/v1/promoters', { kind: 'affiliate', name: `P${i}` })),
    );
    const results = await Promise.all(
      promoters.map((p) =>
        post('/v1/customer_bindings', { customer_id: customer.body.id, promoter_id: p.body.id }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(9);
    const active = await t.request({
      method: 'GET',
      url: `/v1/customer_bindings?customer_id=${customer.body.id}&status=active`,
      key: tenant.secretKey,
    });
    expect(active.body.data).toHaveLength(1);
  });
});

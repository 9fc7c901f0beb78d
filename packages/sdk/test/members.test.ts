import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError, Mujiang } from '../src/index';
import { PLATFORM_TOKEN, type RunningApi, startApi } from './api-server';
import { FAST_RETRY } from './helpers';

// The members resources against the real API over HTTP.
let api: RunningApi;
let client: Mujiang;

beforeAll(async () => {
  api = await startApi();
  const platform = new Mujiang({ baseUrl: api.baseUrl, apiKey: PLATFORM_TOKEN, retry: FAST_RETRY });
  const tenant = await platform.tenants.create({ name: 'SDK members' });
  client = new Mujiang({ baseUrl: api.baseUrl, apiKey: tenant.api_key.secret, retry: FAST_RETRY });
});

describe('members through the SDK', () => {
  it('tiers, growth, paid membership and coupons', async () => {
    const tier = await client.memberTiers.create({ name: '金卡', growth_threshold: 100, keep_threshold: 10 });
    expect((await client.memberTiers.list()).data.map((t) => t.id)).toEqual([tier.id]);
    const customer = await client.customers.create({ phone: '13800138000' });
    const entry = await client.members.grantGrowth(customer.id, { amount: 120, reason: '迁移' });
    expect(entry.balance).toBe(120);
    const profile = await client.members.profile(customer.id);
    expect(profile.tier?.id).toBe(tier.id);
    expect((await client.members.tierChanges(customer.id)).data).toHaveLength(1);

    const plan = await client.membershipPlans.create({ name: '年卡', price: 39_800, duration_days: 365 });
    const membership = await client.memberships.create({ customer_id: customer.id, plan_id: plan.id });
    const paid = await client.memberships.pay(membership.id, {
      provider: 'wechat_pay',
      reference: 'wx-sdk-1',
      amount: 39_800,
    });
    expect(paid.membership.status).toBe('active');

    const coupon = await client.coupons.create({
      name: '满100减10',
      kind: 'fixed',
      amount_off: 1_000,
      min_spend: 10_000,
    });
    const batch = await client.coupons.generateCodes(coupon.id, { count: 5 });
    expect(batch.codes).toHaveLength(5);
    const err = await client.coupons.create({ name: 'x', kind: 'percentage' }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('invalid_coupon');
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { eventTypesOf, FakeClock, type TestApp, testApp } from '../helpers';
import { ADDRESS } from '../orders/fixtures';
import {
  api,
  commissionsOf,
  type Distribution,
  newShopkeeper,
  openDistribution,
  paidOrder,
  variant,
} from './fixtures';

// 2026-11-22 16:00 in Shanghai: the sales month is 2026-11 (UTC+8).
const clock = new FakeClock(new Date('2026-11-22T08:00:00Z'));
let t: TestApp;
let d: Distribution;
let sk: ReturnType<typeof api>;

beforeAll(async () => {
  t = await testApp({ clock });
  d = await openDistribution(t);
  sk = api(t, d.sk);
  await sk.ok('POST', '/v1/commission_rules', { type: 'percentage', rate_bps: 1000 });
  await sk.ok('POST', '/v1/commission_rules', { type: 'percentage', rate_bps: 2000, min_promoter_level: 1 });
});

const buyer = (n: number) => ({
  shipping_address: { ...ADDRESS, phone: `1350000${String(n).padStart(4, '0')}` },
});
const level = async (id: string) => (await sk.ok('GET', `/v1/promoters/${id}`)).level as number;

describe('promoter levels and the distribution report', () => {
  it('validates level definitions', async () => {
    const bad = await sk.call('POST', '/v1/promoter_levels', {
      level: 9,
      name: '错',
      upgrade_threshold: 100,
      keep_threshold: 200,
    });
    expect([bad.status, bad.body.code]).toEqual([400, 'invalid_thresholds']);
    const zero = await sk.call('POST', '/v1/promoter_levels', { level: 0, name: '零', upgrade_threshold: 0 });
    expect(zero.status).toBe(400);
    const month = await sk.call('POST', '/v1/promoter_levels/evaluate', { month: '2026-13' });
    expect(month.status).toBe(400);
    const future = await sk.call('POST', '/v1/promoter_levels/evaluate', { month: '2027-05' });
    expect([future.status, future.body.code]).toEqual([400, 'invalid_month']);
    const report = await sk.call('GET', '/v1/reports/distribution?month=11-2026');
    expect(report.status).toBe(400);
  });

  it('promotes, holds (保级) and demotes monthly by job, and the level changes which rule pays', async () => {
    const silver = await sk.ok('POST', '/v1/promoter_levels', {
      level: 1,
      name: '银牌店主',
      upgrade_threshold: 1_000_000,
      keep_threshold: 500_000,
    });
    await sk.ok('POST', '/v1/promoter_levels', {
      level: 2,
      name: '金牌店主',
      upgrade_threshold: 5_000_000,
      keep_threshold: 3_000_000,
    });
    const dup = await sk.call('POST', '/v1/promoter_levels', { level: 1, name: 'x', upgrade_threshold: 1 });
    expect([dup.status, dup.body.code]).toEqual([409, 'promoter_level_exists']);
    const listed = await sk.ok('GET', '/v1/promoter_levels');
    expect(listed.data.map((l: any) => l.level)).toEqual([1, 2]);
    expect(await sk.ok('GET', `/v1/promoter_levels/${silver.id}`)).toEqual(silver);

    const b = await newShopkeeper(t, d, '金牌候选');
    const c = await newShopkeeper(t, d, '新店主');
    const big = await variant(t, d, 600_000);
    const small = await variant(t, d, 100_000);
    // November: A sells ¥12,000, B ¥60,000 then refunds ¥6,000 of it, C nothing.
    await paidOrder(t, d, d.shopkeeperStoreId, [{ variant_id: big.variantId, quantity: 2 }], buyer(1));
    const bOrder = await paidOrder(t, d, b.storeId, [{ variant_id: big.variantId, quantity: 11 }], buyer(2));
    await sk.ok('POST', `/v1/orders/${bOrder.id}/refunds`, {
      lines: [{ order_line_id: bOrder.lines[0].id, quantity: 1 }],
    });
    // A brand-store order with no promoter: store sales, not promoter sales.
    await paidOrder(t, d, d.storeId, [{ variant_id: small.variantId, quantity: 1 }], buyer(3));

    const report = await sk.ok('GET', '/v1/reports/distribution?month=2026-11');
    expect(report).toMatchObject({
      object: 'distribution_report',
      month: '2026-11',
      currency: 'CNY',
      period_start: '2026-10-31T16:00:00.000Z',
      period_end: '2026-11-30T16:00:00.000Z',
      shopkeepers: {
        total: 3,
        with_sales: 2,
        median_sales: 1_200_000,
        survival_index: { threshold: 1_000_000, count: 2 },
        happiness_index: { threshold: 5_000_000, count: 1 },
      },
    });
    const counts = Object.fromEntries(report.shopkeepers.histogram.map((h: any) => [h.from, h.count]));
    expect(counts).toEqual({
      0: 1,
      1: 0,
      100000: 0,
      500000: 0,
      1000000: 1,
      2000000: 0,
      5000000: 1,
      10000000: 0,
    });
    expect(report.top_promoters.map((p: any) => [p.promoter_id, p.sales])).toEqual([
      [b.promoterId, 6_000_000],
      [d.shopkeeperId, 1_200_000],
    ]);
    expect(report.top_promoters[0]).toMatchObject({
      name: '金牌候选',
      kind: 'shopkeeper',
      level: 0,
      commission: 600_000,
      orders: 1,
    });
    expect(report.sales_by_store.map((s: any) => [s.store_id, s.sales, s.orders])).toEqual([
      [b.storeId, 6_000_000, 1],
      [d.shopkeeperStoreId, 1_200_000, 1],
      [d.storeId, 100_000, 1],
    ]);

    // The end of November (UTC+8): the monthly job re-evaluates.
    clock.set(new Date('2026-11-30T16:00:00Z'));
    await t.app.jobs.drain();
    expect([await level(d.shopkeeperId), await level(b.promoterId), await level(c.promoterId)]).toEqual([
      1, 2, 0,
    ]);
    expect((await eventTypesOf(t, d.tenantId, b.promoterId)).at(-1)).toBe('promoter.updated');

    // December: the level-1 rule (20%) now pays A; A sells ¥6,000 (≥ keep ¥5,000), B nothing.
    const dec = await paidOrder(
      t,
      d,
      d.shopkeeperStoreId,
      [{ variant_id: small.variantId, quantity: 6 }],
      buyer(1),
    );
    expect((await commissionsOf(t, d, dec.id))[0]).toMatchObject({
      amount: 120_000,
      estimated_amount: 120_000,
    });
    clock.set(new Date('2026-12-31T16:00:00Z'));
    await t.app.jobs.drain();
    // A holds level 1 (保级); B drops from 2 straight to 0 (no keep threshold met).
    expect([await level(d.shopkeeperId), await level(b.promoterId), await level(c.promoterId)]).toEqual([
      1, 0, 0,
    ]);

    // Re-evaluating a month by hand is idempotent.
    const again = await sk.ok('POST', '/v1/promoter_levels/evaluate', { month: '2026-12' }, 200);
    expect(again).toMatchObject({
      object: 'promoter_level_evaluation',
      month: '2026-12',
      promoted: 0,
      demoted: 0,
    });
    const nov = await sk.ok('POST', '/v1/promoter_levels/evaluate', { month: '2026-11' }, 200);
    expect(nov.changes).toEqual([{ promoter_id: b.promoterId, from: 0, to: 2, sales: 6_000_000 }]);

    const patched = await sk.ok('PATCH', `/v1/promoter_levels/${silver.id}`, { upgrade_threshold: 400_000 });
    expect(patched).toMatchObject({ upgrade_threshold: 400_000, keep_threshold: 400_000 });
    expect((await sk.ok('DELETE', `/v1/promoter_levels/${silver.id}`)).deleted).toBe(true);
  });
});

import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/tenancy';
import { commissionAdjustments, commissions, settlementLines } from '../../src/modules/commissions/tables';
import { eventTypesOf, FakeClock, type TestApp, testApp } from '../helpers';
import { ADDRESS } from '../orders/fixtures';
import {
  api,
  commissionsOf,
  DAY,
  type Distribution,
  newShopkeeper,
  openDistribution,
  paidOrder,
  setSettings,
  settle,
  shipAndComplete,
  variant,
} from './fixtures';

const clock = new FakeClock();
let t: TestApp;
let d: Distribution;
let sk: ReturnType<typeof api>;

beforeAll(async () => {
  t = await testApp({ clock });
  d = await openDistribution(t);
  sk = api(t, d.sk);
  // 10% on everything for shopkeepers.
  await sk.ok('POST', '/v1/commission_rules', {
    type: 'percentage',
    rate_bps: 1000,
    promoter_kind: 'shopkeeper',
  });
});

describe('commission lifecycle', () => {
  it('is pending when paid, confirmed after completion and the return window, settled in a settlement', async () => {
    const v = await variant(t, d, 10_000);
    const order = await paidOrder(t, d, d.shopkeeperStoreId, [{ variant_id: v.variantId, quantity: 2 }]);
    const [c] = await commissionsOf(t, d, order.id);
    expect(c).toMatchObject({
      object: 'commission',
      status: 'pending',
      promoter_id: d.shopkeeperId,
      order_line_id: order.lines[0].id,
      line_amount: 20_000,
      net_amount: 20_000,
      estimated_amount: 2_000,
      amount: 2_000,
      final_amount: null,
      confirm_after: null,
    });

    await shipAndComplete(t, d, order.id);
    const completed = (await commissionsOf(t, d, order.id))[0];
    expect(completed.status).toBe('pending');
    expect(completed.confirm_after).toBe(new Date(clock.now().getTime() + 7 * DAY).toISOString());

    clock.advance(7 * DAY - 60_000);
    await t.app.jobs.drain();
    expect((await commissionsOf(t, d, order.id))[0].status).toBe('pending');

    clock.advance(60_000);
    await t.app.jobs.drain();
    const confirmed = (await commissionsOf(t, d, order.id))[0];
    expect(confirmed).toMatchObject({ status: 'confirmed', amount: 2_000, final_amount: 2_000 });
    expect(confirmed.confirmed_at).toBe(clock.now().toISOString());

    const s = await settle(t, d);
    const line = s.lines.data.find((l: any) => l.promoter_id === d.shopkeeperId);
    expect(line).toMatchObject({ commission_count: 1, commission_total: 2_000, amount: 2_000 });
    const settled = await sk.ok('GET', `/v1/commissions/${c.id}`);
    expect(settled).toMatchObject({ status: 'settled', settlement_id: s.id, final_amount: 2_000 });
    expect(await eventTypesOf(t, d.tenantId, c.id)).toEqual(['commission.created', 'commission.confirmed']);
    expect(await eventTypesOf(t, d.tenantId, s.id)).toEqual(['settlement.created']);

    const paid = await sk.ok('POST', `/v1/settlements/${s.id}/pay`, { reference: 'BATCH-2026-11' }, 200);
    expect(paid).toMatchObject({
      status: 'paid',
      reference: 'BATCH-2026-11',
      paid_at: clock.now().toISOString(),
    });
    const again = await sk.call('POST', `/v1/settlements/${s.id}/pay`, {});
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('invalid_settlement_transition');
    expect(await eventTypesOf(t, d.tenantId, s.id)).toEqual(['settlement.created', 'settlement.paid']);
    // Nothing left to settle.
    const empty = await sk.call('POST', '/v1/settlements', {});
    expect(empty.status).toBe(409);
    expect(empty.body.code).toBe('nothing_to_settle');
  });

  it('waits for an open after-sale: confirmed only once the refund closes, on the net amount', async () => {
    const v = await variant(t, d, 999);
    const order = await paidOrder(t, d, d.shopkeeperStoreId, [{ variant_id: v.variantId, quantity: 3 }]);
    await shipAndComplete(t, d, order.id);
    const refund = await sk.ok('POST', `/v1/orders/${order.id}/refunds`, {
      lines: [{ order_line_id: order.lines[0].id, quantity: 1 }],
      status: 'pending',
    });
    clock.advance(8 * DAY);
    await t.app.jobs.drain();
    const held = (await commissionsOf(t, d, order.id))[0];
    expect(held).toMatchObject({ status: 'pending', amount: 300, net_amount: 2_997 });
    await sk.ok('POST', `/v1/refunds/${refund.id}/succeed`, {}, 200);
    const after = (await commissionsOf(t, d, order.id))[0];
    // 300 × 1998 / 2997 = 200 exactly.
    expect(after).toMatchObject({
      status: 'confirmed',
      net_amount: 1_998,
      amount: 200,
      estimated_amount: 300,
    });
    expect(await eventTypesOf(t, d.tenantId, after.id)).toEqual([
      'commission.created',
      'commission.adjusted',
      'commission.confirmed',
    ]);
  });

  it('keeps waiting when the open after-sale is cancelled before the window ends, then confirms by the job', async () => {
    const v = await variant(t, d, 1_000);
    const order = await paidOrder(t, d, d.shopkeeperStoreId, [{ variant_id: v.variantId, quantity: 1 }]);
    await shipAndComplete(t, d, order.id);
    const refund = await sk.ok('POST', `/v1/orders/${order.id}/refunds`, { amount: 500, status: 'pending' });
    clock.advance(DAY);
    await sk.ok('POST', `/v1/refunds/${refund.id}/cancel`, {}, 200);
    expect((await commissionsOf(t, d, order.id))[0]).toMatchObject({ status: 'pending', amount: 100 });
    clock.advance(6 * DAY);
    await t.app.jobs.drain();
    expect((await commissionsOf(t, d, order.id))[0]).toMatchObject({ status: 'confirmed', amount: 100 });
  });

  it('reverses on cancellation and on a full refund before settlement', async () => {
    const v = await variant(t, d, 5_000);
    const canceled = await paidOrder(t, d, d.shopkeeperStoreId, [{ variant_id: v.variantId, quantity: 1 }]);
    await sk.ok('POST', `/v1/orders/${canceled.id}/cancel`, {}, 200);
    const [c1] = await commissionsOf(t, d, canceled.id);
    expect(c1).toMatchObject({
      status: 'reversed',
      amount: 0,
      net_amount: 0,
      estimated_amount: 500,
      final_amount: 0,
    });
    expect(c1.reversed_at).toBe(clock.now().toISOString());
    expect(await eventTypesOf(t, d.tenantId, c1.id)).toEqual(['commission.created', 'commission.reversed']);

    const refunded = await paidOrder(t, d, d.shopkeeperStoreId, [{ variant_id: v.variantId, quantity: 2 }]);
    await shipAndComplete(t, d, refunded.id);
    await sk.ok('POST', `/v1/orders/${refunded.id}/refunds`, { amount: 10_000 });
    const [c2] = await commissionsOf(t, d, refunded.id);
    expect(c2).toMatchObject({ status: 'reversed', amount: 0 });
    // Nothing reversed is ever confirmed or paid.
    clock.advance(30 * DAY);
    await t.app.jobs.drain();
    expect((await commissionsOf(t, d, refunded.id))[0].status).toBe('reversed');
  });

  it('claws back partial refunds of odd amounts pro rata, rounding down, until the line is gone', async () => {
    const v = await variant(t, d, 333);
    const order = await paidOrder(t, d, d.shopkeeperStoreId, [{ variant_id: v.variantId, quantity: 3 }]);
    const lineId = order.lines[0].id;
    // 10% of 999 = 99.9 → 100 (half up, within the cap of 499).
    expect((await commissionsOf(t, d, order.id))[0].amount).toBe(100);
    const amounts: number[] = [];
    for (let i = 0; i < 3; i++) {
      await sk.ok('POST', `/v1/orders/${order.id}/refunds`, {
        lines: [{ order_line_id: lineId, quantity: 1 }],
      });
      amounts.push((await commissionsOf(t, d, order.id))[0].amount);
    }
    // Net 666 → ⌊100 × 666 / 999⌋ = 66; net 333 → 33; nothing left → reversed at 0.
    expect(amounts).toEqual([66, 33, 0]);
    expect((await commissionsOf(t, d, order.id))[0].status).toBe('reversed');
  });

  it('spreads an order-level partial refund over lines by largest remainder and claws back each line', async () => {
    const a = await variant(t, d, 1_001);
    const b = await variant(t, d, 2_002);
    const order = await paidOrder(t, d, d.shopkeeperStoreId, [
      { variant_id: a.variantId, quantity: 1 },
      { variant_id: b.variantId, quantity: 1 },
    ]);
    const refund = await sk.ok('POST', `/v1/orders/${order.id}/refunds`, { amount: 1_001 });
    const parts = refund.lines.map((l: any) => l.amount);
    expect(parts.reduce((x: number, y: number) => x + y, 0)).toBe(1_001);
    const cs = await commissionsOf(t, d, order.id);
    let total = 0;
    for (const c of cs) {
      // amount = ⌊estimated × net / gross⌋, never more than the rate allows on the net amount.
      expect(c.amount).toBe(Math.floor((c.estimated_amount * c.net_amount) / c.line_amount));
      expect(c.amount).toBeLessThanOrEqual(Math.round(c.net_amount / 10));
      total += c.line_amount - c.net_amount;
    }
    expect(total).toBe(1_001);
  });

  it('adjusts a settled commission on a later refund, never editing it, and nets the adjustment next time', async () => {
    await setSettings(t, d.tenantId, { min_payout: 0 });
    const v = await variant(t, d, 3_000);
    const order = await paidOrder(t, d, d.shopkeeperStoreId, [{ variant_id: v.variantId, quantity: 3 }]);
    await shipAndComplete(t, d, order.id);
    clock.advance(7 * DAY);
    await t.app.jobs.drain();
    const s1 = await settle(t, d);
    const [c] = await commissionsOf(t, d, order.id);
    expect(c).toMatchObject({ status: 'settled', amount: 900, settlement_id: s1.id });

    // A return after settlement: one unit of three (3,000 of 9,000) → −300.
    await sk.ok('POST', `/v1/orders/${order.id}/refunds`, {
      lines: [{ order_line_id: order.lines[0].id, quantity: 1 }],
    });
    const adjusted = await sk.ok('GET', `/v1/commissions/${c.id}`);
    expect(adjusted).toMatchObject({
      status: 'settled',
      amount: 900,
      adjusted_amount: -300,
      final_amount: 600,
      net_amount: 6_000,
      settlement_id: s1.id,
    });
    expect(adjusted.adjustments).toHaveLength(1);
    expect(adjusted.adjustments[0]).toMatchObject({
      amount: -300,
      settlement_id: null,
      reason: 'refund_after_settlement',
    });
    expect(await eventTypesOf(t, d.tenantId, c.id)).toEqual([
      'commission.created',
      'commission.confirmed',
      'commission.adjusted',
    ]);

    // Alone, the negative balance is carried over, never paid.
    const alone = await sk.call('POST', '/v1/settlements', {});
    expect(alone.status).toBe(409);
    expect(alone.body.code).toBe('nothing_to_settle');

    // With new earnings it is netted: 500 − 300 = 200.
    const w = await variant(t, d, 5_000);
    const next = await paidOrder(t, d, d.shopkeeperStoreId, [{ variant_id: w.variantId, quantity: 1 }]);
    await shipAndComplete(t, d, next.id);
    clock.advance(7 * DAY);
    await t.app.jobs.drain();
    const s2 = await settle(t, d);
    const line = s2.lines.data.find((l: any) => l.promoter_id === d.shopkeeperId);
    expect(line).toMatchObject({
      commission_count: 1,
      commission_total: 500,
      adjustment_count: 1,
      adjustment_total: -300,
      amount: 200,
    });
    const netted = await sk.ok('GET', `/v1/commissions/${c.id}`);
    expect(netted.adjustments[0].settlement_id).toBe(s2.id);
    expect(netted.settlement_id).toBe(s1.id);

    // The database refuses to edit a settled row or a netted adjustment, whoever asks.
    const edit = (q: (tx: any) => Promise<unknown>) => withTenant(t.app.db, d.tenantId, q);
    await expect(
      edit((tx) => tx.update(commissions).set({ amount: 1 }).where(eq(commissions.id, c.id))),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ code: '23514' }) });
    await expect(
      edit((tx) =>
        tx
          .update(commissionAdjustments)
          .set({ amount: -1 })
          .where(eq(commissionAdjustments.id, netted.adjustments[0].id)),
      ),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ code: '23514' }) });
    await expect(
      edit((tx) => tx.delete(settlementLines).where(eq(settlementLines.settlementId, s2.id))),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ code: '23514' }) });

    // The rest comes back too: the settled row stays as it was, a second adjustment takes it to 0.
    await sk.ok('POST', `/v1/orders/${order.id}/refunds`, {
      lines: [{ order_line_id: order.lines[0].id, quantity: 2 }],
    });
    const gone = await sk.ok('GET', `/v1/commissions/${c.id}`);
    expect(gone).toMatchObject({
      status: 'settled',
      amount: 900,
      adjusted_amount: -900,
      final_amount: 0,
      net_amount: 0,
    });
    expect(gone.adjustments.map((a: any) => a.amount)).toEqual([-300, -600]);
    const csv = await t.request({ method: 'GET', url: `/v1/settlements/${s2.id}/lines.csv`, key: d.sk });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows = csv.raw.trim().split('\r\n');
    expect(rows[0]).toBe(
      'settlement_id,promoter_id,promoter_name,promoter_kind,promoter_external_id,currency,commission_count,commission_total,adjustment_count,adjustment_total,amount',
    );
    expect(rows[1]).toBe(`${s2.id},${d.shopkeeperId},王店主,shopkeeper,,CNY,1,500,1,-300,200`);
    // −600 alone is carried over, never paid.
    const negative = await sk.call('POST', '/v1/settlements', {});
    expect([negative.status, negative.body.code]).toEqual([409, 'nothing_to_settle']);
  });

  it('carries over balances below the minimum payout until they reach it', async () => {
    await setSettings(t, d.tenantId, { min_payout: 1_000 });
    try {
      const shop = await newShopkeeper(t, d, '起步店主');
      const buyer = { shipping_address: { ...ADDRESS, phone: '13900001111' } };
      const v = await variant(t, d, 6_000);
      const first = await paidOrder(t, d, shop.storeId, [{ variant_id: v.variantId, quantity: 1 }], buyer);
      await shipAndComplete(t, d, first.id);
      clock.advance(7 * DAY);
      await t.app.jobs.drain();
      const below = await sk.call('POST', '/v1/settlements', {});
      expect(below.status).toBe(409);
      expect(below.body.code).toBe('nothing_to_settle');
      expect((await commissionsOf(t, d, first.id))[0].status).toBe('confirmed');

      const second = await paidOrder(t, d, shop.storeId, [{ variant_id: v.variantId, quantity: 1 }], buyer);
      await shipAndComplete(t, d, second.id);
      clock.advance(7 * DAY);
      await t.app.jobs.drain();
      const s = await settle(t, d);
      expect(s.lines.data.map((l: any) => [l.promoter_id, l.commission_count, l.amount])).toEqual([
        [shop.promoterId, 2, 1_200],
      ]);
      expect(s.min_payout).toBe(1_000);
      // The first shopkeeper's −600 from the previous test is still carried over.
      expect(s.carried_over).toEqual([
        { promoter_id: d.shopkeeperId, amount: -600, reason: 'negative_balance' },
      ]);
    } finally {
      await setSettings(t, d.tenantId, { min_payout: 0 });
    }
  });

  it('pays the bound promoter in another store, nobody on unattributed orders, and validates periods', async () => {
    const v = await variant(t, d, 1_000);
    // The buyer of the earlier orders is bound to the shopkeeper (客户绑定): it earns in the brand store too.
    const bound = await paidOrder(t, d, d.storeId, [{ variant_id: v.variantId, quantity: 1 }]);
    expect(bound.attribution.rule).toBe('binding');
    expect((await commissionsOf(t, d, bound.id))[0]).toMatchObject({
      promoter_id: d.shopkeeperId,
      amount: 100,
    });
    const stranger = { ...ADDRESS, phone: '13900009999' };
    const order = await paidOrder(t, d, d.storeId, [{ variant_id: v.variantId, quantity: 1 }], {
      shipping_address: stranger,
    });
    expect(order.promoter_id).toBeNull();
    expect(await commissionsOf(t, d, order.id)).toEqual([]);
    const future = await sk.call('POST', '/v1/settlements', {
      period_end: new Date(clock.now().getTime() + DAY).toISOString(),
    });
    expect(future.status).toBe(400);
    expect(future.body.code).toBe('invalid_period');
    const missing = await sk.call('GET', '/v1/commissions/com_01jzzzzzzzzzzzzzzzzzzzzzzz');
    expect(missing.status).toBe(404);
  });
});

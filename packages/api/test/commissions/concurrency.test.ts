import { beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, onRealPostgres, type TestApp, testApp } from '../helpers';
import { ADDRESS } from '../orders/fixtures';
import {
  api,
  commissionsOf,
  DAY,
  type Distribution,
  newShopkeeper,
  openDistribution,
  paidOrder,
  shipAndComplete,
  variant,
} from './fixtures';

/**
 * Races that only mean something on PostgreSQL (PGlite runs one transaction at a time); the
 * invariants are asserted on both.
 */
const clock = new FakeClock();
let t: TestApp;
let d: Distribution;
let sk: ReturnType<typeof api>;

beforeAll(async () => {
  t = await testApp({ clock });
  d = await openDistribution(t);
  sk = api(t, d.sk);
  await sk.ok('POST', '/v1/commission_rules', { type: 'percentage', rate_bps: 1000 });
});

async function allCommissions() {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const page: any = await sk.ok(
      'GET',
      `/v1/commissions?limit=100${cursor ? `&starting_after=${cursor}` : ''}`,
    );
    out.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

describe(`settlement races (${onRealPostgres() ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('never includes one commission in two settlements created at once', async () => {
    const v = await variant(t, d, 1_000);
    const shops = [{ promoterId: d.shopkeeperId, storeId: d.shopkeeperStoreId }];
    for (let i = 0; i < 4; i++) shops.push(await newShopkeeper(t, d, `店主${i}`));
    const orders = [];
    for (let i = 0; i < 20; i++) {
      const s = shops[i % shops.length]!;
      orders.push(
        await paidOrder(t, d, s.storeId, [{ variant_id: v.variantId, quantity: 1 + (i % 3) }], {
          shipping_address: { ...ADDRESS, phone: `1370000${String(i).padStart(4, '0')}` },
        }),
      );
    }
    for (const o of orders) await shipAndComplete(t, d, o.id);
    clock.advance(7 * DAY);
    await t.app.jobs.drain();

    const results = await Promise.all(
      Array.from({ length: 6 }, () => sk.call('POST', '/v1/settlements', {})),
    );
    const created = results.filter((r) => r.status === 201).map((r) => r.body);
    for (const r of results) {
      if (r.status !== 201) expect([r.status, r.body.code]).toEqual([409, 'nothing_to_settle']);
    }
    expect(created.length).toBeGreaterThanOrEqual(1);
    const ledger = await allCommissions();
    const seen = new Set<string>();
    for (const s of created) {
      const included = ledger.filter((c) => c.settlement_id === s.id);
      expect(included.reduce((a, c) => a + c.amount, 0)).toBe(s.total);
      expect(included).toHaveLength(s.commission_count);
      for (const c of included) {
        expect(seen.has(c.id)).toBe(false);
        seen.add(c.id);
      }
    }
    // Every confirmed commission was settled exactly once.
    expect(ledger.filter((c) => c.status === 'confirmed')).toEqual([]);
    expect(seen.size).toBe(orders.length);
  });

  it('keeps the ledger exact when refunds race a settlement', async () => {
    const v = await variant(t, d, 999);
    const orders = [];
    for (let i = 0; i < 8; i++) {
      orders.push(
        await paidOrder(t, d, d.shopkeeperStoreId, [{ variant_id: v.variantId, quantity: 3 }], {
          shipping_address: { ...ADDRESS, phone: `1360000${String(i).padStart(4, '0')}` },
        }),
      );
    }
    for (const o of orders) await shipAndComplete(t, d, o.id);
    clock.advance(7 * DAY);
    await t.app.jobs.drain();
    const [settlement, ...refunds] = await Promise.all([
      sk.call('POST', '/v1/settlements', {}),
      ...orders.map((o) =>
        sk.call('POST', `/v1/orders/${o.id}/refunds`, {
          lines: [{ order_line_id: o.lines[0].id, quantity: 1 }],
        }),
      ),
    ]);
    expect(settlement!.status).toBe(201);
    for (const r of refunds) expect(r.status).toBe(201);
    for (const o of orders) {
      const [c] = await commissionsOf(t, d, o.id);
      // Refunded before the settlement: amended to 200 and settled; after: settled at 300, −100 adjustment.
      expect(c.net_amount).toBe(1_998);
      expect(c.amount + c.adjusted_amount).toBe(
        Math.floor((c.estimated_amount * c.net_amount) / c.line_amount),
      );
      expect(c.status).toBe('settled');
      expect([200, 300]).toContain(c.amount);
    }
  });
});

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, type TestApp, testApp } from '../helpers';
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
 * The ledger property through the HTTP API (smaller than the pure run in
 * ledger-property.test.ts): random orders with odd prices, partial refunds, completions with
 * the return window passing, and settlements.
 */
const clock = new FakeClock();
let t: TestApp;
let d: Distribution;
let sk: ReturnType<typeof api>;
let variants: string[];

beforeAll(async () => {
  t = await testApp({ clock });
  d = await openDistribution(t);
  sk = api(t, d.sk);
  await sk.ok('POST', '/v1/commission_rules', { type: 'percentage', rate_bps: 1_234 });
  variants = [];
  for (const price of [333, 1_001, 9_999]) variants.push((await variant(t, d, price)).variantId);
});

type Op =
  | { kind: 'order'; lines: Array<[number, number]> }
  | { kind: 'refund'; order: number; share: number }
  | { kind: 'complete'; order: number }
  | { kind: 'settle' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('order' as const),
    lines: fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 4 })), {
      minLength: 1,
      maxLength: 3,
      selector: (l) => l[0],
    }),
  }),
  fc.record({
    kind: fc.constant('refund' as const),
    order: fc.nat(),
    share: fc.double({ min: 0.01, max: 1, noNaN: true }),
  }),
  fc.record({ kind: fc.constant('complete' as const), order: fc.nat() }),
  fc.constant({ kind: 'settle' as const }),
);

let run = 0;

describe('ledger property through the API', () => {
  it('keeps commission + adjustments = commission on net, and settlements exact and non-negative', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 2, maxLength: 8 }), async (ops) => {
        const shop = await newShopkeeper(t, d, `性质店主${++run}`);
        const orders: any[] = [];
        const paidOut: number[] = [];
        for (const op of ops) {
          if (op.kind === 'order') {
            orders.push(
              await paidOrder(
                t,
                d,
                shop.storeId,
                op.lines.map(([v, q]) => ({ variant_id: variants[v]!, quantity: q })),
                { shipping_address: { ...ADDRESS, phone: `139${String(run).padStart(8, '0')}` } },
              ),
            );
          } else if (op.kind === 'refund' && orders.length) {
            const o = await sk.ok('GET', `/v1/orders/${orders[op.order % orders.length].id}`);
            const amount = Math.floor(o.amount_refundable * op.share);
            if (amount > 0) await sk.ok('POST', `/v1/orders/${o.id}/refunds`, { amount });
          } else if (op.kind === 'complete' && orders.length) {
            const o = await sk.ok('GET', `/v1/orders/${orders[op.order % orders.length].id}`);
            if (o.status === 'paid') await shipAndComplete(t, d, o.id);
            clock.advance(8 * DAY);
            await t.app.jobs.drain();
          } else if (op.kind === 'settle') {
            const res = await sk.call('POST', '/v1/settlements', {});
            if (res.status === 201) {
              const s = res.body;
              expect(s.lines.data.reduce((a: number, l: any) => a + l.amount, 0)).toBe(s.total);
              for (const l of s.lines.data) {
                expect(l.amount).toBeGreaterThanOrEqual(0);
                expect(l.amount).toBe(l.commission_total + l.adjustment_total);
              }
              paidOut.push(s.lines.data.find((l: any) => l.promoter_id === shop.promoterId)?.amount ?? 0);
            } else {
              expect(res.body.code).toBe('nothing_to_settle');
            }
          }
        }
        for (const o of orders) {
          const order = await sk.ok('GET', `/v1/orders/${o.id}`);
          for (const c of await commissionsOf(t, d, o.id)) {
            const line = order.lines.find((l: any) => l.id === c.order_line_id);
            expect(c.net_amount).toBe(line.total - line.amount_refunded);
            expect(c.amount + c.adjusted_amount).toBe(
              Math.floor((c.estimated_amount * c.net_amount) / c.line_amount),
            );
            expect(c.amount).toBeGreaterThanOrEqual(0);
            const adjustments = c.adjustments.reduce((a: number, x: any) => a + x.amount, 0);
            expect(adjustments).toBe(c.adjusted_amount);
            if (c.status === 'reversed') expect(c.net_amount).toBe(0);
          }
        }
        expect(paidOut.every((p) => p >= 0)).toBe(true);
      }),
      { numRuns: 10 },
    );
    // Ten sequences of HTTP calls: more than the default 30 s on a busy machine.
  }, 180_000);
});

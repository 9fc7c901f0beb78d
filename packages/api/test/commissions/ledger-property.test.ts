import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyNet,
  evaluateLevel,
  type LedgerEntry,
  monthOf,
  monthRange,
  nextMonth,
  owed,
  planSettlement,
  previousMonth,
  type SettleItem,
  spreadRefund,
} from '../../src/modules/commissions/ledger';
import {
  baseCommission,
  type CommissionRule,
  capFor,
  type LineFacts,
} from '../../src/modules/commissions/math';

/**
 * The ledger's pure rules (the service applies exactly these), over random sequences of
 * orders, partial refunds, completions and settlements.
 */

type Op =
  | {
      kind: 'pay';
      promoter: number;
      lines: Array<{ amount: number; quantity: number; rule: CommissionRule }>;
    }
  | { kind: 'refund'; order: number; share: number }
  | { kind: 'complete'; order: number }
  | { kind: 'settle'; minPayout: number };

const ruleArb: fc.Arbitrary<CommissionRule> = fc.oneof(
  fc
    .integer({ min: 0, max: 10_000 })
    .map((bps) => ({ id: 'r', type: 'percentage' as const, rate_bps: bps, priority: 0, active: true })),
  fc
    .integer({ min: 0, max: 50_000 })
    .map((amount) => ({ id: 'r', type: 'fixed' as const, amount, priority: 0, active: true })),
  fc.constant({ id: 'r', type: 'margin' as const, priority: 0, active: true }),
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('pay' as const),
      promoter: fc.integer({ min: 0, max: 3 }),
      lines: fc.array(
        fc.record({
          amount: fc.integer({ min: 1, max: 2_000_000 }),
          quantity: fc.integer({ min: 1, max: 9 }),
          rule: ruleArb,
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('refund' as const),
      order: fc.nat(),
      share: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('complete' as const), order: fc.nat() }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant('settle' as const),
      minPayout: fc.constantFrom(0, 0, 100, 5_000),
    }),
    weight: 1,
  },
);

interface Entry extends LedgerEntry {
  id: string;
  promoter: string;
}
interface Adjustment {
  id: string;
  promoter: string;
  amount: number;
  settled: boolean;
}

/** Plain assertions: `expect` is too slow for 10,000 sequences of checks. */
function ok(cond: boolean, what: string) {
  if (!cond) throw new Error(`violated: ${what}`);
}
function same(a: number, b: number, what: string) {
  if (a !== b) throw new Error(`violated: ${what} (${a} ≠ ${b})`);
}

function run(ops: Op[], capBps: number) {
  const orders: Entry[][] = [];
  const adjustments: Adjustment[] = [];
  const paidOut = new Map<string, number>();
  let seq = 0;
  const check = () => {
    for (const e of orders.flat()) {
      // Commission plus adjustments always equals the commission on the net amount.
      same(e.amount + e.adjusted, owed(e), 'commission + adjustments = commission on net');
      ok(e.amount >= 0, 'amount >= 0');
      ok(e.amount <= e.estimated, 'amount <= estimate');
      // Never more than the rate allows on what is left: amount / net ≤ estimated / gross.
      if (e.status !== 'settled')
        ok(BigInt(e.amount) * BigInt(e.gross) <= BigInt(e.estimated) * BigInt(e.net), 'within rate');
      if (e.status === 'reversed') ok(e.amount === 0 && e.net === 0, 'reversed is zero');
    }
    for (const v of paidOut.values()) ok(v >= 0, 'paid out >= 0');
  };
  for (const op of ops) {
    if (op.kind === 'pay') {
      const promoter = `p${op.promoter}`;
      orders.push(
        op.lines.map((l) => {
          const facts: LineFacts = {
            product_id: 'x',
            category_id: null,
            supplier_id: 's',
            store_id: 'st',
            promoter_kind: 'shopkeeper',
            promoter_level: 0,
            quantity: l.quantity,
            amount: l.amount,
            supply_price: Math.floor(l.amount / l.quantity / 2),
          };
          const estimated = baseCommission(l.rule, facts, capBps);
          ok(estimated <= capFor(l.amount, capBps), 'capped');
          return {
            id: `c${++seq}`,
            promoter,
            status: 'pending',
            estimated,
            gross: l.amount,
            net: l.amount,
            amount: estimated,
            adjusted: 0,
          };
        }),
      );
    } else if (op.kind === 'refund') {
      if (!orders.length) continue;
      const entries = orders[op.order % orders.length]!;
      const left = entries.reduce((a, e) => a + e.net, 0);
      const amount = Math.floor(left * op.share);
      const nets = spreadRefund(
        entries.map((e) => e.net),
        amount,
      );
      // Parts always sum to wholes.
      same(entries.reduce((a, e) => a + e.net, 0) - nets.reduce((a, b) => a + b, 0), amount, 'refund parts');
      entries.forEach((e, i) => {
        const { entry, change } = applyNet(e, nets[i]!);
        Object.assign(e, entry);
        if (change.kind === 'adjust') {
          adjustments.push({ id: `a${++seq}`, promoter: e.promoter, amount: change.delta, settled: false });
        }
      });
    } else if (op.kind === 'complete') {
      if (!orders.length) continue;
      for (const e of orders[op.order % orders.length]!) if (e.status === 'pending') e.status = 'confirmed';
    } else {
      const items: SettleItem[] = [
        ...orders
          .flat()
          .filter((e) => e.status === 'confirmed')
          .map((e) => ({ promoter_id: e.promoter, kind: 'commission' as const, id: e.id, amount: e.amount })),
        ...adjustments
          .filter((a) => !a.settled)
          .map((a) => ({ promoter_id: a.promoter, kind: 'adjustment' as const, id: a.id, amount: a.amount })),
      ];
      const plan = planSettlement(items, op.minPayout);
      same(
        plan.lines.reduce((a, l) => a + l.amount, 0),
        plan.total,
        'lines = total',
      );
      same(plan.total, plan.commission_total + plan.adjustment_total, 'total = parts');
      const included = new Set(plan.lines.flatMap((l) => [...l.commission_ids, ...l.adjustment_ids]));
      same(
        items.filter((i) => included.has(i.id)).reduce((a, i) => a + i.amount, 0),
        plan.total,
        'included = total',
      );
      for (const l of plan.lines) {
        // Nothing negative is paid out, nothing below the minimum.
        ok(l.amount >= Math.max(0, op.minPayout), 'line >= min payout, >= 0');
        same(l.amount, l.commission_total + l.adjustment_total, 'line = parts');
        paidOut.set(l.promoter_id, (paidOut.get(l.promoter_id) ?? 0) + l.amount);
      }
      for (const c of plan.carried_over) ok(c.amount < 0 || c.amount < op.minPayout, 'carried for a reason');
      for (const e of orders.flat()) if (included.has(e.id)) e.status = 'settled';
      for (const a of adjustments) if (included.has(a.id)) a.settled = true;
    }
    check();
  }
  // Money is conserved: what was paid plus what is still owed equals what the net amounts earn.
  for (let p = 0; p < 4; p++) {
    const promoter = `p${p}`;
    const earned = orders
      .flat()
      .filter((e) => e.promoter === promoter && e.status !== 'pending')
      .reduce((a, e) => a + owed(e), 0);
    const open =
      orders
        .flat()
        .filter((e) => e.promoter === promoter && e.status === 'confirmed')
        .reduce((a, e) => a + e.amount, 0) +
      adjustments.filter((a) => a.promoter === promoter && !a.settled).reduce((x, a) => x + a.amount, 0);
    // Adjustments of settled rows whose order is still pending cannot exist: settled implies confirmed.
    same((paidOut.get(promoter) ?? 0) + open, earned, 'paid + open = earned');
  }
}

describe('ledger property: orders, partial refunds, completions and settlements', () => {
  it('keeps commission + adjustments = commission on net, parts = wholes, payouts ≥ 0 (10,000 sequences)', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 25 }),
        fc.constantFrom(5000, 3000, 10_000, 0),
        (ops, cap) => run(ops, cap),
      ),
      { numRuns: 10_000 },
    );
  });

  it('reverses on a full refund before settlement and adjusts after it', () => {
    const e: LedgerEntry = {
      status: 'pending',
      estimated: 100,
      gross: 999,
      net: 999,
      amount: 100,
      adjusted: 0,
    };
    expect(applyNet(e, 666).change).toEqual({ kind: 'amend', from: 100, to: 66 });
    expect(applyNet(e, 0)).toMatchObject({
      entry: { status: 'reversed', amount: 0 },
      change: { kind: 'reverse', from: 100 },
    });
    const settled = { ...e, status: 'settled' as const };
    expect(applyNet(settled, 333)).toMatchObject({
      entry: { amount: 100, adjusted: -67 },
      change: { kind: 'adjust', delta: -67 },
    });
    expect(applyNet(settled, 999).change).toEqual({ kind: 'none' });
    expect(applyNet({ ...e, status: 'reversed', amount: 0, net: 0 }, 0).change).toEqual({ kind: 'none' });
    expect(() => applyNet(e, 1000)).toThrow(RangeError);
  });
});

describe('levels and months', () => {
  const levels = [
    { level: 1, upgrade_threshold: 1_000_000, keep_threshold: 500_000 },
    { level: 2, upgrade_threshold: 5_000_000, keep_threshold: 3_000_000 },
    { level: 3, upgrade_threshold: 10_000_000, keep_threshold: 8_000_000 },
  ];

  it('promotes on the upgrade threshold, holds on the keep threshold (保级), else falls to what is kept', () => {
    expect(evaluateLevel(0, 999_999, levels)).toBe(0);
    expect(evaluateLevel(0, 1_000_000, levels)).toBe(1);
    expect(evaluateLevel(0, 12_000_000, levels)).toBe(3);
    expect(evaluateLevel(3, 8_000_000, levels)).toBe(3);
    expect(evaluateLevel(3, 7_999_999, levels)).toBe(2);
    expect(evaluateLevel(3, 600_000, levels)).toBe(1);
    expect(evaluateLevel(2, 0, levels)).toBe(0);
    // A level missing from the table (set by hand) cannot be held: it is re-earned or lost.
    expect(evaluateLevel(7, 9_000_000, levels)).toBe(3);
    expect(evaluateLevel(2, 100, [])).toBe(0);
  });

  it('never leaves a promoter above what it earned or held', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 20_000_000 }),
        (current, sales) => {
          const next = evaluateLevel(current, sales, levels);
          const def = levels.find((l) => l.level === next);
          if (next > 0)
            expect(sales >= def!.upgrade_threshold || (next <= current && sales >= def!.keep_threshold)).toBe(
              true,
            );
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('cuts months at midnight China Standard Time (UTC+8)', () => {
    expect(monthRange('2026-11')).toEqual({
      start: new Date('2026-10-31T16:00:00Z'),
      end: new Date('2026-11-30T16:00:00Z'),
    });
    expect(monthOf(new Date('2026-11-30T15:59:59Z'))).toBe('2026-11');
    expect(monthOf(new Date('2026-11-30T16:00:00Z'))).toBe('2026-12');
    expect(nextMonth('2026-12')).toBe('2027-01');
    expect(previousMonth('2027-01')).toBe('2026-12');
  });
});

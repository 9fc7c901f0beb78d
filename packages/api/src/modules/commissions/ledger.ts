import { allocate } from '../../lib/money';
import { stateMachine } from '../../lib/state-machine';
import { commissionOnNet } from './math';

/**
 * The commission ledger's rules as pure functions (DESIGN.md §3), used by the service and
 * property-tested on their own: what a refund does to a ledger entry, and what a settlement
 * pays. Nothing here reads a database or a clock.
 */

export const COMMISSION_STATUSES = ['pending', 'confirmed', 'settled', 'reversed'] as const;
export type CommissionStatus = (typeof COMMISSION_STATUSES)[number];
export type CommissionEvent = 'amend' | 'confirm' | 'settle' | 'reverse' | 'adjust';

/**
 * `pending` (order paid) → `confirmed` (completed, return window passed, no open after-sale) →
 * `settled` (in a settlement). Before settlement a refund amends the amount (`amend`) and a
 * full refund or cancellation reverses it; after settlement the row is frozen and a refund
 * adds an adjustment entry (`adjust`) netted in the next settlement.
 */
export const commissionMachine = stateMachine<CommissionStatus, CommissionEvent>('commission', {
  pending: { amend: 'pending', confirm: 'confirmed', reverse: 'reversed' },
  confirmed: { amend: 'confirmed', settle: 'settled', reverse: 'reversed' },
  settled: { adjust: 'settled' },
  reversed: {},
});

export const SETTLEMENT_STATUSES = ['pending', 'paid'] as const;
export type SettlementStatus = (typeof SETTLEMENT_STATUSES)[number];
export const settlementMachine = stateMachine<SettlementStatus, 'pay'>('settlement', {
  pending: { pay: 'paid' },
  paid: {},
});

/** One ledger entry, as far as money is concerned. */
export interface LedgerEntry {
  status: CommissionStatus;
  /** Commission on the whole line (the estimate). */
  estimated: number;
  /** The line amount when paid. */
  gross: number;
  /** The line amount less succeeded refunds. */
  net: number;
  /** The entry's own amount (frozen once settled). */
  amount: number;
  /** Sum of adjustments made after settlement. */
  adjusted: number;
}

/** What the entry is worth on its current net amount: its amount plus adjustments must equal this. */
export const owed = (e: Pick<LedgerEntry, 'estimated' | 'gross' | 'net'>) =>
  commissionOnNet(e.estimated, e.gross, e.net);

export type NetChange =
  | { kind: 'none' }
  | { kind: 'amend'; from: number; to: number }
  | { kind: 'reverse'; from: number }
  | { kind: 'adjust'; delta: number };

/**
 * The line's net amount changed (a refund succeeded, or the order was cancelled). Unsettled
 * entries move to the commission on the new net (reversed when nothing is left); settled ones
 * stay as they are and get an adjustment of the difference.
 */
export function applyNet(e: LedgerEntry, net: number): { entry: LedgerEntry; change: NetChange } {
  if (!Number.isSafeInteger(net) || net < 0 || net > e.gross) throw new RangeError('net out of range');
  const next = { ...e, net };
  switch (e.status) {
    case 'reversed':
      return { entry: next, change: { kind: 'none' } };
    case 'pending':
    case 'confirmed': {
      if (net === 0 && e.gross > 0) {
        next.status = commissionMachine.next(e.status, 'reverse');
        next.amount = 0;
        return { entry: next, change: { kind: 'reverse', from: e.amount } };
      }
      const to = owed(next);
      if (to === e.amount) return { entry: next, change: { kind: 'none' } };
      next.status = commissionMachine.next(e.status, 'amend');
      next.amount = to;
      return { entry: next, change: { kind: 'amend', from: e.amount, to } };
    }
    case 'settled': {
      const delta = owed(next) - (e.amount + e.adjusted);
      if (delta === 0) return { entry: next, change: { kind: 'none' } };
      commissionMachine.next(e.status, 'adjust');
      next.adjusted += delta;
      return { entry: next, change: { kind: 'adjust', delta } };
    }
  }
}

/**
 * The net amount of each line after a refund of `amount` spread over lines by what each has
 * left (largest remainder: the parts sum to the refund exactly).
 */
export function spreadRefund(nets: readonly number[], amount: number): number[] {
  const total = nets.reduce((a, b) => a + b, 0);
  if (amount < 0 || amount > total) throw new RangeError('refund exceeds what is left');
  if (amount === 0) return [...nets];
  const parts = allocate(amount, nets);
  return nets.map((n, i) => n - parts[i]!);
}

// ---------------------------------------------------------------------------------------------
// Settlements

export interface SettleItem {
  promoter_id: string;
  kind: 'commission' | 'adjustment';
  id: string;
  amount: number;
}

export interface SettlementLinePlan {
  promoter_id: string;
  commission_ids: string[];
  adjustment_ids: string[];
  commission_total: number;
  adjustment_total: number;
  /** commission_total + adjustment_total, never negative. */
  amount: number;
}

export interface SettlementPlan {
  lines: SettlementLinePlan[];
  carried_over: Array<{
    promoter_id: string;
    amount: number;
    reason: 'below_min_payout' | 'negative_balance';
  }>;
  commission_total: number;
  adjustment_total: number;
  total: number;
}

/**
 * One line per promoter with everything confirmed and unsettled. A negative balance (refunds
 * after settlement outweigh new earnings) is carried over, never paid; so is a balance below
 * the minimum payout. Carried items stay unsettled and come back in the next settlement.
 */
export function planSettlement(items: readonly SettleItem[], minPayout: number): SettlementPlan {
  const byPromoter = new Map<string, SettleItem[]>();
  for (const item of items)
    byPromoter.set(item.promoter_id, [...(byPromoter.get(item.promoter_id) ?? []), item]);
  const plan: SettlementPlan = {
    lines: [],
    carried_over: [],
    commission_total: 0,
    adjustment_total: 0,
    total: 0,
  };
  for (const promoterId of [...byPromoter.keys()].sort()) {
    const own = byPromoter.get(promoterId)!;
    const commissions = own.filter((i) => i.kind === 'commission');
    const adjustments = own.filter((i) => i.kind === 'adjustment');
    const commissionTotal = commissions.reduce((a, i) => a + i.amount, 0);
    const adjustmentTotal = adjustments.reduce((a, i) => a + i.amount, 0);
    const amount = commissionTotal + adjustmentTotal;
    if (amount < 0) {
      plan.carried_over.push({ promoter_id: promoterId, amount, reason: 'negative_balance' });
      continue;
    }
    if (amount < minPayout) {
      plan.carried_over.push({ promoter_id: promoterId, amount, reason: 'below_min_payout' });
      continue;
    }
    plan.lines.push({
      promoter_id: promoterId,
      commission_ids: commissions.map((i) => i.id),
      adjustment_ids: adjustments.map((i) => i.id),
      commission_total: commissionTotal,
      adjustment_total: adjustmentTotal,
      amount,
    });
    plan.commission_total += commissionTotal;
    plan.adjustment_total += adjustmentTotal;
    plan.total += amount;
  }
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Months (sales months for levels and reports), in China Standard Time (UTC+8, no DST)

const CST_OFFSET_MS = 8 * 3_600_000;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export const isMonth = (s: string) => MONTH.test(s);

/** The instants a `YYYY-MM` month starts and ends (exclusive), in UTC+8. */
export function monthRange(month: string): { start: Date; end: Date } {
  const m = MONTH.exec(month);
  if (!m) throw new RangeError(`not a month: ${month}`);
  const y = Number(m[1]);
  const mo = Number(m[2]) - 1;
  return {
    start: new Date(Date.UTC(y, mo, 1) - CST_OFFSET_MS),
    end: new Date(Date.UTC(y, mo + 1, 1) - CST_OFFSET_MS),
  };
}

/** The `YYYY-MM` month (UTC+8) an instant falls in. */
export function monthOf(at: Date): string {
  const local = new Date(at.getTime() + CST_OFFSET_MS);
  return `${local.getUTCFullYear()}-${String(local.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function nextMonth(month: string): string {
  return monthOf(monthRange(month).end);
}

export function previousMonth(month: string): string {
  return monthOf(new Date(monthRange(month).start.getTime() - 1));
}

// ---------------------------------------------------------------------------------------------
// Levels

export interface LevelDef {
  level: number;
  upgrade_threshold: number;
  keep_threshold: number;
}

/**
 * A promoter's level after a month with `sales`: the highest level whose upgrade threshold the
 * month reached; a promoter above that keeps its level if the month reached the level's keep
 * threshold (保级), else falls to the highest lower level whose keep threshold it met. Level 0
 * is the base level; a level missing from the table cannot be held.
 */
export function evaluateLevel(current: number, sales: number, levels: readonly LevelDef[]): number {
  const sorted = [...levels].sort((a, b) => a.level - b.level);
  let earned = 0;
  for (const l of sorted) if (sales >= l.upgrade_threshold) earned = l.level;
  if (earned >= current) return earned;
  let held = earned;
  for (const l of sorted) {
    if (l.level <= current && l.level > held && sales >= l.keep_threshold) held = l.level;
  }
  return held;
}

import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A commission as the shop keeps it: the last snapshot the webhooks sent, by `object_seq`. */
export interface CommissionRecord {
  id: string;
  status: 'pending' | 'confirmed' | 'settled' | 'reversed';
  order_id: string;
  amount: number;
  adjusted_amount: number;
  final_amount: number | null;
  line_amount: number;
  currency: string;
  settlement_id: string | null;
  /** The `object_seq` of the event that wrote this snapshot. */
  seq: number;
  updated_at: string;
}

/** A settlement that pays this affiliate: its own line only. */
export interface SettlementRecord {
  id: string;
  status: 'pending' | 'paid';
  currency: string;
  period_end: string;
  /** This affiliate's line: what the settlement pays it. */
  amount: number;
  commission_count: number;
  commission_total: number;
  adjustment_total: number;
  reference: string | null;
  paid_at: string | null;
  seq: number;
  created_at: string;
}

export interface ShopState {
  /** The affiliate (推手) this shop earns for. */
  promoter_id: string | null;
  /** The webhook endpoint registered for this shop, and its signing secret (shown once by the API). */
  webhook: { endpoint_id: string; secret: string; url: string } | null;
  /** Every event id processed (a redelivery of one is acknowledged and not applied again). */
  events: Record<string, { type: string; object_id: string; object_seq: number; applied: boolean }>;
  commissions: Record<string, CommissionRecord>;
  settlements: Record<string, SettlementRecord>;
}

const empty = (): ShopState => ({
  promoter_id: null,
  webhook: null,
  events: {},
  commissions: {},
  settlements: {},
});

/**
 * The shop's little database: one JSON file, rewritten whole (temporary file + rename, so a
 * crash never leaves half a file) after every change. Changes run one at a time, in order, so two
 * webhook deliveries arriving together never lose each other's writes. Enough for one affiliate;
 * a bigger shop puts the same three maps in its own database, with the event id as a primary key.
 */
export class ShopStore {
  private state: ShopState;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {
    this.state = existsSync(file) ? { ...empty(), ...JSON.parse(readFileSync(file, 'utf8')) } : empty();
  }

  /** A read-only view of the current state. */
  get current(): Readonly<ShopState> {
    return this.state;
  }

  /** Runs `change` alone (after the ones before it), then saves the file. */
  update<T>(change: (state: ShopState) => T | Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      const result = await change(this.state);
      await this.save();
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async save() {
    await mkdir(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, this.file);
  }
}

export interface Earnings {
  currency: string;
  /** Paid orders, not yet confirmed (the return window is open). */
  pending: number;
  /** Confirmed, waiting for the next settlement. */
  confirmed: number;
  /** In settlements: all of it, and the part already paid out. */
  settled: number;
  paid: number;
  reversed_count: number;
  commission_count: number;
}

/** Totals for the earnings page, in minor units (分). */
export function earningsOf(state: Readonly<ShopState>): Earnings {
  const out: Earnings = {
    currency: 'CNY',
    pending: 0,
    confirmed: 0,
    settled: 0,
    paid: 0,
    reversed_count: 0,
    commission_count: 0,
  };
  for (const c of Object.values(state.commissions)) {
    out.currency = c.currency;
    out.commission_count++;
    if (c.status === 'reversed') out.reversed_count++;
    else if (c.settlement_id)
      continue; // counted through its settlement
    else if (c.status === 'pending') out.pending += c.amount;
    else if (c.status === 'confirmed') out.confirmed += c.final_amount ?? c.amount;
  }
  for (const s of Object.values(state.settlements)) {
    out.settled += s.amount;
    if (s.status === 'paid') out.paid += s.amount;
  }
  return out;
}

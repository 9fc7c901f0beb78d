import { and, asc, desc, eq, gt, gte, lt, ne, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { conflict, fieldError, notFound, unprocessable } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { mergeRecord } from '../../lib/records';
import { customers } from '../customers/tables';
import { recordEvent } from '../events/service';
import type { JobHandler } from '../jobs/runner';
import { enqueueJob } from '../jobs/service';
import { readTenantSettings } from '../tenants/service';
import {
  type GrowthSource,
  growthEntries,
  memberAccounts,
  memberships,
  memberTiers,
  tierChanges,
} from './tables';

type Ctx = Pick<TenantCtx, 'tenantId' | 'clock'>;
type TierRow = typeof memberTiers.$inferSelect;
type AccountRow = typeof memberAccounts.$inferSelect;
type EntryRow = typeof growthEntries.$inferSelect;
type ChangeRow = typeof tierChanges.$inferSelect;

export const EVALUATE_TIERS_JOB = 'member.evaluate_tiers';

// ---------------------------------------------------------------------------------------------
// Presenting

export function presentTier(row: TierRow) {
  return {
    id: row.id,
    object: 'member_tier' as const,
    name: row.name,
    growth_threshold: row.growthThreshold,
    keep_threshold: row.keepThreshold,
    metadata: row.metadata,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Tier = ReturnType<typeof presentTier>;

export function presentGrowthEntry(row: EntryRow) {
  return {
    id: row.id,
    object: 'growth_entry' as const,
    customer_id: row.customerId,
    amount: row.amount,
    balance: row.balance,
    source: row.source,
    order_id: row.orderId,
    refund_id: row.refundId,
    reason: row.reason,
    created_at: iso(row.createdAt)!,
  };
}

export function presentTierChange(row: ChangeRow) {
  return {
    id: row.id,
    object: 'member_tier_change' as const,
    customer_id: row.customerId,
    from_tier_id: row.fromTierId,
    to_tier_id: row.toTierId,
    reason: row.reason,
    growth_value: row.growthValue,
    created_at: iso(row.createdAt)!,
  };
}

// ---------------------------------------------------------------------------------------------
// Month boundaries: evaluations run at 00:00 on the first of each month, China Standard Time
// (Asia/Shanghai, UTC+8 all year, no daylight saving), whatever the server's zone.

const CST_OFFSET_MS = 8 * 3_600_000;

/** The first instant of the month `monthsAhead` after the (Shanghai) month holding `at`. */
export function monthStart(at: Date, monthsAhead = 0): Date {
  const local = new Date(at.getTime() + CST_OFFSET_MS);
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + monthsAhead, 1) - CST_OFFSET_MS);
}

async function scheduleEvaluation(tx: Tx, tenantId: string, now: Date) {
  const runAt = monthStart(now, 1);
  await enqueueJob(
    tx,
    tenantId,
    {
      kind: EVALUATE_TIERS_JOB,
      runAt,
      payload: { period_end: runAt.toISOString() },
      dedupeKey: runAt.toISOString(),
    },
    now,
  );
}

// ---------------------------------------------------------------------------------------------
// Tiers

export interface TierInput {
  name?: string | undefined;
  growth_threshold?: number | undefined;
  keep_threshold?: number | undefined;
  metadata?: Record<string, string | null> | undefined;
}

async function tiersOf(tx: Tx, tenantId: string): Promise<TierRow[]> {
  return tx
    .select()
    .from(memberTiers)
    .where(eq(memberTiers.tenantId, tenantId))
    .orderBy(asc(memberTiers.growthThreshold));
}

async function assertThresholdFree(tx: Tx, tenantId: string, threshold: number, exceptId?: string) {
  const [taken] = await tx
    .select({ id: memberTiers.id })
    .from(memberTiers)
    .where(
      and(
        eq(memberTiers.tenantId, tenantId),
        eq(memberTiers.growthThreshold, threshold),
        exceptId ? ne(memberTiers.id, exceptId) : undefined,
      ),
    );
  if (taken) {
    throw conflict('tier_threshold_taken', `Tier '${taken.id}' already starts at ${threshold}.`, [
      fieldError('body.growth_threshold', 'taken', `Tier '${taken.id}' has it`),
    ]);
  }
}

export async function createTier(
  ctx: TenantCtx,
  input: Required<Pick<TierInput, 'name' | 'growth_threshold'>> & TierInput,
): Promise<Tier> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    await assertThresholdFree(tx, ctx.tenantId, input.growth_threshold);
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(memberTiers)
      .values({
        tenantId: ctx.tenantId,
        id: newId('memberTier'),
        name: input.name,
        growthThreshold: input.growth_threshold,
        keepThreshold: input.keep_threshold ?? 0,
        metadata: mergeRecord({}, input.metadata ?? {}),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await scheduleEvaluation(tx, ctx.tenantId, now);
    const tier = presentTier(row!);
    await recordEvent(tx, ctx, { type: 'member_tier.created', object: tier });
    return tier;
  });
}

async function findTier(tx: Tx, tenantId: string, id: string) {
  const [row] = await tx
    .select()
    .from(memberTiers)
    .where(and(eq(memberTiers.tenantId, tenantId), eq(memberTiers.id, id)));
  if (!row) throw notFound('member_tier', id);
  return row;
}

export async function getTier(ctx: TenantCtx, id: string): Promise<Tier> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => presentTier(await findTier(tx, ctx.tenantId, id)));
}

/** Every tier, lowest first (a ladder is short: one page). */
export async function listTiers(ctx: TenantCtx) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tiersOf(tx, ctx.tenantId);
    return { object: 'list' as const, data: rows.map(presentTier), has_more: false, next_cursor: null };
  });
}

/** Changes apply from the next promotion or evaluation; nobody moves now. */
export async function updateTier(ctx: TenantCtx, id: string, input: TierInput): Promise<Tier> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const current = await findTier(tx, ctx.tenantId, id);
    if (input.growth_threshold !== undefined) {
      await assertThresholdFree(tx, ctx.tenantId, input.growth_threshold, id);
    }
    const [row] = await tx
      .update(memberTiers)
      .set({
        name: input.name ?? current.name,
        growthThreshold: input.growth_threshold ?? current.growthThreshold,
        keepThreshold: input.keep_threshold ?? current.keepThreshold,
        metadata: input.metadata ? mergeRecord(current.metadata, input.metadata) : current.metadata,
        updatedAt: ctx.clock.now(),
      })
      .where(and(eq(memberTiers.tenantId, ctx.tenantId), eq(memberTiers.id, id)))
      .returning();
    const tier = presentTier(row!);
    await recordEvent(tx, ctx, { type: 'member_tier.updated', object: tier });
    return tier;
  });
}

// ---------------------------------------------------------------------------------------------
// Growth and tier of one customer

/** The highest tier whose growth threshold `growth` reaches (tiers sorted lowest first). */
export function tierFor(tiers: TierRow[], growth: number): TierRow | null {
  let found: TierRow | null = null;
  for (const t of tiers) if (t.growthThreshold <= growth) found = t;
  return found;
}

const rankOf = (tiers: TierRow[], id: string | null) => (id ? tiers.findIndex((t) => t.id === id) : -1);

/** The customer's member account, created (empty, at the base tier if there is one) and locked. */
async function lockAccount(tx: Tx, ctx: Ctx, customerId: string): Promise<AccountRow> {
  const now = ctx.clock.now();
  await tx
    .insert(memberAccounts)
    .values({ tenantId: ctx.tenantId, customerId, createdAt: now, updatedAt: now })
    .onConflictDoNothing();
  const [row] = await tx
    .select()
    .from(memberAccounts)
    .where(and(eq(memberAccounts.tenantId, ctx.tenantId), eq(memberAccounts.customerId, customerId)))
    .for('update');
  return row!;
}

async function changeTier(
  tx: Tx,
  ctx: Ctx,
  account: AccountRow,
  to: TierRow | null,
  reason: 'growth' | 'evaluation' | 'keep_failed',
  growthValue: number,
) {
  const now = ctx.clock.now();
  await tx
    .update(memberAccounts)
    .set({ tierId: to?.id ?? null, tierSince: now, updatedAt: now })
    .where(and(eq(memberAccounts.tenantId, ctx.tenantId), eq(memberAccounts.customerId, account.customerId)));
  const [change] = await tx
    .insert(tierChanges)
    .values({
      tenantId: ctx.tenantId,
      id: newId('tierChange'),
      customerId: account.customerId,
      fromTierId: account.tierId,
      toTierId: to?.id ?? null,
      reason,
      growthValue,
      createdAt: now,
    })
    .returning();
  await recordEvent(tx, ctx, { type: 'member.tier_changed', object: presentTierChange(change!) });
}

/**
 * Adds a signed amount to the customer's growth value with a ledger entry, and promotes at once
 * when the new value reaches a higher tier (demotion only happens at the monthly evaluation).
 */
async function addGrowth(
  tx: Tx,
  ctx: Ctx,
  customerId: string,
  entry: {
    amount: number;
    source: GrowthSource;
    orderId?: string | null;
    refundId?: string | null;
    reason?: string | null;
  },
  tiers?: TierRow[],
) {
  const account = await lockAccount(tx, ctx, customerId);
  const balance = account.growthValue + entry.amount;
  const now = ctx.clock.now();
  const [row] = await tx
    .insert(growthEntries)
    .values({
      tenantId: ctx.tenantId,
      id: newId('growthEntry'),
      customerId,
      amount: entry.amount,
      balance,
      source: entry.source,
      orderId: entry.orderId ?? null,
      refundId: entry.refundId ?? null,
      reason: entry.reason ?? null,
      createdAt: now,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) return null; // this order or refund was already counted
  await tx
    .update(memberAccounts)
    .set({ growthValue: balance, updatedAt: now })
    .where(and(eq(memberAccounts.tenantId, ctx.tenantId), eq(memberAccounts.customerId, customerId)));
  if (entry.amount > 0) {
    const ladder = tiers ?? (await tiersOf(tx, ctx.tenantId));
    const target = tierFor(ladder, balance);
    if (target && rankOf(ladder, target.id) > rankOf(ladder, account.tierId)) {
      await changeTier(tx, ctx, account, target, 'growth', balance);
    }
  }
  return row;
}

/** Growth earned by paying `amount` (minor units) of goods. */
const growthOf = (amount: number, perUnit: number) => Math.floor((amount * perUnit) / 100);

/**
 * Hook for orders, in the payment's transaction: the customer earns growth on the goods paid
 * (the lines' totals, after discounts; shipping earns nothing). Once per order.
 */
export async function accrueOrderGrowth(
  tx: Tx,
  ctx: Ctx,
  order: { id: string; customerId: string | null },
  lineTotals: number[],
) {
  if (!order.customerId) return;
  const { member_growth_per_unit } = await readTenantSettings(tx, ctx.tenantId);
  const amount = growthOf(
    lineTotals.reduce((a, b) => a + b, 0),
    member_growth_per_unit,
  );
  if (amount <= 0) return;
  await addGrowth(tx, ctx, order.customerId, { amount, source: 'order_paid', orderId: order.id });
}

/**
 * Hook for orders, when a refund of the order succeeded: the growth the order earned is reversed
 * pro rata to the goods refunded so far (floor), so a full refund reverses exactly all of it.
 * Never below zero: growth already taken by a keep-level reset is not taken twice.
 */
export async function reverseOrderGrowth(
  tx: Tx,
  ctx: Ctx,
  order: { id: string; customerId: string | null; amountRefunded: number },
  lineTotals: number[],
  refundId: string,
) {
  if (!order.customerId) return;
  const entries = await tx
    .select({ amount: growthEntries.amount, source: growthEntries.source })
    .from(growthEntries)
    .where(and(eq(growthEntries.tenantId, ctx.tenantId), eq(growthEntries.orderId, order.id)));
  const earned = entries.find((e) => e.source === 'order_paid')?.amount ?? 0;
  if (earned <= 0) return;
  const reversed = -entries.filter((e) => e.source === 'order_refunded').reduce((a, e) => a + e.amount, 0);
  const goods = lineTotals.reduce((a, b) => a + b, 0);
  const refunded = Math.min(order.amountRefunded, goods);
  const target = goods > 0 ? Math.floor((earned * refunded) / goods) : earned;
  const account = await lockAccount(tx, ctx, order.customerId);
  const amount = Math.min(target - reversed, account.growthValue);
  if (amount <= 0) return;
  await addGrowth(tx, ctx, order.customerId, {
    amount: -amount,
    source: 'order_refunded',
    orderId: order.id,
    refundId,
  });
}

/** A manual grant (or, negative, a deduction) with a reason. */
export async function grantGrowth(
  ctx: TenantCtx,
  customerId: string,
  input: { amount: number; reason: string },
) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    await assertCustomer(tx, ctx.tenantId, customerId);
    const account = await lockAccount(tx, ctx, customerId);
    if (account.growthValue + input.amount < 0) {
      throw unprocessable(
        'growth_insufficient',
        `The customer has ${account.growthValue} growth; cannot deduct ${-input.amount}.`,
        [fieldError('body.amount', 'too_small', `At least ${-account.growthValue}`)],
      );
    }
    const row = await addGrowth(tx, ctx, customerId, {
      amount: input.amount,
      source: 'grant',
      reason: input.reason,
    });
    const entry = presentGrowthEntry(row!);
    await recordEvent(tx, ctx, { type: 'member.growth_granted', object: entry });
    return entry;
  });
}

async function assertCustomer(tx: Tx, tenantId: string, id: string) {
  const [row] = await tx
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.tenantId, tenantId), eq(customers.id, id)));
  if (!row) throw notFound('customer', id);
}

export async function listGrowthEntries(ctx: TenantCtx, customerId: string, query: ListQuery) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    await assertCustomer(tx, ctx.tenantId, customerId);
    const rows = await tx
      .select()
      .from(growthEntries)
      .where(
        and(
          eq(growthEntries.tenantId, ctx.tenantId),
          eq(growthEntries.customerId, customerId),
          after ? lt(growthEntries.id, after) : undefined,
        ),
      )
      .orderBy(desc(growthEntries.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentGrowthEntry);
  });
}

export async function listTierChanges(ctx: TenantCtx, customerId: string, query: ListQuery) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    await assertCustomer(tx, ctx.tenantId, customerId);
    const rows = await tx
      .select()
      .from(tierChanges)
      .where(
        and(
          eq(tierChanges.tenantId, ctx.tenantId),
          eq(tierChanges.customerId, customerId),
          after ? lt(tierChanges.id, after) : undefined,
        ),
      )
      .orderBy(desc(tierChanges.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentTierChange);
  });
}

/** The customer's tier and growth, for pricing and for the member profile. */
export async function memberStateOf(tx: Tx, tenantId: string, customerId: string) {
  const [row] = await tx
    .select({ account: memberAccounts, tier: memberTiers })
    .from(memberAccounts)
    .leftJoin(
      memberTiers,
      and(eq(memberTiers.tenantId, memberAccounts.tenantId), eq(memberTiers.id, memberAccounts.tierId)),
    )
    .where(and(eq(memberAccounts.tenantId, tenantId), eq(memberAccounts.customerId, customerId)));
  return { account: row?.account ?? null, tier: row?.tier ?? null };
}

// ---------------------------------------------------------------------------------------------
// Monthly evaluation (保级)

/**
 * Job, at 00:00 on the first of each month (Asia/Shanghai). For every member account:
 *   1. the tier follows the growth value: promoted to (or demoted to) the highest tier it reaches;
 *   2. keep-level: a customer who held that tier since before the month began and earned less
 *      than its `keep_threshold` in the month is demoted one tier, and the growth value is set
 *      back to the lower tier's threshold (a `keep_reset` ledger entry), so the next order does
 *      not promote them straight back.
 * Then the next month's evaluation is scheduled.
 */
export const evaluateTiersJob: JobHandler = async (job, { tx, clock }) => {
  const ctx = { tenantId: job.tenantId, clock };
  const periodEnd = new Date(String(job.payload.period_end));
  const periodStart = monthStart(new Date(periodEnd.getTime() - 1));
  const tiers = await tiersOf(tx, ctx.tenantId);
  if (tiers.length) {
    const accounts = await tx
      .select()
      .from(memberAccounts)
      .where(eq(memberAccounts.tenantId, ctx.tenantId))
      .orderBy(asc(memberAccounts.customerId))
      .for('update');
    const earned = await tx
      .select({ customerId: growthEntries.customerId, sum: sql<string>`sum(${growthEntries.amount})` })
      .from(growthEntries)
      .where(
        and(
          eq(growthEntries.tenantId, ctx.tenantId),
          ne(growthEntries.source, 'keep_reset'),
          gte(growthEntries.createdAt, periodStart),
          lt(growthEntries.createdAt, periodEnd),
        ),
      )
      .groupBy(growthEntries.customerId);
    const earnedBy = new Map(earned.map((e) => [e.customerId, Number(e.sum)]));
    for (const account of accounts) {
      const target = tierFor(tiers, account.growthValue);
      const heldAll = account.tierSince !== null && account.tierSince <= periodStart;
      if (
        target &&
        target.id === account.tierId &&
        heldAll &&
        (earnedBy.get(account.customerId) ?? 0) < target.keepThreshold
      ) {
        const lower = tiers[rankOf(tiers, target.id) - 1] ?? null;
        const resetTo = lower?.growthThreshold ?? 0;
        if (account.growthValue > resetTo) {
          await addGrowth(tx, ctx, account.customerId, {
            amount: resetTo - account.growthValue,
            source: 'keep_reset',
            reason: `kept ${target.name} with less than ${target.keepThreshold} growth in the month`,
          });
        }
        await changeTier(tx, ctx, account, lower, 'keep_failed', resetTo);
        continue;
      }
      if ((target?.id ?? null) !== account.tierId) {
        await changeTier(tx, ctx, account, target, 'evaluation', account.growthValue);
      }
    }
  }
  await scheduleEvaluation(tx, ctx.tenantId, periodEnd);
};

/** A customer's member profile: growth value, tier, and paid membership now. */
export async function getMemberProfile(ctx: TenantCtx, customerId: string) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    await assertCustomer(tx, ctx.tenantId, customerId);
    const { account, tier } = await memberStateOf(tx, ctx.tenantId, customerId);
    const now = ctx.clock.now();
    const [paid] = await tx
      .select({ id: memberships.id, endsAt: memberships.endsAt })
      .from(memberships)
      .where(
        and(
          eq(memberships.tenantId, ctx.tenantId),
          eq(memberships.customerId, customerId),
          eq(memberships.status, 'active'),
          gt(memberships.endsAt, now),
        ),
      );
    return {
      object: 'member_profile' as const,
      customer_id: customerId,
      growth_value: account?.growthValue ?? 0,
      tier: tier ? presentTier(tier) : null,
      tier_since: iso(account?.tierSince),
      paid_member: Boolean(paid),
      membership_id: paid?.id ?? null,
      membership_ends_at: iso(paid?.endsAt),
    };
  });
}

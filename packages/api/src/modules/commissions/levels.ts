import { and, asc, eq, gt, gte, inArray, lt, ne, or, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { badRequest, conflict, fieldError, notFound } from '../../http/errors';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { recordEvent } from '../events/service';
import type { JobHandler } from '../jobs/runner';
import { enqueueJob } from '../jobs/service';
import { presentPromoter } from '../promoters/service';
import { promoters } from '../promoters/tables';
import { evaluateLevel, monthOf, monthRange, nextMonth } from './ledger';
import { commissions, promoterLevels } from './tables';

type Ctx = Pick<TenantCtx, 'tenantId' | 'clock'>;
type LevelRow = typeof promoterLevels.$inferSelect;

export const EVALUATE_LEVELS_JOB = 'promoter_levels.evaluate';

export function presentLevel(row: LevelRow) {
  return {
    id: row.id,
    object: 'promoter_level' as const,
    level: row.level,
    name: row.name,
    upgrade_threshold: row.upgradeThreshold,
    keep_threshold: row.keepThreshold,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type PromoterLevel = ReturnType<typeof presentLevel>;

function checkThresholds(upgrade: number, keep: number) {
  if (keep > upgrade) {
    throw badRequest('invalid_thresholds', 'keep_threshold cannot exceed upgrade_threshold.', [
      fieldError('body.keep_threshold', 'above_upgrade', 'Must be at most upgrade_threshold'),
    ]);
  }
}

/** The monthly re-evaluation runs at the end of each month once the tenant has levels. */
async function scheduleEvaluation(tx: Tx, ctx: Ctx, month: string) {
  await enqueueJob(
    tx,
    ctx.tenantId,
    { kind: EVALUATE_LEVELS_JOB, runAt: monthRange(month).end, payload: { month }, dedupeKey: month },
    ctx.clock.now(),
  );
}

export interface LevelInput {
  level: number;
  name: string;
  upgrade_threshold: number;
  keep_threshold?: number | undefined;
}

export async function createLevel(ctx: TenantCtx, input: LevelInput): Promise<PromoterLevel> {
  const keep = input.keep_threshold ?? input.upgrade_threshold;
  checkThresholds(input.upgrade_threshold, keep);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const [taken] = await tx
      .select({ id: promoterLevels.id })
      .from(promoterLevels)
      .where(and(eq(promoterLevels.tenantId, ctx.tenantId), eq(promoterLevels.level, input.level)));
    if (taken) {
      throw conflict('promoter_level_exists', `Level ${input.level} already exists ('${taken.id}').`, [
        fieldError('body.level', 'taken', 'Already defined'),
      ]);
    }
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(promoterLevels)
      .values({
        tenantId: ctx.tenantId,
        id: newId('promoterLevel'),
        level: input.level,
        name: input.name,
        upgradeThreshold: input.upgrade_threshold,
        keepThreshold: keep,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await scheduleEvaluation(tx, ctx, monthOf(now));
    return presentLevel(row!);
  });
}

async function findLevel(tx: Tx, tenantId: string, id: string) {
  const [row] = await tx
    .select()
    .from(promoterLevels)
    .where(and(eq(promoterLevels.tenantId, tenantId), eq(promoterLevels.id, id)));
  if (!row) throw notFound('promoter_level', id);
  return row;
}

export async function getLevel(ctx: TenantCtx, id: string) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => presentLevel(await findLevel(tx, ctx.tenantId, id)));
}

/** All levels, lowest first (a tenant has a handful). */
export async function listLevels(ctx: TenantCtx) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(promoterLevels)
      .where(eq(promoterLevels.tenantId, ctx.tenantId))
      .orderBy(asc(promoterLevels.level));
    return { object: 'list' as const, data: rows.map(presentLevel), has_more: false, next_cursor: null };
  });
}

export async function updateLevel(
  ctx: TenantCtx,
  id: string,
  input: {
    name?: string | undefined;
    upgrade_threshold?: number | undefined;
    keep_threshold?: number | undefined;
  },
) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const current = await findLevel(tx, ctx.tenantId, id);
    const upgrade = input.upgrade_threshold ?? current.upgradeThreshold;
    const keep = input.keep_threshold ?? Math.min(current.keepThreshold, upgrade);
    checkThresholds(upgrade, keep);
    const [row] = await tx
      .update(promoterLevels)
      .set({
        name: input.name ?? current.name,
        upgradeThreshold: upgrade,
        keepThreshold: keep,
        updatedAt: ctx.clock.now(),
      })
      .where(and(eq(promoterLevels.tenantId, ctx.tenantId), eq(promoterLevels.id, id)))
      .returning();
    return presentLevel(row!);
  });
}

export async function deleteLevel(ctx: TenantCtx, id: string) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    await findLevel(tx, ctx.tenantId, id);
    await tx
      .delete(promoterLevels)
      .where(and(eq(promoterLevels.tenantId, ctx.tenantId), eq(promoterLevels.id, id)));
    return { id, object: 'promoter_level' as const, deleted: true as const };
  });
}

/**
 * Each promoter's sales in a month (UTC+8): the net amounts (after refunds) of the order lines
 * attributed to it, by when the order was paid. Reversed lines count nothing.
 */
export async function monthlySales(tx: Tx, tenantId: string, month: string): Promise<Map<string, number>> {
  const { start, end } = monthRange(month);
  const rows = await tx
    .select({
      promoterId: commissions.promoterId,
      sales: sql<string>`sum(${commissions.netAmount})`,
    })
    .from(commissions)
    .where(
      and(
        eq(commissions.tenantId, tenantId),
        gte(commissions.orderPaidAt, start),
        lt(commissions.orderPaidAt, end),
        ne(commissions.status, 'reversed'),
      ),
    )
    .groupBy(commissions.promoterId);
  return new Map(rows.map((r) => [r.promoterId, Number(r.sales)]));
}

export interface LevelEvaluation {
  object: 'promoter_level_evaluation';
  month: string;
  evaluated: number;
  promoted: number;
  demoted: number;
  unchanged: number;
  changes: Array<{ promoter_id: string; from: number; to: number; sales: number }>;
}

/**
 * Re-evaluates every active promoter's level on its sales in `month` (promotion, hold, demotion:
 * `evaluateLevel`). Running it again for the same month changes nothing more.
 */
export async function evaluateLevelsTx(tx: Tx, ctx: Ctx, month: string): Promise<LevelEvaluation> {
  const levels = await tx.select().from(promoterLevels).where(eq(promoterLevels.tenantId, ctx.tenantId));
  const defs = levels.map((l) => ({
    level: l.level,
    upgrade_threshold: l.upgradeThreshold,
    keep_threshold: l.keepThreshold,
  }));
  const sales = await monthlySales(tx, ctx.tenantId, month);
  // A promoter at the base level who sold nothing stays there (unless a level asks for no sales
  // at all): only promoters with a level or with sales in the month are read, so the monthly job
  // reads the active sellers, not every shopkeeper who ever signed up.
  const { start, end } = monthRange(month);
  const everyone = defs.some((l) => l.upgrade_threshold <= 0);
  const active = await tx
    .select({ id: promoters.id, level: promoters.level })
    .from(promoters)
    .where(
      and(
        eq(promoters.tenantId, ctx.tenantId),
        eq(promoters.status, 'active'),
        everyone
          ? undefined
          : or(
              gt(promoters.level, 0),
              sql`${promoters.id} in (select ${commissions.promoterId} from ${commissions}
                where ${commissions.tenantId} = ${ctx.tenantId}
                  and ${commissions.orderPaidAt} >= ${start.toISOString()}::timestamptz
                  and ${commissions.orderPaidAt} < ${end.toISOString()}::timestamptz)`,
            ),
      ),
    );
  const result: LevelEvaluation = {
    object: 'promoter_level_evaluation',
    month,
    evaluated: active.length,
    promoted: 0,
    demoted: 0,
    unchanged: 0,
    changes: [],
  };
  if (!defs.length) {
    result.unchanged = active.length;
    return result;
  }
  const byTarget = new Map<number, string[]>();
  for (const p of active) {
    const s = sales.get(p.id) ?? 0;
    const to = evaluateLevel(p.level, s, defs);
    if (to === p.level) {
      result.unchanged++;
      continue;
    }
    if (to > p.level) result.promoted++;
    else result.demoted++;
    result.changes.push({ promoter_id: p.id, from: p.level, to, sales: s });
    byTarget.set(to, [...(byTarget.get(to) ?? []), p.id]);
  }
  const now = ctx.clock.now();
  for (const [level, ids] of byTarget) {
    for (let i = 0; i < ids.length; i += 1000) {
      const updated = await tx
        .update(promoters)
        .set({ level, updatedAt: now })
        .where(and(eq(promoters.tenantId, ctx.tenantId), inArray(promoters.id, ids.slice(i, i + 1000))))
        .returning();
      for (const row of updated) {
        await recordEvent(tx, ctx, { type: 'promoter.updated', object: presentPromoter(row) });
      }
    }
  }
  result.changes.sort((a, b) => a.promoter_id.localeCompare(b.promoter_id));
  return result;
}

export async function evaluateLevels(ctx: TenantCtx, month: string): Promise<LevelEvaluation> {
  if (monthRange(month).start > ctx.clock.now()) {
    throw badRequest('invalid_month', 'That month has not started yet.', [
      fieldError('body.month', 'in_future', 'Must not be in the future'),
    ]);
  }
  return withTenant(ctx.db, ctx.tenantId, (tx) => evaluateLevelsTx(tx, ctx, month));
}

/** Job at the end of each month: evaluate it, and schedule the next month's evaluation. */
export const evaluateLevelsJob: JobHandler = async (job, { tx, clock }) => {
  const ctx = { tenantId: job.tenantId, clock };
  const month = String(job.payload.month);
  await evaluateLevelsTx(tx, ctx, month);
  await scheduleEvaluation(tx, ctx, nextMonth(month));
};

import { stringify } from 'csv-stringify/sync';
import { and, asc, desc, eq, exists, gt, inArray, isNull, lt, lte, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { badRequest, conflict, fieldError, notFound } from '../../http/errors';
import { cursorId, type ListQuery, type Page, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { recordEvent } from '../events/service';
import { promoterScope } from '../promoters/service';
import { promoters } from '../promoters/tables';
import { readTenantSettings } from '../tenants/service';
import { commissionMachine, planSettlement, type SettleItem, settlementMachine } from './ledger';
import { commissionAdjustments, commissions, settlementLines, settlements } from './tables';

type SettlementRow = typeof settlements.$inferSelect;
type LineRow = typeof settlementLines.$inferSelect;

export function presentSettlementLine(row: LineRow) {
  return {
    id: row.id,
    object: 'settlement_line' as const,
    settlement_id: row.settlementId,
    promoter_id: row.promoterId,
    currency: row.currency,
    commission_count: row.commissionCount,
    commission_total: row.commissionTotal,
    adjustment_count: row.adjustmentCount,
    adjustment_total: row.adjustmentTotal,
    amount: row.amount,
    created_at: iso(row.createdAt)!,
  };
}

/** How many lines a settlement object embeds; `GET /v1/settlements/{id}/lines` pages through all. */
export const EMBEDDED_LINES = 100;

export function presentSettlement(
  row: SettlementRow,
  lines: Page<ReturnType<typeof presentSettlementLine>>,
  self?: string,
) {
  const own = self !== undefined;
  return {
    id: row.id,
    object: 'settlement' as const,
    status: row.status,
    currency: row.currency,
    period_start: iso(row.periodStart),
    period_end: iso(row.periodEnd)!,
    // A promoter token sees its own line only, not the batch's totals.
    commission_total: own ? null : row.commissionTotal,
    adjustment_total: own ? null : row.adjustmentTotal,
    total: own ? null : row.total,
    line_count: own ? null : row.lineCount,
    commission_count: own ? null : row.commissionCount,
    adjustment_count: own ? null : row.adjustmentCount,
    min_payout: row.minPayout,
    carried_over: own ? row.carriedOver.filter((c) => c.promoter_id === self) : row.carriedOver,
    lines,
    reference: row.reference,
    metadata: row.metadata,
    paid_at: iso(row.paidAt),
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Settlement = ReturnType<typeof presentSettlement>;

/** A page of a settlement's lines, in promoter order (ids are minted in that order). */
async function linesPage(
  tx: Tx,
  tenantId: string,
  settlementId: string,
  query: ListQuery,
  self?: string,
): Promise<Page<ReturnType<typeof presentSettlementLine>>> {
  const after = cursorId(query);
  const rows = await tx
    .select()
    .from(settlementLines)
    .where(
      and(
        eq(settlementLines.tenantId, tenantId),
        eq(settlementLines.settlementId, settlementId),
        self ? eq(settlementLines.promoterId, self) : undefined,
        after ? gt(settlementLines.id, after) : undefined,
      ),
    )
    .orderBy(asc(settlementLines.id))
    .limit(query.limit + 1);
  return pageOf(rows, query.limit, presentSettlementLine);
}

const firstLines = (tx: Tx, tenantId: string, settlementId: string, self?: string) =>
  linesPage(tx, tenantId, settlementId, { limit: EMBEDDED_LINES }, self);

export interface CreateSettlementInput {
  period_start?: Date | undefined;
  period_end?: Date | undefined;
  metadata?: Record<string, string> | undefined;
}

/**
 * Creates a settlement: every confirmed, unsettled commission confirmed by `period_end` (default
 * now) and every unsettled adjustment made by then, one line per promoter. Balances below the
 * tenant's `min_payout`, and negative ones, are carried over (left unsettled for next time).
 *
 * Settlement creations of one tenant are serialised by a transaction-scoped advisory lock, and
 * the rows are claimed with a conditional update that counts what it claimed: two creations at
 * once can never include the same commission twice.
 */
export async function createSettlement(ctx: TenantCtx, input: CreateSettlementInput): Promise<Settlement> {
  const now = ctx.clock.now();
  const periodEnd = input.period_end ?? now;
  if (periodEnd > now) {
    throw badRequest('invalid_period', 'A settlement period cannot end in the future.', [
      fieldError('body.period_end', 'in_future', 'Must not be after now'),
    ]);
  }
  if (input.period_start && input.period_start >= periodEnd) {
    throw badRequest('invalid_period', 'period_start must be before period_end.', [
      fieldError('body.period_start', 'after_end', 'Must be before period_end'),
    ]);
  }
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`settlements:${ctx.tenantId}`}))`);
    const { currency, min_payout } = await readTenantSettings(tx, ctx.tenantId);
    const open = await tx
      .select({ id: commissions.id, promoterId: commissions.promoterId, amount: commissions.amount })
      .from(commissions)
      .where(
        and(
          eq(commissions.tenantId, ctx.tenantId),
          eq(commissions.status, 'confirmed'),
          eq(commissions.currency, currency),
          isNull(commissions.settlementId),
          lte(commissions.confirmedAt, periodEnd),
        ),
      )
      .orderBy(asc(commissions.id))
      .for('update');
    const adjustments = await tx
      .select({
        id: commissionAdjustments.id,
        promoterId: commissionAdjustments.promoterId,
        amount: commissionAdjustments.amount,
      })
      .from(commissionAdjustments)
      .where(
        and(
          eq(commissionAdjustments.tenantId, ctx.tenantId),
          eq(commissionAdjustments.currency, currency),
          isNull(commissionAdjustments.settlementId),
          lte(commissionAdjustments.createdAt, periodEnd),
        ),
      )
      .orderBy(asc(commissionAdjustments.id))
      .for('update');
    const items: SettleItem[] = [
      ...open.map((c) => ({
        promoter_id: c.promoterId,
        kind: 'commission' as const,
        id: c.id,
        amount: c.amount,
      })),
      ...adjustments.map((a) => ({
        promoter_id: a.promoterId,
        kind: 'adjustment' as const,
        id: a.id,
        amount: a.amount,
      })),
    ];
    const plan = planSettlement(items, min_payout);
    if (!plan.lines.length) {
      throw conflict(
        'nothing_to_settle',
        plan.carried_over.length
          ? 'Every promoter balance is below the minimum payout or negative; nothing to settle.'
          : 'There are no confirmed, unsettled commissions or adjustments to settle.',
      );
    }
    const settlementId = newId('settlement');
    const [row] = await tx
      .insert(settlements)
      .values({
        tenantId: ctx.tenantId,
        id: settlementId,
        status: 'pending',
        currency,
        periodStart: input.period_start ?? null,
        periodEnd,
        commissionTotal: plan.commission_total,
        adjustmentTotal: plan.adjustment_total,
        total: plan.total,
        lineCount: plan.lines.length,
        commissionCount: plan.lines.reduce((a, l) => a + l.commission_ids.length, 0),
        adjustmentCount: plan.lines.reduce((a, l) => a + l.adjustment_ids.length, 0),
        minPayout: min_payout,
        carriedOver: plan.carried_over,
        metadata: input.metadata ?? {},
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const commissionIds = plan.lines.flatMap((l) => l.commission_ids);
    const adjustmentIds = plan.lines.flatMap((l) => l.adjustment_ids);
    for (let i = 0; i < commissionIds.length; i += 1000) {
      const chunk = commissionIds.slice(i, i + 1000);
      const claimed = await tx
        .update(commissions)
        .set({
          status: commissionMachine.next('confirmed', 'settle'),
          settlementId,
          settledAt: now,
          updatedAt: now,
        })
        .where(
          and(
            eq(commissions.tenantId, ctx.tenantId),
            inArray(commissions.id, chunk),
            eq(commissions.status, 'confirmed'),
            isNull(commissions.settlementId),
          ),
        )
        .returning({ id: commissions.id });
      if (claimed.length !== chunk.length) {
        throw conflict('concurrent_update', 'Commissions changed while settling; retry the request.');
      }
    }
    for (let i = 0; i < adjustmentIds.length; i += 1000) {
      const chunk = adjustmentIds.slice(i, i + 1000);
      const claimed = await tx
        .update(commissionAdjustments)
        .set({ settlementId })
        .where(
          and(
            eq(commissionAdjustments.tenantId, ctx.tenantId),
            inArray(commissionAdjustments.id, chunk),
            isNull(commissionAdjustments.settlementId),
          ),
        )
        .returning({ id: commissionAdjustments.id });
      if (claimed.length !== chunk.length) {
        throw conflict('concurrent_update', 'Adjustments changed while settling; retry the request.');
      }
    }
    // Ids are minted in promoter order, so the first page is the first promoters.
    const lineValues = plan.lines.map((l) => ({
      tenantId: ctx.tenantId,
      id: newId('settlementLine'),
      settlementId,
      promoterId: l.promoter_id,
      currency,
      commissionCount: l.commission_ids.length,
      commissionTotal: l.commission_total,
      adjustmentCount: l.adjustment_ids.length,
      adjustmentTotal: l.adjustment_total,
      amount: l.amount,
      createdAt: now,
    }));
    for (let i = 0; i < lineValues.length; i += 1000) {
      await tx.insert(settlementLines).values(lineValues.slice(i, i + 1000));
    }
    const settlement = presentSettlement(
      row!,
      pageOf(lineValues.slice(0, EMBEDDED_LINES + 1), EMBEDDED_LINES, presentSettlementLine),
    );
    await recordEvent(tx, ctx, { type: 'settlement.created', object: settlement });
    return settlement;
  });
}

async function findSettlement(tx: Tx, ctx: TenantCtx, id: string, lock = false) {
  const self = promoterScope(ctx.actor);
  const q = tx
    .select()
    .from(settlements)
    .where(
      and(
        eq(settlements.tenantId, ctx.tenantId),
        eq(settlements.id, id),
        self ? ownLine(ctx.tenantId, self) : undefined,
      ),
    );
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw notFound('settlement', id);
  return row;
}

/** A promoter token sees only the settlements that pay it. */
const ownLine = (tenantId: string, promoterId: string) =>
  exists(
    sql`(select 1 from ${settlementLines} where ${settlementLines.tenantId} = ${tenantId}
      and ${settlementLines.settlementId} = ${settlements.id} and ${settlementLines.promoterId} = ${promoterId})`,
  );

export async function getSettlement(ctx: TenantCtx, id: string): Promise<Settlement> {
  const self = promoterScope(ctx.actor);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const row = await findSettlement(tx, ctx, id);
    return presentSettlement(row, await firstLines(tx, ctx.tenantId, id, self), self);
  });
}

export async function listSettlements(
  ctx: TenantCtx,
  query: ListQuery & { status?: SettlementRow['status'] | undefined },
) {
  const after = cursorId(query);
  const self = promoterScope(ctx.actor);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(settlements)
      .where(
        and(
          eq(settlements.tenantId, ctx.tenantId),
          self ? ownLine(ctx.tenantId, self) : undefined,
          query.status ? eq(settlements.status, query.status) : undefined,
          after ? lt(settlements.id, after) : undefined,
        ),
      )
      .orderBy(desc(settlements.id))
      .limit(query.limit + 1);
    const lines = new Map<string, Page<ReturnType<typeof presentSettlementLine>>>();
    for (const r of rows.slice(0, query.limit))
      lines.set(r.id, await firstLines(tx, ctx.tenantId, r.id, self));
    return pageOf(rows, query.limit, (r) => presentSettlement(r, lines.get(r.id)!, self));
  });
}

/** All lines of a settlement, page by page (a promoter token: its own line). */
export async function listSettlementLines(ctx: TenantCtx, id: string, query: ListQuery) {
  const self = promoterScope(ctx.actor);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    await findSettlement(tx, ctx, id);
    return linesPage(tx, ctx.tenantId, id, query, self);
  });
}

/** The integrator paid the promoters (we do not move money): record it with its reference. */
export async function markSettlementPaid(
  ctx: TenantCtx,
  id: string,
  input: { reference?: string | undefined },
): Promise<Settlement> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const current = await findSettlement(tx, ctx, id, true);
    const status = settlementMachine.next(current.status, 'pay');
    const now = ctx.clock.now();
    const [row] = await tx
      .update(settlements)
      .set({ status, reference: input.reference ?? null, paidAt: now, updatedAt: now })
      .where(and(eq(settlements.tenantId, ctx.tenantId), eq(settlements.id, id)))
      .returning();
    const settlement = presentSettlement(row!, await firstLines(tx, ctx.tenantId, id));
    await recordEvent(tx, ctx, { type: 'settlement.paid', object: settlement });
    return settlement;
  });
}

export const SETTLEMENT_CSV_COLUMNS = [
  'settlement_id',
  'promoter_id',
  'promoter_name',
  'promoter_kind',
  'promoter_external_id',
  'currency',
  'commission_count',
  'commission_total',
  'adjustment_count',
  'adjustment_total',
  'amount',
] as const;

/** Free text that a spreadsheet would run as a formula (=, +, -, @) is quoted with a leading '. */
const textCell = (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);

/** The settlement's lines as CSV (RFC 4180), one row per promoter, for payout tools. */
export async function settlementLinesCsv(ctx: TenantCtx, id: string): Promise<string> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    await findSettlement(tx, ctx, id);
    const rows = await tx
      .select({
        line: settlementLines,
        name: promoters.name,
        kind: promoters.kind,
        externalId: promoters.externalId,
      })
      .from(settlementLines)
      .innerJoin(
        promoters,
        and(eq(promoters.tenantId, settlementLines.tenantId), eq(promoters.id, settlementLines.promoterId)),
      )
      .where(and(eq(settlementLines.tenantId, ctx.tenantId), eq(settlementLines.settlementId, id)))
      .orderBy(asc(settlementLines.promoterId));
    return stringify(
      rows.map((r) => [
        id,
        r.line.promoterId,
        textCell(r.name),
        r.kind,
        textCell(r.externalId ?? ''),
        r.line.currency,
        r.line.commissionCount,
        r.line.commissionTotal,
        r.line.adjustmentCount,
        r.line.adjustmentTotal,
        r.line.amount,
      ]),
      { header: true, columns: [...SETTLEMENT_CSV_COLUMNS], record_delimiter: '\r\n' },
    );
  });
}

import { and, asc, desc, eq, inArray, isNull, lt, or } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { badRequest, fieldError, invalidReference, notFound } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { mergeRecord } from '../../lib/records';
import { requireCategory } from '../catalog/categories';
import { products } from '../catalog/tables';
import { recordEvent } from '../events/service';
import type { JobHandler } from '../jobs/runner';
import { enqueueJob } from '../jobs/service';
import { orderLines, orders, refunds } from '../orders/tables';
import { findPromoter, promoterScope } from '../promoters/service';
import type { PROMOTER_KINDS } from '../promoters/tables';
import { requireStore } from '../stores/service';
import { requireSupplier } from '../suppliers/service';
import { readTenantSettings } from '../tenants/service';
import { applyNet, type CommissionStatus, commissionMachine, type LedgerEntry } from './ledger';
import { baseCommission, type CommissionRule, type LineFacts, selectRule } from './math';
import { type COMMISSION_RULE_TYPES, commissionAdjustments, commissionRules, commissions } from './tables';

type Ctx = Pick<TenantCtx, 'tenantId' | 'clock'>;
type RuleRow = typeof commissionRules.$inferSelect;
export type CommissionRow = typeof commissions.$inferSelect;
type AdjustmentRow = typeof commissionAdjustments.$inferSelect;
export type CommissionRuleType = (typeof COMMISSION_RULE_TYPES)[number];

export const CONFIRM_COMMISSIONS_JOB = 'commission.confirm';

// ---------------------------------------------------------------------------------------------
// Commission rules

export function presentRule(row: RuleRow) {
  return {
    id: row.id,
    object: 'commission_rule' as const,
    name: row.name,
    type: row.type,
    rate_bps: row.rateBps,
    amount: row.amount,
    product_id: row.productId,
    category_id: row.categoryId,
    supplier_id: row.supplierId,
    store_id: row.storeId,
    promoter_kind: row.promoterKind as (typeof PROMOTER_KINDS)[number] | null,
    min_promoter_level: row.minPromoterLevel,
    priority: row.priority,
    active: row.active,
    metadata: row.metadata,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type CommissionRuleObject = ReturnType<typeof presentRule>;

export interface RuleInput {
  name?: string | null | undefined;
  type?: CommissionRuleType | undefined;
  rate_bps?: number | null | undefined;
  amount?: number | null | undefined;
  product_id?: string | null | undefined;
  category_id?: string | null | undefined;
  supplier_id?: string | null | undefined;
  store_id?: string | null | undefined;
  promoter_kind?: (typeof PROMOTER_KINDS)[number] | null | undefined;
  min_promoter_level?: number | null | undefined;
  priority?: number | undefined;
  active?: boolean | undefined;
  metadata?: Record<string, string | null> | undefined;
}

/** A rule's value fields must fit its type: a rate for percentage, an amount for fixed, none for margin. */
function checkRuleValues(type: CommissionRuleType, rateBps: number | null, amount: number | null) {
  const errors = [];
  if (type === 'percentage' && rateBps === null)
    errors.push(fieldError('body.rate_bps', 'required', 'A percentage rule needs rate_bps'));
  if (type !== 'percentage' && rateBps !== null)
    errors.push(fieldError('body.rate_bps', 'not_allowed', `A ${type} rule has no rate_bps`));
  if (type === 'fixed' && amount === null)
    errors.push(fieldError('body.amount', 'required', 'A fixed rule needs an amount'));
  if (type !== 'fixed' && amount !== null)
    errors.push(fieldError('body.amount', 'not_allowed', `A ${type} rule has no amount`));
  if (errors.length)
    throw badRequest('invalid_commission_rule', 'The rule values do not fit its type.', errors);
}

async function checkRuleReferences(tx: Tx, tenantId: string, input: RuleInput) {
  if (input.product_id) {
    const [p] = await tx
      .select({ id: products.id })
      .from(products)
      .where(and(eq(products.tenantId, tenantId), eq(products.id, input.product_id)));
    if (!p) throw invalidReference('product', input.product_id, 'body.product_id');
  }
  if (input.category_id) await requireCategory(tx, tenantId, input.category_id, 'body.category_id');
  if (input.supplier_id) await requireSupplier(tx, tenantId, input.supplier_id, 'body.supplier_id');
  if (input.store_id) await requireStore(tx, tenantId, input.store_id, 'body.store_id');
}

export async function createRule(ctx: TenantCtx, input: RuleInput & { type: CommissionRuleType }) {
  const rateBps = input.rate_bps ?? null;
  const amount = input.amount ?? null;
  checkRuleValues(input.type, rateBps, amount);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    await checkRuleReferences(tx, ctx.tenantId, input);
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(commissionRules)
      .values({
        tenantId: ctx.tenantId,
        id: newId('commissionRule'),
        name: input.name ?? null,
        type: input.type,
        rateBps,
        amount,
        productId: input.product_id ?? null,
        categoryId: input.category_id ?? null,
        supplierId: input.supplier_id ?? null,
        storeId: input.store_id ?? null,
        promoterKind: input.promoter_kind ?? null,
        minPromoterLevel: input.min_promoter_level ?? null,
        priority: input.priority ?? 0,
        active: input.active ?? true,
        metadata: (input.metadata ?? {}) as Record<string, string>,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    return presentRule(row!);
  });
}

async function findRule(tx: Tx, tenantId: string, id: string) {
  const [row] = await tx
    .select()
    .from(commissionRules)
    .where(and(eq(commissionRules.tenantId, tenantId), eq(commissionRules.id, id)));
  if (!row) throw notFound('commission_rule', id);
  return row;
}

export async function getRule(ctx: TenantCtx, id: string) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => presentRule(await findRule(tx, ctx.tenantId, id)));
}

export async function listRules(
  ctx: TenantCtx,
  query: ListQuery & { active?: boolean | undefined; type?: CommissionRuleType | undefined },
) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(commissionRules)
      .where(
        and(
          eq(commissionRules.tenantId, ctx.tenantId),
          query.active === undefined ? undefined : eq(commissionRules.active, query.active),
          query.type ? eq(commissionRules.type, query.type) : undefined,
          after ? lt(commissionRules.id, after) : undefined,
        ),
      )
      .orderBy(desc(commissionRules.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentRule);
  });
}

/** Rule changes apply to orders paid afterwards; existing ledger entries keep their amounts. */
export async function updateRule(ctx: TenantCtx, id: string, input: RuleInput) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const current = await findRule(tx, ctx.tenantId, id);
    const pick = <T>(v: T | undefined, old: T) => (v === undefined ? old : v);
    const type = input.type ?? current.type;
    const typeChanged = type !== current.type;
    // Changing the type drops the value fields of the old type unless new ones are given.
    const rateBps = pick(input.rate_bps, typeChanged && type !== 'percentage' ? null : current.rateBps);
    const amount = pick(input.amount, typeChanged && type !== 'fixed' ? null : current.amount);
    checkRuleValues(type, rateBps, amount);
    await checkRuleReferences(tx, ctx.tenantId, input);
    const [row] = await tx
      .update(commissionRules)
      .set({
        name: pick(input.name, current.name),
        type,
        rateBps,
        amount,
        productId: pick(input.product_id, current.productId),
        categoryId: pick(input.category_id, current.categoryId),
        supplierId: pick(input.supplier_id, current.supplierId),
        storeId: pick(input.store_id, current.storeId),
        promoterKind: pick(input.promoter_kind, current.promoterKind as RuleInput['promoter_kind']),
        minPromoterLevel: pick(input.min_promoter_level, current.minPromoterLevel),
        priority: input.priority ?? current.priority,
        active: input.active ?? current.active,
        metadata: input.metadata ? mergeRecord(current.metadata, input.metadata) : current.metadata,
        updatedAt: ctx.clock.now(),
      })
      .where(and(eq(commissionRules.tenantId, ctx.tenantId), eq(commissionRules.id, id)))
      .returning();
    return presentRule(row!);
  });
}

export async function deleteRule(ctx: TenantCtx, id: string) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    await findRule(tx, ctx.tenantId, id);
    await tx
      .delete(commissionRules)
      .where(and(eq(commissionRules.tenantId, ctx.tenantId), eq(commissionRules.id, id)));
    return { id, object: 'commission_rule' as const, deleted: true as const };
  });
}

const toMathRule = (r: RuleRow): CommissionRule => ({
  id: r.id,
  type: r.type,
  rate_bps: r.rateBps,
  amount: r.amount,
  product_id: r.productId,
  category_id: r.categoryId,
  supplier_id: r.supplierId,
  store_id: r.storeId,
  promoter_kind: r.promoterKind,
  min_promoter_level: r.minPromoterLevel,
  priority: r.priority,
  active: r.active,
});

// ---------------------------------------------------------------------------------------------
// The ledger

export function presentCommission(row: CommissionRow, adjustments: AdjustmentRow[] = []) {
  return {
    id: row.id,
    object: 'commission' as const,
    status: row.status,
    promoter_id: row.promoterId,
    order_id: row.orderId,
    order_line_id: row.orderLineId,
    store_id: row.storeId,
    rule_id: row.ruleId,
    rule_type: row.ruleType,
    currency: row.currency,
    line_amount: row.lineAmount,
    net_amount: row.netAmount,
    /** The commission on the whole line when the order was paid. */
    estimated_amount: row.estimatedAmount,
    /** The commission on the net amount (frozen once settled). */
    amount: row.amount,
    /** Known once confirmed: the amount plus adjustments; null while pending. */
    final_amount: row.status === 'pending' ? null : row.amount + row.adjustedAmount,
    adjusted_amount: row.adjustedAmount,
    adjustments: adjustments.map(presentAdjustment),
    settlement_id: row.settlementId,
    order_paid_at: iso(row.orderPaidAt)!,
    confirm_after: iso(row.confirmAfter),
    confirmed_at: iso(row.confirmedAt),
    settled_at: iso(row.settledAt),
    reversed_at: iso(row.reversedAt),
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Commission = ReturnType<typeof presentCommission>;

export function presentAdjustment(row: AdjustmentRow) {
  return {
    id: row.id,
    object: 'commission_adjustment' as const,
    commission_id: row.commissionId,
    amount: row.amount,
    currency: row.currency,
    reason: row.reason,
    settlement_id: row.settlementId,
    created_at: iso(row.createdAt)!,
  };
}

async function adjustmentsOf(tx: Tx, tenantId: string, ids: string[]) {
  const out = new Map<string, AdjustmentRow[]>();
  if (!ids.length) return out;
  const rows = await tx
    .select()
    .from(commissionAdjustments)
    .where(
      and(eq(commissionAdjustments.tenantId, tenantId), inArray(commissionAdjustments.commissionId, ids)),
    )
    .orderBy(asc(commissionAdjustments.id));
  for (const r of rows) out.set(r.commissionId, [...(out.get(r.commissionId) ?? []), r]);
  return out;
}

const entryOf = (row: CommissionRow): LedgerEntry => ({
  status: row.status,
  estimated: row.estimatedAmount,
  gross: row.lineAmount,
  net: row.netAmount,
  amount: row.amount,
  adjusted: row.adjustedAmount,
});

/** The line amounts left after succeeded refunds (open ones hold their amount but are not final). */
async function netByLine(
  tx: Tx,
  tenantId: string,
  orderId: string,
  lines: Array<{ id: string; total: number }>,
) {
  const rows = await tx
    .select({ lines: refunds.lines })
    .from(refunds)
    .where(
      and(eq(refunds.tenantId, tenantId), eq(refunds.orderId, orderId), eq(refunds.status, 'succeeded')),
    );
  const net = new Map(lines.map((l) => [l.id, l.total]));
  for (const r of rows) {
    for (const p of r.lines)
      net.set(p.order_line_id, Math.max(0, (net.get(p.order_line_id) ?? 0) - p.amount));
  }
  return net;
}

/** One ledger row per attributed line of a paid order, priced by the rule that applies. */
async function createCommissions(tx: Tx, ctx: Ctx, order: typeof orders.$inferSelect) {
  const promoter = await findPromoter(tx, ctx.tenantId, order.promoterId!);
  if (!promoter) return [];
  const lines = await tx
    .select()
    .from(orderLines)
    .where(and(eq(orderLines.tenantId, ctx.tenantId), eq(orderLines.orderId, order.id)))
    .orderBy(asc(orderLines.position));
  if (!lines.length) return [];
  const { commission_cap_bps } = await readTenantSettings(tx, ctx.tenantId);
  const productIds = [...new Set(lines.map((l) => l.productId))];
  const ruleRows = await tx
    .select()
    .from(commissionRules)
    .where(
      and(
        eq(commissionRules.tenantId, ctx.tenantId),
        eq(commissionRules.active, true),
        or(isNull(commissionRules.productId), inArray(commissionRules.productId, productIds)),
        or(isNull(commissionRules.storeId), eq(commissionRules.storeId, order.storeId)),
      ),
    );
  const rules = ruleRows.map(toMathRule);
  const now = ctx.clock.now();
  const values = lines.map((l) => {
    const facts: LineFacts = {
      product_id: l.productId,
      category_id: l.categoryId,
      supplier_id: l.supplierId,
      store_id: order.storeId,
      promoter_kind: promoter.kind,
      promoter_level: promoter.level,
      quantity: l.quantity,
      amount: l.total,
      supply_price: l.supplyPrice,
    };
    const rule = selectRule(rules, facts);
    const estimated = rule ? baseCommission(rule, facts, commission_cap_bps) : 0;
    return {
      tenantId: ctx.tenantId,
      id: newId('commission'),
      orderId: order.id,
      orderLineId: l.id,
      promoterId: promoter.id,
      storeId: order.storeId,
      ruleId: rule?.id ?? null,
      ruleType: rule?.type ?? null,
      status: 'pending' as const,
      currency: order.currency,
      lineAmount: l.total,
      netAmount: l.total,
      estimatedAmount: estimated,
      amount: estimated,
      orderPaidAt: order.paidAt ?? now,
      createdAt: now,
      updatedAt: now,
    };
  });
  const rows = await tx.insert(commissions).values(values).returning();
  for (const row of rows)
    await recordEvent(tx, ctx, { type: 'commission.created', object: presentCommission(row) });
  return rows;
}

/**
 * Brings an order's ledger rows in line with the order, in the order's transaction (the order
 * row is locked by the caller). Called by the orders module when an order is paid, cancelled,
 * completed or refunded, and by the confirmation job; running it again changes nothing.
 *
 * - paid and attributed, no rows yet: one `pending` row per line (`commission.created`);
 * - a line's net amount changed: unsettled rows move to the commission on the new net
 *   (`commission.adjusted`), or are reversed when nothing is left (`commission.reversed`);
 *   settled rows stay frozen and get an adjustment entry (`commission.adjusted`);
 * - completed, no open after-sale, return window over: `pending` rows are confirmed
 *   (`commission.confirmed`); before the window ends, a job is scheduled for its end.
 */
export async function syncOrderCommissions(tx: Tx, ctx: Ctx, orderId: string): Promise<void> {
  const [order] = await tx
    .select()
    .from(orders)
    .where(and(eq(orders.tenantId, ctx.tenantId), eq(orders.id, orderId)));
  if (!order?.paidAt || !order.promoterId) return;
  let rows = await tx
    .select()
    .from(commissions)
    .where(and(eq(commissions.tenantId, ctx.tenantId), eq(commissions.orderId, orderId)))
    .orderBy(asc(commissions.id))
    .for('update');
  if (!rows.length) rows = await createCommissions(tx, ctx, order);
  if (!rows.length) return;
  const now = ctx.clock.now();
  const nets = await netByLine(
    tx,
    ctx.tenantId,
    orderId,
    rows.map((r) => ({ id: r.orderLineId, total: r.lineAmount })),
  );
  const settings = await readTenantSettings(tx, ctx.tenantId);
  const confirmAfter =
    order.status === 'completed' && order.completedAt
      ? new Date(order.completedAt.getTime() + settings.return_window_days * 86_400_000)
      : null;
  const confirmable = confirmAfter !== null && order.refundPending === 0 && confirmAfter <= now;
  for (const row of rows) {
    const { entry, change } = applyNet(entryOf(row), nets.get(row.orderLineId) ?? row.lineAmount);
    let status: CommissionStatus = entry.status;
    if (confirmable && status === 'pending') status = commissionMachine.next(status, 'confirm');
    const confirmed = status === 'confirmed' && row.status === 'pending';
    if (
      change.kind === 'none' &&
      !confirmed &&
      (row.confirmAfter?.getTime() ?? null) === (confirmAfter?.getTime() ?? null)
    ) {
      continue;
    }
    if (change.kind === 'adjust') {
      await tx.insert(commissionAdjustments).values({
        tenantId: ctx.tenantId,
        id: newId('commissionAdjustment'),
        commissionId: row.id,
        promoterId: row.promoterId,
        orderId: row.orderId,
        amount: change.delta,
        currency: row.currency,
        reason: 'refund_after_settlement',
        createdAt: now,
      });
    }
    const [updated] = await tx
      .update(commissions)
      .set({
        status,
        netAmount: entry.net,
        amount: entry.amount,
        adjustedAmount: entry.adjusted,
        confirmAfter: row.status === 'settled' ? row.confirmAfter : confirmAfter,
        confirmedAt: confirmed ? now : row.confirmedAt,
        reversedAt: change.kind === 'reverse' ? now : row.reversedAt,
        updatedAt: now,
      })
      .where(and(eq(commissions.tenantId, ctx.tenantId), eq(commissions.id, row.id)))
      .returning();
    const object = async () =>
      presentCommission(updated!, (await adjustmentsOf(tx, ctx.tenantId, [row.id])).get(row.id) ?? []);
    if (change.kind === 'reverse')
      await recordEvent(tx, ctx, { type: 'commission.reversed', object: await object() });
    if (change.kind === 'amend' || change.kind === 'adjust') {
      await recordEvent(tx, ctx, { type: 'commission.adjusted', object: await object() });
    }
    if (confirmed) await recordEvent(tx, ctx, { type: 'commission.confirmed', object: await object() });
  }
  if (confirmAfter && confirmAfter > now && rows.some((r) => r.status === 'pending')) {
    await enqueueJob(
      tx,
      ctx.tenantId,
      {
        kind: CONFIRM_COMMISSIONS_JOB,
        runAt: confirmAfter,
        payload: { order_id: orderId },
        // Keyed by the moment too: a changed return window schedules a new job.
        dedupeKey: `${orderId}:${confirmAfter.toISOString()}`,
      },
      now,
    );
  }
}

/**
 * Job at completion + return window: confirms the order's pending commissions, unless an
 * after-sale is open; then closing the refund (succeeded or cancelled) confirms them.
 */
export const confirmCommissionsJob: JobHandler = async (job, { tx, clock }) => {
  const orderId = String(job.payload.order_id);
  // The order row first, like every change of an order, so refunds and this job serialise.
  await tx
    .select({ id: orders.id })
    .from(orders)
    .where(and(eq(orders.tenantId, job.tenantId), eq(orders.id, orderId)))
    .for('update');
  await syncOrderCommissions(tx, { tenantId: job.tenantId, clock }, orderId);
};

/** A promoter token reads only its own ledger. */
function visibility(ctx: TenantCtx) {
  const self = promoterScope(ctx.actor);
  return self ? eq(commissions.promoterId, self) : undefined;
}

export interface CommissionFilters {
  promoter_id?: string | undefined;
  status?: CommissionStatus | undefined;
  order_id?: string | undefined;
  settlement_id?: string | undefined;
}

export async function listCommissions(ctx: TenantCtx, query: ListQuery & CommissionFilters) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(commissions)
      .where(
        and(
          eq(commissions.tenantId, ctx.tenantId),
          visibility(ctx),
          query.promoter_id ? eq(commissions.promoterId, query.promoter_id) : undefined,
          query.status ? eq(commissions.status, query.status) : undefined,
          query.order_id ? eq(commissions.orderId, query.order_id) : undefined,
          query.settlement_id ? eq(commissions.settlementId, query.settlement_id) : undefined,
          after ? lt(commissions.id, after) : undefined,
        ),
      )
      .orderBy(desc(commissions.id))
      .limit(query.limit + 1);
    const adj = await adjustmentsOf(
      tx,
      ctx.tenantId,
      rows.slice(0, query.limit).map((r) => r.id),
    );
    return pageOf(rows, query.limit, (r) => presentCommission(r, adj.get(r.id) ?? []));
  });
}

export async function getCommission(ctx: TenantCtx, id: string): Promise<Commission> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const [row] = await tx
      .select()
      .from(commissions)
      .where(and(eq(commissions.tenantId, ctx.tenantId), eq(commissions.id, id), visibility(ctx)));
    if (!row) throw notFound('commission', id);
    return presentCommission(row, (await adjustmentsOf(tx, ctx.tenantId, [id])).get(id) ?? []);
  });
}

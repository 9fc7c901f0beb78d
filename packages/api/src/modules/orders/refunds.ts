import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { badRequest, conflict, fieldError, notFound, unprocessable } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { allocate } from '../../lib/money';
import { syncOrderCommissions } from '../commissions/service';
import { recordEvent } from '../events/service';
import { restock } from '../inventory/stock';
import { membersOnRefundSucceeded } from '../members/hooks';
import {
  linesOf,
  lockOrder,
  type OrderLineRow,
  presentRefundRow,
  type Refund,
  syncProgress,
} from './service';
import { type RefundStatus, refundMachine } from './states';
import { orderLines, orders, type RefundLine, refunds } from './tables';

type Ctx = Pick<TenantCtx, 'tenantId' | 'clock'>;
type RefundRow = typeof refunds.$inferSelect;

export interface RefundInput {
  /** Per line: units (the amount follows pro rata) and/or an amount. */
  lines?:
    | Array<{ order_line_id: string; quantity?: number | undefined; amount?: number | undefined }>
    | undefined;
  /** Or one amount for the order, spread over its lines by what each has left (largest remainder). */
  amount?: number | undefined;
  restock?: boolean | undefined;
  reason?: string | undefined;
  reference?: string | undefined;
  /** `pending`: an open after-sale (售后中) that holds its amount; `succeeded`: the money went back. */
  status?: 'pending' | 'succeeded' | undefined;
  metadata?: Record<string, string> | undefined;
}

const REFUNDABLE = new Set(['paid', 'partially_shipped', 'shipped', 'completed']);

/**
 * The part of a line's amount that `quantity` of its remaining units carry: pro rata, and the
 * last units take exactly what is left, so refunding every unit returns the whole line.
 */
export function amountForUnits(
  line: Pick<OrderLineRow, 'quantity' | 'quantityRefunded' | 'total' | 'amountRefunded'>,
  quantity: number,
) {
  const unitsLeft = line.quantity - line.quantityRefunded;
  const amountLeft = line.total - line.amountRefunded;
  if (quantity >= unitsLeft) return amountLeft;
  return Math.min(amountLeft, Math.floor((line.total * quantity) / line.quantity));
}

/** Works out the refund lines and checks them against what each line has left. */
function planRefund(lines: OrderLineRow[], input: RefundInput): RefundLine[] {
  if ((input.lines ? 1 : 0) + (input.amount !== undefined ? 1 : 0) !== 1) {
    throw badRequest('invalid_refund', 'Give either lines or an amount.', [
      fieldError('body', 'lines_or_amount', 'Exactly one of lines and amount'),
    ]);
  }
  if (input.amount !== undefined) {
    if (input.restock) {
      throw badRequest('invalid_refund', 'Restocking needs lines with quantities.', [
        fieldError('body.restock', 'needs_quantities', 'Give lines with quantities to restock'),
      ]);
    }
    const left = lines.map((l) => l.total - l.amountRefunded);
    const total = left.reduce((a, b) => a + b, 0);
    if (input.amount > total) {
      throw unprocessable('refund_exceeds_remainder', `At most ${total} can still be refunded.`, [
        fieldError('body.amount', 'too_much', `At most ${total}`),
      ]);
    }
    const parts = allocate(input.amount, left);
    return lines
      .map((l, i) => ({ order_line_id: l.id, quantity: 0, amount: parts[i]! }))
      .filter((p) => p.amount > 0);
  }
  const errors = [];
  const seen = new Set<string>();
  const plan: RefundLine[] = [];
  for (const [i, req] of input.lines!.entries()) {
    const line = lines.find((l) => l.id === req.order_line_id);
    const at = `body.lines.${i}`;
    if (!line) {
      errors.push(fieldError(`${at}.order_line_id`, 'invalid_reference', 'Not a line of this order'));
      continue;
    }
    if (seen.has(line.id)) errors.push(fieldError(`${at}.order_line_id`, 'duplicate', 'Listed twice'));
    seen.add(line.id);
    const quantity = req.quantity ?? 0;
    if (quantity === 0 && req.amount === undefined) {
      errors.push(fieldError(at, 'empty', 'Give a quantity, an amount, or both'));
      continue;
    }
    const unitsLeft = line.quantity - line.quantityRefunded;
    if (quantity > unitsLeft) {
      errors.push(fieldError(`${at}.quantity`, 'too_many', `At most ${unitsLeft} can still be refunded`));
      continue;
    }
    const amount = req.amount ?? amountForUnits(line, quantity);
    if (amount > line.total - line.amountRefunded) {
      errors.push(fieldError(`${at}.amount`, 'too_much', `At most ${line.total - line.amountRefunded}`));
      continue;
    }
    if (amount === 0 && quantity === 0) {
      errors.push(fieldError(at, 'empty', 'Nothing to refund'));
      continue;
    }
    plan.push({ order_line_id: line.id, quantity, amount });
  }
  if (errors.length)
    throw unprocessable(
      'refund_exceeds_remainder',
      'The refund does not fit what the order has left.',
      errors,
    );
  if (input.restock && plan.every((p) => p.quantity === 0)) {
    throw badRequest('invalid_refund', 'Restocking needs lines with quantities.', [
      fieldError('body.restock', 'needs_quantities', 'Give lines with quantities to restock'),
    ]);
  }
  return plan;
}

async function restockRefund(tx: Tx, ctx: Ctx, refund: RefundRow, lines: OrderLineRow[]) {
  if (!refund.restock) return;
  const units = refund.lines
    .filter((p) => p.quantity > 0)
    .map((p) => ({
      variant_id: lines.find((l) => l.id === p.order_line_id)!.variantId,
      quantity: p.quantity,
    }));
  await restock(tx, ctx, units, refund.id);
}

/**
 * Creates a refund. Its units and amount are held against the lines and the order at once
 * (also while pending), so refunds can never exceed what was paid; the database CHECKs say the
 * same. Restocking happens when the refund succeeds (the goods came back).
 */
export async function createRefund(ctx: TenantCtx, orderId: string, input: RefundInput): Promise<Refund> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const order = await lockOrder(tx, ctx.tenantId, orderId);
    if (!REFUNDABLE.has(order.status)) {
      throw conflict(
        'order_not_refundable',
        `A ${order.status.replace(/_/g, ' ')} order has nothing to refund.`,
      );
    }
    const lines = (await linesOf(tx, ctx.tenantId, [orderId])).get(orderId) ?? [];
    const plan = planRefund(lines, input);
    const amount = plan.reduce((a, p) => a + p.amount, 0);
    const now = ctx.clock.now();
    const status: RefundStatus = input.status ?? 'succeeded';
    for (const p of plan) {
      await tx
        .update(orderLines)
        .set({
          quantityRefunded: sql`${orderLines.quantityRefunded} + ${p.quantity}`,
          amountRefunded: sql`${orderLines.amountRefunded} + ${p.amount}`,
        })
        .where(and(eq(orderLines.tenantId, ctx.tenantId), eq(orderLines.id, p.order_line_id)));
    }
    await tx
      .update(orders)
      .set(
        status === 'succeeded'
          ? { amountRefunded: sql`${orders.amountRefunded} + ${amount}`, updatedAt: now }
          : { refundPending: sql`${orders.refundPending} + ${amount}`, updatedAt: now },
      )
      .where(and(eq(orders.tenantId, ctx.tenantId), eq(orders.id, orderId)));
    const [refund] = await tx
      .insert(refunds)
      .values({
        tenantId: ctx.tenantId,
        id: newId('refund'),
        orderId,
        status,
        amount,
        currency: order.currency,
        lines: plan,
        restock: input.restock ?? false,
        reason: input.reason ?? null,
        reference: input.reference ?? null,
        metadata: input.metadata ?? {},
        succeededAt: status === 'succeeded' ? now : null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (status === 'succeeded') await restockRefund(tx, ctx, refund!, lines);
    if (status === 'succeeded') {
      const refunded = { ...order, amountRefunded: order.amountRefunded + amount };
      await membersOnRefundSucceeded(tx, ctx, refunded, lines, refund!.id);
    }
    await syncProgress(tx, ctx, (await lockOrder(tx, ctx.tenantId, orderId))!);
    await syncOrderCommissions(tx, ctx, orderId);
    const presented = presentRefundRow(refund!);
    await recordEvent(tx, ctx, { type: 'refund.created', object: presented });
    return presented;
  });
}

async function findRefund(tx: Tx, tenantId: string, id: string) {
  const [row] = await tx
    .select()
    .from(refunds)
    .where(and(eq(refunds.tenantId, tenantId), eq(refunds.id, id)));
  if (!row) throw notFound('refund', id);
  return row;
}

/** Closes an open refund: the money went back (`succeed`) or the after-sale was dropped (`cancel`). */
export async function settleRefund(
  ctx: TenantCtx,
  id: string,
  event: 'succeed' | 'cancel',
  input: { reference?: string | undefined } = {},
): Promise<Refund> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const found = await findRefund(tx, ctx.tenantId, id);
    const order = await lockOrder(tx, ctx.tenantId, found.orderId);
    const refund = await findRefund(tx, ctx.tenantId, id);
    const status = refundMachine.next(refund.status, event);
    const now = ctx.clock.now();
    if (event === 'succeed') {
      await tx
        .update(orders)
        .set({
          refundPending: sql`${orders.refundPending} - ${refund.amount}`,
          amountRefunded: sql`${orders.amountRefunded} + ${refund.amount}`,
          updatedAt: now,
        })
        .where(and(eq(orders.tenantId, ctx.tenantId), eq(orders.id, order.id)));
      const lines = (await linesOf(tx, ctx.tenantId, [order.id])).get(order.id) ?? [];
      await restockRefund(tx, ctx, refund, lines);
      const refunded = { ...order, amountRefunded: order.amountRefunded + refund.amount };
      await membersOnRefundSucceeded(tx, ctx, refunded, lines, refund.id);
    } else {
      // The units and the amount return to the order's refundable remainder.
      for (const p of refund.lines) {
        await tx
          .update(orderLines)
          .set({
            quantityRefunded: sql`${orderLines.quantityRefunded} - ${p.quantity}`,
            amountRefunded: sql`${orderLines.amountRefunded} - ${p.amount}`,
          })
          .where(and(eq(orderLines.tenantId, ctx.tenantId), eq(orderLines.id, p.order_line_id)));
      }
      await tx
        .update(orders)
        .set({ refundPending: sql`${orders.refundPending} - ${refund.amount}`, updatedAt: now })
        .where(and(eq(orders.tenantId, ctx.tenantId), eq(orders.id, order.id)));
    }
    const [row] = await tx
      .update(refunds)
      .set({
        status,
        reference: input.reference ?? refund.reference,
        succeededAt: event === 'succeed' ? now : null,
        canceledAt: event === 'cancel' ? now : null,
        updatedAt: now,
      })
      .where(and(eq(refunds.tenantId, ctx.tenantId), eq(refunds.id, id)))
      .returning();
    await syncOrderCommissions(tx, ctx, order.id);
    const presented = presentRefundRow(row!);
    await recordEvent(tx, ctx, {
      type: event === 'succeed' ? 'refund.succeeded' : 'refund.canceled',
      object: presented,
    });
    return presented;
  });
}

export async function getRefund(ctx: TenantCtx, id: string): Promise<Refund> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) =>
    presentRefundRow(await findRefund(tx, ctx.tenantId, id)),
  );
}

export async function listRefunds(
  ctx: TenantCtx,
  query: ListQuery & { order_id?: string | undefined; status?: RefundStatus | undefined },
) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(refunds)
      .where(
        and(
          eq(refunds.tenantId, ctx.tenantId),
          query.order_id ? eq(refunds.orderId, query.order_id) : undefined,
          query.status ? eq(refunds.status, query.status) : undefined,
          after ? lt(refunds.id, after) : undefined,
        ),
      )
      .orderBy(desc(refunds.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentRefundRow);
  });
}

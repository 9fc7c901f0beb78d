import { and, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { conflict } from '../../http/errors';
import type { TenantCtx } from '../../lib/context';
import { releaseOrderCoupon } from './coupons';
import { membershipPayments } from './tables';
import { accrueOrderGrowth, reverseOrderGrowth } from './tiers';

/**
 * What the members module does when an order changes: one call per moment, made by the orders
 * module inside its own transaction (so orders/*.ts carry one line each, not member rules).
 */
type Ctx = Pick<TenantCtx, 'tenantId' | 'clock'>;
interface OrderFacts {
  id: string;
  customerId: string | null;
  couponCode?: string | null;
  amountRefunded: number;
}
type LineFacts = Array<{ total: number }>;

/** Paid: the customer earns growth value (成长值) on the goods paid. */
export async function membersOnOrderPaid(tx: Tx, ctx: Ctx, order: OrderFacts, lines: LineFacts) {
  await accrueOrderGrowth(
    tx,
    ctx,
    order,
    lines.map((l) => l.total),
  );
}

/** A refund succeeded (`amountRefunded` already counts it): growth is reversed pro rata. */
export async function membersOnRefundSucceeded(
  tx: Tx,
  ctx: Ctx,
  order: OrderFacts,
  lines: LineFacts,
  refundId: string,
) {
  await reverseOrderGrowth(
    tx,
    ctx,
    order,
    lines.map((l) => l.total),
    refundId,
  );
}

/** Cancelled or expired: the coupon's use is given back; a paid order's growth is reversed. */
export async function membersOnOrderCanceled(
  tx: Tx,
  ctx: Ctx,
  order: OrderFacts,
  lines: LineFacts,
  refundId: string | null,
) {
  if (order.couponCode) await releaseOrderCoupon(tx, ctx, order.id);
  if (refundId) await membersOnRefundSucceeded(tx, ctx, order, lines, refundId);
}

/** Before an order payment: a provider reference that already paid a membership cannot pay an order. */
export async function membersAssertReferenceFree(
  tx: Tx,
  tenantId: string,
  payment: { provider: string; reference: string },
) {
  const [used] = await tx
    .select({ id: membershipPayments.id })
    .from(membershipPayments)
    .where(
      and(
        eq(membershipPayments.tenantId, tenantId),
        eq(membershipPayments.provider, payment.provider),
        eq(membershipPayments.reference, payment.reference),
      ),
    );
  if (used) throw conflict('payment_reference_used', `This ${payment.provider} reference paid a membership.`);
}

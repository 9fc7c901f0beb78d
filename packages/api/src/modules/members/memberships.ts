import { and, desc, eq, gt, inArray, lt } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { conflict, invalidReference, notFound } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { mergeRecord } from '../../lib/records';
import { requireCustomerLocked } from '../customers/service';
import { recordEvent } from '../events/service';
import type { JobHandler } from '../jobs/runner';
import { cancelJob, enqueueJob } from '../jobs/service';
import { assertPaymentMatches, type PaymentInput } from '../orders/service';
import { payments } from '../orders/tables';
import { readTenantSettings } from '../tenants/service';
import { type MembershipStatus, membershipPayments, membershipPlans, memberships } from './tables';

type Ctx = Pick<TenantCtx, 'tenantId' | 'clock'>;
type PlanRow = typeof membershipPlans.$inferSelect;
type MembershipRow = typeof memberships.$inferSelect;
type PaymentRow = typeof membershipPayments.$inferSelect;

export const EXPIRE_MEMBERSHIP_JOB = 'membership.expire';
const DAY = 86_400_000;

export function presentPlan(row: PlanRow) {
  return {
    id: row.id,
    object: 'membership_plan' as const,
    name: row.name,
    price: row.price,
    currency: row.currency,
    duration_days: row.durationDays,
    active: row.active,
    metadata: row.metadata,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Plan = ReturnType<typeof presentPlan>;

export function presentMembership(row: MembershipRow) {
  return {
    id: row.id,
    object: 'membership' as const,
    customer_id: row.customerId,
    plan_id: row.planId,
    status: row.status,
    currency: row.currency,
    amount_due: row.amountDue,
    amount_paid: row.amountPaid,
    started_at: iso(row.startedAt),
    ends_at: iso(row.endsAt),
    expired_at: iso(row.expiredAt),
    canceled_at: iso(row.canceledAt),
    metadata: row.metadata,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Membership = ReturnType<typeof presentMembership>;

export function presentMembershipPayment(row: PaymentRow) {
  return {
    id: row.id,
    object: 'membership_payment' as const,
    membership_id: row.membershipId,
    provider: row.provider,
    reference: row.reference,
    amount: row.amount,
    currency: row.currency,
    metadata: row.metadata,
    created_at: iso(row.createdAt)!,
  };
}

// ---------------------------------------------------------------------------------------------
// Plans

export interface PlanInput {
  name?: string | undefined;
  price?: number | undefined;
  duration_days?: number | undefined;
  active?: boolean | undefined;
  metadata?: Record<string, string | null> | undefined;
}

export async function createPlan(
  ctx: TenantCtx,
  input: PlanInput & { name: string; price: number; duration_days: number },
): Promise<Plan> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const { currency } = await readTenantSettings(tx, ctx.tenantId);
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(membershipPlans)
      .values({
        tenantId: ctx.tenantId,
        id: newId('membershipPlan'),
        name: input.name,
        price: input.price,
        currency,
        durationDays: input.duration_days,
        active: input.active ?? true,
        metadata: mergeRecord({}, input.metadata ?? {}),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    return presentPlan(row!);
  });
}

async function findPlan(tx: Tx, tenantId: string, id: string) {
  const [row] = await tx
    .select()
    .from(membershipPlans)
    .where(and(eq(membershipPlans.tenantId, tenantId), eq(membershipPlans.id, id)));
  if (!row) throw notFound('membership_plan', id);
  return row;
}

export async function getPlan(ctx: TenantCtx, id: string): Promise<Plan> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => presentPlan(await findPlan(tx, ctx.tenantId, id)));
}

/** A new price or duration applies to memberships created or renewed afterwards. */
export async function updatePlan(ctx: TenantCtx, id: string, input: PlanInput): Promise<Plan> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const current = await findPlan(tx, ctx.tenantId, id);
    const [row] = await tx
      .update(membershipPlans)
      .set({
        name: input.name ?? current.name,
        price: input.price ?? current.price,
        durationDays: input.duration_days ?? current.durationDays,
        active: input.active ?? current.active,
        metadata: input.metadata ? mergeRecord(current.metadata, input.metadata) : current.metadata,
        updatedAt: ctx.clock.now(),
      })
      .where(and(eq(membershipPlans.tenantId, ctx.tenantId), eq(membershipPlans.id, id)))
      .returning();
    return presentPlan(row!);
  });
}

export async function listPlans(ctx: TenantCtx, query: ListQuery & { active?: boolean | undefined }) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(membershipPlans)
      .where(
        and(
          eq(membershipPlans.tenantId, ctx.tenantId),
          query.active === undefined ? undefined : eq(membershipPlans.active, query.active),
          after ? lt(membershipPlans.id, after) : undefined,
        ),
      )
      .orderBy(desc(membershipPlans.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentPlan);
  });
}

// ---------------------------------------------------------------------------------------------
// Memberships

async function lockMembership(tx: Tx, tenantId: string, id: string) {
  const [row] = await tx
    .select()
    .from(memberships)
    .where(and(eq(memberships.tenantId, tenantId), eq(memberships.id, id)))
    .for('update');
  if (!row) throw notFound('membership', id);
  return row;
}

/** A pending membership: it starts when its payment is recorded. */
export async function createMembership(
  ctx: TenantCtx,
  input: { customer_id: string; plan_id: string; metadata?: Record<string, string> | undefined },
): Promise<Membership> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    await requireCustomerLocked(tx, ctx.tenantId, input.customer_id, 'body.customer_id');
    const [plan] = await tx
      .select()
      .from(membershipPlans)
      .where(and(eq(membershipPlans.tenantId, ctx.tenantId), eq(membershipPlans.id, input.plan_id)));
    if (!plan) throw invalidReference('membership_plan', input.plan_id, 'body.plan_id');
    if (!plan.active) throw conflict('plan_inactive', 'This membership plan is not on sale.');
    const [open] = await tx
      .select({ id: memberships.id, status: memberships.status })
      .from(memberships)
      .where(
        and(
          eq(memberships.tenantId, ctx.tenantId),
          eq(memberships.customerId, input.customer_id),
          inArray(memberships.status, ['pending', 'active']),
        ),
      );
    if (open) {
      throw conflict(
        'membership_exists',
        `The customer has a ${open.status} membership '${open.id}'; pay or renew that one.`,
      );
    }
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(memberships)
      .values({
        tenantId: ctx.tenantId,
        id: newId('membership'),
        customerId: input.customer_id,
        planId: plan.id,
        status: 'pending',
        currency: plan.currency,
        amountDue: plan.price,
        metadata: input.metadata ?? {},
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const membership = presentMembership(row!);
    await recordEvent(tx, ctx, { type: 'membership.created', object: membership });
    return membership;
  });
}

export async function getMembership(ctx: TenantCtx, id: string): Promise<Membership> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const [row] = await tx
      .select()
      .from(memberships)
      .where(and(eq(memberships.tenantId, ctx.tenantId), eq(memberships.id, id)));
    if (!row) throw notFound('membership', id);
    return presentMembership(row);
  });
}

export async function listMemberships(
  ctx: TenantCtx,
  query: ListQuery & { customer_id?: string | undefined; status?: MembershipStatus | undefined },
) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(memberships)
      .where(
        and(
          eq(memberships.tenantId, ctx.tenantId),
          query.customer_id ? eq(memberships.customerId, query.customer_id) : undefined,
          query.status ? eq(memberships.status, query.status) : undefined,
          after ? lt(memberships.id, after) : undefined,
        ),
      )
      .orderBy(desc(memberships.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentMembership);
  });
}

/**
 * Asks for the next period: the plan's current price becomes due; its payment extends the
 * membership from its current end (or from the payment, if it already expired).
 */
export async function renewMembership(ctx: TenantCtx, id: string): Promise<Membership> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const row = await lockMembership(tx, ctx.tenantId, id);
    if (row.status === 'pending' || row.status === 'canceled') {
      throw conflict('membership_not_renewable', `A ${row.status} membership cannot be renewed.`);
    }
    if (row.amountDue > 0) return presentMembership(row); // already asked
    const plan = await findPlan(tx, ctx.tenantId, row.planId);
    if (!plan.active) throw conflict('plan_inactive', 'This membership plan is not on sale.');
    if (row.status === 'expired') {
      // Reopening needs the open-membership slot (partial unique index).
      const [open] = await tx
        .select({ id: memberships.id })
        .from(memberships)
        .where(
          and(
            eq(memberships.tenantId, ctx.tenantId),
            eq(memberships.customerId, row.customerId),
            eq(memberships.status, 'active'),
          ),
        );
      if (open) throw conflict('membership_exists', `The customer has an active membership '${open.id}'.`);
    }
    const [updated] = await tx
      .update(memberships)
      .set({ amountDue: plan.price, updatedAt: ctx.clock.now() })
      .where(and(eq(memberships.tenantId, ctx.tenantId), eq(memberships.id, id)))
      .returning();
    return presentMembership(updated!);
  });
}

/** Cancels a membership that was never paid. */
export async function cancelMembership(ctx: TenantCtx, id: string): Promise<Membership> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const row = await lockMembership(tx, ctx.tenantId, id);
    if (row.status !== 'pending') {
      throw conflict('membership_not_cancelable', `A ${row.status} membership cannot be cancelled.`);
    }
    const now = ctx.clock.now();
    const [updated] = await tx
      .update(memberships)
      .set({ status: 'canceled', amountDue: 0, canceledAt: now, updatedAt: now })
      .where(and(eq(memberships.tenantId, ctx.tenantId), eq(memberships.id, id)))
      .returning();
    const membership = presentMembership(updated!);
    await recordEvent(tx, ctx, { type: 'membership.canceled', object: membership });
    return membership;
  });
}

/**
 * Records a payment for a membership, exactly like an order payment: the membership row is
 * locked, a repeated provider reference is a replay, and the amount must be exactly what is due
 * (`assertPaymentMatches`, shared with orders). A first payment starts the membership; a renewal's
 * extends it from its current end.
 */
export async function recordMembershipPayment(ctx: TenantCtx, id: string, input: PaymentInput) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const row = await lockMembership(tx, ctx.tenantId, id);
    const [existing] = await tx
      .select()
      .from(membershipPayments)
      .where(
        and(
          eq(membershipPayments.tenantId, ctx.tenantId),
          eq(membershipPayments.provider, input.provider),
          eq(membershipPayments.reference, input.reference),
        ),
      );
    if (existing) {
      if (existing.membershipId !== id) {
        throw conflict('payment_reference_used', `This ${input.provider} reference paid another membership.`);
      }
      return {
        payment: presentMembershipPayment(existing),
        membership: presentMembership(row),
        replayed: true,
      };
    }
    const [orderPayment] = await tx
      .select({ id: payments.id })
      .from(payments)
      .where(
        and(
          eq(payments.tenantId, ctx.tenantId),
          eq(payments.provider, input.provider),
          eq(payments.reference, input.reference),
        ),
      );
    if (orderPayment) {
      throw conflict('payment_reference_used', `This ${input.provider} reference paid an order.`);
    }
    if (row.status === 'canceled') throw conflict('membership_canceled', 'This membership was cancelled.');
    if (row.amountDue === 0) {
      throw conflict('membership_already_paid', 'Nothing is due on this membership; renew it first.');
    }
    assertPaymentMatches({ amount: row.amountDue, currency: row.currency }, input);
    const plan = await findPlan(tx, ctx.tenantId, row.planId);
    const now = ctx.clock.now();
    const [payment] = await tx
      .insert(membershipPayments)
      .values({
        tenantId: ctx.tenantId,
        id: newId('payment'),
        membershipId: id,
        provider: input.provider,
        reference: input.reference,
        amount: input.amount,
        currency: row.currency,
        metadata: input.metadata ?? {},
        createdAt: now,
      })
      .returning();
    const starting = row.status !== 'active';
    const from = !starting && row.endsAt && row.endsAt > now ? row.endsAt : now;
    const endsAt = new Date(from.getTime() + plan.durationDays * DAY);
    const [updated] = await tx
      .update(memberships)
      .set({
        status: 'active',
        amountDue: 0,
        amountPaid: row.amountPaid + input.amount,
        startedAt: starting ? now : row.startedAt,
        endsAt,
        expiredAt: null,
        updatedAt: now,
      })
      .where(and(eq(memberships.tenantId, ctx.tenantId), eq(memberships.id, id)))
      .returning();
    await cancelJob(tx, ctx.tenantId, EXPIRE_MEMBERSHIP_JOB, id);
    await enqueueJob(
      tx,
      ctx.tenantId,
      { kind: EXPIRE_MEMBERSHIP_JOB, runAt: endsAt, payload: { membership_id: id }, dedupeKey: id },
      now,
    );
    const membership = presentMembership(updated!);
    await recordEvent(tx, ctx, {
      type: starting ? 'membership.started' : 'membership.renewed',
      object: membership,
    });
    return { payment: presentMembershipPayment(payment!), membership, replayed: false };
  });
}

/** Job: a membership whose end has come expires. */
export const expireMembershipJob: JobHandler = async (job, { tx, clock }) => {
  const ctx: Ctx = { tenantId: job.tenantId, clock };
  const row = await lockMembership(tx, job.tenantId, String(job.payload.membership_id)).catch(() => null);
  const now = clock.now();
  if (row?.status !== 'active' || !row.endsAt || row.endsAt > now) return;
  const [updated] = await tx
    .update(memberships)
    .set({ status: 'expired', amountDue: 0, expiredAt: now, updatedAt: now })
    .where(and(eq(memberships.tenantId, job.tenantId), eq(memberships.id, row.id)))
    .returning();
  await recordEvent(tx, ctx, { type: 'membership.expired', object: presentMembership(updated!) });
};

/** The customer's membership that is active now, if any (for member prices and coupons). */
export async function activeMembershipOf(tx: Tx, tenantId: string, customerId: string, at: Date) {
  const [row] = await tx
    .select()
    .from(memberships)
    .where(
      and(
        eq(memberships.tenantId, tenantId),
        eq(memberships.customerId, customerId),
        eq(memberships.status, 'active'),
        gt(memberships.endsAt, at),
      ),
    );
  return row ?? null;
}

import { and, desc, eq, lt } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { badRequest, conflict, notFound } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { requireCustomerLocked } from '../customers/service';
import { recordEvent } from '../events/service';
import type { JobHandler } from '../jobs/runner';
import { enqueueJob } from '../jobs/service';
import { promoterScope, requirePromoter } from '../promoters/service';
import { readTenantSettings } from '../tenants/service';
import { type BINDING_SOURCES, type BINDING_STATUSES, customerBindings } from './tables';

type BindingRow = typeof customerBindings.$inferSelect;
export type BindingSource = (typeof BINDING_SOURCES)[number];
export const EXPIRE_BINDING_JOB = 'binding.expire';

export function presentBinding(row: BindingRow) {
  return {
    id: row.id,
    object: 'customer_binding' as const,
    customer_id: row.customerId,
    promoter_id: row.promoterId,
    source: row.source,
    status: row.status,
    starts_at: iso(row.startsAt)!,
    expires_at: iso(row.expiresAt)!,
    ended_at: iso(row.endedAt),
    created_at: iso(row.createdAt)!,
  };
}
export type Binding = ReturnType<typeof presentBinding>;

type Ctx = Pick<TenantCtx, 'tenantId' | 'clock'>;

async function activeBindingRow(tx: Tx, tenantId: string, customerId: string) {
  const [row] = await tx
    .select()
    .from(customerBindings)
    .where(
      and(
        eq(customerBindings.tenantId, tenantId),
        eq(customerBindings.customerId, customerId),
        eq(customerBindings.status, 'active'),
      ),
    );
  return row;
}

async function endBinding(tx: Tx, ctx: Ctx, row: BindingRow, status: 'expired' | 'released', at: Date) {
  const [ended] = await tx
    .update(customerBindings)
    .set({ status, endedAt: at })
    .where(and(eq(customerBindings.tenantId, row.tenantId), eq(customerBindings.id, row.id)))
    .returning();
  const binding = presentBinding(ended!);
  await recordEvent(tx, ctx, { type: `binding.${status}`, object: binding });
  return binding;
}

/**
 * The customer's binding in force now, if any (attribution reads this). A binding past its
 * expiry is ended here too, so the answer never depends on whether the expiry job has run.
 */
export async function currentBinding(tx: Tx, ctx: Ctx, customerId: string): Promise<BindingRow | undefined> {
  const row = await activeBindingRow(tx, ctx.tenantId, customerId);
  if (row && row.expiresAt.getTime() <= ctx.clock.now().getTime()) {
    await endBinding(tx, ctx, row, 'expired', row.expiresAt);
    return undefined;
  }
  return row;
}

export type BindOutcome = 'created' | 'renewed' | 'protected';

/**
 * Binds a customer to a promoter for the tenant's protection period. The customer row is
 * locked first, so concurrent binds of one customer are serialised: at most one promoter wins.
 * Another promoter's binding in force is kept (`protected`); the same promoter's is renewed.
 */
export async function bindCustomer(
  tx: Tx,
  ctx: Ctx,
  input: { customerId: string; promoterId: string; source: BindingSource },
): Promise<{ outcome: BindOutcome; binding: Binding }> {
  await requireCustomerLocked(tx, ctx.tenantId, input.customerId, 'body.customer_id');
  const promoter = await requirePromoter(tx, ctx.tenantId, input.promoterId, 'body.promoter_id');
  if (promoter.status !== 'active') {
    throw conflict('promoter_inactive', `Promoter '${promoter.id}' is ${promoter.status}.`);
  }
  const now = ctx.clock.now();
  const { binding_days } = await readTenantSettings(tx, ctx.tenantId);
  const expiresAt = new Date(now.getTime() + binding_days * 86_400_000);
  const current = await currentBinding(tx, ctx, input.customerId);
  if (current && current.promoterId !== input.promoterId) {
    return { outcome: 'protected', binding: presentBinding(current) };
  }
  let row: BindingRow;
  if (current) {
    [row] = (await tx
      .update(customerBindings)
      .set({ expiresAt })
      .where(and(eq(customerBindings.tenantId, ctx.tenantId), eq(customerBindings.id, current.id)))
      .returning()) as [BindingRow];
  } else {
    [row] = (await tx
      .insert(customerBindings)
      .values({
        tenantId: ctx.tenantId,
        id: newId('binding'),
        customerId: input.customerId,
        promoterId: input.promoterId,
        source: input.source,
        startsAt: now,
        expiresAt,
        createdAt: now,
      })
      .returning()) as [BindingRow];
  }
  await enqueueJob(
    tx,
    ctx.tenantId,
    {
      kind: EXPIRE_BINDING_JOB,
      runAt: expiresAt,
      payload: { binding_id: row.id },
      dedupeKey: `${row.id}@${expiresAt.toISOString()}`,
    },
    now,
  );
  const binding = presentBinding(row);
  if (!current) await recordEvent(tx, ctx, { type: 'binding.created', object: binding });
  return { outcome: current ? 'renewed' : 'created', binding };
}

/** Job: end a binding when its period is over (a renewed binding has a later job of its own). */
export const expireBindingJob: JobHandler = async (job, { tx, clock }) => {
  const bindingId = String(job.payload.binding_id);
  const [row] = await tx
    .select()
    .from(customerBindings)
    .where(and(eq(customerBindings.tenantId, job.tenantId), eq(customerBindings.id, bindingId)));
  if (row?.status === 'active' && row.expiresAt.getTime() <= clock.now().getTime()) {
    await endBinding(tx, { tenantId: job.tenantId, clock }, row, 'expired', row.expiresAt);
  }
};

/** `POST /v1/customer_bindings`: a guide adds a customer, or the tenant binds one explicitly. */
export async function createBinding(
  ctx: TenantCtx,
  input: { customer_id: string; promoter_id?: string | undefined },
): Promise<Binding> {
  const self = promoterScope(ctx.actor);
  const promoterId = self ?? input.promoter_id;
  if (!promoterId) {
    throw badRequest('promoter_required', 'promoter_id is required with a secret key.', [
      { field: 'body.promoter_id', code: 'required', message: 'Required' },
    ]);
  }
  if (self && input.promoter_id && input.promoter_id !== self) throw notFound('promoter', input.promoter_id);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const { outcome, binding } = await bindCustomer(tx, ctx, {
      customerId: input.customer_id,
      promoterId,
      source: self ? 'guide' : 'api',
    });
    if (outcome === 'protected') {
      throw conflict(
        'customer_already_bound',
        `The customer is bound to another promoter until ${binding.expires_at} (protection period).`,
      );
    }
    return binding;
  });
}

export async function listBindings(
  ctx: TenantCtx,
  query: ListQuery & {
    customer_id?: string | undefined;
    promoter_id?: string | undefined;
    status?: (typeof BINDING_STATUSES)[number] | undefined;
  },
) {
  const after = cursorId(query);
  const self = promoterScope(ctx.actor);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(customerBindings)
      .where(
        and(
          eq(customerBindings.tenantId, ctx.tenantId),
          self ? eq(customerBindings.promoterId, self) : undefined,
          query.customer_id ? eq(customerBindings.customerId, query.customer_id) : undefined,
          query.promoter_id ? eq(customerBindings.promoterId, query.promoter_id) : undefined,
          query.status ? eq(customerBindings.status, query.status) : undefined,
          after ? lt(customerBindings.id, after) : undefined,
        ),
      )
      .orderBy(desc(customerBindings.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentBinding);
  });
}

async function findBinding(tx: Tx, ctx: TenantCtx, id: string) {
  const self = promoterScope(ctx.actor);
  const [row] = await tx
    .select()
    .from(customerBindings)
    .where(
      and(
        eq(customerBindings.tenantId, ctx.tenantId),
        eq(customerBindings.id, id),
        self ? eq(customerBindings.promoterId, self) : undefined,
      ),
    );
  if (!row) throw notFound('customer_binding', id);
  return row;
}

export async function getBinding(ctx: TenantCtx, id: string): Promise<Binding> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => presentBinding(await findBinding(tx, ctx, id)));
}

/** Ends a binding before its time, so another promoter may take the customer. */
export async function releaseBinding(ctx: TenantCtx, id: string): Promise<Binding> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const row = await findBinding(tx, ctx, id);
    if (row.status !== 'active') {
      throw conflict('binding_not_active', `The binding is already ${row.status}.`);
    }
    return endBinding(tx, ctx, row, 'released', ctx.clock.now());
  });
}

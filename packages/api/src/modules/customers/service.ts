import { and, arrayContains, desc, eq, lt, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { conflict, forbidden, invalidReference, notFound } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { mergeRecord } from '../../lib/records';
import { bindCustomer } from '../bindings/service';
import { customerBindings } from '../bindings/tables';
import { recordEvent } from '../events/service';
import { promoterScope } from '../promoters/service';
import { type Address, customers } from './tables';

type CustomerRow = typeof customers.$inferSelect;

export function presentCustomer(row: CustomerRow) {
  return {
    id: row.id,
    object: 'customer' as const,
    name: row.name,
    phone: row.phone,
    email: row.email,
    external_id: row.externalId,
    addresses: row.addresses,
    tags: row.tags,
    metadata: row.metadata,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Customer = ReturnType<typeof presentCustomer>;

export interface CustomerInput {
  name?: string | null | undefined;
  phone?: string | null | undefined;
  email?: string | null | undefined;
  external_id?: string | null | undefined;
  addresses?: Address[] | undefined;
  tags?: string[] | undefined;
  metadata?: Record<string, string | null> | undefined;
}

/** Phones compare by digits (and a leading +); emails case-insensitively. */
export const normalizePhone = (p: string) => p.replace(/[\s-]/g, '');
export const normalizeEmail = (e: string) => e.trim().toLowerCase();

function normalized(input: CustomerInput) {
  return {
    phone: input.phone ? normalizePhone(input.phone) : input.phone,
    email: input.email ? normalizeEmail(input.email) : input.email,
  };
}

type Identity = Record<'phone' | 'email' | 'externalId', string | null | undefined>;

/** The customer that already has one of these identifiers (other than `exceptId`), and which. */
async function findByIdentity(tx: Tx, tenantId: string, values: Identity, exceptId?: string) {
  for (const [field, value] of Object.entries(values) as Array<[keyof Identity, string | null | undefined]>) {
    if (!value) continue;
    const [row] = await tx
      .select()
      .from(customers)
      .where(and(eq(customers.tenantId, tenantId), eq(customers[field], value)));
    if (row && row.id !== exceptId) return { row, field: field === 'externalId' ? 'external_id' : field };
  }
  return undefined;
}

/** One customer per phone, email and external id: a clear 409 naming the existing one. */
async function assertUnique(tx: Tx, tenantId: string, values: Identity, exceptId?: string) {
  const found = await findByIdentity(tx, tenantId, values, exceptId);
  if (found) {
    throw conflict('customer_exists', `Customer '${found.row.id}' already has this ${found.field}.`, [
      { field: `body.${found.field}`, code: 'taken', message: `Customer '${found.row.id}' has it` },
    ]);
  }
}

/**
 * Creates a customer. With a promoter token (a guide adding a customer, 导购拉新) the customer
 * is bound to that promoter in the same transaction; if the customer already exists (same
 * phone, email or external id) the guide binds it instead, unless another promoter's
 * protection period holds it (409 `customer_already_bound`).
 */
export async function createCustomer(
  ctx: TenantCtx,
  input: CustomerInput,
): Promise<{ customer: Customer; created: boolean }> {
  const self = promoterScope(ctx.actor);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const { phone, email } = normalized(input);
    const identity = { phone, email, externalId: input.external_id };
    if (self) {
      const existing = (await findByIdentity(tx, ctx.tenantId, identity))?.row;
      if (existing) {
        const { outcome } = await bindCustomer(tx, ctx, {
          customerId: existing.id,
          promoterId: self,
          source: 'guide',
        });
        if (outcome === 'protected') {
          throw conflict(
            'customer_already_bound',
            'This customer is bound to another promoter (protection period).',
          );
        }
        return { customer: presentCustomer(existing), created: false };
      }
    }
    await assertUnique(tx, ctx.tenantId, identity);
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(customers)
      .values({
        tenantId: ctx.tenantId,
        id: newId('customer'),
        name: input.name ?? null,
        phone: phone ?? null,
        email: email ?? null,
        externalId: input.external_id ?? null,
        addresses: input.addresses ?? [],
        tags: [...new Set(input.tags ?? [])],
        metadata: mergeRecord({}, input.metadata ?? {}),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const customer = presentCustomer(row!);
    await recordEvent(tx, ctx, { type: 'customer.created', object: customer });
    if (self) await bindCustomer(tx, ctx, { customerId: customer.id, promoterId: self, source: 'guide' });
    return { customer, created: true };
  });
}

/** A promoter sees only the customers bound to it now. */
function boundToSelf(ctx: TenantCtx) {
  const self = promoterScope(ctx.actor);
  if (!self) return undefined;
  return sql`exists (select 1 from ${customerBindings} b where b.tenant_id = ${customers.tenantId}
    and b.customer_id = ${customers.id} and b.promoter_id = ${self} and b.status = 'active'
    and b.expires_at > ${ctx.clock.now().toISOString()}::timestamptz)`;
}

export async function listCustomers(
  ctx: TenantCtx,
  query: ListQuery & {
    tag?: string | undefined;
    phone?: string | undefined;
    email?: string | undefined;
    external_id?: string | undefined;
  },
) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(customers)
      .where(
        and(
          eq(customers.tenantId, ctx.tenantId),
          boundToSelf(ctx),
          query.tag ? arrayContains(customers.tags, [query.tag]) : undefined,
          query.phone ? eq(customers.phone, normalizePhone(query.phone)) : undefined,
          query.email ? eq(customers.email, normalizeEmail(query.email)) : undefined,
          query.external_id ? eq(customers.externalId, query.external_id) : undefined,
          after ? lt(customers.id, after) : undefined,
        ),
      )
      .orderBy(desc(customers.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentCustomer);
  });
}

async function findCustomer(tx: Tx, ctx: TenantCtx, id: string, lock = false) {
  const q = tx
    .select()
    .from(customers)
    .where(and(eq(customers.tenantId, ctx.tenantId), eq(customers.id, id), boundToSelf(ctx)));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw notFound('customer', id);
  return row;
}

export async function getCustomer(ctx: TenantCtx, id: string): Promise<Customer> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => presentCustomer(await findCustomer(tx, ctx, id)));
}

/** A promoter may only tag its customers (导购打标签); everything else is the tenant's. */
const PROMOTER_EDITABLE = new Set(['tags']);

export async function updateCustomer(ctx: TenantCtx, id: string, input: CustomerInput): Promise<Customer> {
  if (promoterScope(ctx.actor)) {
    const other = Object.keys(input).filter(
      (k) => !PROMOTER_EDITABLE.has(k) && input[k as keyof CustomerInput] !== undefined,
    );
    if (other.length)
      throw forbidden(
        'field_not_editable',
        `A promoter token can only change tags, not ${other.join(', ')}.`,
      );
  }
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const current = await findCustomer(tx, ctx, id, true);
    const { phone, email } = normalized(input);
    await assertUnique(tx, ctx.tenantId, { phone, email, externalId: input.external_id }, id);
    const [row] = await tx
      .update(customers)
      .set({
        name: input.name === undefined ? current.name : input.name,
        phone: phone === undefined ? current.phone : phone,
        email: email === undefined ? current.email : email,
        externalId: input.external_id === undefined ? current.externalId : input.external_id,
        addresses: input.addresses ?? current.addresses,
        tags: input.tags ? [...new Set(input.tags)] : current.tags,
        metadata: input.metadata ? mergeRecord(current.metadata, input.metadata) : current.metadata,
        updatedAt: ctx.clock.now(),
      })
      .where(and(eq(customers.tenantId, ctx.tenantId), eq(customers.id, id)))
      .returning();
    const customer = presentCustomer(row!);
    await recordEvent(tx, ctx, { type: 'customer.updated', object: customer });
    return customer;
  });
}

/** For other modules: the customer must exist; its row is locked for the rest of the transaction. */
export async function requireCustomerLocked(tx: Tx, tenantId: string, id: string, field: string) {
  const [row] = await tx
    .select({ id: customers.id })
    .from(customers)
    .where(and(eq(customers.tenantId, tenantId), eq(customers.id, id)))
    .for('update');
  if (!row) throw invalidReference('customer', id, field);
  return row;
}

/**
 * The customer an order belongs to: the one named, else the one with the order's phone or
 * email, else a new one made from them (a guest checkout still gets a customer, so bindings,
 * member growth and per-customer limits have someone to attach to). Null with no contact at all.
 */
export async function customerForOrder(
  tx: Tx,
  ctx: Pick<TenantCtx, 'tenantId' | 'clock'>,
  input: {
    customerId?: string | undefined;
    phone?: string | undefined;
    email?: string | undefined;
    name?: string | undefined;
  },
): Promise<string | null> {
  if (input.customerId) {
    const [row] = await tx
      .select({ id: customers.id })
      .from(customers)
      .where(and(eq(customers.tenantId, ctx.tenantId), eq(customers.id, input.customerId)));
    if (!row) throw invalidReference('customer', input.customerId, 'body.customer_id');
    return row.id;
  }
  const phone = input.phone ? normalizePhone(input.phone) : undefined;
  const email = input.email ? normalizeEmail(input.email) : undefined;
  if (!phone && !email) return null;
  const found = await findByIdentity(tx, ctx.tenantId, { phone, email, externalId: undefined });
  if (found) return found.row.id;
  const now = ctx.clock.now();
  const [row] = await tx
    .insert(customers)
    .values({
      tenantId: ctx.tenantId,
      id: newId('customer'),
      name: input.name ?? null,
      phone: phone ?? null,
      email: email ?? null,
      createdAt: now,
      updatedAt: now,
    })
    // Two first orders with the same phone at once: the second uses the first one's customer.
    .onConflictDoNothing()
    .returning();
  if (!row) {
    const winner = await findByIdentity(tx, ctx.tenantId, { phone, email, externalId: undefined });
    if (winner) return winner.row.id;
    throw new Error('customer insert conflicted but no customer has this phone or email');
  }
  await recordEvent(tx, ctx, { type: 'customer.created', object: presentCustomer(row) });
  return row.id;
}

import { and, desc, eq, lt } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { conflict, invalidReference, notFound } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { mergeRecord } from '../../lib/records';
import { suppliers } from './tables';

type SupplierRow = typeof suppliers.$inferSelect;

export interface CreateSupplierInput {
  name: string;
  code?: string | undefined;
  is_default?: boolean | undefined;
  contact?: Record<string, string> | undefined;
  metadata?: Record<string, string> | undefined;
}

export interface UpdateSupplierInput {
  name?: string | undefined;
  code?: string | null | undefined;
  status?: 'active' | 'inactive' | undefined;
  is_default?: boolean | undefined;
  contact?: Record<string, string | null> | undefined;
  metadata?: Record<string, string | null> | undefined;
}

export function presentSupplier(row: SupplierRow) {
  return {
    id: row.id,
    object: 'supplier' as const,
    name: row.name,
    code: row.code,
    status: row.status,
    is_default: row.isDefault,
    contact: row.contact,
    metadata: row.metadata,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Supplier = ReturnType<typeof presentSupplier>;

/** A supplier key sees only its own supplier; any other id is "not found", as for another tenant. */
function visibleTo(ctx: TenantCtx, id: string): boolean {
  return ctx.actor.kind !== 'supplier' || ctx.actor.supplierId === id;
}

async function clearDefault(tx: Tx, tenantId: string) {
  await tx
    .update(suppliers)
    .set({ isDefault: false })
    .where(and(eq(suppliers.tenantId, tenantId), eq(suppliers.isDefault, true)));
}

export async function createSupplier(ctx: TenantCtx, input: CreateSupplierInput): Promise<Supplier> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    if (input.code) await assertCodeFree(tx, ctx.tenantId, input.code);
    // The first supplier of a tenant is its default (a single-brand tenant has just that one).
    const [existing] = await tx
      .select({ id: suppliers.id })
      .from(suppliers)
      .where(eq(suppliers.tenantId, ctx.tenantId))
      .limit(1);
    const isDefault = input.is_default ?? !existing;
    if (isDefault) await clearDefault(tx, ctx.tenantId);
    const [row] = await tx
      .insert(suppliers)
      .values({
        tenantId: ctx.tenantId,
        id: newId('supplier'),
        name: input.name,
        code: input.code ?? null,
        isDefault,
        contact: input.contact ?? {},
        metadata: input.metadata ?? {},
      })
      .returning();
    return presentSupplier(row!);
  });
}

async function assertCodeFree(tx: Tx, tenantId: string, code: string, exceptId?: string) {
  const [row] = await tx
    .select({ id: suppliers.id })
    .from(suppliers)
    .where(and(eq(suppliers.tenantId, tenantId), eq(suppliers.code, code)));
  if (row && row.id !== exceptId) {
    throw conflict('supplier_code_taken', `Another supplier already has code '${code}'.`, [
      { field: 'body.code', code: 'taken', message: 'Code already in use' },
    ]);
  }
}

export async function listSuppliers(ctx: TenantCtx, query: ListQuery) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(suppliers)
      .where(
        and(
          eq(suppliers.tenantId, ctx.tenantId),
          ctx.actor.kind === 'supplier' ? eq(suppliers.id, ctx.actor.supplierId) : undefined,
          after ? lt(suppliers.id, after) : undefined,
        ),
      )
      .orderBy(desc(suppliers.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentSupplier);
  });
}

async function findSupplier(tx: Tx, tenantId: string, id: string) {
  const [row] = await tx
    .select()
    .from(suppliers)
    .where(and(eq(suppliers.tenantId, tenantId), eq(suppliers.id, id)));
  return row;
}

export async function getSupplier(ctx: TenantCtx, id: string): Promise<Supplier> {
  if (!visibleTo(ctx, id)) throw notFound('supplier', id);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const row = await findSupplier(tx, ctx.tenantId, id);
    if (!row) throw notFound('supplier', id);
    return presentSupplier(row);
  });
}

export async function updateSupplier(
  ctx: TenantCtx,
  id: string,
  input: UpdateSupplierInput,
): Promise<Supplier> {
  if (!visibleTo(ctx, id)) throw notFound('supplier', id);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const current = await findSupplier(tx, ctx.tenantId, id);
    if (!current) throw notFound('supplier', id);
    if (input.code) await assertCodeFree(tx, ctx.tenantId, input.code, id);
    if (input.is_default === true && !current.isDefault) await clearDefault(tx, ctx.tenantId);
    const [row] = await tx
      .update(suppliers)
      .set({
        name: input.name ?? current.name,
        code: input.code === undefined ? current.code : input.code,
        status: input.status ?? current.status,
        isDefault: input.is_default ?? current.isDefault,
        contact: input.contact ? mergeRecord(current.contact, input.contact) : current.contact,
        metadata: input.metadata ? mergeRecord(current.metadata, input.metadata) : current.metadata,
        updatedAt: ctx.clock.now(),
      })
      .where(and(eq(suppliers.tenantId, ctx.tenantId), eq(suppliers.id, id)))
      .returning();
    return presentSupplier(row!);
  });
}

/** For other modules: a supplier id given in a request must name one of this tenant's suppliers. */
export async function requireSupplier(
  tx: Tx,
  tenantId: string,
  id: string,
  field: string,
): Promise<Supplier> {
  const row = await findSupplier(tx, tenantId, id);
  if (!row) throw invalidReference('supplier', id, field);
  return presentSupplier(row);
}

/** For other modules: the tenant's default supplier (the one new products belong to), if any. */
export async function defaultSupplierId(tx: Tx, tenantId: string): Promise<string | undefined> {
  const [row] = await tx
    .select({ id: suppliers.id })
    .from(suppliers)
    .where(and(eq(suppliers.tenantId, tenantId), eq(suppliers.isDefault, true)));
  return row?.id;
}

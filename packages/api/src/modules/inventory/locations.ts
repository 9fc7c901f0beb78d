import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { conflict, fieldError, invalidReference, notFound } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { mergeRecord } from '../../lib/records';
import { locations } from './tables';

/** Warehouses and shops that hold stock; each tenant has one default location. */

type LocationRow = typeof locations.$inferSelect;

export function presentLocation(row: LocationRow) {
  return {
    id: row.id,
    object: 'location' as const,
    name: row.name,
    code: row.code,
    is_default: row.isDefault,
    address: row.address,
    metadata: row.metadata,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Location = ReturnType<typeof presentLocation>;

async function findDefaultLocation(tx: Tx, tenantId: string) {
  const [row] = await tx
    .select()
    .from(locations)
    .where(and(eq(locations.tenantId, tenantId), eq(locations.isDefault, true)));
  return row;
}

/** The tenant's default location, created on first use (concurrent first uses make one). */
export async function defaultLocation(tx: Tx, tenantId: string): Promise<LocationRow> {
  const existing = await findDefaultLocation(tx, tenantId);
  if (existing) return existing;
  const [created] = await tx
    .insert(locations)
    .values({ tenantId, id: newId('location'), name: 'Default location', isDefault: true })
    .onConflictDoNothing()
    .returning();
  return created ?? (await findDefaultLocation(tx, tenantId))!;
}

async function clearDefaultLocation(tx: Tx, tenantId: string) {
  await tx
    .update(locations)
    .set({ isDefault: false })
    .where(and(eq(locations.tenantId, tenantId), eq(locations.isDefault, true)));
}

export interface LocationInput {
  name?: string | undefined;
  code?: string | null | undefined;
  is_default?: boolean | undefined;
  address?: Record<string, string | null> | undefined;
  metadata?: Record<string, string | null> | undefined;
}

async function assertLocationCodeFree(tx: Tx, tenantId: string, code: string, exceptId?: string) {
  const [row] = await tx
    .select({ id: locations.id })
    .from(locations)
    .where(and(eq(locations.tenantId, tenantId), eq(locations.code, code)));
  if (row && row.id !== exceptId) {
    throw conflict('location_code_taken', `Another location has code '${code}'.`, [
      fieldError('body.code', 'taken', 'Code already in use'),
    ]);
  }
}

export async function createLocation(ctx: TenantCtx, input: LocationInput & { name: string }) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    if (input.code) await assertLocationCodeFree(tx, ctx.tenantId, input.code);
    // The first location is the default unless it says otherwise, as with suppliers.
    const isDefault = input.is_default ?? !(await findDefaultLocation(tx, ctx.tenantId));
    if (isDefault) await clearDefaultLocation(tx, ctx.tenantId);
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(locations)
      .values({
        tenantId: ctx.tenantId,
        id: newId('location'),
        name: input.name,
        code: input.code ?? null,
        isDefault,
        address: mergeRecord({}, input.address ?? {}),
        metadata: mergeRecord({}, input.metadata ?? {}),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    return presentLocation(row!);
  });
}

async function findLocation(tx: Tx, tenantId: string, id: string) {
  const [row] = await tx
    .select()
    .from(locations)
    .where(and(eq(locations.tenantId, tenantId), eq(locations.id, id)));
  return row;
}

export async function getLocation(ctx: TenantCtx, id: string) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const row = await findLocation(tx, ctx.tenantId, id);
    if (!row) throw notFound('location', id);
    return presentLocation(row);
  });
}

export async function listLocations(ctx: TenantCtx, query: ListQuery) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(locations)
      .where(and(eq(locations.tenantId, ctx.tenantId), after ? lt(locations.id, after) : undefined))
      .orderBy(desc(locations.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentLocation);
  });
}

export async function updateLocation(ctx: TenantCtx, id: string, input: LocationInput) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const current = await findLocation(tx, ctx.tenantId, id);
    if (!current) throw notFound('location', id);
    if (input.code) await assertLocationCodeFree(tx, ctx.tenantId, input.code, id);
    if (input.is_default === false && current.isDefault) {
      throw conflict('default_location_required', 'Make another location the default instead.', [
        fieldError('body.is_default', 'default_location_required', 'A tenant always has a default location'),
      ]);
    }
    if (input.is_default && !current.isDefault) await clearDefaultLocation(tx, ctx.tenantId);
    const [row] = await tx
      .update(locations)
      .set({
        name: input.name ?? current.name,
        code: input.code === undefined ? current.code : input.code,
        isDefault: input.is_default ?? current.isDefault,
        address: input.address ? mergeRecord(current.address, input.address) : current.address,
        metadata: input.metadata ? mergeRecord(current.metadata, input.metadata) : current.metadata,
        updatedAt: ctx.clock.now(),
      })
      .where(and(eq(locations.tenantId, ctx.tenantId), eq(locations.id, id)))
      .returning();
    return presentLocation(row!);
  });
}

/** The location a request names (or the default one); an unknown id is the caller's error. */
export async function locationFor(tx: Tx, tenantId: string, id: string | undefined, field: string) {
  if (!id) return (await defaultLocation(tx, tenantId)).id;
  if (!(await findLocation(tx, tenantId, id))) throw invalidReference('location', id, field);
  return id;
}

/** Which of these location ids exist in the tenant. */
export async function knownLocations(tx: Tx, tenantId: string, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await tx
    .select({ id: locations.id })
    .from(locations)
    .where(and(eq(locations.tenantId, tenantId), inArray(locations.id, ids)));
  return new Set(rows.map((r) => r.id));
}

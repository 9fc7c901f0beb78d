import { and, desc, eq, lt } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { badRequest, conflict, forbidden, invalidReference, notFound } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { mergeRecord } from '../../lib/records';
import { bumpCatalogVersion } from '../catalog/version';
import { promoterScope, requirePromoter } from '../promoters/service';
import { type STORE_KINDS, stores } from './tables';

type StoreRow = typeof stores.$inferSelect;
export type StoreKind = (typeof STORE_KINDS)[number];

export interface StoreSettings {
  logo_url?: string;
  primary_color?: string;
  accent_color?: string;
  custom_domain?: string;
  [key: string]: unknown;
}

export interface CreateStoreInput {
  kind: StoreKind;
  name: string;
  /** Required for a shopkeeper store: the shopkeeper promoter who owns it. */
  owner_promoter_id?: string | undefined;
  settings?: StoreSettings;
  metadata?: Record<string, string>;
}

export interface UpdateStoreInput {
  name?: string | undefined;
  status?: 'active' | 'closed' | undefined;
  /** Keys set to null are removed. */
  settings?: Record<string, unknown> | undefined;
  metadata?: Record<string, string | null> | undefined;
}

export function presentStore(row: StoreRow) {
  return {
    id: row.id,
    object: 'store' as const,
    kind: row.kind,
    name: row.name,
    owner_promoter_id: row.ownerPromoterId,
    status: row.status,
    settings: row.settings as StoreSettings,
    metadata: row.metadata,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Store = ReturnType<typeof presentStore>;

/** A promoter token reaches only the store it owns; any other id is "not found". */
function ownerFilter(ctx: TenantCtx) {
  const self = promoterScope(ctx.actor);
  return self ? eq(stores.ownerPromoterId, self) : undefined;
}

async function checkOwner(tx: Tx, tenantId: string, input: CreateStoreInput) {
  if (input.kind !== 'shopkeeper') {
    if (input.owner_promoter_id) {
      throw badRequest('owner_not_allowed', 'Only a shopkeeper store has an owner_promoter_id.', [
        { field: 'body.owner_promoter_id', code: 'not_allowed', message: `Not for a ${input.kind} store` },
      ]);
    }
    return;
  }
  if (!input.owner_promoter_id) {
    throw badRequest(
      'owner_required',
      'A shopkeeper store needs owner_promoter_id (a shopkeeper promoter).',
      [{ field: 'body.owner_promoter_id', code: 'required', message: 'Required for a shopkeeper store' }],
    );
  }
  await requirePromoter(tx, tenantId, input.owner_promoter_id, 'body.owner_promoter_id', 'shopkeeper');
  const [owned] = await tx
    .select({ id: stores.id })
    .from(stores)
    .where(and(eq(stores.tenantId, tenantId), eq(stores.ownerPromoterId, input.owner_promoter_id)));
  if (owned) throw conflict('promoter_has_store', `This shopkeeper already owns store '${owned.id}'.`);
}

export async function createStore(ctx: TenantCtx, input: CreateStoreInput): Promise<Store> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    await checkOwner(tx, ctx.tenantId, input);
    const [row] = await tx
      .insert(stores)
      .values({
        tenantId: ctx.tenantId,
        id: newId('store'),
        kind: input.kind,
        name: input.name,
        ownerPromoterId: input.owner_promoter_id ?? null,
        settings: input.settings ?? {},
        metadata: input.metadata ?? {},
      })
      .returning();
    return presentStore(row!);
  });
}

export async function listStores(ctx: TenantCtx, query: ListQuery & { kind?: StoreKind }) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(stores)
      .where(
        and(
          eq(stores.tenantId, ctx.tenantId),
          ownerFilter(ctx),
          query.kind ? eq(stores.kind, query.kind) : undefined,
          after ? lt(stores.id, after) : undefined,
        ),
      )
      .orderBy(desc(stores.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentStore);
  });
}

async function findStore(tx: Tx, tenantId: string, id: string, ctx?: TenantCtx) {
  const [row] = await tx
    .select()
    .from(stores)
    .where(and(eq(stores.tenantId, tenantId), eq(stores.id, id), ctx ? ownerFilter(ctx) : undefined));
  return row;
}

export async function getStore(ctx: TenantCtx, id: string): Promise<Store> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const row = await findStore(tx, ctx.tenantId, id, ctx);
    if (!row) throw notFound('store', id);
    return presentStore(row);
  });
}

export async function updateStore(ctx: TenantCtx, id: string, input: UpdateStoreInput): Promise<Store> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const current = await findStore(tx, ctx.tenantId, id, ctx);
    if (!current) throw notFound('store', id);
    if (promoterScope(ctx.actor) && input.status) {
      throw forbidden('field_not_editable', 'A shopkeeper cannot open or close its store; the tenant does.');
    }
    const [row] = await tx
      .update(stores)
      .set({
        name: input.name ?? current.name,
        status: input.status ?? current.status,
        // Settings and metadata merge key by key; a null value removes a key.
        settings: input.settings ? mergeRecord(current.settings, input.settings) : current.settings,
        metadata: input.metadata ? mergeRecord(current.metadata, input.metadata) : current.metadata,
        updatedAt: ctx.clock.now(),
      })
      .where(and(eq(stores.tenantId, ctx.tenantId), eq(stores.id, id)))
      .returning();
    // Storefronts show the store's name and theme: cached pages must follow.
    await bumpCatalogVersion(tx, ctx.tenantId);
    return presentStore(row!);
  });
}

/**
 * For other modules acting on a store by id (picks): the store as the caller may see it, so a
 * promoter token reaches only the store it owns; anything else is "not found". `lock` takes the
 * store's row lock, which serialises writes that count things of one store.
 */
export async function storeForActor(tx: Tx, ctx: TenantCtx, id: string, lock = false): Promise<Store> {
  const query = tx
    .select()
    .from(stores)
    .where(and(eq(stores.tenantId, ctx.tenantId), eq(stores.id, id), ownerFilter(ctx)));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw notFound('store', id);
  return presentStore(row);
}

/** For other modules: a store id given in a request must name one of this tenant's stores. */
export async function requireStore(tx: Tx, tenantId: string, id: string, field: string): Promise<Store> {
  const row = await findStore(tx, tenantId, id);
  if (!row) throw invalidReference('store', id, field);
  return presentStore(row);
}

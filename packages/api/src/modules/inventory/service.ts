import { and, desc, eq, lt, or, sql } from 'drizzle-orm';
import { jsonRecordset, rowsOf, type Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { conflict, fieldError, invalidReference, notFound } from '../../http/errors';
import { cursorId, decodeCursor, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { supplierScope, supplierVariantIds, type VariantRef, variantRefs } from '../catalog/service';
import { bumpCatalogVersion } from '../catalog/version';
import { defaultLocation, knownLocations, locationFor } from './locations';
import {
  checkLowStock,
  type InventoryItem,
  inventoryItemOf,
  MAX_QUANTITY,
  presentLevel,
  type StockCtx,
} from './stock';
import { type AdjustmentReason, inventoryAdjustments, inventoryItems, stockLevels } from './tables';

/** The inventory API: levels, thresholds, adjustments and the ERP sync. */

type AdjustmentRow = typeof inventoryAdjustments.$inferSelect;

export const MAX_SYNC_ITEMS = 1_000;

// ---------------------------------------------------------------------------------------------
// Levels and inventory items

export async function listInventoryLevels(
  ctx: TenantCtx,
  query: ListQuery & { variant_id?: string | undefined; location_id?: string | undefined },
) {
  const after = decodeCursor(query.starting_after, ['string', 'string']) as [string, string] | undefined;
  const scope = supplierScope(ctx);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(stockLevels)
      .where(
        and(
          eq(stockLevels.tenantId, ctx.tenantId),
          query.variant_id ? eq(stockLevels.variantId, query.variant_id) : undefined,
          query.location_id ? eq(stockLevels.locationId, query.location_id) : undefined,
          scope ? sql`${stockLevels.variantId} in ${supplierVariantIds(ctx.tenantId, scope)}` : undefined,
          after
            ? or(
                lt(stockLevels.variantId, after[0]),
                and(eq(stockLevels.variantId, after[0]), lt(stockLevels.locationId, after[1])),
              )
            : undefined,
        ),
      )
      .orderBy(desc(stockLevels.variantId), desc(stockLevels.locationId))
      .limit(query.limit + 1);
    const refs = await variantRefs(
      tx,
      ctx.tenantId,
      'id',
      rows.map((r) => r.variantId),
    );
    return pageOf(
      rows,
      query.limit,
      (r) => presentLevel(r, refs.get(r.variantId)?.sku),
      (r) => [r.variantId, r.locationId],
    );
  });
}

/** A variant the caller may see (a supplier key: its own), by id. */
async function requireVariantRef(tx: Tx, ctx: TenantCtx, id: string): Promise<VariantRef> {
  const ref = (await variantRefs(tx, ctx.tenantId, 'id', [id], supplierScope(ctx))).get(id);
  if (!ref) throw notFound('variant', id);
  return ref;
}

export async function getInventoryItem(ctx: TenantCtx, variantId: string): Promise<InventoryItem> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) =>
    inventoryItemOf(tx, ctx.tenantId, await requireVariantRef(tx, ctx, variantId)),
  );
}

/** Sets (or with null clears) the low-stock threshold, and checks it against the stock now. */
export async function updateInventoryItem(
  ctx: TenantCtx,
  variantId: string,
  input: { low_stock_threshold?: number | null | undefined },
): Promise<InventoryItem> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const ref = await requireVariantRef(tx, ctx, variantId);
    if (input.low_stock_threshold !== undefined) {
      const threshold = input.low_stock_threshold;
      await tx
        .insert(inventoryItems)
        .values({ tenantId: ctx.tenantId, variantId, lowStockThreshold: threshold })
        .onConflictDoUpdate({
          target: [inventoryItems.tenantId, inventoryItems.variantId],
          // Clearing the threshold also clears the flag, so a new threshold can fire again.
          set: {
            lowStockThreshold: threshold,
            updatedAt: ctx.clock.now(),
            ...(threshold === null ? { lowStock: false } : {}),
          },
        });
      await checkLowStock(tx, ctx, [variantId]);
      await bumpCatalogVersion(tx, ctx.tenantId);
    }
    return inventoryItemOf(tx, ctx.tenantId, ref);
  });
}

// ---------------------------------------------------------------------------------------------
// Adjustments (the audit trail)

export function presentAdjustment(row: AdjustmentRow) {
  return {
    id: row.id,
    object: 'inventory_adjustment' as const,
    variant_id: row.variantId,
    location_id: row.locationId,
    delta: row.delta,
    on_hand_after: row.onHandAfter,
    reason: row.reason,
    note: row.note,
    reference: row.reference,
    created_at: iso(row.createdAt)!,
  };
}
export type InventoryAdjustment = ReturnType<typeof presentAdjustment>;

export interface AdjustmentInput {
  variant_id: string;
  location_id?: string | undefined;
  delta: number;
  reason: AdjustmentReason;
  note?: string | undefined;
  reference?: string | undefined;
}

/**
 * Adds to or takes from on_hand with a reason, in one conditional statement: stock taken must
 * exist and may not dip into what orders have reserved.
 */
export async function adjustStock(ctx: TenantCtx, input: AdjustmentInput): Promise<InventoryAdjustment> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const variant = (await variantRefs(tx, ctx.tenantId, 'id', [input.variant_id], supplierScope(ctx))).get(
      input.variant_id,
    );
    if (!variant) throw invalidReference('variant', input.variant_id, 'body.variant_id');
    const locationId = await locationFor(tx, ctx.tenantId, input.location_id, 'body.location_id');
    const now = ctx.clock.now();
    const [level] =
      input.delta > 0
        ? await tx
            .insert(stockLevels)
            .values({
              tenantId: ctx.tenantId,
              variantId: variant.id,
              locationId,
              onHand: input.delta,
              updatedAt: now,
            })
            .onConflictDoUpdate({
              target: [stockLevels.tenantId, stockLevels.variantId, stockLevels.locationId],
              set: { onHand: sql`${stockLevels.onHand} + ${input.delta}`, updatedAt: now },
            })
            .returning()
        : await tx
            .update(stockLevels)
            .set({ onHand: sql`${stockLevels.onHand} + ${input.delta}`, updatedAt: now })
            .where(
              and(
                levelKey(ctx.tenantId, variant.id, locationId),
                sql`${stockLevels.onHand} + ${input.delta} >= ${stockLevels.reserved}`,
              ),
            )
            .returning();
    if (!level) {
      throw conflict(
        'insufficient_stock',
        `Taking ${-input.delta} would leave less than nothing, or less than is reserved for orders.`,
        [fieldError('body.delta', 'insufficient_stock', 'More than the unreserved stock on hand')],
      );
    }
    const [row] = await tx
      .insert(inventoryAdjustments)
      .values({
        tenantId: ctx.tenantId,
        id: newId('inventoryAdjustment'),
        variantId: variant.id,
        locationId,
        delta: input.delta,
        onHandAfter: level.onHand,
        reason: input.reason,
        note: input.note ?? null,
        reference: input.reference ?? null,
        createdAt: now,
      })
      .returning();
    await checkLowStock(tx, ctx, [variant.id]);
    await bumpCatalogVersion(tx, ctx.tenantId);
    return presentAdjustment(row!);
  });
}

const levelKey = (tenantId: string, variantId: string, locationId: string) =>
  and(
    eq(stockLevels.tenantId, tenantId),
    eq(stockLevels.variantId, variantId),
    eq(stockLevels.locationId, locationId),
  );

export async function listAdjustments(
  ctx: TenantCtx,
  query: ListQuery & {
    variant_id?: string | undefined;
    location_id?: string | undefined;
    reason?: AdjustmentReason | undefined;
  },
) {
  const after = cursorId(query);
  const scope = supplierScope(ctx);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(inventoryAdjustments)
      .where(
        and(
          eq(inventoryAdjustments.tenantId, ctx.tenantId),
          query.variant_id ? eq(inventoryAdjustments.variantId, query.variant_id) : undefined,
          query.location_id ? eq(inventoryAdjustments.locationId, query.location_id) : undefined,
          query.reason ? eq(inventoryAdjustments.reason, query.reason) : undefined,
          scope
            ? sql`${inventoryAdjustments.variantId} in ${supplierVariantIds(ctx.tenantId, scope)}`
            : undefined,
          after ? lt(inventoryAdjustments.id, after) : undefined,
        ),
      )
      .orderBy(desc(inventoryAdjustments.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentAdjustment);
  });
}

export async function getAdjustment(ctx: TenantCtx, id: string): Promise<InventoryAdjustment> {
  const scope = supplierScope(ctx);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const [row] = await tx
      .select()
      .from(inventoryAdjustments)
      .where(
        and(
          eq(inventoryAdjustments.tenantId, ctx.tenantId),
          eq(inventoryAdjustments.id, id),
          scope
            ? sql`${inventoryAdjustments.variantId} in ${supplierVariantIds(ctx.tenantId, scope)}`
            : undefined,
        ),
      );
    if (!row) throw notFound('inventory_adjustment', id);
    return presentAdjustment(row);
  });
}

// ---------------------------------------------------------------------------------------------
// Bulk sync: absolute on_hand by SKU for up to 1,000 items

export interface SyncItemInput {
  sku: string;
  on_hand: number;
  location_id?: string | undefined;
}

export type SyncResult =
  | {
      index: number;
      sku: string;
      status: 'updated' | 'unchanged';
      location_id: string;
      on_hand: number;
      reserved: number;
      available: number;
    }
  | { index: number; sku: string; status: 'failed'; error: { code: string; message: string } };

/**
 * Sets on_hand to the given absolute figures, so the same call twice leaves the same state (the
 * second reports `unchanged`). Bad items fail alone; the rest apply. A handful of statements
 * whatever the number of items: look up the SKUs, lock and read the current levels (in key
 * order, so concurrent syncs cannot deadlock), then one upsert that also writes the audit trail.
 */
export async function syncStock(
  ctx: TenantCtx,
  input: { location_id?: string | undefined; items: SyncItemInput[] },
): Promise<SyncResult[]> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const results = await syncStockIn(tx, ctx, input);
    if (results.some((r) => r.status === 'updated')) await bumpCatalogVersion(tx, ctx.tenantId);
    return results;
  });
}

/**
 * The sync inside the caller's transaction (imports run it for their products). It does not
 * bump the catalog version: the caller does, once, on its own transaction.
 */
export async function syncStockIn(
  tx: Tx,
  ctx: TenantCtx,
  input: { location_id?: string | undefined; items: SyncItemInput[] },
): Promise<SyncResult[]> {
  const results: SyncResult[] = [];
  const fail = (index: number, sku: string, code: string, message: string) =>
    results.push({ index, sku, status: 'failed', error: { code, message } });

  const named = [...new Set([input.location_id, ...input.items.map((i) => i.location_id)])].filter(
    (id): id is string => Boolean(id),
  );
  const known = await knownLocations(tx, ctx.tenantId, named);
  if (input.location_id && !known.has(input.location_id)) {
    throw invalidReference('location', input.location_id, 'body.location_id');
  }
  const fallback = input.location_id ?? (await defaultLocation(tx, ctx.tenantId)).id;
  const variants = await variantRefs(
    tx,
    ctx.tenantId,
    'sku',
    input.items.map((i) => i.sku),
    supplierScope(ctx),
  );

  type Valid = { index: number; sku: string; variantId: string; locationId: string; onHand: number };
  const valid: Valid[] = [];
  const seen = new Set<string>();
  for (const [index, item] of input.items.entries()) {
    const locationId = item.location_id ?? fallback;
    const variant = variants.get(item.sku);
    const key = `${item.sku}\u0000${locationId}`;
    if (!Number.isInteger(item.on_hand) || item.on_hand < 0 || item.on_hand > MAX_QUANTITY) {
      fail(index, item.sku, 'invalid_quantity', `on_hand must be an integer from 0 to ${MAX_QUANTITY}`);
    } else if (!variant) {
      fail(index, item.sku, 'unknown_sku', `No variant has SKU '${item.sku}'`);
    } else if (!known.has(locationId) && locationId !== fallback) {
      fail(index, item.sku, 'unknown_location', `No such location: '${locationId}'`);
    } else if (seen.has(key)) {
      fail(index, item.sku, 'duplicate_item', 'This SKU and location appear earlier in the same call');
    } else {
      seen.add(key);
      valid.push({ index, sku: item.sku, variantId: variant.id, locationId, onHand: item.on_hand });
    }
  }
  if (!valid.length) return results.sort((a, b) => a.index - b.index);

  // The keys go in as one JSON parameter: a long `(a, b) in (…)` list nests too deep for PGlite.
  const keys = valid.map((v) => ({ variant_id: v.variantId, location_id: v.locationId }));
  const current = rowsOf<{ variant_id: string; location_id: string; on_hand: number; reserved: number }>(
    await tx.execute(sql`
        select s.variant_id, s.location_id, s.on_hand, s.reserved
        from stock_levels s
        join ${jsonRecordset(keys, 'k', 'variant_id text, location_id text')}
          on s.variant_id = k.variant_id and s.location_id = k.location_id
        where s.tenant_id = ${ctx.tenantId}
        order by s.variant_id, s.location_id
        for update of s`),
  );
  const before = new Map(current.map((l) => [`${l.variant_id}\u0000${l.location_id}`, l]));

  const writes: Array<Valid & { delta: number; adjustmentId: string }> = [];
  for (const v of valid) {
    const level = before.get(`${v.variantId}\u0000${v.locationId}`);
    if (level && level.reserved > v.onHand) {
      fail(
        v.index,
        v.sku,
        'below_reserved',
        `${level.reserved} are reserved for orders; on_hand cannot be ${v.onHand}`,
      );
    } else if (level && level.on_hand === v.onHand) {
      results.push(levelResult(v, level.on_hand, level.reserved, 'unchanged'));
    } else {
      writes.push({
        ...v,
        delta: v.onHand - (level?.on_hand ?? 0),
        adjustmentId: newId('inventoryAdjustment'),
      });
    }
  }
  if (writes.length) {
    const written = await writeSyncedLevels(tx, ctx, writes);
    for (const w of writes) {
      const level = written.get(`${w.variantId}\u0000${w.locationId}`);
      if (level) results.push(levelResult(w, level.on_hand, level.reserved, 'updated'));
      else fail(w.index, w.sku, 'below_reserved', 'Orders reserved this stock meanwhile; retry the item');
    }
    await checkLowStock(tx, ctx, [...new Set(writes.map((w) => w.variantId))]);
  }
  return results.sort((a, b) => a.index - b.index);
}

function levelResult(
  v: { index: number; sku: string; locationId: string },
  onHand: number,
  reserved: number,
  status: 'updated' | 'unchanged',
): SyncResult {
  return {
    index: v.index,
    sku: v.sku,
    status,
    location_id: v.locationId,
    on_hand: onHand,
    reserved,
    available: onHand - reserved,
  };
}

/**
 * One statement: upsert the new figures and write one `sync` adjustment per level that changed.
 * The guard `reserved <= on_hand` skips a level whose reservations grew since it was read.
 */
async function writeSyncedLevels(
  tx: Tx,
  ctx: StockCtx,
  writes: Array<{
    variantId: string;
    locationId: string;
    onHand: number;
    delta: number;
    adjustmentId: string;
  }>,
) {
  const now = ctx.clock.now().toISOString();
  const payload = JSON.stringify(
    writes.map((w) => ({
      variant_id: w.variantId,
      location_id: w.locationId,
      on_hand: w.onHand,
      delta: w.delta,
      adjustment_id: w.adjustmentId,
    })),
  );
  const rows = rowsOf<{ variant_id: string; location_id: string; on_hand: number; reserved: number }>(
    await tx.execute(sql`
      with input as (
        select * from jsonb_to_recordset(${payload}::jsonb)
          as x(variant_id text, location_id text, on_hand int, delta int, adjustment_id text)
      ),
      written as (
        insert into stock_levels (tenant_id, variant_id, location_id, on_hand, reserved, updated_at)
        select ${ctx.tenantId}, variant_id, location_id, on_hand, 0, ${now}::timestamptz from input
        order by variant_id, location_id
        on conflict (tenant_id, variant_id, location_id) do update
          set on_hand = excluded.on_hand, updated_at = excluded.updated_at
          where stock_levels.reserved <= excluded.on_hand
        returning variant_id, location_id, on_hand, reserved
      ),
      audit as (
        insert into inventory_adjustments (tenant_id, id, variant_id, location_id, delta, on_hand_after, reason, created_at)
        select ${ctx.tenantId}, i.adjustment_id, w.variant_id, w.location_id, i.delta, w.on_hand, 'sync', ${now}::timestamptz
        from written w join input i on i.variant_id = w.variant_id and i.location_id = w.location_id
      )
      select * from written`),
  );
  return new Map(rows.map((r) => [`${r.variant_id}\u0000${r.location_id}`, r]));
}

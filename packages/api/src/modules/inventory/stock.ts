import { and, asc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { jsonRecordset, rowsOf, type Tx } from '../../db/client';
import { conflict, fieldError } from '../../http/errors';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { type VariantRef, variantRefs } from '../catalog/service';
import { noteStockChange } from '../catalog/version';
import { recordEvent } from '../events/service';
import { type AdjustmentReason, inventoryAdjustments, inventoryItems, stockLevels } from './tables';

/**
 * Stock levels and the rules every change of them follows, for the inventory API and for the
 * orders module (reserve, release, commit, restock inside the order's own transaction).
 */

type LevelRow = typeof stockLevels.$inferSelect;

/** Quantities are PostgreSQL integers; this bound keeps sums of them far from overflow. */
export const MAX_QUANTITY = 1_000_000_000;

/** What the stock functions need of a context: the tenant, and the time for events. */
export type StockCtx = Pick<TenantCtx, 'tenantId' | 'clock'>;

export function presentLevel(row: LevelRow, sku: string | undefined) {
  return {
    object: 'inventory_level' as const,
    variant_id: row.variantId,
    sku: sku ?? null,
    location_id: row.locationId,
    on_hand: row.onHand,
    reserved: row.reserved,
    available: row.onHand - row.reserved,
    updated_at: iso(row.updatedAt)!,
  };
}
export type InventoryLevel = ReturnType<typeof presentLevel>;

/** A variant's stock: totals over all locations, each location, and its low-stock state. */
export async function inventoryItemOf(tx: Tx, tenantId: string, ref: VariantRef) {
  const [item] = await tx
    .select()
    .from(inventoryItems)
    .where(and(eq(inventoryItems.tenantId, tenantId), eq(inventoryItems.variantId, ref.id)));
  const levels = await tx
    .select()
    .from(stockLevels)
    .where(and(eq(stockLevels.tenantId, tenantId), eq(stockLevels.variantId, ref.id)))
    .orderBy(asc(stockLevels.locationId));
  const sum = (f: (l: LevelRow) => number) => levels.reduce((a, l) => a + f(l), 0);
  return {
    id: ref.id,
    object: 'inventory_item' as const,
    variant_id: ref.id,
    product_id: ref.productId,
    sku: ref.sku,
    low_stock_threshold: item?.lowStockThreshold ?? null,
    low_stock: item?.lowStock ?? false,
    on_hand: sum((l) => l.onHand),
    reserved: sum((l) => l.reserved),
    available: sum((l) => l.onHand - l.reserved),
    levels: levels.map((l) => presentLevel(l, ref.sku)),
  };
}
export type InventoryItem = Awaited<ReturnType<typeof inventoryItemOf>>;

/** Available stock per variant over all its locations (variants without stock are absent). */
export async function availabilityOf(tx: Tx, tenantId: string, variantIds: string[]) {
  if (!variantIds.length) return new Map<string, number>();
  const rows = await tx
    .select({
      variantId: stockLevels.variantId,
      available: sql<number>`sum(${stockLevels.onHand} - ${stockLevels.reserved})::int`,
    })
    .from(stockLevels)
    .where(and(eq(stockLevels.tenantId, tenantId), inArray(stockLevels.variantId, variantIds)))
    .groupBy(stockLevels.variantId);
  return new Map(rows.map((r) => [r.variantId, Number(r.available)]));
}

// Low stock: an event once per crossing

/**
 * Re-evaluates the low-stock flag of these variants against their threshold and their stock
 * over all locations, and records `inventory.low` for each that has just dropped to or below it.
 * The UPDATE only touches rows whose flag flips, so a change that crosses nothing writes nothing;
 * climbing back above the threshold re-arms the event.
 */
export async function checkLowStock(tx: Tx, ctx: StockCtx, variantIds: string[]): Promise<void> {
  if (!variantIds.length) return;
  const flipped = rowsOf<{ variant_id: string; low_stock: boolean }>(
    await tx.execute(sql`
      with totals as (
        select i.variant_id, i.low_stock_threshold as threshold,
               coalesce(sum(s.on_hand - s.reserved), 0) as available
        from inventory_items i
        left join stock_levels s on s.tenant_id = i.tenant_id and s.variant_id = i.variant_id
        where i.tenant_id = ${ctx.tenantId} and i.low_stock_threshold is not null
          and i.variant_id in (${sql.join(
            variantIds.map((id) => sql`${id}`),
            sql`, `,
          )})
        group by i.variant_id, i.low_stock_threshold
      )
      update inventory_items i set low_stock = (t.available <= t.threshold), updated_at = ${ctx.clock.now().toISOString()}::timestamptz
      from totals t
      where i.tenant_id = ${ctx.tenantId} and i.variant_id = t.variant_id
        and i.low_stock <> (t.available <= t.threshold)
      returning i.variant_id, i.low_stock`),
  );
  const dropped = flipped.filter((r) => r.low_stock).map((r) => r.variant_id);
  if (!dropped.length) return;
  const refs = await variantRefs(tx, ctx.tenantId, 'id', dropped);
  for (const ref of refs.values()) {
    const item = await inventoryItemOf(tx, ctx.tenantId, ref);
    await recordEvent(tx, ctx, { type: 'inventory.low', object: item });
  }
}

// ---------------------------------------------------------------------------------------------
// For orders: reserve, release, commit, restock. Each is one conditional UPDATE in the caller's
// transaction; all lines apply or none (a shortfall undoes the lines that did apply, then
// throws 409). Lines without a location use the default one.

export interface StockLine {
  variant_id: string;
  quantity: number;
  location_id?: string | undefined;
}

type Applied = { variant_id: string; location_id: string; quantity: number; on_hand: number };

/** Lines as a relation, summed per (variant, location), missing locations → the default. */
function linesRelation(tenantId: string, lines: StockLine[]): SQL {
  for (const line of lines) {
    if (!Number.isInteger(line.quantity) || line.quantity <= 0 || line.quantity > MAX_QUANTITY) {
      throw new RangeError(`stock line quantity must be a positive integer, got ${line.quantity}`);
    }
  }
  const rows = lines.map((l) => ({
    variant_id: l.variant_id,
    location_id: l.location_id ?? null,
    quantity: l.quantity,
  }));
  return sql`(
    select x.variant_id,
           coalesce(x.location_id, (select id from locations where tenant_id = ${tenantId} and is_default)) as location_id,
           sum(x.quantity)::int as quantity
    from ${jsonRecordset(rows, 'x', 'variant_id text, location_id text, quantity int')}
    group by 1, 2)`;
}

/**
 * The one conditional UPDATE behind reserve, release and commit. It reports how many levels it
 * wanted and which it changed; on a shortfall it undoes the changed ones and throws, so a caller
 * that catches the error is not left holding half a reservation.
 */
async function applyToLevels(
  tx: Tx,
  ctx: StockCtx,
  lines: StockLine[],
  change: { set: SQL; when: SQL; undo: SQL },
  failure: { code: string; message: string },
): Promise<{ applied: Applied[]; watched: boolean }> {
  if (!lines.length) return { applied: [], watched: false };
  const now = ctx.clock.now().toISOString();
  const [result] = rowsOf<{ wanted: number; applied: Applied[] | null; watched: boolean }>(
    await tx.execute(sql`
      with l as ${linesRelation(ctx.tenantId, lines)},
      changed as (
        update stock_levels s set ${change.set}, updated_at = ${now}::timestamptz
        from l
        where s.tenant_id = ${ctx.tenantId} and s.variant_id = l.variant_id and s.location_id = l.location_id
          and ${change.when}
        returning s.variant_id, s.location_id, l.quantity, s.on_hand
      )
      select (select count(*) from l)::int as wanted, (select json_agg(changed) from changed) as applied,
             exists (select 1 from inventory_items i join l on i.variant_id = l.variant_id
                     where i.tenant_id = ${ctx.tenantId} and i.low_stock_threshold is not null) as watched`),
  );
  const applied = result!.applied ?? [];
  // `watched`: some line has a low-stock threshold, so the caller must look at it (most do not,
  // which saves a statement per checkout).
  if (applied.length === Number(result!.wanted)) return { applied, watched: result!.watched };
  if (applied.length) {
    await tx.execute(sql`
      update stock_levels s set ${change.undo}
      from ${jsonRecordset(applied, 'l', 'variant_id text, location_id text, quantity int')}
      where s.tenant_id = ${ctx.tenantId} and s.variant_id = l.variant_id and s.location_id = l.location_id`);
  }
  const done = (l: StockLine) =>
    applied.some((a) => a.variant_id === l.variant_id && (!l.location_id || a.location_id === l.location_id));
  throw conflict(
    failure.code,
    failure.message,
    lines.flatMap((l, i) => (done(l) ? [] : [fieldError(`lines.${i}`, failure.code, failure.message)])),
  );
}

/** Holds stock for an order: `reserved += n` where `on_hand - reserved >= n`. */
export async function reserveStock(tx: Tx, ctx: StockCtx, lines: StockLine[]): Promise<void> {
  const { watched } = await applyToLevels(
    tx,
    ctx,
    lines,
    {
      set: sql`reserved = s.reserved + l.quantity`,
      when: sql`s.on_hand - s.reserved >= l.quantity`,
      undo: sql`reserved = s.reserved - l.quantity`,
    },
    { code: 'insufficient_stock', message: 'Not enough available stock' },
  );
  if (watched) await checkLowStock(tx, ctx, distinctVariants(lines));
  noteStockChange(tx, ctx.tenantId);
}

/** Lets go of held stock (an unpaid order timed out, or was cancelled): `reserved -= n`. */
export async function releaseStock(tx: Tx, ctx: StockCtx, lines: StockLine[]): Promise<void> {
  const { watched } = await applyToLevels(
    tx,
    ctx,
    lines,
    {
      set: sql`reserved = s.reserved - l.quantity`,
      when: sql`s.reserved >= l.quantity`,
      undo: sql`reserved = s.reserved + l.quantity`,
    },
    { code: 'reservation_missing', message: 'Less stock is reserved than the release asks for' },
  );
  if (watched) await checkLowStock(tx, ctx, distinctVariants(lines));
  noteStockChange(tx, ctx.tenantId);
}

/** Turns held stock into a sale: `on_hand -= n, reserved -= n`, with a `sale` adjustment. */
export async function commitReservedStock(
  tx: Tx,
  ctx: StockCtx,
  lines: StockLine[],
  reference?: string,
): Promise<void> {
  const { applied } = await applyToLevels(
    tx,
    ctx,
    lines,
    {
      set: sql`on_hand = s.on_hand - l.quantity, reserved = s.reserved - l.quantity`,
      when: sql`s.reserved >= l.quantity`,
      undo: sql`on_hand = s.on_hand + l.quantity, reserved = s.reserved + l.quantity`,
    },
    { code: 'reservation_missing', message: 'Less stock is reserved than the sale asks for' },
  );
  // Available stock does not change (it was already held), so there is no low-stock check.
  await recordAdjustments(tx, ctx, applied, 'sale', -1, reference);
  noteStockChange(tx, ctx.tenantId);
}

/** Puts stock back on hand (a return): `on_hand += n`, with a `restock` adjustment. */
export async function restock(tx: Tx, ctx: StockCtx, lines: StockLine[], reference?: string): Promise<void> {
  if (!lines.length) return;
  const now = ctx.clock.now().toISOString();
  const applied = rowsOf<Applied>(
    await tx.execute(sql`
      with l as ${linesRelation(ctx.tenantId, lines)},
      changed as (
        insert into stock_levels as s (tenant_id, variant_id, location_id, on_hand, reserved, updated_at)
        select ${ctx.tenantId}, l.variant_id, l.location_id, l.quantity, 0, ${now}::timestamptz from l
        on conflict (tenant_id, variant_id, location_id) do update
          set on_hand = s.on_hand + excluded.on_hand, updated_at = excluded.updated_at
        returning s.variant_id, s.location_id, s.on_hand
      )
      select changed.*, l.quantity from changed join l using (variant_id, location_id)`),
  );
  await recordAdjustments(tx, ctx, applied, 'restock', 1, reference);
  await checkLowStock(tx, ctx, distinctVariants(lines));
  noteStockChange(tx, ctx.tenantId);
}

const distinctVariants = (lines: StockLine[]) => [...new Set(lines.map((l) => l.variant_id))];

async function recordAdjustments(
  tx: Tx,
  ctx: StockCtx,
  applied: Applied[],
  reason: AdjustmentReason,
  sign: 1 | -1,
  reference: string | undefined,
) {
  if (!applied.length) return;
  const now = ctx.clock.now();
  await tx.insert(inventoryAdjustments).values(
    applied.map((a) => ({
      tenantId: ctx.tenantId,
      id: newId('inventoryAdjustment'),
      variantId: a.variant_id,
      locationId: a.location_id,
      delta: sign * a.quantity,
      onHandAfter: a.on_hand,
      reason,
      reference: reference ?? null,
      createdAt: now,
    })),
  );
}

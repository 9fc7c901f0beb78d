import { and, asc, desc, eq, gt, inArray, isNull, lt, lte, ne, sql } from 'drizzle-orm';
import { type Database, rowsOf, type Tx } from '../../db/client';
import { afterCommit, withTenant } from '../../db/tenancy';
import { badRequest, conflict, fieldError, invalidReference, notFound } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { variantRefs } from '../catalog/service';
import { recordEvent } from '../events/service';
import { clearSoldOut, markSoldOut } from './gate';
import { flashSaleItems, flashSalePurchases, flashSales } from './tables';

type SaleRow = typeof flashSales.$inferSelect;
type ItemRow = typeof flashSaleItems.$inferSelect;
type Ctx = Pick<TenantCtx, 'tenantId' | 'clock'>;

export type FlashSaleStatus = 'scheduled' | 'active' | 'ended' | 'canceled';

export function saleStatus(
  sale: Pick<SaleRow, 'startsAt' | 'endsAt' | 'canceledAt'>,
  now: Date,
): FlashSaleStatus {
  if (sale.canceledAt) return 'canceled';
  if (now < sale.startsAt) return 'scheduled';
  return now < sale.endsAt ? 'active' : 'ended';
}

function presentItem(row: ItemRow) {
  return {
    id: row.id,
    variant_id: row.variantId,
    sale_price: row.salePrice,
    sale_stock: row.saleStock,
    sold: row.sold,
    remaining: row.saleStock - row.sold,
    per_customer_limit: row.perCustomerLimit,
  };
}

export function presentFlashSale(row: SaleRow, items: ItemRow[], now: Date) {
  return {
    id: row.id,
    object: 'flash_sale' as const,
    name: row.name,
    starts_at: iso(row.startsAt)!,
    ends_at: iso(row.endsAt)!,
    status: saleStatus(row, now),
    items: items.map(presentItem),
    canceled_at: iso(row.canceledAt),
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type FlashSale = ReturnType<typeof presentFlashSale>;

export interface FlashSaleItemInput {
  variant_id: string;
  sale_price: number;
  sale_stock: number;
  per_customer_limit?: number | undefined;
}

export interface CreateFlashSaleInput {
  name: string;
  starts_at: Date;
  ends_at: Date;
  items: FlashSaleItemInput[];
}

async function itemsOf(tx: Tx, tenantId: string, saleIds: string[]) {
  if (!saleIds.length) return new Map<string, ItemRow[]>();
  const rows = await tx
    .select()
    .from(flashSaleItems)
    .where(and(eq(flashSaleItems.tenantId, tenantId), inArray(flashSaleItems.flashSaleId, saleIds)))
    .orderBy(asc(flashSaleItems.id));
  const out = new Map<string, ItemRow[]>();
  for (const r of rows) out.set(r.flashSaleId, [...(out.get(r.flashSaleId) ?? []), r]);
  return out;
}

/** A variant may be in one sale at a time: overlapping windows would make its price ambiguous. */
async function assertNoOverlap(
  tx: Tx,
  ctx: Ctx,
  variantIds: string[],
  startsAt: Date,
  endsAt: Date,
  exceptSale?: string,
) {
  const clash = await tx
    .select({ variantId: flashSaleItems.variantId, saleId: flashSales.id })
    .from(flashSaleItems)
    .innerJoin(
      flashSales,
      and(eq(flashSales.tenantId, flashSaleItems.tenantId), eq(flashSales.id, flashSaleItems.flashSaleId)),
    )
    .where(
      and(
        eq(flashSaleItems.tenantId, ctx.tenantId),
        inArray(flashSaleItems.variantId, variantIds),
        isNull(flashSales.canceledAt),
        lt(flashSales.startsAt, endsAt),
        gt(flashSales.endsAt, startsAt),
        exceptSale ? ne(flashSales.id, exceptSale) : undefined,
      ),
    )
    .limit(1);
  if (clash[0]) {
    throw conflict(
      'flash_sale_overlap',
      `Variant '${clash[0].variantId}' is already in flash sale '${clash[0].saleId}' at that time.`,
    );
  }
}

export async function createFlashSale(ctx: TenantCtx, input: CreateFlashSaleInput): Promise<FlashSale> {
  const now = ctx.clock.now();
  if (input.ends_at <= input.starts_at) {
    throw badRequest('invalid_window', 'ends_at must be after starts_at.', [
      fieldError('body.ends_at', 'before_start', 'Must be after starts_at'),
    ]);
  }
  if (input.ends_at <= now) {
    throw badRequest('invalid_window', 'The sale would already be over.', [
      fieldError('body.ends_at', 'in_past', 'Must be in the future'),
    ]);
  }
  const variantIds = input.items.map((i) => i.variant_id);
  const dup = variantIds.find((v, i) => variantIds.indexOf(v) !== i);
  if (dup) throw badRequest('duplicate_variant', `Variant '${dup}' is listed twice.`);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const known = await variantRefs(tx, ctx.tenantId, 'id', variantIds);
    input.items.forEach((item, i) => {
      if (!known.has(item.variant_id))
        throw invalidReference('variant', item.variant_id, `body.items.${i}.variant_id`);
    });
    await assertNoOverlap(tx, ctx, variantIds, input.starts_at, input.ends_at);
    const [sale] = await tx
      .insert(flashSales)
      .values({
        tenantId: ctx.tenantId,
        id: newId('flashSale'),
        name: input.name,
        startsAt: input.starts_at,
        endsAt: input.ends_at,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const items = await tx
      .insert(flashSaleItems)
      .values(
        input.items.map((i) => ({
          tenantId: ctx.tenantId,
          id: newId('flashSaleItem'),
          flashSaleId: sale!.id,
          variantId: i.variant_id,
          salePrice: i.sale_price,
          saleStock: i.sale_stock,
          perCustomerLimit: i.per_customer_limit ?? null,
        })),
      )
      .returning();
    const presented = presentFlashSale(sale!, items, now);
    await recordEvent(tx, ctx, { type: 'flash_sale.created', object: presented });
    return presented;
  });
}

export async function listFlashSales(
  ctx: TenantCtx,
  query: ListQuery & { status?: FlashSaleStatus | undefined },
) {
  const after = cursorId(query);
  const now = ctx.clock.now();
  const statusFilter = {
    scheduled: and(isNull(flashSales.canceledAt), gt(flashSales.startsAt, now)),
    active: and(isNull(flashSales.canceledAt), lte(flashSales.startsAt, now), gt(flashSales.endsAt, now)),
    ended: and(isNull(flashSales.canceledAt), lte(flashSales.endsAt, now)),
    canceled: sql`${flashSales.canceledAt} is not null`,
  };
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(flashSales)
      .where(
        and(
          eq(flashSales.tenantId, ctx.tenantId),
          query.status ? statusFilter[query.status] : undefined,
          after ? lt(flashSales.id, after) : undefined,
        ),
      )
      .orderBy(desc(flashSales.id))
      .limit(query.limit + 1);
    const items = await itemsOf(
      tx,
      ctx.tenantId,
      rows.slice(0, query.limit).map((r) => r.id),
    );
    return pageOf(rows, query.limit, (r) => presentFlashSale(r, items.get(r.id) ?? [], now));
  });
}

async function findSale(tx: Tx, tenantId: string, id: string, lock = false) {
  const q = tx
    .select()
    .from(flashSales)
    .where(and(eq(flashSales.tenantId, tenantId), eq(flashSales.id, id)));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw notFound('flash_sale', id);
  return row;
}

export async function getFlashSale(ctx: TenantCtx, id: string): Promise<FlashSale> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const sale = await findSale(tx, ctx.tenantId, id);
    const items = await itemsOf(tx, ctx.tenantId, [id]);
    return presentFlashSale(sale, items.get(id) ?? [], ctx.clock.now());
  });
}

/** Renames, moves or ends a sale early; an ended or cancelled sale is history and stays as it was. */
export async function updateFlashSale(
  ctx: TenantCtx,
  id: string,
  input: { name?: string | undefined; starts_at?: Date | undefined; ends_at?: Date | undefined },
): Promise<FlashSale> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const now = ctx.clock.now();
    const sale = await findSale(tx, ctx.tenantId, id, true);
    const status = saleStatus(sale, now);
    if (status === 'ended' || status === 'canceled') {
      throw conflict('flash_sale_closed', `A ${status} flash sale cannot be changed.`);
    }
    if (status === 'active' && input.starts_at) {
      throw conflict('flash_sale_started', 'The sale has started; its start cannot move.');
    }
    const startsAt = input.starts_at ?? sale.startsAt;
    const endsAt = input.ends_at ?? sale.endsAt;
    if (endsAt <= startsAt) {
      throw badRequest('invalid_window', 'ends_at must be after starts_at.', [
        fieldError('body.ends_at', 'before_start', 'Must be after starts_at'),
      ]);
    }
    const items = (await itemsOf(tx, ctx.tenantId, [id])).get(id) ?? [];
    await assertNoOverlap(
      tx,
      ctx,
      items.map((i) => i.variantId),
      startsAt,
      endsAt,
      id,
    );
    const [row] = await tx
      .update(flashSales)
      .set({ name: input.name ?? sale.name, startsAt, endsAt, updatedAt: now })
      .where(and(eq(flashSales.tenantId, ctx.tenantId), eq(flashSales.id, id)))
      .returning();
    const presented = presentFlashSale(row!, items, now);
    await recordEvent(tx, ctx, { type: 'flash_sale.updated', object: presented });
    return presented;
  });
}

export async function cancelFlashSale(ctx: TenantCtx, id: string): Promise<FlashSale> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const now = ctx.clock.now();
    const sale = await findSale(tx, ctx.tenantId, id, true);
    const status = saleStatus(sale, now);
    if (status === 'ended' || status === 'canceled') {
      throw conflict('flash_sale_closed', `A ${status} flash sale cannot be cancelled.`);
    }
    const [row] = await tx
      .update(flashSales)
      .set({ canceledAt: now, updatedAt: now })
      .where(and(eq(flashSales.tenantId, ctx.tenantId), eq(flashSales.id, id)))
      .returning();
    const items = (await itemsOf(tx, ctx.tenantId, [id])).get(id) ?? [];
    const presented = presentFlashSale(row!, items, now);
    await recordEvent(tx, ctx, { type: 'flash_sale.canceled', object: presented });
    return presented;
  });
}

// ---------------------------------------------------------------------------------------------
// For pricing and checkout

export interface ActiveItem {
  id: string;
  variantId: string;
  salePrice: number;
  perCustomerLimit: number | null;
}

/** The sale item each variant is in at `at`, if any. */
export async function activeSaleItems(
  tx: Tx,
  tenantId: string,
  variantIds: string[],
  at: Date,
): Promise<Map<string, ActiveItem>> {
  if (!variantIds.length) return new Map();
  const rows = await tx
    .select({
      id: flashSaleItems.id,
      variantId: flashSaleItems.variantId,
      salePrice: flashSaleItems.salePrice,
      perCustomerLimit: flashSaleItems.perCustomerLimit,
    })
    .from(flashSaleItems)
    .innerJoin(
      flashSales,
      and(eq(flashSales.tenantId, flashSaleItems.tenantId), eq(flashSales.id, flashSaleItems.flashSaleId)),
    )
    .where(
      and(
        eq(flashSaleItems.tenantId, tenantId),
        inArray(flashSaleItems.variantId, variantIds),
        isNull(flashSales.canceledAt),
        lte(flashSales.startsAt, at),
        gt(flashSales.endsAt, at),
      ),
    );
  return new Map(rows.map((r) => [r.variantId, r]));
}

/**
 * Every variant of the tenant in a sale that is live at `at` (or starts within a minute), with
 * its item: the admission gate's index (flash-sales/gate.ts). One small query per tenant and
 * node every second or so, shared by all the buyers waiting for it.
 */
export function saleIndexLoader(db: Database, tenantId: string, at: () => Date) {
  return () =>
    withTenant(db, tenantId, async (tx) => {
      const now = at();
      const rows = await tx
        .select({ id: flashSaleItems.id, variantId: flashSaleItems.variantId })
        .from(flashSaleItems)
        .innerJoin(
          flashSales,
          and(
            eq(flashSales.tenantId, flashSaleItems.tenantId),
            eq(flashSales.id, flashSaleItems.flashSaleId),
          ),
        )
        .where(
          and(
            eq(flashSaleItems.tenantId, tenantId),
            isNull(flashSales.canceledAt),
            lte(flashSales.startsAt, new Date(now.getTime() + 60_000)),
            gt(flashSales.endsAt, now),
          ),
        );
      return new Map(rows.map((r) => [r.variantId, r.id]));
    });
}

export interface SaleUnits {
  itemId: string;
  quantity: number;
  perCustomerLimit: number | null;
  /** Who buys, for the per-customer limit. */
  buyer: string | null;
}

/**
 * Takes sale stock for an order: `sold += n where sold + n <= sale_stock`, one statement per
 * item, and counts the buyer's units against the per-customer limit (a conditional upsert). A
 * miss is a 409 and marks the item sold out on this node, so the next buyers fail fast.
 */
export async function takeSaleStock(tx: Tx, ctx: Ctx, units: SaleUnits[]): Promise<void> {
  for (const u of [...units].sort((a, b) => a.itemId.localeCompare(b.itemId))) {
    const taken = await tx
      .update(flashSaleItems)
      .set({ sold: sql`${flashSaleItems.sold} + ${u.quantity}` })
      .where(
        and(
          eq(flashSaleItems.tenantId, ctx.tenantId),
          eq(flashSaleItems.id, u.itemId),
          sql`${flashSaleItems.sold} + ${u.quantity} <= ${flashSaleItems.saleStock}`,
        ),
      )
      .returning({ sold: flashSaleItems.sold, saleStock: flashSaleItems.saleStock });
    if (!taken.length) {
      markSoldOut(ctx.tenantId, u.itemId);
      throw conflict('flash_sale_sold_out', 'The flash sale has no units left for this item.');
    }
    // The last unit: queued buyers hear "sold out" once this order has committed (not before:
    // a rollback would give the unit back).
    if (taken[0]!.sold >= taken[0]!.saleStock) afterCommit(tx, () => markSoldOut(ctx.tenantId, u.itemId));
    if (u.perCustomerLimit !== null) {
      if (!u.buyer) {
        throw badRequest(
          'customer_required',
          'This flash sale limits units per customer: give a customer_id, phone or email.',
        );
      }
      const [held] = rowsOf<{ quantity: number }>(
        await tx.execute(sql`
          insert into ${flashSalePurchases} as p (tenant_id, item_id, buyer, quantity)
          values (${ctx.tenantId}, ${u.itemId}, ${u.buyer}, ${u.quantity})
          on conflict (tenant_id, item_id, buyer) do update set quantity = p.quantity + excluded.quantity
          where p.quantity + excluded.quantity <= ${u.perCustomerLimit}
          returning p.quantity`),
      );
      if (!held || u.quantity > u.perCustomerLimit) {
        throw conflict(
          'flash_sale_limit_exceeded',
          `At most ${u.perCustomerLimit} per customer in this flash sale.`,
        );
      }
    }
  }
}

/** Gives sale stock back (an unpaid order expired, an order was cancelled before shipping). */
export async function returnSaleStock(tx: Tx, ctx: Ctx, units: SaleUnits[]): Promise<void> {
  for (const u of [...units].sort((a, b) => a.itemId.localeCompare(b.itemId))) {
    await tx
      .update(flashSaleItems)
      .set({ sold: sql`greatest(${flashSaleItems.sold} - ${u.quantity}, 0)` })
      .where(and(eq(flashSaleItems.tenantId, ctx.tenantId), eq(flashSaleItems.id, u.itemId)));
    if (u.buyer) {
      await tx
        .update(flashSalePurchases)
        .set({ quantity: sql`greatest(${flashSalePurchases.quantity} - ${u.quantity}, 0)` })
        .where(
          and(
            eq(flashSalePurchases.tenantId, ctx.tenantId),
            eq(flashSalePurchases.itemId, u.itemId),
            eq(flashSalePurchases.buyer, u.buyer),
          ),
        );
    }
    afterCommit(tx, () => clearSoldOut(ctx.tenantId, u.itemId));
  }
}

import { and, asc, count, desc, eq, inArray, lt, type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { conflict, type FieldError, fieldError, notFound, unprocessable } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { products, variants } from '../catalog/tables';
import { variantsOf } from '../catalog/variants';
import { bumpStoreVersion } from '../catalog/version';
import { recordEvent } from '../events/service';
import { type Store, storeForActor } from '../stores/service';
import { type PICK_STATUSES, storePickPrices, storePicks } from './tables';

/**
 * Store picks (选品) of shopkeeper stores (DESIGN.md §3): a shopkeeper picks products of the
 * tenant catalog (at most MAX_PICKS per store), may add a recommendation text, and may set its
 * own retail price per variant inside the supplier's band (控价). It never edits the product.
 *
 * The band of a variant is [retail_floor, retail_ceiling]; a bound the supplier left unset is
 * the list price, so a variant with neither sells only at its list price, and one with only a
 * floor may be discounted down to the floor but not marked up. A variant without a pick price
 * sells at its list price (which the catalog keeps inside the band).
 */

export const MAX_PICKS = 1000;

type PickRow = typeof storePicks.$inferSelect;
type VariantRow = typeof variants.$inferSelect;
export type PickStatus = (typeof PICK_STATUSES)[number];

export interface PickPriceInput {
  variant_id: string;
  price: number;
}

export function bandOf(v: Pick<VariantRow, 'listPrice' | 'retailFloor' | 'retailCeiling'>) {
  return { min: v.retailFloor ?? v.listPrice, max: v.retailCeiling ?? v.listPrice };
}

export function presentPick(row: PickRow, prices: Array<{ variantId: string; price: number }>) {
  return {
    id: row.id,
    object: 'store_pick' as const,
    store_id: row.storeId,
    product_id: row.productId,
    prices: prices.map((p) => ({ variant_id: p.variantId, price: p.price })),
    recommendation: row.recommendation,
    status: row.status,
    flag_reason: row.flagReason,
    flag_message: row.flagMessage,
    flagged_at: iso(row.flaggedAt),
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type StorePick = ReturnType<typeof presentPick>;

async function pricesOf(tx: Tx, tenantId: string, pickIds: string[]) {
  const byPick = new Map<string, Array<{ variantId: string; price: number }>>(pickIds.map((id) => [id, []]));
  if (!pickIds.length) return byPick;
  const rows = await tx
    .select()
    .from(storePickPrices)
    .where(and(eq(storePickPrices.tenantId, tenantId), inArray(storePickPrices.pickId, pickIds)))
    .orderBy(asc(storePickPrices.pickId), asc(storePickPrices.variantId));
  for (const r of rows) byPick.get(r.pickId)?.push({ variantId: r.variantId, price: r.price });
  return byPick;
}

async function presentRows(tx: Tx, tenantId: string, rows: PickRow[]) {
  const prices = await pricesOf(
    tx,
    tenantId,
    rows.map((r) => r.id),
  );
  return rows.map((r) => presentPick(r, prices.get(r.id) ?? []));
}

/** The store, as the caller may reach it, and only if it is a shopkeeper store. */
async function shopkeeperStore(tx: Tx, ctx: TenantCtx, storeId: string, lock = false): Promise<Store> {
  const store = await storeForActor(tx, ctx, storeId, lock);
  if (store.kind !== 'shopkeeper') {
    throw conflict(
      'store_not_shopkeeper',
      `Store '${storeId}' is a ${store.kind} store; only shopkeeper stores have picks (a ${store.kind} store sells the whole published catalog).`,
    );
  }
  return store;
}

/** Checks a pick's prices against the product's variants and their bands; returns field errors. */
function priceErrors(prices: PickPriceInput[], productVariants: VariantRow[], at: string): FieldError[] {
  const byId = new Map(productVariants.map((v) => [v.id, v]));
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  prices.forEach((p, i) => {
    const where = `${at}.${i}`;
    const v = byId.get(p.variant_id);
    if (!v) {
      errors.push(
        fieldError(
          `${where}.variant_id`,
          'variant_not_in_product',
          `'${p.variant_id}' is not a variant of the product`,
        ),
      );
      return;
    }
    if (seen.has(p.variant_id)) {
      errors.push(fieldError(`${where}.variant_id`, 'duplicate_variant', 'Each variant may be priced once'));
    }
    seen.add(p.variant_id);
    const band = bandOf(v);
    if (p.price < band.min || p.price > band.max) {
      errors.push(
        fieldError(
          `${where}.price`,
          'price_outside_band',
          band.min === band.max
            ? `This variant sells only at ${band.min} (its list price; the supplier set no retail band)`
            : `Must be within the variant's retail band ${band.min}–${band.max}`,
        ),
      );
    }
  });
  return errors;
}

async function publishedProduct(tx: Tx, tenantId: string, productId: string) {
  const [row] = await tx
    .select({ id: products.id, status: products.status })
    .from(products)
    .where(and(eq(products.tenantId, tenantId), eq(products.id, productId)));
  if (!row) {
    throw unprocessable('invalid_reference', `No such product: '${productId}'`, [
      fieldError('body.product_id', 'invalid_reference', `No such product: '${productId}'`),
    ]);
  }
  if (row.status !== 'published') {
    throw unprocessable(
      'product_not_published',
      `Product '${productId}' is ${row.status}; pick published products.`,
      [fieldError('body.product_id', 'product_not_published', `The product is ${row.status}`)],
    );
  }
}

async function writePrices(tx: Tx, tenantId: string, pickId: string, prices: PickPriceInput[]) {
  await tx
    .delete(storePickPrices)
    .where(and(eq(storePickPrices.tenantId, tenantId), eq(storePickPrices.pickId, pickId)));
  if (prices.length) {
    await tx
      .insert(storePickPrices)
      .values(prices.map((p) => ({ tenantId, pickId, variantId: p.variant_id, price: p.price })));
  }
}

export async function createPick(
  ctx: TenantCtx,
  storeId: string,
  input: { product_id: string; prices?: PickPriceInput[] | undefined; recommendation?: string | undefined },
): Promise<StorePick> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    // The store's row lock serialises the picks of one store, so concurrent adds cannot pass the cap.
    await shopkeeperStore(tx, ctx, storeId, true);
    await publishedProduct(tx, ctx.tenantId, input.product_id);
    const productVariants = (await variantsOf(tx, ctx.tenantId, [input.product_id])).get(input.product_id)!;
    const prices = input.prices ?? [];
    const errors = priceErrors(prices, productVariants, 'body.prices');
    if (errors.length) throw unprocessable(errors[0]!.code, errors[0]!.message, errors);
    const [existing] = await tx
      .select({ id: storePicks.id })
      .from(storePicks)
      .where(
        and(
          eq(storePicks.tenantId, ctx.tenantId),
          eq(storePicks.storeId, storeId),
          eq(storePicks.productId, input.product_id),
        ),
      );
    if (existing) {
      throw conflict('already_picked', `The store already picked this product (pick '${existing.id}').`, [
        fieldError('body.product_id', 'already_picked', 'Already picked'),
      ]);
    }
    const [{ n }] = (await tx
      .select({ n: count() })
      .from(storePicks)
      .where(and(eq(storePicks.tenantId, ctx.tenantId), eq(storePicks.storeId, storeId)))) as [{ n: number }];
    if (Number(n) >= MAX_PICKS) {
      throw conflict('pick_limit_reached', `A store has at most ${MAX_PICKS} picks; remove one first.`);
    }
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(storePicks)
      .values({
        tenantId: ctx.tenantId,
        id: newId('storePick'),
        storeId,
        productId: input.product_id,
        recommendation: input.recommendation ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await writePrices(tx, ctx.tenantId, row!.id, prices);
    const [pick] = await presentRows(tx, ctx.tenantId, [row!]);
    await recordEvent(tx, ctx, { type: 'store_pick.created', object: pick! });
    await bumpStoreVersion(tx, ctx.tenantId, storeId);
    return pick!;
  });
}

export async function listPicks(
  ctx: TenantCtx,
  storeId: string,
  query: ListQuery & { status?: PickStatus | undefined; product_id?: string | undefined },
) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    await shopkeeperStore(tx, ctx, storeId);
    const rows = await tx
      .select()
      .from(storePicks)
      .where(
        and(
          eq(storePicks.tenantId, ctx.tenantId),
          eq(storePicks.storeId, storeId),
          query.status ? eq(storePicks.status, query.status) : undefined,
          query.product_id ? eq(storePicks.productId, query.product_id) : undefined,
          after ? lt(storePicks.id, after) : undefined,
        ),
      )
      .orderBy(desc(storePicks.id))
      .limit(query.limit + 1);
    const presented = new Map(
      (await presentRows(tx, ctx.tenantId, rows.slice(0, query.limit))).map((p) => [p.id, p]),
    );
    return pageOf(rows, query.limit, (r) => presented.get(r.id)!);
  });
}

async function findPick(tx: Tx, ctx: TenantCtx, storeId: string, pickId: string, lock = false) {
  await shopkeeperStore(tx, ctx, storeId);
  const q = tx
    .select()
    .from(storePicks)
    .where(
      and(eq(storePicks.tenantId, ctx.tenantId), eq(storePicks.storeId, storeId), eq(storePicks.id, pickId)),
    );
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw notFound('store_pick', pickId);
  return row;
}

export async function getPick(ctx: TenantCtx, storeId: string, pickId: string): Promise<StorePick> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const row = await findPick(tx, ctx, storeId, pickId);
    return (await presentRows(tx, ctx.tenantId, [row]))[0]!;
  });
}

/** Which of a pick's own prices lie outside their variant's band now: the first one, if any. */
function firstOutside(
  prices: Array<{ variantId: string; price: number }>,
  productVariants: VariantRow[],
): { reason: 'price_below_floor' | 'price_above_ceiling'; message: string } | null {
  const byId = new Map(productVariants.map((v) => [v.id, v]));
  for (const p of prices) {
    const v = byId.get(p.variantId);
    if (!v) continue;
    const band = bandOf(v);
    if (p.price < band.min || p.price > band.max) {
      return {
        reason: p.price < band.min ? 'price_below_floor' : 'price_above_ceiling',
        message: `Variant ${v.id} (${v.sku}) is priced ${p.price}, outside its retail band ${band.min}–${band.max}.`,
      };
    }
  }
  return null;
}

/**
 * Updates a pick's recommendation and/or its prices (`prices` replaces the whole set; `[]`
 * sells every variant at list price). A flagged pick whose prices are all inside the bands
 * afterwards is active again.
 */
export async function updatePick(
  ctx: TenantCtx,
  storeId: string,
  pickId: string,
  input: { prices?: PickPriceInput[] | undefined; recommendation?: string | null | undefined },
): Promise<StorePick> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const current = await findPick(tx, ctx, storeId, pickId, true);
    const productVariants = (await variantsOf(tx, ctx.tenantId, [current.productId])).get(current.productId)!;
    if (input.prices) {
      const errors = priceErrors(input.prices, productVariants, 'body.prices');
      if (errors.length) throw unprocessable(errors[0]!.code, errors[0]!.message, errors);
      await writePrices(tx, ctx.tenantId, pickId, input.prices);
    }
    const prices = (await pricesOf(tx, ctx.tenantId, [pickId])).get(pickId)!;
    const outside = firstOutside(prices, productVariants);
    const now = ctx.clock.now();
    const [row] = await tx
      .update(storePicks)
      .set({
        recommendation: input.recommendation === undefined ? current.recommendation : input.recommendation,
        status: outside ? 'flagged' : 'active',
        flagReason: outside?.reason ?? null,
        flagMessage: outside?.message ?? null,
        flaggedAt: outside ? (current.flaggedAt ?? now) : null,
        updatedAt: now,
      })
      .where(and(eq(storePicks.tenantId, ctx.tenantId), eq(storePicks.id, pickId)))
      .returning();
    const pick = presentPick(row!, prices);
    await recordEvent(tx, ctx, { type: 'store_pick.updated', object: pick });
    if (current.status === 'flagged' && pick.status === 'active') {
      await recordEvent(tx, ctx, { type: 'store_pick.unflagged', object: pick });
    }
    await bumpStoreVersion(tx, ctx.tenantId, storeId);
    return pick;
  });
}

export async function deletePick(ctx: TenantCtx, storeId: string, pickId: string) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const row = await findPick(tx, ctx, storeId, pickId, true);
    const [pick] = await presentRows(tx, ctx.tenantId, [row]);
    await tx.delete(storePicks).where(and(eq(storePicks.tenantId, ctx.tenantId), eq(storePicks.id, pickId)));
    await recordEvent(tx, ctx, { type: 'store_pick.deleted', object: pick! });
    await bumpStoreVersion(tx, ctx.tenantId, storeId);
    return { id: pickId, object: 'store_pick' as const, deleted: true as const };
  });
}

// ---------------------------------------------------------------------------------------------
// For the catalog: a supplier's price change re-checks the picks of the product

/**
 * After a product's variants changed (in the catalog's transaction): picks whose own price of
 * one of its variants is now outside the band are flagged (`store_pick.flagged`), and flagged
 * picks whose prices are all inside again are restored (`store_pick.unflagged`). Two set-based
 * updates, however many stores picked the product.
 */
export async function recheckProductPicks(
  tx: Tx,
  ctx: Pick<TenantCtx, 'tenantId' | 'clock'>,
  productId: string,
) {
  const { tenantId } = ctx;
  const now = ctx.clock.now();
  // Per active pick of the product (found by its index), its first price outside the band, if
  // any: correlated lookups by primary key, so the cost follows the number of picks, never
  // their product with the number of prices (a join here can degrade to a rescan per pick).
  const firstOutside = (expr: string) =>
    sql.raw(`(select ${expr} from store_pick_prices pp join variants v on v.tenant_id = pp.tenant_id and v.id = pp.variant_id
      where pp.tenant_id = store_picks.tenant_id and pp.pick_id = store_picks.id
        and (pp.price < coalesce(v.retail_floor, v.list_price) or pp.price > coalesce(v.retail_ceiling, v.list_price))
      order by v.position, v.id limit 1)`);
  const flagged = await tx
    .update(storePicks)
    .set({
      status: 'flagged',
      flagReason: firstOutside(
        `case when pp.price < coalesce(v.retail_floor, v.list_price) then 'price_below_floor' else 'price_above_ceiling' end`,
      ),
      flagMessage: firstOutside(
        `format('Variant %s (%s) is priced %s, outside its retail band %s–%s.', v.id, v.sku, pp.price, coalesce(v.retail_floor, v.list_price), coalesce(v.retail_ceiling, v.list_price))`,
      ),
      flaggedAt: now,
      updatedAt: now,
    })
    .where(
      and(
        eq(storePicks.tenantId, tenantId),
        eq(storePicks.productId, productId),
        eq(storePicks.status, 'active'),
        sql`${firstOutside('1')} is not null`,
      ),
    )
    .returning();
  const restored = await tx
    .update(storePicks)
    .set({ status: 'active', flagReason: null, flagMessage: null, flaggedAt: null, updatedAt: now })
    .where(
      and(
        eq(storePicks.tenantId, tenantId),
        eq(storePicks.productId, productId),
        eq(storePicks.status, 'flagged'),
        sql`not exists (select 1 from ${storePickPrices} pp join ${variants} v on v.tenant_id = pp.tenant_id and v.id = pp.variant_id
          where pp.tenant_id = ${tenantId} and pp.pick_id = ${storePicks.id}
          and (pp.price < coalesce(v.retail_floor, v.list_price) or pp.price > coalesce(v.retail_ceiling, v.list_price)))`,
      ),
    )
    .returning();
  for (const [type, rows] of [
    ['store_pick.flagged', flagged],
    ['store_pick.unflagged', restored],
  ] as const) {
    // In chunks: a popular product may be picked by many thousands of stores (bind-parameter limit).
    for (let i = 0; i < rows.length; i += 1000) {
      for (const pick of await presentRows(tx, tenantId, rows.slice(i, i + 1000))) {
        await recordEvent(tx, ctx, { type, object: pick });
      }
    }
  }
  return { flagged: flagged.length, restored: restored.length };
}

// ---------------------------------------------------------------------------------------------
// For the storefront and the pricing function

export interface PickView {
  id: string;
  status: PickStatus;
  recommendation: string | null;
  /** The pick's own prices by variant id; variants absent here sell at list price. */
  prices: Map<string, number>;
}

/** A shopkeeper store's picks of some products, by product id (absent: not picked). */
export async function picksOf(
  tx: Tx,
  tenantId: string,
  storeId: string,
  productIds: string[],
): Promise<Map<string, PickView>> {
  const out = new Map<string, PickView>();
  if (!productIds.length) return out;
  const rows = await tx
    .select({ pick: storePicks, variantId: storePickPrices.variantId, price: storePickPrices.price })
    .from(storePicks)
    .leftJoin(
      storePickPrices,
      and(eq(storePickPrices.tenantId, storePicks.tenantId), eq(storePickPrices.pickId, storePicks.id)),
    )
    .where(
      and(
        eq(storePicks.tenantId, tenantId),
        eq(storePicks.storeId, storeId),
        inArray(storePicks.productId, [...new Set(productIds)]),
      ),
    );
  for (const r of rows) {
    let view = out.get(r.pick.productId);
    if (!view) {
      view = {
        id: r.pick.id,
        status: r.pick.status,
        recommendation: r.pick.recommendation,
        prices: new Map(),
      };
      out.set(r.pick.productId, view);
    }
    if (r.variantId !== null && r.price !== null) view.prices.set(r.variantId, r.price);
  }
  return out;
}

/** The product ids a shopkeeper store sells (its active picks), as a subquery for product lists. */
export function activePickedProducts(tenantId: string, storeId: string): SQL {
  return sql`(select ${storePicks.productId} from ${storePicks} where ${storePicks.tenantId} = ${tenantId} and ${storePicks.storeId} = ${storeId} and ${storePicks.status} = 'active')`;
}

import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { forbidden, notFound } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { type ProductFilters, productPage } from '../catalog/service';
import type { products, variants } from '../catalog/tables';
import { readStoreVersion } from '../catalog/version';
import { availabilityOf } from '../inventory/stock';
import { activePickedProducts, type PickView, picksOf } from '../picks/service';
import { requireStore, type Store } from '../stores/service';
import { readTenantSettings } from '../tenants/service';

/**
 * What a publishable key sees: published products of its store's tenant, at the store's price,
 * with availability. Never supply prices, the 控价 band, drafts, metadata or external ids.
 */

type ProductRow = typeof products.$inferSelect;
type VariantRow = typeof variants.$inferSelect;

/**
 * The price a store sells a variant at: a shopkeeper store's own price for the variant when its
 * pick sets one (kept inside the supplier's band by the picks module), else the list price.
 */
export function storefrontPrice(
  store: Store,
  variant: Pick<VariantRow, 'id' | 'listPrice' | 'currency'>,
  pick?: PickView | undefined,
) {
  const own = store.kind === 'shopkeeper' ? pick?.prices.get(variant.id) : undefined;
  return { amount: own ?? variant.listPrice, currency: variant.currency };
}

function presentStorefrontProduct(
  store: Store,
  row: ProductRow,
  variantRows: VariantRow[],
  available: Map<string, number>,
  pick: PickView | undefined,
) {
  const items = variantRows.map((v) => {
    const price = storefrontPrice(store, v, pick);
    const stock = Math.max(0, available.get(v.id) ?? 0);
    return {
      id: v.id,
      sku: v.sku,
      options: v.options,
      price: price.amount,
      currency: price.currency,
      available: stock,
      in_stock: stock > 0,
    };
  });
  // The option pickers: each option name with its values in the order variants first use them.
  const options = new Map<string, Set<string>>();
  for (const v of variantRows) {
    for (const o of v.options) options.set(o.name, (options.get(o.name) ?? new Set()).add(o.value));
  }
  const prices = items.map((i) => i.price);
  const total = items.reduce((a, i) => a + i.available, 0);
  return {
    id: row.id,
    object: 'storefront_product' as const,
    title: row.title,
    description: row.description,
    handle: row.handle,
    category_id: row.categoryId,
    tags: row.tags,
    media: row.media,
    options: [...options].map(([name, values]) => ({ name, values: [...values] })),
    price_min: prices.length ? Math.min(...prices) : 0,
    price_max: prices.length ? Math.max(...prices) : 0,
    currency: items[0]?.currency ?? 'CNY',
    available: total,
    in_stock: total > 0,
    variants: items,
    recommendation: pick?.recommendation ?? null,
    updated_at: iso(row.updatedAt)!,
  };
}
export type StorefrontProduct = ReturnType<typeof presentStorefrontProduct>;

/** The store a publishable key is bound to. */
export function storeOf(ctx: TenantCtx): string {
  if (ctx.actor.kind !== 'publishable')
    throw forbidden('wrong_key_kind', 'Storefront reads need a publishable key.');
  return ctx.actor.storeId;
}

async function openStore(tx: Tx, ctx: TenantCtx): Promise<Store> {
  const store = await requireStore(tx, ctx.tenantId, storeOf(ctx), 'store_id');
  if (store.status !== 'active') throw forbidden('store_closed', 'This store is closed.');
  return store;
}

/** The store's version and the data read in one transaction, so a cached page knows its version. */
function versioned<T>(ctx: TenantCtx, read: (tx: Tx) => Promise<T>) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const version = await readStoreVersion(tx, ctx.tenantId, storeOf(ctx));
    return { version, body: await read(tx) };
  });
}

export type StorefrontQuery = ListQuery & Pick<ProductFilters, 'category_id' | 'tag' | 'q'>;

export function loadStorefrontProducts(ctx: TenantCtx, query: StorefrontQuery) {
  const after = cursorId(query);
  return versioned(ctx, async (tx) => {
    const store = await openStore(tx, ctx);
    const filters = {
      status: 'published' as const,
      category_id: query.category_id,
      tag: query.tag,
      q: query.q,
      // A shopkeeper store sells only its picks (flagged ones are hidden until re-priced).
      idIn: store.kind === 'shopkeeper' ? activePickedProducts(ctx.tenantId, store.id) : undefined,
    };
    const { rows, variantsByProduct } = await productPage(tx, ctx.tenantId, filters, {
      limit: query.limit,
      after,
    });
    const available = await availabilityOf(
      tx,
      ctx.tenantId,
      [...variantsByProduct.values()].flat().map((v) => v.id),
    );
    const picks =
      store.kind === 'shopkeeper'
        ? await picksOf(tx, ctx.tenantId, store.id, [...variantsByProduct.keys()])
        : undefined;
    return pageOf(rows, query.limit, (r) =>
      presentStorefrontProduct(store, r, variantsByProduct.get(r.id)!, available, picks?.get(r.id)),
    );
  });
}

export function loadStorefrontProduct(ctx: TenantCtx, id: string) {
  return versioned(ctx, async (tx) => {
    const store = await openStore(tx, ctx);
    const { rows, variantsByProduct } = await productPage(
      tx,
      ctx.tenantId,
      { status: 'published', id },
      { limit: 1, after: undefined },
    );
    const row = rows[0];
    if (!row) throw notFound('product', id);
    const pick =
      store.kind === 'shopkeeper'
        ? (await picksOf(tx, ctx.tenantId, store.id, [row.id])).get(row.id)
        : undefined;
    // A shopkeeper store shows only its active picks; anything else is not in this store.
    if (store.kind === 'shopkeeper' && pick?.status !== 'active') throw notFound('product', id);
    const variantRows = variantsByProduct.get(row.id)!;
    const available = await availabilityOf(
      tx,
      ctx.tenantId,
      variantRows.map((v) => v.id),
    );
    return presentStorefrontProduct(store, row, variantRows, available, pick);
  });
}

/** The store's public face: name and theme, never its metadata. */
export function loadStorefrontStore(ctx: TenantCtx) {
  return versioned(ctx, async (tx) => {
    const store = await requireStore(tx, ctx.tenantId, storeOf(ctx), 'store_id');
    const { currency } = await readTenantSettings(tx, ctx.tenantId);
    const s = store.settings;
    const text = (v: unknown) => (typeof v === 'string' ? v : null);
    return {
      id: store.id,
      object: 'storefront_store' as const,
      name: store.name,
      kind: store.kind,
      status: store.status,
      currency,
      theme: {
        display_name: text(s.display_name),
        logo_url: text(s.logo_url),
        primary_color: text(s.primary_color),
        accent_color: text(s.accent_color),
        support_phone: text(s.support_phone),
      },
    };
  });
}

/** The version of the key's store's pages: the tenant's catalog version plus the store's own. */
export function readVersion(ctx: TenantCtx) {
  return () => withTenant(ctx.db, ctx.tenantId, (tx) => readStoreVersion(tx, ctx.tenantId, storeOf(ctx)));
}

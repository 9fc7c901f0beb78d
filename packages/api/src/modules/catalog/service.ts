import { and, desc, eq, gte, inArray, lt, ne, or, type SQL, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import {
  ApiError,
  conflict,
  type FieldError,
  fieldError,
  invalidReference,
  notFound,
  toProblem,
  unprocessable,
} from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { mergeRecord } from '../../lib/records';
import { recordEvent } from '../events/service';
import { recheckProductPicks } from '../picks/service';
import { defaultSupplierId, requireSupplier } from '../suppliers/service';
import { readTenantSettings } from '../tenants/service';
import { categorySubtree, requireCategory } from './categories';
import { hasTag, normalizeSearchText, searchTokens, titleMatches } from './search';
import { type ProductStatus, productExternalIds, products, variants } from './tables';
import {
  applyVariantChanges,
  assertSkusFree,
  draftOf,
  insertVariants,
  invalidProduct,
  presentVariant,
  type Variant,
  type VariantInput,
  variantSetErrors,
  variantsOf,
} from './variants';
import { bumpCatalogVersion } from './version';

type ProductRow = typeof products.$inferSelect;
type VariantRow = typeof variants.$inferSelect;

/** A create, or (with every field optional) an update; `variants` in an update add or change. */
export interface ProductInput {
  title?: string | undefined;
  description?: string | null | undefined;
  handle?: string | null | undefined;
  status?: ProductStatus | undefined;
  supplier_id?: string | undefined;
  category_id?: string | null | undefined;
  tags?: string[] | undefined;
  media?: string[] | undefined;
  external_ids?: Record<string, string | null> | undefined;
  metadata?: Record<string, string | null> | undefined;
  variants?: VariantInput[] | undefined;
}

export function presentProduct(row: ProductRow, variantRows: VariantRow[]) {
  return {
    id: row.id,
    object: 'product' as const,
    title: row.title,
    description: row.description,
    handle: row.handle,
    status: row.status,
    supplier_id: row.supplierId,
    category_id: row.categoryId,
    tags: row.tags,
    media: row.media,
    external_ids: row.externalIds,
    metadata: row.metadata,
    variants: variantRows.map(presentVariant),
    published_at: iso(row.publishedAt),
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Product = ReturnType<typeof presentProduct>;

// ---------------------------------------------------------------------------------------------
// Reading

/** A supplier key works on its own supplier's products only; others do not exist for it. */
export function supplierScope(ctx: TenantCtx): string | undefined {
  return ctx.actor.kind === 'supplier' ? ctx.actor.supplierId : undefined;
}

async function findProduct(tx: Tx, ctx: TenantCtx, id: string, lock = false) {
  const scope = supplierScope(ctx);
  const query = tx
    .select()
    .from(products)
    .where(
      and(
        eq(products.tenantId, ctx.tenantId),
        eq(products.id, id),
        scope ? eq(products.supplierId, scope) : undefined,
      ),
    );
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw notFound('product', id);
  return row;
}

async function loadProduct(tx: Tx, ctx: TenantCtx, id: string): Promise<Product> {
  const row = await findProduct(tx, ctx, id);
  return presentProduct(row, (await variantsOf(tx, ctx.tenantId, [id])).get(id)!);
}

export async function getProduct(ctx: TenantCtx, id: string): Promise<Product> {
  return withTenant(ctx.db, ctx.tenantId, (tx) => loadProduct(tx, ctx, id));
}

export interface ProductFilters {
  /** One product (the storefront's product page reads through the same conditions). */
  id?: string | undefined;
  status?: ProductStatus | undefined;
  supplier_id?: string | undefined;
  /** The category and every category below it. */
  category_id?: string | undefined;
  tag?: string | undefined;
  updated_since?: Date | undefined;
  q?: string | undefined;
  /** Only products whose id is in this subquery (a shopkeeper store's picks); not an HTTP filter. */
  idIn?: SQL | undefined;
}

/** The conditions of a product list, shared by the tenant's list and the storefront. */
export function productConditions(tenantId: string, f: ProductFilters): SQL | undefined {
  return and(
    eq(products.tenantId, tenantId),
    // An empty id is still an id (it matches nothing): never "no filter".
    f.id !== undefined ? eq(products.id, f.id) : undefined,
    f.status ? eq(products.status, f.status) : undefined,
    f.supplier_id ? eq(products.supplierId, f.supplier_id) : undefined,
    f.category_id ? sql`${products.categoryId} in ${categorySubtree(tenantId, f.category_id)}` : undefined,
    f.tag ? hasTag(tenantId, f.tag) : undefined,
    f.updated_since ? gte(products.updatedAt, f.updated_since) : undefined,
    f.q ? titleMatches(tenantId, f.q) : undefined,
    f.idIn ? sql`${products.id} in ${f.idIn}` : undefined,
  );
}

/** One page of products with their variants: two queries whatever the page size. */
export async function productPage(
  tx: Tx,
  tenantId: string,
  filters: ProductFilters,
  page: { limit: number; after: string | undefined },
) {
  const rows = await tx
    .select()
    .from(products)
    .where(and(productConditions(tenantId, filters), page.after ? lt(products.id, page.after) : undefined))
    .orderBy(desc(products.id))
    .limit(page.limit + 1);
  const byProduct = await variantsOf(
    tx,
    tenantId,
    rows.slice(0, page.limit).map((r) => r.id),
  );
  return { rows, variantsByProduct: byProduct };
}

export async function listProducts(ctx: TenantCtx, query: ListQuery & ProductFilters) {
  const after = cursorId(query);
  const scope = supplierScope(ctx);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    // A supplier key asking for another supplier's products gets none, as if there were none.
    if (scope && query.supplier_id && query.supplier_id !== scope) {
      return pageOf<ProductRow, Product>([], query.limit, (r) => presentProduct(r, []));
    }
    const filters = scope ? { ...query, supplier_id: scope } : query;
    const { rows, variantsByProduct } = await productPage(tx, ctx.tenantId, filters, {
      limit: query.limit,
      after,
    });
    return pageOf(rows, query.limit, (r) => presentProduct(r, variantsByProduct.get(r.id)!));
  });
}

/** What a create must have; the bulk endpoint checks it per item, the create route by schema. */
function missingForCreate(input: ProductInput, at: string): FieldError[] {
  const errors: FieldError[] = [];
  const required = (field: string) => fieldError(`${at}.${field}`, 'required', 'Required');
  if (!input.title) errors.push(required('title'));
  if (!input.variants?.length) errors.push(required('variants'));
  input.variants?.forEach((v, i) => {
    if (v.id)
      errors.push(fieldError(`${at}.variants.${i}.id`, 'not_allowed', 'A new product has new variants'));
    if (!v.sku) errors.push(required(`variants.${i}.sku`));
    if (v.list_price === undefined) errors.push(required(`variants.${i}.list_price`));
  });
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Uniqueness, named for the caller before the database has to refuse it

async function assertHandleFree(tx: Tx, tenantId: string, handle: string, at: string, productId?: string) {
  const [row] = await tx
    .select({ id: products.id })
    .from(products)
    .where(and(eq(products.tenantId, tenantId), eq(products.handle, handle)));
  if (row && row.id !== productId) {
    throw conflict('handle_taken', `Another product has handle '${handle}'.`, [
      fieldError(`${at}.handle`, 'handle_taken', 'Handle already in use'),
    ]);
  }
}

/** Replaces a product's external ids (the lookup rows), refusing ids another product has. */
async function writeExternalIds(
  tx: Tx,
  tenantId: string,
  productId: string,
  ids: Record<string, string>,
  at: string,
) {
  const entries = Object.entries(ids);
  if (entries.length) {
    const taken = await tx
      .select()
      .from(productExternalIds)
      .where(
        and(
          eq(productExternalIds.tenantId, tenantId),
          ne(productExternalIds.productId, productId),
          or(
            ...entries.map(([system, id]) =>
              and(eq(productExternalIds.system, system), eq(productExternalIds.externalId, id)),
            ),
          ),
        ),
      );
    if (taken.length) {
      throw conflict(
        'external_id_taken',
        `Product ${taken[0]!.productId} already has ${taken[0]!.system} id '${taken[0]!.externalId}'.`,
        taken.map((t) => fieldError(`${at}.external_ids.${t.system}`, 'external_id_taken', 'Already in use')),
      );
    }
  }
  await tx
    .delete(productExternalIds)
    .where(and(eq(productExternalIds.tenantId, tenantId), eq(productExternalIds.productId, productId)));
  if (entries.length) {
    await tx
      .insert(productExternalIds)
      .values(entries.map(([system, externalId]) => ({ tenantId, system, externalId, productId })));
  }
}

/** A supplier key names only its own supplier; a secret key any, or the tenant's default. */
async function supplierFor(tx: Tx, ctx: TenantCtx, requested: string | undefined, at: string) {
  const scope = supplierScope(ctx);
  if (scope) {
    if (requested && requested !== scope) throw invalidReference('supplier', requested, `${at}.supplier_id`);
    return scope;
  }
  if (requested) return (await requireSupplier(tx, ctx.tenantId, requested, `${at}.supplier_id`)).id;
  const fallback = await defaultSupplierId(tx, ctx.tenantId);
  if (!fallback) {
    throw unprocessable('supplier_required', 'This tenant has no default supplier; pass supplier_id.', [
      fieldError(`${at}.supplier_id`, 'required', 'Create a supplier first, or name one'),
    ]);
  }
  return fallback;
}

// ---------------------------------------------------------------------------------------------
// Writing (tx-level, so the bulk endpoint can run each item in its own savepoint)

const cleanRecord = (r: Record<string, string | null> | undefined) => mergeRecord({}, r ?? {});

/** Creates a product with its variants; `at` is where the input sits in the request. */
export async function insertProduct(
  tx: Tx,
  ctx: TenantCtx,
  input: ProductInput,
  at = 'body',
): Promise<Product> {
  const missing = missingForCreate(input, at);
  if (missing.length) throw invalidProduct(missing);
  const supplierId = await supplierFor(tx, ctx, input.supplier_id, at);
  if (input.category_id) await requireCategory(tx, ctx.tenantId, input.category_id, `${at}.category_id`);
  if (input.handle) await assertHandleFree(tx, ctx.tenantId, input.handle, at);
  const { currency } = await readTenantSettings(tx, ctx.tenantId);
  const drafts = input.variants!.map((v, i) => draftOf(v, `${at}.variants.${i}`, undefined, currency));
  const errors = variantSetErrors(drafts);
  if (errors.length) throw invalidProduct(errors);
  await assertSkusFree(tx, ctx.tenantId, drafts);

  const now = ctx.clock.now();
  const id = newId('product');
  const title = input.title!;
  const tags = [...new Set(input.tags ?? [])];
  const status = input.status ?? 'draft';
  await tx.insert(products).values({
    tenantId: ctx.tenantId,
    id,
    supplierId,
    categoryId: input.category_id ?? null,
    title,
    searchText: normalizeSearchText(title),
    searchTokens: searchTokens(ctx.tenantId, title, tags),
    description: input.description ?? null,
    handle: input.handle ?? null,
    status,
    tags,
    media: input.media ?? [],
    externalIds: cleanRecord(input.external_ids),
    metadata: cleanRecord(input.metadata),
    publishedAt: status === 'published' ? now : null,
    createdAt: now,
    updatedAt: now,
  });
  await insertVariants(tx, ctx, id, drafts, 0);
  await writeExternalIds(tx, ctx.tenantId, id, cleanRecord(input.external_ids), at);
  const product = await loadProduct(tx, ctx, id);
  await recordEvent(tx, ctx, { type: 'product.created', object: product });
  return product;
}

/** Applies an update: fields replace, records merge, `variants` entries change or add variants. */
export async function patchProduct(
  tx: Tx,
  ctx: TenantCtx,
  id: string,
  input: ProductInput,
  at = 'body',
): Promise<Product> {
  const current = await findProduct(tx, ctx, id, true);
  const supplierId =
    input.supplier_id === undefined ? current.supplierId : await supplierFor(tx, ctx, input.supplier_id, at);
  if (input.category_id) await requireCategory(tx, ctx.tenantId, input.category_id, `${at}.category_id`);
  if (input.handle) await assertHandleFree(tx, ctx.tenantId, input.handle, at, id);

  if (input.variants?.length) {
    await applyVariantChanges(tx, ctx, current, input.variants, `${at}.variants`);
    // A price or band change may put shopkeepers' own prices outside the band: flag those picks.
    await recheckProductPicks(tx, ctx, id);
  }

  const now = ctx.clock.now();
  const title = input.title ?? current.title;
  const tags = input.tags ? [...new Set(input.tags)] : current.tags;
  const status = input.status ?? current.status;
  const externalIds = input.external_ids
    ? mergeRecord(current.externalIds, input.external_ids)
    : current.externalIds;
  await tx
    .update(products)
    .set({
      supplierId,
      categoryId: input.category_id === undefined ? current.categoryId : input.category_id,
      title,
      searchText: normalizeSearchText(title),
      searchTokens: searchTokens(ctx.tenantId, title, tags),
      description: input.description === undefined ? current.description : input.description,
      handle: input.handle === undefined ? current.handle : input.handle,
      status,
      tags,
      media: input.media ?? current.media,
      externalIds,
      metadata: input.metadata ? mergeRecord(current.metadata, input.metadata) : current.metadata,
      publishedAt: status === 'published' && current.status !== 'published' ? now : current.publishedAt,
      updatedAt: now,
    })
    .where(and(eq(products.tenantId, ctx.tenantId), eq(products.id, id)));
  if (input.external_ids) await writeExternalIds(tx, ctx.tenantId, id, externalIds, at);
  const product = await loadProduct(tx, ctx, id);
  await recordEvent(tx, ctx, { type: 'product.updated', object: product });
  return product;
}

// ---------------------------------------------------------------------------------------------
// The service calls routes make: one transaction each

export async function createProduct(ctx: TenantCtx, input: ProductInput): Promise<Product> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const product = await insertProduct(tx, ctx, input);
    await bumpCatalogVersion(tx, ctx.tenantId);
    return product;
  });
}

export async function updateProduct(ctx: TenantCtx, id: string, input: ProductInput): Promise<Product> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const product = await patchProduct(tx, ctx, id, input);
    await bumpCatalogVersion(tx, ctx.tenantId);
    return product;
  });
}

/** Archiving hides a product from storefronts and keeps it (and its SKUs) for orders and history. */
export async function archiveProduct(ctx: TenantCtx, id: string): Promise<Product> {
  return updateProduct(ctx, id, { status: 'archived' });
}

export type BulkItem = ProductInput & { id?: string | undefined };
export type BulkResult =
  | { index: number; status: 'created' | 'updated'; product: Product }
  | { index: number; status: 'failed'; error: { code: string; message: string; errors: FieldError[] } };

/**
 * Creates (no `id`) or updates (`id`) up to 100 products. Each item runs in its own savepoint,
 * so an item either applies whole or not at all, and one bad item does not stop the others.
 */
export async function bulkProducts(ctx: TenantCtx, items: BulkItem[]): Promise<BulkResult[]> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const results: BulkResult[] = [];
    for (const [index, item] of items.entries()) {
      const at = `body.items.${index}`;
      try {
        const { id, ...input } = item;
        const product = await tx.transaction((sp) =>
          id ? patchProduct(sp, ctx, id, input, at) : insertProduct(sp, ctx, input, at),
        );
        results.push({ index, status: id ? 'updated' : 'created', product });
      } catch (err) {
        const { problem } = toProblem(err);
        if (problem.status >= 500) throw err;
        results.push({
          index,
          status: 'failed',
          error: { code: problem.code, message: problem.detail, errors: problem.errors ?? [] },
        });
      }
    }
    if (results.some((r) => r.status !== 'failed')) await bumpCatalogVersion(tx, ctx.tenantId);
    return results;
  });
}

// ---------------------------------------------------------------------------------------------
// Variants on their own

async function findVariant(tx: Tx, ctx: TenantCtx, id: string) {
  const scope = supplierScope(ctx);
  const [row] = await tx
    .select({ variant: variants })
    .from(variants)
    .innerJoin(products, and(eq(products.tenantId, variants.tenantId), eq(products.id, variants.productId)))
    .where(
      and(
        eq(variants.tenantId, ctx.tenantId),
        eq(variants.id, id),
        scope ? eq(products.supplierId, scope) : undefined,
      ),
    );
  if (!row) throw notFound('variant', id);
  return row.variant;
}

export async function getVariant(ctx: TenantCtx, id: string): Promise<Variant> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => presentVariant(await findVariant(tx, ctx, id)));
}

export async function updateVariant(
  ctx: TenantCtx,
  id: string,
  input: Omit<VariantInput, 'id'>,
): Promise<Variant> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const variant = await findVariant(tx, ctx, id);
    const product = await patchVariants(tx, ctx, variant.productId, [{ ...input, id }]);
    await bumpCatalogVersion(tx, ctx.tenantId);
    return product.variants.find((v) => v.id === id)!;
  });
}

/** A single variant's change, reported at `body` rather than `body.variants.0`. */
async function patchVariants(tx: Tx, ctx: TenantCtx, productId: string, changes: VariantInput[]) {
  try {
    return await patchProduct(tx, ctx, productId, { variants: changes });
  } catch (err) {
    if (err instanceof ApiError && err.errors) {
      const errors = err.errors.map((e) => ({ ...e, field: e.field.replace(/^body\.variants\.0/, 'body') }));
      throw new ApiError(err.status, err.code, err.message.replace('body.variants.0', 'body'), errors);
    }
    throw err;
  }
}

export async function listVariants(
  ctx: TenantCtx,
  query: ListQuery & { sku?: string | undefined; product_id?: string | undefined },
) {
  const after = cursorId(query);
  const scope = supplierScope(ctx);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select({ variant: variants })
      .from(variants)
      .innerJoin(products, and(eq(products.tenantId, variants.tenantId), eq(products.id, variants.productId)))
      .where(
        and(
          eq(variants.tenantId, ctx.tenantId),
          query.sku ? eq(variants.sku, query.sku) : undefined,
          query.product_id ? eq(variants.productId, query.product_id) : undefined,
          scope ? eq(products.supplierId, scope) : undefined,
          after ? lt(variants.id, after) : undefined,
        ),
      )
      .orderBy(desc(variants.id))
      .limit(query.limit + 1);
    return pageOf(
      rows.map((r) => r.variant),
      query.limit,
      presentVariant,
    );
  });
}

// ---------------------------------------------------------------------------------------------
// For the inventory module

export interface VariantRef {
  id: string;
  sku: string;
  productId: string;
}

/**
 * Variants by SKU code or by id, in one query, keyed by what was asked for. A supplier sees only
 * its own; the others are simply absent, as unknown ones are.
 */
export async function variantRefs(
  tx: Tx,
  tenantId: string,
  by: 'sku' | 'id',
  values: string[],
  supplierId?: string,
): Promise<Map<string, VariantRef>> {
  if (!values.length) return new Map();
  const rows = await tx
    .select({ id: variants.id, sku: variants.sku, productId: variants.productId })
    .from(variants)
    .innerJoin(products, and(eq(products.tenantId, variants.tenantId), eq(products.id, variants.productId)))
    .where(
      and(
        eq(variants.tenantId, tenantId),
        inArray(by === 'sku' ? variants.sku : variants.id, values),
        supplierId ? eq(products.supplierId, supplierId) : undefined,
      ),
    );
  return new Map(rows.map((r) => [r[by], r]));
}

/** The ids of a supplier's variants, as a subquery (for the inventory lists of a supplier key). */
export function supplierVariantIds(tenantId: string, supplierId: string): SQL {
  return sql`(select ${variants.id} from ${variants} join ${products} on ${products.tenantId} = ${variants.tenantId} and ${products.id} = ${variants.productId} where ${variants.tenantId} = ${tenantId} and ${products.supplierId} = ${supplierId})`;
}

import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { type ApiError, conflict, type FieldError, fieldError, unprocessable } from '../../http/errors';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { readTenantSettings } from '../tenants/service';
import { type products, type VariantOption, variants } from './tables';

/** Variants (SKUs) of products: their shape, the price and option rules, and their writes. */

type ProductRow = typeof products.$inferSelect;
type VariantRow = typeof variants.$inferSelect;

/** A product has 1..MAX_VARIANTS variants. */
export const MAX_VARIANTS = 100;

export interface VariantInput {
  /** In an update: the variant to change. Without it, a new variant. */
  id?: string | undefined;
  sku?: string | undefined;
  barcode?: string | null | undefined;
  weight_grams?: number | null | undefined;
  options?: VariantOption[] | undefined;
  currency?: string | undefined;
  list_price?: number | undefined;
  supply_price?: number | null | undefined;
  retail_floor?: number | null | undefined;
  retail_ceiling?: number | null | undefined;
}

export function presentVariant(row: VariantRow) {
  return {
    id: row.id,
    object: 'variant' as const,
    product_id: row.productId,
    sku: row.sku,
    barcode: row.barcode,
    weight_grams: row.weightGrams,
    options: row.options,
    currency: row.currency,
    list_price: row.listPrice,
    supply_price: row.supplyPrice,
    retail_floor: row.retailFloor,
    retail_ceiling: row.retailCeiling,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Variant = ReturnType<typeof presentVariant>;

/** The variants of some products, in their order, by product id. */
export async function variantsOf(tx: Tx, tenantId: string, productIds: string[]) {
  const byProduct = new Map<string, VariantRow[]>(productIds.map((id) => [id, []]));
  if (!productIds.length) return byProduct;
  const rows = await tx
    .select()
    .from(variants)
    .where(and(eq(variants.tenantId, tenantId), inArray(variants.productId, productIds)))
    .orderBy(asc(variants.productId), asc(variants.position), asc(variants.id));
  for (const row of rows) byProduct.get(row.productId)?.push(row);
  return byProduct;
}

export interface VariantDraft {
  /** Set for a variant that exists. */
  id: string | undefined;
  /** Where the request names it (`body.variants.2`); unset for variants the request left alone. */
  at: string | undefined;
  sku: string;
  barcode: string | null;
  weightGrams: number | null;
  options: VariantOption[];
  currency: string;
  listPrice: number;
  supplyPrice: number | null;
  retailFloor: number | null;
  retailCeiling: number | null;
}

type Prices = { list: number; supply: number | null; floor: number | null; ceiling: number | null };

/**
 * The price rules of one variant: a shopkeeper pays the supply price and sells inside the band
 * [retail_floor, retail_ceiling] (控价); the list price is the store's own price and keeps to
 * the same band. Unset (null) prices take part in no rule.
 */
const PRICE_RULES: Array<{
  field: string;
  code: string;
  broken: (p: Prices) => boolean;
  says: (p: Prices) => string;
}> = [
  {
    field: 'supply_price',
    code: 'supply_above_list',
    broken: (p) => p.supply !== null && p.supply > p.list,
    says: (p) => `supply_price (${p.supply}) must not exceed list_price (${p.list})`,
  },
  {
    field: 'retail_floor',
    code: 'floor_above_ceiling',
    broken: (p) => p.floor !== null && p.ceiling !== null && p.floor > p.ceiling,
    says: (p) => `retail_floor (${p.floor}) must not exceed retail_ceiling (${p.ceiling})`,
  },
  {
    field: 'retail_floor',
    code: 'floor_below_supply',
    broken: (p) => p.floor !== null && p.supply !== null && p.supply > p.floor,
    says: (p) =>
      `retail_floor (${p.floor}) must be at least supply_price (${p.supply}), or shopkeepers sell at a loss`,
  },
  {
    field: 'list_price',
    code: 'list_below_floor',
    broken: (p) => p.floor !== null && p.list < p.floor,
    says: (p) => `list_price (${p.list}) is below retail_floor (${p.floor})`,
  },
  {
    field: 'list_price',
    code: 'list_above_ceiling',
    broken: (p) => p.ceiling !== null && p.list > p.ceiling,
    says: (p) => `list_price (${p.list}) is above retail_ceiling (${p.ceiling})`,
  },
];

function priceErrors(v: Omit<VariantDraft, 'id' | 'at' | 'options'>, at: string): FieldError[] {
  const p = { list: v.listPrice, supply: v.supplyPrice, floor: v.retailFloor, ceiling: v.retailCeiling };
  return PRICE_RULES.filter((rule) => rule.broken(p)).map((rule) =>
    fieldError(`${at}.${rule.field}`, rule.code, rule.says(p)),
  );
}

const optionNames = (v: VariantDraft) => v.options.map((o) => o.name).join('\u0000');
const optionValues = (v: VariantDraft) => v.options.map((o) => `${o.name}=${o.value}`).join('\u0000');

/**
 * The rules across a product's variants: distinct SKUs, the same option names in the same
 * order on every variant (a storefront builds its size/colour pickers from them), and no two
 * variants with the same option values. Errors point at the variants the request named.
 */
export function variantSetErrors(drafts: VariantDraft[]): FieldError[] {
  const errors: FieldError[] = [];
  // Variants the request left alone come first, so they are the reference the others must match.
  const ordered = [...drafts.filter((d) => !d.at), ...drafts.filter((d) => d.at)];
  const reference = ordered[0] ? optionNames(ordered[0]) : '';
  const skus = new Set<string>();
  const combos = new Set<string>();
  for (const d of ordered) {
    if (d.at) errors.push(...priceErrors(d, d.at));
    const names = d.options.map((o) => o.name.toLowerCase());
    if (d.at && new Set(names).size !== names.length) {
      errors.push(fieldError(`${d.at}.options`, 'duplicate_option_name', 'Each option name may appear once'));
    } else if (d.at && optionNames(d) !== reference) {
      errors.push(
        fieldError(
          `${d.at}.options`,
          'option_names_mismatch',
          `Every variant of a product has the same option names in the same order (${reference.split('\u0000').join(', ') || 'none'})`,
        ),
      );
    }
    if (skus.has(d.sku) && d.at) {
      errors.push(fieldError(`${d.at}.sku`, 'duplicate_sku', `SKU '${d.sku}' is given twice`));
    }
    if (combos.has(optionValues(d)) && d.at) {
      errors.push(
        fieldError(`${d.at}.options`, 'duplicate_options', 'Another variant has the same option values'),
      );
    }
    skus.add(d.sku);
    combos.add(optionValues(d));
  }
  return errors;
}

export function draftOf(input: VariantInput, at: string, base: VariantDraft | undefined, currency: string) {
  const pick = <T>(value: T | undefined, fallback: T) => (value === undefined ? fallback : value);
  return {
    id: base?.id,
    at,
    sku: input.sku ?? base?.sku ?? '',
    barcode: pick(input.barcode, base?.barcode ?? null),
    weightGrams: pick(input.weight_grams, base?.weightGrams ?? null),
    options: input.options ?? base?.options ?? [],
    currency: input.currency ?? base?.currency ?? currency,
    listPrice: input.list_price ?? base?.listPrice ?? 0,
    supplyPrice: pick(input.supply_price, base?.supplyPrice ?? null),
    retailFloor: pick(input.retail_floor, base?.retailFloor ?? null),
    retailCeiling: pick(input.retail_ceiling, base?.retailCeiling ?? null),
  } satisfies VariantDraft;
}

const draftFromRow = (row: VariantRow): VariantDraft => ({ ...row, id: row.id, at: undefined });

export function invalidProduct(errors: FieldError[]): ApiError {
  const first = errors[0]!;
  return unprocessable('invalid_product', `Invalid ${first.field}: ${first.message}`, errors);
}

export async function assertSkusFree(tx: Tx, tenantId: string, drafts: VariantDraft[]) {
  const named = drafts.filter((d) => d.at);
  if (!named.length) return;
  const taken = await tx
    .select({ id: variants.id, sku: variants.sku })
    .from(variants)
    .where(
      and(
        eq(variants.tenantId, tenantId),
        inArray(
          variants.sku,
          named.map((d) => d.sku),
        ),
      ),
    );
  const errors = named
    .filter((d) => taken.some((t) => t.sku === d.sku && t.id !== d.id))
    .map((d) => fieldError(`${d.at}.sku`, 'sku_taken', `SKU '${d.sku}' belongs to another variant`));
  if (errors.length) throw conflict('sku_taken', errors[0]!.message, errors);
}

export async function insertVariants(
  tx: Tx,
  ctx: TenantCtx,
  productId: string,
  drafts: VariantDraft[],
  from: number,
) {
  if (!drafts.length) return;
  const now = ctx.clock.now();
  await tx.insert(variants).values(
    drafts.map((d, i) => ({
      tenantId: ctx.tenantId,
      id: newId('variant'),
      productId,
      sku: d.sku,
      barcode: d.barcode,
      weightGrams: d.weightGrams,
      options: d.options,
      position: from + i,
      currency: d.currency,
      listPrice: d.listPrice,
      supplyPrice: d.supplyPrice,
      retailFloor: d.retailFloor,
      retailCeiling: d.retailCeiling,
      createdAt: now,
      updatedAt: now,
    })),
  );
}

/** Changes and adds variants of a product, checking the rules on the whole resulting set. */
export async function applyVariantChanges(
  tx: Tx,
  ctx: TenantCtx,
  product: ProductRow,
  changes: VariantInput[],
  at: string,
) {
  const existing = (await variantsOf(tx, ctx.tenantId, [product.id])).get(product.id)!;
  const { currency } = await readTenantSettings(tx, ctx.tenantId);
  const drafts = new Map<string, VariantDraft>(existing.map((r) => [r.id, draftFromRow(r)]));
  const added: VariantDraft[] = [];
  const errors: FieldError[] = [];
  changes.forEach((change, i) => {
    const where = `${at}.${i}`;
    if (change.id) {
      const base = drafts.get(change.id);
      if (!base || base.at) {
        errors.push(
          fieldError(
            `${where}.id`,
            'invalid_reference',
            `No variant '${change.id}' on this product, or named twice`,
          ),
        );
      } else drafts.set(change.id, draftOf(change, where, base, currency));
      return;
    }
    if (!change.sku) errors.push(fieldError(`${where}.sku`, 'required', 'Required for a new variant'));
    if (change.list_price === undefined) {
      errors.push(fieldError(`${where}.list_price`, 'required', 'Required for a new variant'));
    }
    added.push(draftOf(change, where, undefined, currency));
  });
  if (existing.length + added.length > MAX_VARIANTS) {
    errors.push(fieldError(at, 'too_many_variants', `A product has at most ${MAX_VARIANTS} variants`));
  }
  if (errors.length) throw invalidProduct(errors);
  const all = [...drafts.values(), ...added];
  const setErrors = variantSetErrors(all);
  if (setErrors.length) throw invalidProduct(setErrors);
  await assertSkusFree(tx, ctx.tenantId, all);

  const now = ctx.clock.now();
  for (const d of drafts.values()) {
    if (!d.at) continue;
    await tx
      .update(variants)
      .set({
        sku: d.sku,
        barcode: d.barcode,
        weightGrams: d.weightGrams,
        options: d.options,
        currency: d.currency,
        listPrice: d.listPrice,
        supplyPrice: d.supplyPrice,
        retailFloor: d.retailFloor,
        retailCeiling: d.retailCeiling,
        updatedAt: now,
      })
      .where(and(eq(variants.tenantId, ctx.tenantId), eq(variants.id, d.id!)));
  }
  const nextPosition = Math.max(-1, ...existing.map((r) => r.position)) + 1;
  await insertVariants(tx, ctx, product.id, added, nextPosition);
}

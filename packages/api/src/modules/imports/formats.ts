import { z } from 'zod';
import { productCreateSchema, variantCreateSchema } from '../catalog/schemas';
import type { ProductStatus, VariantOption } from '../catalog/tables';
import { MAX_VARIANTS } from '../catalog/variants';
import { MAX_QUANTITY } from '../inventory/stock';
import type { ImportFormat } from './tables';

/**
 * The file formats an import reads, each turned into the same thing: products to create or
 * update, one per group of rows (a Shopify handle with its continuation rows, a WooCommerce
 * variable product with its variations, one JSON line), with the rows they came from.
 */

/** A product of the file, as the catalog's create schema takes it, plus stock per variant. */
export const importProductSchema = productCreateSchema
  .omit({ supplier_id: true })
  .partial({ title: true })
  .extend({
    variants: z
      .array(
        variantCreateSchema.extend({
          inventory_quantity: z
            .number()
            .int()
            .min(0)
            .max(MAX_QUANTITY)
            .optional()
            .describe('Absolute stock at the import location (on_hand).'),
        }),
      )
      .min(1)
      .max(MAX_VARIANTS),
  });
export type ImportProductInput = z.infer<typeof importProductSchema>;

export interface GroupError {
  row: number;
  column: string | null;
  code: string;
  message: string;
}

/** One product's rows, mapped. `input` is validated by the caller with importProductSchema. */
export interface ProductGroup {
  /** How the report names it: the handle, id or SKU in the file. */
  key: string;
  firstRow: number;
  lastRow: number;
  /** Where each variant of `input.variants` came from. */
  variantRows: number[];
  /** For a group of variations only (WooCommerce): the product they belong to. */
  parent?: { system: string; id: string } | undefined;
  input: Record<string, unknown> & { variants: Array<Record<string, unknown>> };
  /** Problems found while mapping; the product is skipped when there are any. */
  errors: GroupError[];
}

export interface CsvRow {
  row: number;
  cells: string[];
}

/** A CSV format: its required columns and how rows group into products. */
export interface CsvFormat {
  required: string[];
  /** True when `next` continues the group that `first` started. */
  continues(header: Header, group: CsvRow[], next: CsvRow): boolean;
  build(header: Header, rows: CsvRow[]): ProductGroup;
}

/** Header names are matched trimmed, case-insensitively, with runs of spaces as one. */
export const normalizeColumn = (name: string) => name.trim().replace(/\s+/g, ' ').toLowerCase();

export class Header {
  readonly index = new Map<string, number>();
  constructor(readonly names: string[]) {
    names.forEach((n, i) => {
      if (!this.index.has(n)) this.index.set(n, i);
    });
  }
  has(name: string) {
    return this.index.has(name);
  }
  /** The trimmed cell of a column ('' when the column or the cell is missing). */
  get(row: CsvRow, name: string): string {
    const i = this.index.get(name);
    return i === undefined ? '' : (row.cells[i] ?? '').trim();
  }
}

const MINOR_UNITS = /^(\d{1,12})(?:\.(\d{1,2}))?$/;

/** "19.99" → 1999, "25" → 2500, "1,299.00" → 129900; undefined when not a price. */
export function parsePrice(text: string): number | undefined {
  const m = MINOR_UNITS.exec(text.replace(/,/g, ''));
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

const truthy = (v: string) => /^(true|yes|1)$/i.test(v);
const falsy = (v: string) => /^(false|no|0|-1)$/i.test(v);

function splitList(v: string): string[] {
  return [
    ...new Set(
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

/** Metadata keeps to the catalog's limits (≤ 40-character keys, ≤ 500-character values, ≤ 50). */
function putMeta(meta: Record<string, string>, key: string, value: string) {
  if (!value || key.length > 40 || Object.keys(meta).length >= 50) return;
  meta[key] = value.length > 500 ? value.slice(0, 500) : value;
}

interface Numbers {
  errors: GroupError[];
  row: number;
}

function integerCell(ctx: Numbers, column: string, text: string, clampNegative = false): number | undefined {
  if (!text) return undefined;
  if (!/^-?\d+(\.0+)?$/.test(text)) {
    ctx.errors.push({
      row: ctx.row,
      column,
      code: 'invalid_number',
      message: `'${text}' is not a whole number`,
    });
    return undefined;
  }
  const n = Number.parseInt(text, 10);
  return clampNegative && n < 0 ? 0 : n;
}

function priceCell(ctx: Numbers, column: string, text: string): number | undefined {
  if (!text) return undefined;
  const price = parsePrice(text);
  if (price === undefined) {
    ctx.errors.push({
      row: ctx.row,
      column,
      code: 'invalid_price',
      message: `'${text}' is not a price (digits with up to two decimals)`,
    });
  }
  return price;
}

/** A barcode as spreadsheets keep it: a leading apostrophe only stops Excel turning it into a number. */
const barcodeOf = (v: string) => v.replace(/^'+/, '').trim() || null;

// ---------------------------------------------------------------------------------------------
// Shopify product CSV

const SHOPIFY_METAFIELD = /\(product\.metafields\.([^)]+)\)\s*$/;

export const shopifyCsv: CsvFormat = {
  required: ['handle', 'title'],
  continues: (h, group, next) => h.get(next, 'handle') === h.get(group[0]!, 'handle'),
  build(h, rows) {
    const first = rows[0]!;
    const handle = h.get(first, 'handle');
    const errors: GroupError[] = [];
    const group: ProductGroup = {
      key: handle,
      firstRow: first.row,
      lastRow: rows[rows.length - 1]!.row,
      variantRows: [],
      input: { variants: [] },
      errors,
    };
    if (!handle) {
      errors.push({
        row: first.row,
        column: 'Handle',
        code: 'required',
        message: 'Every row needs a Handle',
      });
      return group;
    }
    const title = h.get(first, 'title');
    const meta: Record<string, string> = {};
    putMeta(meta, 'vendor', h.get(first, 'vendor'));
    putMeta(meta, 'product_type', h.get(first, 'type'));
    putMeta(meta, 'product_category', h.get(first, 'product category'));
    putMeta(meta, 'seo_title', h.get(first, 'seo title'));
    putMeta(meta, 'seo_description', h.get(first, 'seo description'));
    for (const [name, i] of h.index) {
      const m = SHOPIFY_METAFIELD.exec(name);
      if (m) putMeta(meta, m[1]!, (first.cells[i] ?? '').trim());
    }
    const status = shopifyStatus(h.get(first, 'status'), h.get(first, 'published'));
    const optionNames = [1, 2, 3].map((i) => h.get(first, `option${i} name`));

    const images: Array<{ src: string; position: number; order: number }> = [];
    const variants: Array<Record<string, unknown>> = [];
    for (const [order, r] of rows.entries()) {
      const src = h.get(r, 'image src');
      if (src) {
        const position = Number.parseInt(h.get(r, 'image position'), 10);
        images.push({ src, position: Number.isFinite(position) ? position : 1_000_000, order });
      }
      const variantImage = h.get(r, 'variant image');
      if (variantImage) images.push({ src: variantImage, position: 2_000_000, order });
      const values = [1, 2, 3].map((i) => h.get(r, `option${i} value`));
      const sku = h.get(r, 'variant sku');
      const price = h.get(r, 'variant price');
      if (!values.some(Boolean) && !sku && !price) continue; // an image row
      const n = { errors, row: r.row };
      const options: VariantOption[] = [];
      values.forEach((value, i) => {
        const name = optionNames[i];
        if (!value) return;
        if (!name) {
          errors.push({
            row: r.row,
            column: `Option${i + 1} Name`,
            code: 'option_name_missing',
            message: `Option${i + 1} Value is set but the product's first row has no Option${i + 1} Name`,
          });
          return;
        }
        if (name === 'Title' && value === 'Default Title') return;
        options.push({ name, value });
      });
      const listPrice = priceCell(n, 'Variant Price', price);
      if (!price) {
        errors.push({
          row: r.row,
          column: 'Variant Price',
          code: 'required',
          message: 'Variant Price is required',
        });
      }
      variants.push({
        sku: sku || undefined,
        barcode: barcodeOf(h.get(r, 'variant barcode')),
        weight_grams: integerCell(n, 'Variant Grams', h.get(r, 'variant grams')) ?? null,
        options,
        list_price: listPrice,
        inventory_quantity: integerCell(
          n,
          'Variant Inventory Qty',
          h.get(r, 'variant inventory qty') || h.get(r, 'inventory qty'),
          true,
        ),
      });
      group.variantRows.push(r.row);
    }
    // Shopify leaves the SKU of a product's only variant empty often: name it after the handle.
    variants.forEach((v, i) => {
      v.sku ??= variants.length === 1 ? handle : `${handle}-${i + 1}`;
    });
    const media = [
      ...new Set(images.sort((a, b) => a.position - b.position || a.order - b.order).map((i) => i.src)),
    ];
    group.input = {
      ...(title ? { title } : {}),
      handle: handle.toLowerCase(),
      description: h.get(first, 'body (html)') || null,
      status,
      tags: splitList(h.get(first, 'tags')),
      media,
      metadata: meta,
      external_ids: { shopify: handle },
      variants,
    };
    if (!variants.length) {
      errors.push({
        row: first.row,
        column: 'Variant Price',
        code: 'no_variants',
        message: 'The product has no variant rows (Option1 Value, Variant SKU or Variant Price)',
      });
    }
    return group;
  },
};

function shopifyStatus(status: string, published: string): ProductStatus {
  const s = status.toLowerCase();
  if (s === 'archived') return 'archived';
  if (s === 'draft') return 'draft';
  if (s === 'active') return falsy(published) ? 'draft' : 'published';
  return truthy(published) ? 'published' : 'draft';
}

// ---------------------------------------------------------------------------------------------
// WooCommerce product CSV (the built-in exporter's columns)

const wooType = (h: Header, r: CsvRow) => h.get(r, 'type').toLowerCase();
const isVariation = (h: Header, r: CsvRow) => wooType(h, r).includes('variation');
const isVariable = (h: Header, r: CsvRow) => /\bvariable\b/.test(wooType(h, r));

/** A `Parent` cell names its product by `id:NN` or by the parent's SKU. */
function parentRef(h: Header, r: CsvRow): { system: string; id: string } | undefined {
  const parent = h.get(r, 'parent');
  if (!parent) return undefined;
  const m = /^id:\s*(\d+)$/i.exec(parent);
  return m ? { system: 'woocommerce', id: m[1]! } : { system: 'woocommerce_sku', id: parent };
}

function refersTo(h: Header, parent: CsvRow, ref: { system: string; id: string } | undefined) {
  if (!ref) return false;
  return ref.system === 'woocommerce' ? h.get(parent, 'id') === ref.id : h.get(parent, 'sku') === ref.id;
}

const WEIGHT_UNITS: Record<string, number> = { kg: 1000, g: 1, lbs: 453.59237, lb: 453.59237, oz: 28.349523 };

function wooWeight(h: Header, r: CsvRow, n: Numbers): number | null {
  for (const [unit, grams] of Object.entries(WEIGHT_UNITS)) {
    const text = h.get(r, `weight (${unit})`);
    if (!text) continue;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) {
      n.errors.push({
        row: r.row,
        column: `Weight (${unit})`,
        code: 'invalid_number',
        message: `'${text}' is not a weight`,
      });
      return null;
    }
    return Math.round(value * grams);
  }
  return null;
}

function wooVariant(h: Header, r: CsvRow, errors: GroupError[], withOptions: boolean) {
  const n = { errors, row: r.row };
  const options: VariantOption[] = [];
  if (withOptions) {
    for (let i = 1; i <= 3; i++) {
      const name = h.get(r, `attribute ${i} name`);
      const value = h.get(r, `attribute ${i} value(s)`);
      if (name && value) options.push({ name, value });
    }
  }
  const regular = h.get(r, 'regular price');
  const sale = h.get(r, 'sale price');
  const price = regular || sale;
  if (!price)
    errors.push({
      row: r.row,
      column: 'Regular price',
      code: 'required',
      message: 'Regular price is required',
    });
  const id = h.get(r, 'id');
  const sku = h.get(r, 'sku') || (id ? `woo-${id}` : undefined);
  if (!sku)
    errors.push({ row: r.row, column: 'SKU', code: 'required', message: 'A row without ID needs a SKU' });
  const stock = h.get(r, 'stock');
  return {
    sku,
    barcode: barcodeOf(h.get(r, 'gtin, upc, ean, or isbn') || h.get(r, 'gtin')),
    weight_grams: wooWeight(h, r, n),
    options,
    list_price: priceCell(n, regular ? 'Regular price' : 'Sale price', price),
    inventory_quantity: integerCell(n, 'Stock', stock, true),
  };
}

export const woocommerceCsv: CsvFormat = {
  required: ['type', 'name'],
  continues(h, group, next) {
    if (!isVariation(h, next)) return false;
    const head = group[0]!;
    const ref = parentRef(h, next);
    if (isVariable(h, head)) return refersTo(h, head, ref);
    // A run of variations whose parent came earlier in the file.
    const headRef = parentRef(h, head);
    return isVariation(h, head) && headRef?.system === ref?.system && headRef?.id === ref?.id;
  },
  build(h, rows) {
    const head = rows[0]!;
    const errors: GroupError[] = [];
    const id = h.get(head, 'id');
    const sku = h.get(head, 'sku');
    const group: ProductGroup = {
      key: id ? `id:${id}` : sku || `row ${head.row}`,
      firstRow: head.row,
      lastRow: rows[rows.length - 1]!.row,
      variantRows: [],
      input: { variants: [] },
      errors,
    };
    const type = wooType(h, head) || 'simple';
    if (isVariation(h, head)) {
      // Variations of a product the file (or an earlier import) already brought in.
      const ref = parentRef(h, head);
      if (!ref) {
        errors.push({
          row: head.row,
          column: 'Parent',
          code: 'parent_required',
          message: 'A variation needs a Parent',
        });
        return group;
      }
      group.parent = ref;
      group.key = ref.system === 'woocommerce' ? `id:${ref.id}` : ref.id;
      for (const r of rows) {
        group.input.variants.push(wooVariant(h, r, errors, true));
        group.variantRows.push(r.row);
      }
      return group;
    }
    if (!/\b(simple|variable)\b/.test(type)) {
      errors.push({
        row: head.row,
        column: 'Type',
        code: 'unsupported_type',
        message: `Type '${type}' is not imported (simple, variable and variation are)`,
      });
      return group;
    }
    const meta: Record<string, string> = {};
    putMeta(meta, 'short_description', h.get(head, 'short description'));
    putMeta(meta, 'categories', h.get(head, 'categories'));
    const published = h.get(head, 'published');
    const externalIds: Record<string, string> = {};
    if (id) externalIds.woocommerce = id;
    const variable = isVariable(h, head);
    if (variable && sku) externalIds.woocommerce_sku = sku;
    const variants = variable
      ? rows.slice(1).map((r) => {
          group.variantRows.push(r.row);
          return wooVariant(h, r, errors, true);
        })
      : [wooVariant(h, head, errors, false)];
    if (!variable) group.variantRows.push(head.row);
    if (variable && !variants.length) {
      errors.push({
        row: head.row,
        column: 'Type',
        code: 'no_variants',
        message: 'A variable product needs its variation rows right after it',
      });
    }
    group.input = {
      title: h.get(head, 'name') || undefined,
      description: h.get(head, 'description') || null,
      status: published === '1' ? 'published' : 'draft',
      tags: splitList(h.get(head, 'tags')),
      media: splitList(h.get(head, 'images')),
      metadata: meta,
      external_ids: externalIds,
      variants,
    };
    return group;
  },
};

export const CSV_FORMATS: Record<Exclude<ImportFormat, 'json'>, CsvFormat> = {
  shopify_csv: shopifyCsv,
  woocommerce_csv: woocommerceCsv,
};

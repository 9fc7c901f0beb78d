import { z } from 'zod';
import { listQuerySchema } from '../../http/pagination';
import {
  metadataPatchSchema,
  metadataSchema,
  nameSchema,
  timestampInput,
  timestampSchema,
} from '../../http/schemas';
import { amountSchema, currencySchema } from '../../lib/money';
import { PRODUCT_STATUSES } from './tables';
import { MAX_VARIANTS } from './variants';

/** Request and response shapes of the catalog, shared by its routes and the storefront's. */

const idRef = (what: string) => z.string().max(64).describe(`A ${what} id.`);

export const skuSchema = z
  .string()
  .regex(/^\S{1,64}$/, 'Up to 64 characters, no spaces')
  .describe('Stock-keeping unit code, unique in the tenant; what ERPs sync stock by.');

const optionSchema = z.strictObject({
  name: z.string().trim().min(1).max(40).describe('e.g. 颜色 or size'),
  value: z.string().trim().min(1).max(100).describe('e.g. 红色 or M'),
});

/** The fields of a variant; all optional here, a create makes `sku` and `list_price` required. */
const variantFields = {
  sku: skuSchema,
  barcode: z
    .string()
    .regex(/^[0-9A-Za-z-]{1,64}$/, 'Digits, letters and dashes (EAN/UPC/GTIN)')
    .nullable(),
  weight_grams: z.number().int().min(0).max(1_000_000).nullable().describe('Shipping weight in grams.'),
  options: z
    .array(optionSchema)
    .max(3)
    .describe('Up to three option name/value pairs; every variant of a product has the same names.'),
  currency: currencySchema.unwrap().describe("ISO 4217 code; default: the tenant's currency."),
  list_price: amountSchema.describe("The store's price, in minor units (分)."),
  supply_price: amountSchema
    .nullable()
    .describe('What a shopkeeper pays the supplier (分); ≤ list_price and ≤ retail_floor.'),
  retail_floor: amountSchema.nullable().describe('控价: the lowest retail price shopkeepers may set (分).'),
  retail_ceiling: amountSchema
    .nullable()
    .describe('控价: the highest retail price shopkeepers may set (分).'),
};

export const variantCreateSchema = z
  .strictObject({
    sku: variantFields.sku,
    barcode: variantFields.barcode.optional(),
    weight_grams: variantFields.weight_grams.optional(),
    options: variantFields.options.optional(),
    currency: variantFields.currency.optional(),
    list_price: variantFields.list_price,
    supply_price: variantFields.supply_price.optional(),
    retail_floor: variantFields.retail_floor.optional(),
    retail_ceiling: variantFields.retail_ceiling.optional(),
  })
  .meta({ id: 'VariantCreate' });

export const variantUpdateSchema = z.strictObject({
  sku: variantFields.sku.optional(),
  barcode: variantFields.barcode.optional(),
  weight_grams: variantFields.weight_grams.optional(),
  options: variantFields.options.optional(),
  currency: variantFields.currency.optional(),
  list_price: variantFields.list_price.optional(),
  supply_price: variantFields.supply_price.optional(),
  retail_floor: variantFields.retail_floor.optional(),
  retail_ceiling: variantFields.retail_ceiling.optional(),
});

const variantChangeSchema = variantUpdateSchema
  .extend({ id: idRef('variant').optional().describe('The variant to change; omit to add a new variant.') })
  .meta({ id: 'VariantChange' });

const handleSchema = z
  .string()
  .max(200)
  .regex(
    /^[\p{Ll}\p{Lo}\p{Nd}]+(?:-[\p{Ll}\p{Lo}\p{Nd}]+)*$/u,
    'Lower-case letters, digits and single dashes, e.g. summer-dress-2026',
  )
  .describe('URL name, unique in the tenant.');

const tagsSchema = z.array(z.string().trim().min(1).max(50)).max(50);
const mediaSchema = z
  .array(z.url({ protocol: /^https?$/ }).max(2048))
  .max(50)
  .describe('Image and video URLs, the first is the main image.');
const systemSchema = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'A system name such as shopify or erp');
const externalIdsSchema = z
  .record(systemSchema, z.string().min(1).max(200))
  .refine((m) => Object.keys(m).length <= 20, 'At most 20 external ids')
  .describe("The product's ids in other systems, e.g. { shopify: '8123', erp: 'A-100' }; unique per system.");

const productFields = {
  title: nameSchema,
  description: z.string().max(50_000).nullable(),
  handle: handleSchema.nullable(),
  status: z.enum(PRODUCT_STATUSES),
  supplier_id: idRef('supplier').describe(
    "Default: the tenant's default supplier (a supplier key: its own).",
  ),
  category_id: idRef('category').nullable(),
  tags: tagsSchema,
  media: mediaSchema,
};

export const productCreateSchema = z.strictObject({
  title: productFields.title,
  description: productFields.description.optional(),
  handle: productFields.handle.optional(),
  status: productFields.status.optional().describe('Default: draft.'),
  supplier_id: productFields.supplier_id.optional(),
  category_id: productFields.category_id.optional(),
  tags: productFields.tags.optional(),
  media: productFields.media.optional(),
  external_ids: externalIdsSchema.optional(),
  metadata: metadataSchema.optional(),
  variants: z.array(variantCreateSchema).min(1).max(MAX_VARIANTS),
});

export const productUpdateSchema = z.strictObject({
  title: productFields.title.optional(),
  description: productFields.description.optional(),
  handle: productFields.handle.optional(),
  status: productFields.status.optional(),
  supplier_id: productFields.supplier_id.optional(),
  category_id: productFields.category_id.optional(),
  tags: productFields.tags.optional(),
  media: productFields.media.optional(),
  external_ids: z
    .record(systemSchema, z.string().min(1).max(200).nullable())
    .refine((m) => Object.keys(m).length <= 20, 'At most 20 external ids')
    .optional()
    .describe('Ids to set; a null value removes one.'),
  metadata: metadataPatchSchema.optional(),
  variants: z
    .array(variantChangeSchema)
    .min(1)
    .max(MAX_VARIANTS)
    .optional()
    .describe('Entries with an id change that variant; entries without one add a variant.'),
});

export const MAX_BULK_ITEMS = 100;

/** A bulk item: without `id` a create (title and variants required), with `id` an update. */
export const productBulkItemSchema = productUpdateSchema
  .extend({ id: idRef('product').optional().describe('The product to update; omit to create one.') })
  .meta({ id: 'ProductBulkItem' });

export const productListQuery = listQuerySchema.extend({
  status: z.enum(PRODUCT_STATUSES).optional(),
  supplier_id: z.string().max(64).optional(),
  category_id: z.string().max(64).optional().describe('This category and the categories below it.'),
  tag: z.string().max(50).optional(),
  updated_since: timestampInput.optional(),
  q: z.string().max(100).optional().describe('Title search; every word must appear (works for Chinese).'),
});

export const variantSchema = z
  .object({
    id: z.string(),
    object: z.literal('variant'),
    product_id: z.string(),
    sku: z.string(),
    barcode: z.string().nullable(),
    weight_grams: z.number().int().nullable(),
    options: z.array(z.object({ name: z.string(), value: z.string() })),
    currency: z.string(),
    list_price: z.number().int(),
    supply_price: z.number().int().nullable(),
    retail_floor: z.number().int().nullable(),
    retail_ceiling: z.number().int().nullable(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Variant' });

export const productSchema = z
  .object({
    id: z.string(),
    object: z.literal('product'),
    title: z.string(),
    description: z.string().nullable(),
    handle: z.string().nullable(),
    status: z.enum(PRODUCT_STATUSES),
    supplier_id: z.string(),
    category_id: z.string().nullable(),
    tags: z.array(z.string()),
    media: z.array(z.string()),
    external_ids: z.record(z.string(), z.string()),
    metadata: z.record(z.string(), z.string()),
    variants: z.array(variantSchema),
    published_at: timestampSchema.nullable(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Product' });

const itemErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  errors: z.array(z.object({ field: z.string(), code: z.string(), message: z.string() })),
});

export const productBulkResultSchema = z
  .object({
    object: z.literal('bulk_result'),
    created: z.number().int(),
    updated: z.number().int(),
    failed: z.number().int(),
    results: z.array(
      z.object({
        index: z.number().int().describe('The position of the item in the request.'),
        status: z.enum(['created', 'updated', 'failed']),
        product: productSchema.optional(),
        error: itemErrorSchema.optional(),
      }),
    ),
  })
  .meta({ id: 'ProductBulkResult' });

export const categoryFields = {
  name: nameSchema,
  parent_id: idRef('category').nullable().describe('The parent category; null for a root.'),
  position: z.number().int().min(0).max(1_000_000).describe('Order among siblings (then by name).'),
};

export const categorySchema = z
  .object({
    id: z.string(),
    object: z.literal('category'),
    name: z.string(),
    parent_id: z.string().nullable(),
    position: z.number().int(),
    metadata: z.record(z.string(), z.string()),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Category' });

/** A category with the categories below it (the tree endpoint). */
type CategoryNodeShape = z.infer<typeof categorySchema> & { children: CategoryNodeShape[] };
export const categoryNodeSchema: z.ZodType<CategoryNodeShape> = z.object({
  ...categorySchema.shape,
  get children() {
    return z.array(categoryNodeSchema);
  },
});
// Registered as itself (not a `.meta()` copy) so the recursion refers to one named schema.
z.globalRegistry.add(categoryNodeSchema, { id: 'CategoryNode' });

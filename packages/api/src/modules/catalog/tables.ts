import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { tenantIdColumn, timestampColumn, timestamps } from '../../db/columns';
import { suppliers } from '../suppliers/tables';

export const PRODUCT_STATUSES = ['draft', 'published', 'archived'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

/** A variant's options: up to three name/value pairs such as 颜色 = 红色, 尺码 = M. */
export type VariantOption = { name: string; value: string };

/** The category tree. `parent_id` null is a root; the service refuses cycles. */
export const categories = pgTable(
  'categories',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    parentId: text('parent_id'),
    name: text('name').notNull(),
    position: integer('position').notNull().default(0),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({ columns: [t.tenantId, t.parentId], foreignColumns: [t.tenantId, t.id] }),
    index('categories_parent_idx').on(t.tenantId, t.parentId),
    check('categories_not_own_parent', sql`${t.parentId} is distinct from ${t.id}`),
  ],
);

export const products = pgTable(
  'products',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    supplierId: text('supplier_id').notNull(),
    categoryId: text('category_id'),
    title: text('title').notNull(),
    /** The title normalised for search (NFKC, lower case, single spaces): `LIKE` rechecks on it. */
    searchText: text('search_text').notNull(),
    /**
     * What the GIN index finds products by: the title's characters and character pairs, and the
     * tags, each prefixed with a tenant salt (see search.ts). Pairs work for Chinese, which has no
     * spaces to split words at; the salt keeps a lookup to one tenant's rows, so its cost does not
     * grow with the number of tenants sharing the index.
     */
    searchTokens: text('search_tokens').array().notNull(),
    description: text('description'),
    handle: text('handle'),
    status: text('status', { enum: PRODUCT_STATUSES }).notNull().default('draft'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    media: text('media').array().notNull().default(sql`'{}'::text[]`),
    /** The product's ids in other systems (`shopify`, `erp`…); product_external_ids keeps them unique. */
    externalIds: jsonb('external_ids').$type<Record<string, string>>().notNull().default({}),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    publishedAt: timestampColumn('published_at'),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({ columns: [t.tenantId, t.supplierId], foreignColumns: [suppliers.tenantId, suppliers.id] }),
    foreignKey({ columns: [t.tenantId, t.categoryId], foreignColumns: [categories.tenantId, categories.id] }),
    uniqueIndex('products_handle_key').on(t.tenantId, t.handle),
    // The storefront's page: published products of a tenant, newest first.
    index('products_status_idx').on(t.tenantId, t.status, t.id),
    index('products_supplier_idx').on(t.tenantId, t.supplierId, t.id),
    index('products_category_idx').on(t.tenantId, t.categoryId, t.id),
    index('products_updated_idx').on(t.tenantId, t.updatedAt),
    index('products_search_idx').using('gin', t.searchTokens),
    check('products_status_check', sql`${t.status} in ('draft', 'published', 'archived')`),
  ],
);

/**
 * One row per (system, id) a product is known by elsewhere, so an import can match on it and
 * two products can never claim the same Shopify or ERP id. The product's `external_ids` column
 * is the same data in the shape the API shows.
 */
export const productExternalIds = pgTable(
  'product_external_ids',
  {
    tenantId: tenantIdColumn(),
    system: text('system').notNull(),
    externalId: text('external_id').notNull(),
    productId: text('product_id').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.system, t.externalId] }),
    foreignKey({ columns: [t.tenantId, t.productId], foreignColumns: [products.tenantId, products.id] }),
    index('product_external_ids_product_idx').on(t.tenantId, t.productId),
  ],
);

/** Variants (SKUs): what is stocked, priced and sold. Prices are integers in minor units. */
export const variants = pgTable(
  'variants',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    productId: text('product_id').notNull(),
    sku: text('sku').notNull(),
    barcode: text('barcode'),
    weightGrams: integer('weight_grams'),
    options: jsonb('options').$type<VariantOption[]>().notNull().default([]),
    position: integer('position').notNull().default(0),
    currency: text('currency').notNull(),
    listPrice: bigint('list_price', { mode: 'number' }).notNull(),
    /** What a shopkeeper pays the supplier. */
    supplyPrice: bigint('supply_price', { mode: 'number' }),
    /** 控价: the band inside which shopkeeper stores may set their own price. */
    retailFloor: bigint('retail_floor', { mode: 'number' }),
    retailCeiling: bigint('retail_ceiling', { mode: 'number' }),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({ columns: [t.tenantId, t.productId], foreignColumns: [products.tenantId, products.id] }),
    uniqueIndex('variants_sku_key').on(t.tenantId, t.sku),
    index('variants_product_idx').on(t.tenantId, t.productId, t.position),
    // The service names each broken rule for the caller; these are the last line.
    check(
      'variants_prices_check',
      sql`${t.listPrice} >= 0 and ${t.supplyPrice} >= 0 and ${t.retailFloor} >= 0 and ${t.retailCeiling} >= 0`,
    ),
    check('variants_supply_check', sql`${t.supplyPrice} <= ${t.listPrice}`),
    check('variants_band_check', sql`${t.retailFloor} <= ${t.retailCeiling}`),
    check('variants_weight_check', sql`${t.weightGrams} >= 0`),
  ],
);

/**
 * One row per tenant, bumped in the same transaction as every catalog or inventory change
 * made through the catalog, inventory and store APIs. Storefront caches compare it to decide
 * whether a cached page is still current (modules/storefront/cache.ts).
 */
export const catalogVersions = pgTable('catalog_versions', {
  tenantId: tenantIdColumn().primaryKey(),
  version: bigint('version', { mode: 'number' }).notNull().default(0),
});

import { sql } from 'drizzle-orm';
import { check, foreignKey, index, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { tenantIdColumn, timestampColumn, timestamps } from '../../db/columns';
import { products } from '../catalog/tables';
import { promoters } from '../promoters/tables';
import { stores } from '../stores/tables';

export const LINK_STATUSES = ['active', 'disabled'] as const;

/**
 * A tracking link (推广链接 / 推广位): a code a promoter shares; the buyer lands in `store_id`
 * (on `product_id` if set), and an order placed with the code is attributed to the promoter.
 */
export const links = pgTable(
  'links',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    /** URL-safe and unique in the tenant; the public redirect is `/r/{tenant_id}/{code}`. */
    code: text('code').notNull(),
    promoterId: text('promoter_id').notNull(),
    storeId: text('store_id').notNull(),
    productId: text('product_id'),
    campaign: text('campaign'),
    status: text('status', { enum: LINK_STATUSES }).notNull().default('active'),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('links_code_key').on(t.tenantId, t.code),
    index('links_promoter_idx').on(t.tenantId, t.promoterId, t.id),
    foreignKey({ columns: [t.tenantId, t.promoterId], foreignColumns: [promoters.tenantId, promoters.id] }),
    foreignKey({ columns: [t.tenantId, t.storeId], foreignColumns: [stores.tenantId, stores.id] }),
    foreignKey({ columns: [t.tenantId, t.productId], foreignColumns: [products.tenantId, products.id] }),
    check('links_status_check', sql`${t.status} in ('active', 'disabled')`),
    check('links_code_check', sql`${t.code} ~ '^[A-Za-z0-9_-]{3,64}$'`),
  ],
);

/**
 * One row per click on a link's public redirect: append-only, one insert per click. No raw IP
 * and no raw user agent: only salted hashes, enough to count distinct visitors. There is
 * deliberately no foreign key to `links`: its check would take a share lock on the link's row
 * for every click, and a viral link's clicks would queue on it. Links are never deleted.
 */
export const linkClicks = pgTable(
  'link_clicks',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    linkId: text('link_id').notNull(),
    clickedAt: timestampColumn('clicked_at').notNull(),
    userAgentHash: text('user_agent_hash'),
    referrerHash: text('referrer_hash'),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('link_clicks_link_idx').on(t.tenantId, t.linkId),
  ],
);

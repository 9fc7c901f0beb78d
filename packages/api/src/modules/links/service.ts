import { createHash } from 'node:crypto';
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Clock } from '../../config';
import type { Database, Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { ApiError, badRequest, conflict, fieldError, notFound, unprocessable } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { randomToken } from '../../lib/secrets';
import { products } from '../catalog/tables';
import { recordEvent } from '../events/service';
import { picksOf } from '../picks/service';
import { promoterScope, requirePromoter } from '../promoters/service';
import { promoters } from '../promoters/tables';
import { requireStore, type Store } from '../stores/service';
import { stores } from '../stores/tables';
import { tenants } from '../tenants/tables';
import { type LINK_STATUSES, linkClicks, links } from './tables';

/**
 * Tracking links (推广链接 / 推广位). A promoter shares `/r/{tenant_id}/{code}`: the public
 * redirect records the click and sends the buyer to the store's URL with `?mj_link=<code>`; the
 * storefront passes the code on to the cart or order, and the order is attributed to the
 * link's promoter (after a shopkeeper store, before a binding: DESIGN.md §3).
 */

type LinkRow = typeof links.$inferSelect;
export type LinkStatus = (typeof LINK_STATUSES)[number];

/** Where a shared link points: `/r/{tenant_id}/{code}` on the API's public host. */
export const sharePath = (tenantId: string, code: string) => `/r/${tenantId}/${code}`;

export function presentLink(row: LinkRow, clicks: number) {
  return {
    id: row.id,
    object: 'link' as const,
    code: row.code,
    promoter_id: row.promoterId,
    store_id: row.storeId,
    product_id: row.productId,
    campaign: row.campaign,
    status: row.status,
    click_count: clicks,
    share_path: sharePath(row.tenantId, row.code),
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Link = ReturnType<typeof presentLink>;

/** Clicks are counted on read (an index-only count), so a click never updates the link's row. */
// Spelled out: drizzle leaves columns of a one-table select unqualified, which a subquery would misread.
const clickCount = sql<number>`(select count(*)::int from ${linkClicks} c where c.tenant_id = "links"."tenant_id" and c.link_id = "links"."id")`;

/** Where the buyer lands: the store's `url` setting, else its custom domain. */
export function storeUrl(store: Pick<Store, 'settings'>): string | null {
  const { url, custom_domain } = store.settings as { url?: unknown; custom_domain?: unknown };
  if (typeof url === 'string' && url) return url;
  if (typeof custom_domain === 'string' && custom_domain) return `https://${custom_domain}/`;
  return null;
}

export interface CreateLinkInput {
  promoter_id?: string | undefined;
  store_id?: string | undefined;
  product_id?: string | undefined;
  campaign?: string | undefined;
  code?: string | undefined;
}

async function ownStore(tx: Tx, tenantId: string, promoterId: string) {
  const [row] = await tx
    .select({ id: stores.id })
    .from(stores)
    .where(and(eq(stores.tenantId, tenantId), eq(stores.ownerPromoterId, promoterId)));
  return row?.id;
}

export async function createLink(ctx: TenantCtx, input: CreateLinkInput): Promise<Link> {
  const self = promoterScope(ctx.actor);
  if (self && input.promoter_id && input.promoter_id !== self) throw notFound('promoter', input.promoter_id);
  const promoterId = self ?? input.promoter_id;
  if (!promoterId) {
    throw badRequest('promoter_required', 'promoter_id is required with a secret key.', [
      fieldError('body.promoter_id', 'required', 'Required'),
    ]);
  }
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const promoter = await requirePromoter(tx, ctx.tenantId, promoterId, 'body.promoter_id');
    if (promoter.status !== 'active') {
      throw conflict('promoter_inactive', `Promoter '${promoterId}' is ${promoter.status}.`);
    }
    // A shopkeeper's links default to its own store; a guide's or affiliate's name one.
    const storeId = input.store_id ?? (await ownStore(tx, ctx.tenantId, promoterId));
    if (!storeId) {
      throw badRequest('store_required', 'store_id is required: where the buyer lands.', [
        fieldError('body.store_id', 'required', 'Required (only a shopkeeper defaults to its own store)'),
      ]);
    }
    const store = await requireStore(tx, ctx.tenantId, storeId, 'body.store_id');
    if (store.kind === 'shopkeeper' && store.owner_promoter_id !== promoterId) {
      // Orders in a shopkeeper store always go to its owner: another promoter's link there would mislead.
      throw unprocessable(
        'store_not_allowed',
        "A link may point at a shopkeeper store only for the store's owner.",
        [fieldError('body.store_id', 'store_not_allowed', "Another shopkeeper's store")],
      );
    }
    if (store.status !== 'active') throw conflict('store_closed', `Store '${storeId}' is closed.`);
    if (!storeUrl(store)) {
      throw unprocessable(
        'store_url_missing',
        `Store '${storeId}' has no URL to send buyers to: set its settings.url (or settings.custom_domain).`,
        [fieldError('body.store_id', 'store_url_missing', 'The store has no url setting')],
      );
    }
    if (input.product_id) {
      const [product] = await tx
        .select({ id: products.id })
        .from(products)
        .where(and(eq(products.tenantId, ctx.tenantId), eq(products.id, input.product_id)));
      if (!product) {
        throw unprocessable('invalid_reference', `No such product: '${input.product_id}'`, [
          fieldError('body.product_id', 'invalid_reference', `No such product: '${input.product_id}'`),
        ]);
      }
      if (
        store.kind === 'shopkeeper' &&
        !(await picksOf(tx, ctx.tenantId, store.id, [product.id])).has(product.id)
      ) {
        throw unprocessable('product_not_in_store', 'The store has not picked this product; pick it first.', [
          fieldError('body.product_id', 'product_not_in_store', 'Not picked by the store'),
        ]);
      }
    }
    const now = ctx.clock.now();
    // A generated code is 8 random characters (62^8); a rare collision just draws again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const code = input.code ?? randomToken(8);
      const [row] = await tx
        .insert(links)
        .values({
          tenantId: ctx.tenantId,
          id: newId('link'),
          code,
          promoterId,
          storeId,
          productId: input.product_id ?? null,
          campaign: input.campaign ?? null,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoNothing({ target: [links.tenantId, links.code] })
        .returning();
      if (row) {
        const link = presentLink(row, 0);
        await recordEvent(tx, ctx, { type: 'link.created', object: link });
        return link;
      }
      if (input.code) {
        throw conflict('code_taken', `The code '${input.code}' is already in use in this tenant.`, [
          fieldError('body.code', 'taken', 'Already in use'),
        ]);
      }
    }
    throw new ApiError(503, 'code_unavailable', 'Could not draw a free code; try again.');
  });
}

export async function listLinks(
  ctx: TenantCtx,
  query: ListQuery & {
    promoter_id?: string | undefined;
    store_id?: string | undefined;
    product_id?: string | undefined;
    campaign?: string | undefined;
    status?: LinkStatus | undefined;
    code?: string | undefined;
  },
) {
  const after = cursorId(query);
  const self = promoterScope(ctx.actor);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select({ link: links, clicks: clickCount })
      .from(links)
      .where(
        and(
          eq(links.tenantId, ctx.tenantId),
          self ? eq(links.promoterId, self) : undefined,
          query.promoter_id ? eq(links.promoterId, query.promoter_id) : undefined,
          query.store_id ? eq(links.storeId, query.store_id) : undefined,
          query.product_id ? eq(links.productId, query.product_id) : undefined,
          query.campaign ? eq(links.campaign, query.campaign) : undefined,
          query.status ? eq(links.status, query.status) : undefined,
          query.code ? eq(links.code, query.code) : undefined,
          after ? lt(links.id, after) : undefined,
        ),
      )
      .orderBy(desc(links.id))
      .limit(query.limit + 1);
    return pageOf(
      rows,
      query.limit,
      (r) => presentLink(r.link, Number(r.clicks)),
      (r) => [r.link.id],
    );
  });
}

async function findLink(tx: Tx, ctx: TenantCtx, id: string, lock = false) {
  const self = promoterScope(ctx.actor);
  const q = tx
    .select()
    .from(links)
    .where(
      and(eq(links.tenantId, ctx.tenantId), eq(links.id, id), self ? eq(links.promoterId, self) : undefined),
    );
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw notFound('link', id);
  return row;
}

async function clicksOf(tx: Tx, tenantId: string, linkId: string) {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(linkClicks)
    .where(and(eq(linkClicks.tenantId, tenantId), eq(linkClicks.linkId, linkId)));
  return Number(row?.n ?? 0);
}

export async function getLink(ctx: TenantCtx, id: string): Promise<Link> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const row = await findLink(tx, ctx, id);
    return presentLink(row, await clicksOf(tx, ctx.tenantId, id));
  });
}

/** Disables (or re-enables) a link, or renames its campaign. A disabled link neither redirects nor attributes. */
export async function updateLink(
  ctx: TenantCtx,
  id: string,
  input: { status?: LinkStatus | undefined; campaign?: string | null | undefined },
): Promise<Link> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const current = await findLink(tx, ctx, id, true);
    const [row] = await tx
      .update(links)
      .set({
        status: input.status ?? current.status,
        campaign: input.campaign === undefined ? current.campaign : input.campaign,
        updatedAt: ctx.clock.now(),
      })
      .where(and(eq(links.tenantId, ctx.tenantId), eq(links.id, id)))
      .returning();
    const link = presentLink(row!, await clicksOf(tx, ctx.tenantId, id));
    await recordEvent(tx, ctx, { type: 'link.updated', object: link });
    return link;
  });
}

// ---------------------------------------------------------------------------------------------
// The public redirect

const TENANT_ID = /^ten_[0-9a-hjkmnp-tv-z]{26}$/;
const CODE = /^[A-Za-z0-9_-]{3,64}$/;

const linkNotFound = () =>
  new ApiError(404, 'link_not_found', 'This link does not exist or is no longer active.');

/** A salted hash, so clicks can be told apart without keeping what the browser sent. */
const digest = (tenantId: string, value: string | undefined) =>
  value ? createHash('sha256').update(`${tenantId}\u0000${value}`).digest('base64url').slice(0, 22) : null;

/**
 * Follows a shared link: one read (link, promoter, store and tenant in one query) and one insert
 * into the click log; returns where to send the buyer. An unknown or disabled code, an inactive
 * promoter, a closed store or a suspended tenant is `link_not_found` (404).
 */
export async function followLink(
  db: Database,
  clock: Clock,
  tenantId: string,
  code: string,
  visitor: { userAgent?: string | undefined; referrer?: string | undefined },
): Promise<string> {
  if (!TENANT_ID.test(tenantId) || !CODE.test(code)) throw linkNotFound();
  return withTenant(db, tenantId, async (tx) => {
    const [row] = await tx
      .select({ link: links, settings: stores.settings })
      .from(links)
      .innerJoin(promoters, and(eq(promoters.tenantId, links.tenantId), eq(promoters.id, links.promoterId)))
      .innerJoin(stores, and(eq(stores.tenantId, links.tenantId), eq(stores.id, links.storeId)))
      .innerJoin(tenants, eq(tenants.id, links.tenantId))
      .where(
        and(
          eq(links.tenantId, tenantId),
          eq(links.code, code),
          eq(links.status, 'active'),
          eq(promoters.status, 'active'),
          eq(stores.status, 'active'),
          eq(tenants.status, 'active'),
        ),
      );
    const base = row ? storeUrl({ settings: row.settings }) : null;
    if (!row || !base) throw linkNotFound();
    // A click is analytics: its commit need not wait for the WAL flush (a crash may lose the
    // last moment's clicks, never anything else; other transactions keep their durability).
    await tx.execute(sql`set local synchronous_commit = off`);
    await tx.insert(linkClicks).values({
      tenantId,
      id: newId('linkClick'),
      linkId: row.link.id,
      clickedAt: clock.now(),
      userAgentHash: digest(tenantId, visitor.userAgent),
      referrerHash: digest(tenantId, visitor.referrer),
    });
    const target = new URL(base);
    if (row.link.productId) {
      target.pathname = `${target.pathname.replace(/\/$/, '')}/products/${row.link.productId}`;
    }
    target.searchParams.set('mj_link', code);
    return target.toString();
  });
}

// ---------------------------------------------------------------------------------------------
// For attribution

/** The link of a code, if it is active and its promoter is too (else null: it attributes nothing). */
export async function activeLink(tx: Tx, tenantId: string, code: string) {
  const [row] = await tx
    .select({ id: links.id, promoterId: links.promoterId })
    .from(links)
    .innerJoin(promoters, and(eq(promoters.tenantId, links.tenantId), eq(promoters.id, links.promoterId)))
    .where(
      and(
        eq(links.tenantId, tenantId),
        eq(links.code, code),
        eq(links.status, 'active'),
        eq(promoters.status, 'active'),
      ),
    );
  return row ?? null;
}

import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { afterCommit } from '../../db/tenancy';
import { stores } from '../stores/tables';
import { catalogVersions } from './tables';

/**
 * What storefront caches learn about catalog changes (modules/storefront/cache.ts).
 *
 * - `bumpCatalogVersion` for changes made through the catalog, inventory and store APIs: the
 *   tenant's row in `catalog_versions` goes up in the same transaction, so every node sees the
 *   change within its version-check interval, and this node at once (after commit).
 * - `noteStockChange` for the order path (reserve, release, commit, restock): it must not queue
 *   every checkout of a tenant on one row lock, so it only tells this node, at once; other
 *   nodes show the new availability when their cached page expires (a few seconds). The
 *   storefront's stock figures are advice; the reservation is what never oversells.
 */
export type CatalogChange = { tenantId: string; version?: number; storeId?: string };
type Listener = (change: CatalogChange) => void;

const listeners = new Set<Listener>();

/** Storefront caches subscribe; returns the unsubscribe function. */
export function onCatalogChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function announce(change: CatalogChange) {
  for (const listener of listeners) {
    // This runs after the commit: a failing listener must not turn a done write into an error.
    // Its pages then go stale only until they expire by age.
    try {
      listener(change);
    } catch {}
  }
}

/** One bump per transaction however many writes it makes. */
const bumped = new WeakMap<Tx, Promise<number>>();

/**
 * Call it last in the transaction: the row stays locked until commit, so the tenant's catalog
 * writes queue on it only for the moment between the bump and the commit.
 */
export function bumpCatalogVersion(tx: Tx, tenantId: string): Promise<number> {
  let pending = bumped.get(tx);
  if (!pending) {
    let version: number | undefined;
    pending = tx
      .insert(catalogVersions)
      .values({ tenantId, version: 1 })
      .onConflictDoUpdate({
        target: catalogVersions.tenantId,
        set: { version: sql`${catalogVersions.version} + 1` },
      })
      .returning({ version: catalogVersions.version })
      .then(([row]) => (version = row!.version));
    bumped.set(tx, pending);
    afterCommit(tx, () => announce({ tenantId, version }));
  }
  return pending;
}

/**
 * A change that shows in one store's pages only (a shopkeeper's picks): bumps that store's
 * `content_version` instead of the tenant's, so the tenant's other stores keep their cached
 * pages and the tenant's writes do not queue on one row. Storefront pages of a store are
 * versioned by the sum of the two (readStoreVersion).
 */
export async function bumpStoreVersion(tx: Tx, tenantId: string, storeId: string): Promise<void> {
  await tx
    .update(stores)
    .set({ contentVersion: sql`${stores.contentVersion} + 1` })
    .where(and(eq(stores.tenantId, tenantId), eq(stores.id, storeId)));
  afterCommit(tx, () => announce({ tenantId, storeId }));
}

/** A store's page version: the tenant's catalog version plus the store's own, in one query. */
export async function readStoreVersion(tx: Tx, tenantId: string, storeId: string): Promise<number> {
  const [row] = await tx
    .select({
      version: sql<number>`${stores.contentVersion} + coalesce((select cv.version from ${catalogVersions} cv where cv.tenant_id = ${tenantId}), 0)`,
    })
    .from(stores)
    .where(and(eq(stores.tenantId, tenantId), eq(stores.id, storeId)));
  return row ? Number(row.version) : readCatalogVersion(tx, tenantId);
}

export function noteStockChange(tx: Tx, tenantId: string): void {
  afterCommit(tx, () => announce({ tenantId }));
}

/** The tenant's catalog version as the transaction sees it (0 before the first change). */
export async function readCatalogVersion(tx: Tx, tenantId: string): Promise<number> {
  const [row] = await tx
    .select({ version: catalogVersions.version })
    .from(catalogVersions)
    .where(eq(catalogVersions.tenantId, tenantId));
  return row?.version ?? 0;
}

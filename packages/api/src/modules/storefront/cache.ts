import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { CatalogChange } from '../catalog/version';

/**
 * Storefront pages, serialised once and served from memory: the storefront reads are the
 * hottest path of the API, and on a hit they cost no query at all.
 *
 * Pages belong to a scope: one store of a tenant (`page(…, storeId)`), or the whole tenant.
 * A page is current while three things hold:
 * - its version is the scope's current one: the tenant's catalog version, plus for a store
 *   scope the store's own version (a shopkeeper's picks change only that store's pages, so they
 *   bump only that). This node learns of its own writes at once when they commit
 *   (catalog/version.ts), and re-reads the version from the database at most every
 *   `versionCheckMs` for writes made on other nodes;
 * - no change committed on this node since it was built for its tenant or its scope
 *   (`generation`; stock changes on the order path bump no version, see catalog/version.ts);
 * - it is younger than `maxAgeMs`, which bounds how stale other nodes' order-path stock changes
 *   can look.
 * So a write is visible to the next read on the node that made it, and within a second or a
 * few elsewhere. Concurrent misses of one page share one load, so a burst after a change costs
 * one query, not one per connection.
 */
export interface CachedPage {
  version: number;
  generation: number;
  tenantGeneration: number;
  builtAt: number;
  /** UTF-8 JSON, encoded once: a Buffer goes to the socket as it is, a string is encoded per send. */
  body: Buffer;
  /** Strong: a hash of the body, so every node and every rebuild gives equal pages equal tags. */
  etag: string;
}

interface TenantState {
  version: number;
  checkedAt: number;
  generation: number;
}

export interface CacheOptions {
  versionCheckMs?: number;
  maxAgeMs?: number;
  maxBytes?: number;
}

export class StorefrontCache {
  private readonly pages: LRUCache<string, CachedPage>;
  /** Per scope (a tenant, or one store of a tenant). */
  private readonly tenants = new LRUCache<string, TenantState>({ max: 100_000 });
  /** Per tenant: bumped by every change of the tenant, so it reaches the pages of all its scopes. */
  private readonly tenantGenerations = new LRUCache<string, number>({ max: 100_000 });
  private readonly loading = new Map<string, Promise<CachedPage>>();
  private readonly checking = new Map<string, Promise<TenantState>>();
  private readonly versionCheckMs: number;
  private readonly maxAgeMs: number;
  /** Generations come from one counter, so a tenant state rebuilt after eviction never matches an old page. */
  private lastGeneration = 0;

  constructor(options: CacheOptions = {}) {
    this.versionCheckMs = options.versionCheckMs ?? 1_000;
    this.maxAgeMs = options.maxAgeMs ?? 5_000;
    this.pages = new LRUCache({
      maxSize: options.maxBytes ?? 32 * 1024 * 1024,
      sizeCalculation: (page) => page.body.length + 200,
    });
  }

  /**
   * Called for every committed catalog or stock change of this process. A change with a
   * `storeId` concerns that store's pages only; any other reaches every page of the tenant.
   */
  changed(change: CatalogChange) {
    if (change.storeId !== undefined) {
      const state = this.tenants.get(scopeKey(change.tenantId, change.storeId));
      if (state) state.generation = ++this.lastGeneration;
      return;
    }
    if (this.tenantGenerations.has(change.tenantId)) {
      this.tenantGenerations.set(change.tenantId, ++this.lastGeneration);
    }
    const state = this.tenants.get(change.tenantId);
    if (!state) return;
    state.generation = ++this.lastGeneration;
    if (change.version !== undefined && change.version > state.version) {
      state.version = change.version;
      state.checkedAt = performance.now();
    }
  }

  /** The tenant's generation; a tenant evicted and seen again gets a new one, so old pages never match. */
  private tenantGeneration(tenantId: string): number {
    let generation = this.tenantGenerations.get(tenantId);
    if (generation === undefined) {
      generation = ++this.lastGeneration;
      this.tenantGenerations.set(tenantId, generation);
    }
    return generation;
  }

  /**
   * The current page for `key` of a tenant (of one of its stores, with `storeId`); `load` builds
   * it and says which version its data is (read in the same transaction); `readVersion` reads
   * the scope's version (for a store: the tenant's catalog version plus the store's version).
   */
  async page(
    tenantId: string,
    key: string,
    load: () => Promise<{ version: number; body: unknown }>,
    readVersion: () => Promise<number>,
    storeId?: string,
  ): Promise<CachedPage> {
    const scope = storeId === undefined ? tenantId : scopeKey(tenantId, storeId);
    const state = await this.tenant(scope, readVersion);
    const tenantGeneration = this.tenantGeneration(tenantId);
    const cacheKey = `${scope}\u0000${key}`;
    const cached = this.pages.get(cacheKey);
    if (
      cached &&
      cached.version === state.version &&
      cached.generation === state.generation &&
      cached.tenantGeneration === tenantGeneration &&
      performance.now() - cached.builtAt < this.maxAgeMs
    ) {
      return cached;
    }
    const loadKey = `${cacheKey}\u0000${state.version}\u0000${state.generation}\u0000${tenantGeneration}`;
    let pending = this.loading.get(loadKey);
    if (!pending) {
      const generation = state.generation;
      pending = load()
        .then(({ version, body }) => {
          // A newer version read with the data is news of a change made on another node.
          if (version > state.version) {
            state.version = version;
            state.checkedAt = performance.now();
          }
          const json = Buffer.from(JSON.stringify(body));
          const page = {
            version,
            generation,
            tenantGeneration,
            builtAt: performance.now(),
            body: json,
            etag: etagOf(json),
          };
          this.pages.set(cacheKey, page);
          return page;
        })
        .finally(() => this.loading.delete(loadKey));
      this.loading.set(loadKey, pending);
    }
    return pending;
  }

  private async tenant(tenantId: string, readVersion: () => Promise<number>): Promise<TenantState> {
    const state = this.tenants.get(tenantId);
    if (state && performance.now() - state.checkedAt < this.versionCheckMs) return state;
    let pending = this.checking.get(tenantId);
    if (!pending) {
      pending = readVersion()
        .then((version) => {
          const current = this.tenants.get(tenantId) ?? {
            version,
            checkedAt: 0,
            generation: ++this.lastGeneration,
          };
          current.version = Math.max(current.version, version);
          current.checkedAt = performance.now();
          this.tenants.set(tenantId, current);
          return current;
        })
        .finally(() => this.checking.delete(tenantId));
      this.checking.set(tenantId, pending);
    }
    return pending;
  }
}

const scopeKey = (tenantId: string, storeId: string) => `${tenantId}\u0001${storeId}`;

export function etagOf(body: Buffer | string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): `W/` prefixes do not matter. */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

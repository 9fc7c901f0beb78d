import { LRUCache } from 'lru-cache';
import type { Principal } from './principal';

export interface CachedAuth {
  principal: Principal;
  /** Tenant or partner suspended: the credential is valid but refused with 403. */
  suspended: boolean;
  expiresAt: Date | null;
}

/**
 * Authenticated credentials by token hash, for a few seconds, so a hot key costs no query per
 * request. Revoking a key or suspending a tenant forgets it here at once; other nodes see the
 * change when their entry expires (`ttlMs`).
 */
export class AuthCache {
  private readonly byHash: LRUCache<string, CachedAuth | 'invalid'>;

  constructor(ttlMs = 5_000, max = 50_000) {
    this.byHash = new LRUCache({ max, ttl: ttlMs });
  }

  /** Lookups in flight, so a burst of requests with a cold key makes one query, not one each. */
  private readonly loading = new Map<string, Promise<CachedAuth | 'invalid'>>();

  get(hash: string) {
    return this.byHash.get(hash);
  }

  /** The cached entry, else the one `load` finds (shared by every caller waiting for it). */
  async getOrLoad(
    hash: string,
    load: () => Promise<CachedAuth | 'invalid'>,
  ): Promise<CachedAuth | 'invalid'> {
    const cached = this.byHash.get(hash);
    if (cached !== undefined) return cached;
    let pending = this.loading.get(hash);
    if (!pending) {
      pending = load()
        .then((value) => {
          this.byHash.set(hash, value);
          return value;
        })
        .finally(() => this.loading.delete(hash));
      this.loading.set(hash, pending);
    }
    return pending;
  }

  set(hash: string, value: CachedAuth | 'invalid') {
    this.byHash.set(hash, value);
  }

  private forgetWhere(match: (p: Principal) => boolean) {
    for (const [hash, value] of this.byHash.entries()) {
      if (value !== 'invalid' && match(value.principal)) this.byHash.delete(hash);
    }
  }

  forgetKey(keyId: string) {
    this.forgetWhere((p) => 'keyId' in p && p.keyId === keyId);
  }

  forgetTenant(tenantId: string) {
    this.forgetWhere((p) => 'tenantId' in p && p.tenantId === tenantId);
  }

  /** A promoter's tokens, after it was suspended or terminated. */
  forgetPromoter(promoterId: string) {
    this.forgetWhere((p) => p.kind === 'promoter' && p.promoterId === promoterId);
  }

  forgetPartner(partnerId: string) {
    this.forgetWhere((p) => p.kind === 'partner' && p.partnerId === partnerId);
  }

  clear() {
    this.byHash.clear();
  }
}

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

  get(hash: string) {
    return this.byHash.get(hash);
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

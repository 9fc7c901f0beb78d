import { randomToken } from './secrets';

/**
 * Bearer tokens that belong to one tenant: `<prefix>_<tenant ulid><40 random characters>`.
 * Carrying the tenant lets a lookup run inside that tenant's RLS context (and on its Citus
 * shard) by hash alone. API keys (`sk`, `pk`, `spk`) and promoter tokens (`prt`) use it.
 */
const TENANT_TOKEN = /^([a-z]{2,4})_([0-9a-hjkmnp-tv-z]{26})([A-Za-z0-9]{40})$/;

export function mintTenantToken(prefix: string, tenantId: string): string {
  return `${prefix}_${tenantId.slice('ten_'.length)}${randomToken(40)}`;
}

export function parseTenantToken(token: string): { prefix: string; tenantId: string } | null {
  const m = TENANT_TOKEN.exec(token);
  return m ? { prefix: m[1]!, tenantId: `ten_${m[2]}` } : null;
}

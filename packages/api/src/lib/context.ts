import type { Clock } from '../config';
import type { Database } from '../db/client';
import type { PlatformScope } from '../db/tenancy';
import type { TenantPrincipal } from '../modules/auth/principal';

/** What a tenant service call needs: the database, the time, and who acts for which tenant. */
export interface TenantCtx {
  db: Database;
  clock: Clock;
  tenantId: string;
  actor: TenantPrincipal;
}

/** What a platform service call needs: the operator, or one partner confined to its tenants. */
export interface PlatformCtx {
  db: Database;
  clock: Clock;
  scope: PlatformScope;
}

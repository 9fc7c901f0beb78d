import { sql } from 'drizzle-orm';
import type { Database, Tx } from './client';

/** The role tenant transactions run as: not the owner, not superuser, no BYPASSRLS. */
export const APP_ROLE = 'mujiang_app';
/**
 * The role background workers claim work as: it sees only the queue tables (jobs, and the
 * webhook deliveries later), across tenants. The work itself then runs in withTenant().
 */
export const WORKER_ROLE = 'mujiang_worker';
/** The role platform transactions run as: sees tenants and partners, no tenant table at all. */
export const PLATFORM_ROLE = 'mujiang_platform';

/**
 * The one way to touch tenant data: a transaction that drops to the app role and sets the
 * tenant for row-level security. Both settings are transaction-local, so a pooled connection
 * carries nothing over to the next caller.
 */
export async function withTenant<T>(db: Database, tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const hooks: Array<() => void> = [];
  const result = await db.transaction(async (tx) => {
    commitHooks.set(tx, hooks);
    // Sent without waiting: the connection runs it before fn's first query (same connection,
    // in order), which saves a round trip on every tenant transaction.
    const entered = enterTenant(tx, tenantId);
    try {
      const value = await fn(tx);
      await entered;
      return value;
    } catch (err) {
      await entered.catch(() => {});
      throw err;
    }
  });
  for (const hook of hooks) hook();
  return result;
}

const commitHooks = new WeakMap<Tx, Array<() => void>>();

/**
 * Runs `hook` once the tenant transaction `tx` has committed (never if it rolls back): for
 * in-process state that must follow the database, such as dropping cached storefront pages.
 * Only for the transaction withTenant() opened (not a savepoint inside it), so a misuse fails.
 */
export function afterCommit(tx: Tx, hook: () => void): void {
  const hooks = commitHooks.get(tx);
  if (!hooks) throw new Error('afterCommit() needs the transaction withTenant() opened');
  hooks.push(hook);
}

function enterTenant(tx: Tx, tenantId: string): Promise<void> {
  const query = tx.execute(
    sql`select set_config('role', ${APP_ROLE}, true), set_config('app.tenant_id', ${tenantId}, true), set_config('app.partner_id', '', true), set_config('app.platform', '', true)`,
  );
  // Calling `then` here, synchronously, starts the query now (drizzle queries are lazy).
  return new Promise((resolve, reject) => query.then(() => resolve(), reject));
}

/** Who acts on platform tables: the operator (all tenants) or one partner (its own tenants). */
export type PlatformScope = { kind: 'platform' } | { kind: 'partner'; partnerId: string };

export interface PlatformTx {
  tx: Tx;
  /**
   * Switches this transaction into one tenant (role and tenant setting), for the platform
   * calls that must write tenant rows atomically with platform rows (a new tenant's first key).
   */
  enterTenant(tenantId: string): Promise<void>;
}

/** A transaction on the platform tables; row-level security confines a partner to its tenants. */
export function withPlatform<T>(
  db: Database,
  scope: PlatformScope,
  fn: (p: PlatformTx) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('role', ${PLATFORM_ROLE}, true), set_config('app.platform', ${scope.kind === 'platform' ? 'on' : ''}, true), set_config('app.partner_id', ${scope.kind === 'partner' ? scope.partnerId : ''}, true), set_config('app.tenant_id', '', true)`,
    );
    return fn({ tx, enterTenant: (tenantId) => enterTenant(tx, tenantId) });
  });
}

/** A transaction on the cross-tenant queue tables, for claiming work; see WORKER_ROLE. */
export function withWorker<T>(db: Database, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(
      sql`select set_config('role', ${WORKER_ROLE}, true), set_config('app.tenant_id', '', true), set_config('app.platform', '', true), set_config('app.partner_id', '', true)`,
    );
    return fn(tx);
  });
}

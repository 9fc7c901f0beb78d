import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { AppConfig } from './config';
import type { Database } from './db/client';
import { withPlatform } from './db/tenancy';
import { ensureDemoCatalog } from './demo-catalog';
import type { TenantCtx } from './lib/context';
import { randomToken } from './lib/secrets';
import { createApiKey } from './modules/api-keys/service';
import { createStore } from './modules/stores/service';
import { createSupplier } from './modules/suppliers/service';
import { createTenant } from './modules/tenants/service';
import { tenants } from './modules/tenants/tables';

/** What `pnpm start` prints: the demo tenant's keys, kept in a file because keys are shown once. */
export interface DemoCredentials {
  platform_token: string;
  tenant_id: string;
  store_id: string;
  supplier_id: string;
  secret_key: string;
  publishable_key: string;
  supplier_key: string;
}

function demoFile(config: AppConfig): string {
  const target = config.databaseUrl ?? config.dataDir;
  const tag = createHash('sha256').update(target).digest('hex').slice(0, 12);
  const base = config.databaseUrl ? '.data' : dirname(config.dataDir);
  return join(base, `demo-${tag}.json`);
}

/** The platform token the demo uses when none is configured (read before the app is built). */
export function demoPlatformToken(config: AppConfig): string {
  const file = demoFile(config);
  if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials).platform_token;
  return `plat_${randomToken(40)}`;
}

async function tenantExists(db: Database, id: string): Promise<boolean> {
  return withPlatform(db, { kind: 'platform' }, async ({ tx }) => {
    const rows = await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, id));
    return rows.length > 0;
  });
}

/**
 * Creates the demo tenant once (idempotently: the file records it, and a database that lost it
 * gets a new one): a brand store, a default supplier, one key of each kind, and a few products
 * with stock (added to an existing demo tenant that lacks them).
 */
export async function ensureDemo(
  config: AppConfig,
  db: Database,
  platformToken: string,
): Promise<DemoCredentials> {
  const file = demoFile(config);
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials;
    if (await tenantExists(db, saved.tenant_id)) {
      // The seed acts as the tenant; the key id is only a label here (the secret is not needed).
      await ensureDemoCatalog({
        db,
        clock: config.clock,
        tenantId: saved.tenant_id,
        actor: { kind: 'secret', tenantId: saved.tenant_id, keyId: 'demo_seed', scopes: null },
      });
      return saved;
    }
  }
  const clock = config.clock;
  const tenant = await createTenant(
    { db, clock, scope: { kind: 'platform' } },
    { name: '木匠 Demo 品牌', metadata: { demo: 'true' } },
  );
  const ctx: TenantCtx = {
    db,
    clock,
    tenantId: tenant.id,
    actor: { kind: 'secret', tenantId: tenant.id, keyId: tenant.api_key.id, scopes: null },
  };
  const store = await createStore(ctx, {
    kind: 'brand',
    name: '木匠优选旗舰店',
    settings: { display_name: '木匠优选', primary_color: '#C8102E', accent_color: '#F5A623' },
  });
  const supplier = await createSupplier(ctx, { name: '木匠家居 (示例品牌)', code: 'MUJIANG' });
  const publishable = await createApiKey(ctx, {
    kind: 'publishable',
    name: 'Demo storefront',
    store_id: store.id,
  });
  const supplierKey = await createApiKey(ctx, {
    kind: 'supplier',
    name: 'Demo supplier',
    supplier_id: supplier.id,
  });
  await ensureDemoCatalog(ctx);
  const creds: DemoCredentials = {
    platform_token: platformToken,
    tenant_id: tenant.id,
    store_id: store.id,
    supplier_id: supplier.id,
    secret_key: tenant.api_key.secret,
    publishable_key: publishable.secret,
    supplier_key: supplierKey.secret,
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  return creds;
}

import { and, desc, eq, lt } from 'drizzle-orm';
import type { Database, Tx } from '../../db/client';
import { withPlatform, withTenant } from '../../db/tenancy';
import { forbidden, notFound } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { PlatformCtx, TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { mergeRecord } from '../../lib/records';
import { hashToken, randomToken } from '../../lib/secrets';
import { type ApiKeyWithSecret, type CreateApiKeyInput, insertApiKey } from '../api-keys/service';
import { partners, tenants } from './tables';

type TenantRow = typeof tenants.$inferSelect;
type PartnerRow = typeof partners.$inferSelect;

// ---------------------------------------------------------------------------------------------
// Tenant settings: the knobs other modules read. Defaults live here, in one place.

export interface TenantSettings {
  currency: string;
  /** How long a customer binding protects a promoter's customer (客户保护期). */
  binding_days: number;
  /** Unpaid orders are cancelled after this, releasing their stock. */
  payment_timeout_minutes: number;
  /** A shipped order completes by itself after this, if the buyer does not confirm receipt. */
  auto_complete_days: number;
  /** After completion, the return window (无理由退货) before commissions are confirmed. */
  return_window_days: number;
  /** A cart expires this long after its last change. */
  cart_ttl_days: number;
  /** The most commission one order line can pay, in basis points of its amount (5000 = 50%). */
  commission_cap_bps: number;
  /** A promoter whose settlement balance is below this is carried over to the next settlement. */
  min_payout: number;
  /** Member growth value (成长值) per 1 major currency unit (¥1 = 100 分) of goods paid; 0 turns accrual off. */
  member_growth_per_unit: number;
}
export const DEFAULT_TENANT_SETTINGS: TenantSettings = {
  currency: 'CNY',
  binding_days: 30,
  payment_timeout_minutes: 30,
  auto_complete_days: 10,
  return_window_days: 7,
  cart_ttl_days: 7,
  commission_cap_bps: 5000,
  min_payout: 0,
  member_growth_per_unit: 1,
};

export function tenantSettings(row: Pick<TenantRow, 'settings'>): TenantSettings {
  return { ...DEFAULT_TENANT_SETTINGS, ...(row.settings as Partial<TenantSettings>) };
}

export function presentTenant(row: TenantRow) {
  return {
    id: row.id,
    object: 'tenant' as const,
    name: row.name,
    status: row.status,
    partner_id: row.partnerId,
    settings: tenantSettings(row),
    metadata: row.metadata,
    suspended_at: iso(row.suspendedAt),
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Tenant = ReturnType<typeof presentTenant>;

export interface CreateTenantInput {
  name: string;
  settings?: Partial<TenantSettings> | undefined;
  metadata?: Record<string, string> | undefined;
}

/** Creates a tenant and its first secret key in one transaction: never one without the other. */
export async function createTenant(
  ctx: PlatformCtx,
  input: CreateTenantInput,
): Promise<Tenant & { api_key: ApiKeyWithSecret }> {
  return withPlatform(ctx.db, ctx.scope, async ({ tx, enterTenant }) => {
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(tenants)
      .values({
        id: newId('tenant'),
        name: input.name,
        partnerId: ctx.scope.kind === 'partner' ? ctx.scope.partnerId : null,
        settings: input.settings ?? {},
        metadata: input.metadata ?? {},
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await enterTenant(row!.id);
    const apiKey = await insertApiKey(tx, row!.id, { kind: 'secret', name: 'Initial secret key' }, now);
    return { ...presentTenant(row!), api_key: apiKey };
  });
}

export async function listTenants(
  ctx: PlatformCtx,
  query: ListQuery & { status?: TenantRow['status'] | undefined },
) {
  const after = cursorId(query);
  return withPlatform(ctx.db, ctx.scope, async ({ tx }) => {
    const rows = await tx
      .select()
      .from(tenants)
      .where(
        and(
          // Row-level security already confines a partner; the filter keeps the plan on the index.
          ctx.scope.kind === 'partner' ? eq(tenants.partnerId, ctx.scope.partnerId) : undefined,
          query.status ? eq(tenants.status, query.status) : undefined,
          after ? lt(tenants.id, after) : undefined,
        ),
      )
      .orderBy(desc(tenants.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentTenant);
  });
}

export async function getTenant(ctx: PlatformCtx, id: string): Promise<Tenant> {
  return withPlatform(ctx.db, ctx.scope, async ({ tx }) => {
    const [row] = await tx.select().from(tenants).where(eq(tenants.id, id));
    if (!row) throw notFound('tenant', id);
    return presentTenant(row);
  });
}

export async function setTenantStatus(
  ctx: PlatformCtx,
  id: string,
  status: 'active' | 'suspended',
): Promise<Tenant> {
  return withPlatform(ctx.db, ctx.scope, async ({ tx }) => {
    const now = ctx.clock.now();
    const [row] = await tx
      .update(tenants)
      .set({ status, suspendedAt: status === 'suspended' ? now : null, updatedAt: now })
      .where(eq(tenants.id, id))
      .returning();
    if (!row) throw notFound('tenant', id);
    return presentTenant(row);
  });
}

export interface UpdateTenantInput {
  name?: string | undefined;
  settings?: Partial<TenantSettings> | undefined;
  metadata?: Record<string, string | null> | undefined;
}

export async function updateTenant(ctx: PlatformCtx, id: string, input: UpdateTenantInput): Promise<Tenant> {
  const tenant = await withPlatform(ctx.db, ctx.scope, async ({ tx }) => {
    const [current] = await tx.select().from(tenants).where(eq(tenants.id, id));
    if (!current) throw notFound('tenant', id);
    const [row] = await tx
      .update(tenants)
      .set({
        name: input.name ?? current.name,
        settings: input.settings ? mergeRecord(current.settings, input.settings) : current.settings,
        metadata: input.metadata ? mergeRecord(current.metadata, input.metadata) : current.metadata,
        updatedAt: ctx.clock.now(),
      })
      .where(eq(tenants.id, id))
      .returning();
    return presentTenant(row!);
  });
  // After the commit, so no reader can cache the old settings again in between.
  forgetTenantSettings(id);
  return tenant;
}

/** The platform or the tenant's partner mints a key for it (e.g. after the tenant lost its own). */
export async function createTenantApiKey(
  ctx: PlatformCtx,
  tenantId: string,
  input: CreateApiKeyInput,
): Promise<ApiKeyWithSecret> {
  return withPlatform(ctx.db, ctx.scope, async ({ tx, enterTenant }) => {
    const [row] = await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId));
    if (!row) throw notFound('tenant', tenantId);
    await enterTenant(tenantId);
    return insertApiKey(tx, tenantId, input, ctx.clock.now());
  });
}

/**
 * Settings change rarely and are read by most writes (checkout reads currency and timeouts), so
 * each node keeps them for a few seconds; a change made on this node is seen at once.
 */
const SETTINGS_TTL_MS = 5_000;
const settingsCache = new Map<string, { settings: TenantSettings; until: number }>();

export function forgetTenantSettings(tenantId: string) {
  settingsCache.delete(tenantId);
}

/** The tenant's settings with defaults filled in, for services inside a tenant transaction. */
export async function readTenantSettings(tx: Tx, tenantId: string): Promise<TenantSettings> {
  const cached = settingsCache.get(tenantId);
  if (cached && cached.until > Date.now()) return cached.settings;
  const [row] = await tx.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, tenantId));
  const settings = tenantSettings(row ?? { settings: {} });
  if (settingsCache.size > 50_000) settingsCache.clear();
  settingsCache.set(tenantId, { settings, until: Date.now() + SETTINGS_TTL_MS });
  return settings;
}

/** The calling tenant's own record (`GET /v1/tenant`). */
export async function getCurrentTenant(ctx: TenantCtx): Promise<Tenant> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const [row] = await tx.select().from(tenants).where(eq(tenants.id, ctx.tenantId));
    if (!row) throw notFound('tenant', ctx.tenantId);
    return presentTenant(row);
  });
}

// ---------------------------------------------------------------------------------------------
// Partners (agencies). Only the platform manages them; a partner token acts for its tenants.

const PARTNER_TOKEN = /^ptk_([0-9a-hjkmnp-tv-z]{26})([A-Za-z0-9]{40})$/;

export function presentPartner(row: PartnerRow) {
  return {
    id: row.id,
    object: 'partner' as const,
    name: row.name,
    status: row.status,
    redacted_token: `ptk_…${row.tokenLast4}`,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Partner = ReturnType<typeof presentPartner>;

function assertPlatform(ctx: PlatformCtx) {
  if (ctx.scope.kind !== 'platform') throw forbidden('platform_only', 'Only the platform manages partners.');
}

function mintPartnerToken(partnerId: string) {
  const token = `ptk_${partnerId.slice(5)}${randomToken(40)}`;
  return { token, tokenHash: hashToken(token), tokenLast4: token.slice(-4) };
}

export async function createPartner(
  ctx: PlatformCtx,
  input: { name: string },
): Promise<Partner & { token: string }> {
  assertPlatform(ctx);
  return withPlatform(ctx.db, ctx.scope, async ({ tx }) => {
    const id = newId('partner');
    const { token, ...stored } = mintPartnerToken(id);
    const [row] = await tx
      .insert(partners)
      .values({ id, name: input.name, ...stored })
      .returning();
    return { ...presentPartner(row!), token };
  });
}

export async function listPartners(ctx: PlatformCtx, query: ListQuery) {
  assertPlatform(ctx);
  const after = cursorId(query);
  return withPlatform(ctx.db, ctx.scope, async ({ tx }) => {
    const rows = await tx
      .select()
      .from(partners)
      .where(after ? lt(partners.id, after) : undefined)
      .orderBy(desc(partners.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentPartner);
  });
}

export async function getPartner(ctx: PlatformCtx, id: string): Promise<Partner> {
  assertPlatform(ctx);
  return withPlatform(ctx.db, ctx.scope, async ({ tx }) => {
    const [row] = await tx.select().from(partners).where(eq(partners.id, id));
    if (!row) throw notFound('partner', id);
    return presentPartner(row);
  });
}

export async function updatePartner(
  ctx: PlatformCtx,
  id: string,
  input: {
    name?: string | undefined;
    status?: 'active' | 'suspended' | undefined;
    roll_token?: boolean | undefined;
  },
): Promise<Partner & { token?: string }> {
  assertPlatform(ctx);
  return withPlatform(ctx.db, ctx.scope, async ({ tx }) => {
    const [current] = await tx.select().from(partners).where(eq(partners.id, id));
    if (!current) throw notFound('partner', id);
    const rolled = input.roll_token ? mintPartnerToken(id) : undefined;
    const [row] = await tx
      .update(partners)
      .set({
        name: input.name ?? current.name,
        status: input.status ?? current.status,
        ...(rolled ? { tokenHash: rolled.tokenHash, tokenLast4: rolled.tokenLast4 } : {}),
        updatedAt: ctx.clock.now(),
      })
      .where(eq(partners.id, id))
      .returning();
    return { ...presentPartner(row!), ...(rolled ? { token: rolled.token } : {}) };
  });
}

/** Resolves a partner token; null when it is not one. */
export async function authenticatePartner(
  db: Database,
  token: string,
): Promise<{ partnerId: string; suspended: boolean } | null> {
  const m = PARTNER_TOKEN.exec(token);
  if (!m) return null;
  const partnerId = `ptnr_${m[1]}`;
  return withPlatform(db, { kind: 'platform' }, async ({ tx }) => {
    const [row] = await tx
      .select({ status: partners.status })
      .from(partners)
      .where(and(eq(partners.id, partnerId), eq(partners.tokenHash, hashToken(token))));
    return row ? { partnerId, suspended: row.status !== 'active' } : null;
  });
}

import { and, desc, eq, isNull, lt, or } from 'drizzle-orm';
import type { Database, Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { badRequest, forbidden, notFound } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { hashToken } from '../../lib/secrets';
import { mintTenantToken, parseTenantToken } from '../../lib/tenant-tokens';
import { hasScope, type Scope, type TenantPrincipal } from '../auth/principal';
import { requireStore } from '../stores/service';
import { requireSupplier } from '../suppliers/service';
import { tenants } from '../tenants/tables';
import { type ApiKeyKind, apiKeys } from './tables';

type ApiKeyRow = typeof apiKeys.$inferSelect;

const KIND_PREFIX: Record<ApiKeyKind, string> = { secret: 'sk', publishable: 'pk', supplier: 'spk' };
const PREFIX_KIND = Object.fromEntries(Object.entries(KIND_PREFIX).map(([k, p]) => [p, k])) as Record<
  string,
  ApiKeyKind | undefined
>;

export interface CreateApiKeyInput {
  kind: ApiKeyKind;
  name?: string | undefined;
  store_id?: string | undefined;
  supplier_id?: string | undefined;
  scopes?: Scope[] | undefined;
  expires_at?: Date | undefined;
}

export function presentApiKey(row: ApiKeyRow) {
  return {
    id: row.id,
    object: 'api_key' as const,
    kind: row.kind,
    name: row.name,
    redacted_key: `${KIND_PREFIX[row.kind]}_…${row.tokenLast4}`,
    store_id: row.storeId,
    supplier_id: row.supplierId,
    scopes: row.scopes,
    expires_at: iso(row.expiresAt),
    revoked_at: iso(row.revokedAt),
    last_used_at: iso(row.lastUsedAt),
    created_at: iso(row.createdAt)!,
  };
}
export type ApiKey = ReturnType<typeof presentApiKey>;
export type ApiKeyWithSecret = ApiKey & { secret: string };

/**
 * Inserts a key in the current tenant transaction; the secret is returned once and never stored.
 * Also used by the tenants module for a new tenant's first key and for partner-minted keys.
 */
export async function insertApiKey(
  tx: Tx,
  tenantId: string,
  input: CreateApiKeyInput,
  now: Date,
): Promise<ApiKeyWithSecret> {
  const fields = [];
  if (input.kind !== 'publishable' && input.store_id) fields.push('store_id');
  if (input.kind !== 'supplier' && input.supplier_id) fields.push('supplier_id');
  if (input.kind === 'publishable' && !input.store_id) fields.push('store_id');
  if (input.kind === 'supplier' && !input.supplier_id) fields.push('supplier_id');
  if (fields.length) {
    throw badRequest(
      'invalid_key_binding',
      'A publishable key needs store_id, a supplier key needs supplier_id, and a secret key takes neither.',
      fields.map((f) => ({
        field: `body.${f}`,
        code: 'invalid_key_binding',
        message: `Not valid for a ${input.kind} key`,
      })),
    );
  }
  if (input.expires_at && input.expires_at.getTime() <= now.getTime()) {
    throw badRequest('invalid_expiry', 'expires_at must be in the future.', [
      { field: 'body.expires_at', code: 'in_past', message: 'Must be in the future' },
    ]);
  }
  if (input.store_id) await requireStore(tx, tenantId, input.store_id, 'body.store_id');
  if (input.supplier_id) await requireSupplier(tx, tenantId, input.supplier_id, 'body.supplier_id');

  const secret = mintTenantToken(KIND_PREFIX[input.kind], tenantId);
  const [row] = await tx
    .insert(apiKeys)
    .values({
      tenantId,
      id: newId('apiKey'),
      kind: input.kind,
      name: input.name ?? null,
      tokenHash: hashToken(secret),
      tokenLast4: secret.slice(-4),
      storeId: input.store_id ?? null,
      supplierId: input.supplier_id ?? null,
      scopes: input.scopes ? [...new Set(input.scopes)].sort() : null,
      expiresAt: input.expires_at ?? null,
      createdAt: now,
    })
    .returning();
  return { ...presentApiKey(row!), secret };
}

/** A restricted key may only create keys restricted at least as much as itself. */
function assertNoEscalation(actor: TenantPrincipal, requested: Scope[] | undefined) {
  const own = 'scopes' in actor ? actor.scopes : [];
  if (own === null) return;
  const wanted = requested ?? null;
  if (wanted === null || !wanted.every((s) => hasScope(own, s))) {
    throw forbidden(
      'scope_escalation',
      'A restricted key can only create keys with scopes it has itself; pass scopes explicitly.',
    );
  }
}

export async function createApiKey(ctx: TenantCtx, input: CreateApiKeyInput): Promise<ApiKeyWithSecret> {
  assertNoEscalation(ctx.actor, input.scopes);
  return withTenant(ctx.db, ctx.tenantId, (tx) => insertApiKey(tx, ctx.tenantId, input, ctx.clock.now()));
}

export async function listApiKeys(
  ctx: TenantCtx,
  query: ListQuery & { kind?: ApiKeyKind | undefined; include_revoked?: boolean | undefined },
) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(apiKeys)
      .where(
        and(
          eq(apiKeys.tenantId, ctx.tenantId),
          query.kind ? eq(apiKeys.kind, query.kind) : undefined,
          query.include_revoked ? undefined : isNull(apiKeys.revokedAt),
          after ? lt(apiKeys.id, after) : undefined,
        ),
      )
      .orderBy(desc(apiKeys.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentApiKey);
  });
}

export async function getApiKey(ctx: TenantCtx, id: string): Promise<ApiKey> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const [row] = await tx
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.tenantId, ctx.tenantId), eq(apiKeys.id, id)));
    if (!row) throw notFound('api_key', id);
    return presentApiKey(row);
  });
}

/** Revoking is final; revoking a revoked key returns it unchanged. */
export async function revokeApiKey(ctx: TenantCtx, id: string): Promise<ApiKey> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const match = and(eq(apiKeys.tenantId, ctx.tenantId), eq(apiKeys.id, id));
    const [revoked] = await tx
      .update(apiKeys)
      .set({ revokedAt: ctx.clock.now() })
      .where(and(match, isNull(apiKeys.revokedAt)))
      .returning();
    const row = revoked ?? (await tx.select().from(apiKeys).where(match))[0];
    if (!row) throw notFound('api_key', id);
    return presentApiKey(row);
  });
}

export interface KeyAuthentication {
  principal: TenantPrincipal;
  tenantStatus: 'active' | 'suspended';
  expiresAt: Date | null;
}

/**
 * Finds the live key for a presented token (by hash, inside the token's tenant) and notes its
 * use at most once a minute. Returns null for unknown, revoked or expired keys alike.
 */
export async function authenticateTenantKey(
  db: Database,
  token: string,
  now: Date,
): Promise<KeyAuthentication | null> {
  const parsed = parseTenantToken(token);
  const kind = parsed && PREFIX_KIND[parsed.prefix];
  if (!parsed || !kind) return null;
  return withTenant(db, parsed.tenantId, async (tx) => {
    const [row] = await tx
      .select({ key: apiKeys, tenantStatus: tenants.status })
      .from(apiKeys)
      .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
      .where(and(eq(apiKeys.tenantId, parsed.tenantId), eq(apiKeys.tokenHash, hashToken(token))));
    if (!row || row.key.kind !== kind || row.key.revokedAt) return null;
    const key = row.key;
    if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return null;
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > 60_000) {
      await tx
        .update(apiKeys)
        .set({ lastUsedAt: now })
        .where(
          and(
            eq(apiKeys.tenantId, key.tenantId),
            eq(apiKeys.id, key.id),
            or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, new Date(now.getTime() - 60_000))),
          ),
        );
    }
    const base = { tenantId: key.tenantId, keyId: key.id, scopes: key.scopes };
    const principal: TenantPrincipal =
      key.kind === 'publishable'
        ? { kind: 'publishable', ...base, storeId: key.storeId! }
        : key.kind === 'supplier'
          ? { kind: 'supplier', ...base, supplierId: key.supplierId! }
          : { kind: 'secret', ...base };
    return { principal, tenantStatus: row.tenantStatus, expiresAt: key.expiresAt };
  });
}

import { and, desc, eq, gt, isNull, lt } from 'drizzle-orm';
import type { Database, Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { badRequest, conflict, invalidReference, notFound } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { mergeRecord } from '../../lib/records';
import { hashToken } from '../../lib/secrets';
import { mintTenantToken, parseTenantToken } from '../../lib/tenant-tokens';
import type { TenantPrincipal } from '../auth/principal';
import { recordEvent } from '../events/service';
import { tenants } from '../tenants/tables';
import { type PROMOTER_KINDS, type PROMOTER_STATUSES, promoters, promoterTokens } from './tables';

type PromoterRow = typeof promoters.$inferSelect;
export type PromoterKind = (typeof PROMOTER_KINDS)[number];
export type PromoterStatus = (typeof PROMOTER_STATUSES)[number];

export function presentPromoter(row: PromoterRow) {
  return {
    id: row.id,
    object: 'promoter' as const,
    kind: row.kind,
    name: row.name,
    phone: row.phone,
    status: row.status,
    level: row.level,
    location_code: row.locationCode,
    invited_by: row.invitedBy,
    external_id: row.externalId,
    metadata: row.metadata,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Promoter = ReturnType<typeof presentPromoter>;

export interface CreatePromoterInput {
  kind: PromoterKind;
  name: string;
  phone?: string | undefined;
  level?: number | undefined;
  location_code?: string | undefined;
  invited_by?: string | undefined;
  external_id?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

export interface UpdatePromoterInput {
  name?: string | undefined;
  phone?: string | null | undefined;
  status?: PromoterStatus | undefined;
  level?: number | undefined;
  location_code?: string | null | undefined;
  metadata?: Record<string, string | null> | undefined;
}

/** A promoter token acts only for its own promoter; any other id is "not found". */
export function promoterScope(actor: TenantPrincipal): string | undefined {
  return actor.kind === 'promoter' ? actor.promoterId : undefined;
}

export async function findPromoter(tx: Tx, tenantId: string, id: string) {
  const [row] = await tx
    .select()
    .from(promoters)
    .where(and(eq(promoters.tenantId, tenantId), eq(promoters.id, id)));
  return row;
}

/** For other modules: a promoter named in a request must exist (optionally of a kind). */
export async function requirePromoter(
  tx: Tx,
  tenantId: string,
  id: string,
  field: string,
  kind?: PromoterKind,
) {
  const row = await findPromoter(tx, tenantId, id);
  if (!row) throw invalidReference('promoter', id, field);
  if (kind && row.kind !== kind) {
    throw badRequest('wrong_promoter_kind', `Promoter '${id}' is a ${row.kind}, not a ${kind}.`, [
      { field, code: 'wrong_promoter_kind', message: `Must be a ${kind}` },
    ]);
  }
  return row;
}

async function assertExternalIdFree(tx: Tx, tenantId: string, externalId: string) {
  const [row] = await tx
    .select({ id: promoters.id })
    .from(promoters)
    .where(and(eq(promoters.tenantId, tenantId), eq(promoters.externalId, externalId)));
  if (row) {
    throw conflict('promoter_exists', `Promoter '${row.id}' already has external_id '${externalId}'.`, [
      { field: 'body.external_id', code: 'taken', message: 'Already in use' },
    ]);
  }
}

export async function createPromoter(ctx: TenantCtx, input: CreatePromoterInput): Promise<Promoter> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    if (input.invited_by) await requirePromoter(tx, ctx.tenantId, input.invited_by, 'body.invited_by');
    if (input.external_id) await assertExternalIdFree(tx, ctx.tenantId, input.external_id);
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(promoters)
      .values({
        tenantId: ctx.tenantId,
        id: newId('promoter'),
        kind: input.kind,
        name: input.name,
        phone: input.phone ?? null,
        level: input.level ?? 0,
        locationCode: input.location_code ?? null,
        invitedBy: input.invited_by ?? null,
        externalId: input.external_id ?? null,
        metadata: input.metadata ?? {},
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const promoter = presentPromoter(row!);
    await recordEvent(tx, ctx, { type: 'promoter.created', object: promoter });
    return promoter;
  });
}

export async function listPromoters(
  ctx: TenantCtx,
  query: ListQuery & {
    kind?: PromoterKind | undefined;
    status?: PromoterStatus | undefined;
    invited_by?: string | undefined;
  },
) {
  const after = cursorId(query);
  const self = promoterScope(ctx.actor);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(promoters)
      .where(
        and(
          eq(promoters.tenantId, ctx.tenantId),
          self ? eq(promoters.id, self) : undefined,
          query.kind ? eq(promoters.kind, query.kind) : undefined,
          query.status ? eq(promoters.status, query.status) : undefined,
          query.invited_by ? eq(promoters.invitedBy, query.invited_by) : undefined,
          after ? lt(promoters.id, after) : undefined,
        ),
      )
      .orderBy(desc(promoters.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentPromoter);
  });
}

export async function getPromoter(ctx: TenantCtx, id: string): Promise<Promoter> {
  const self = promoterScope(ctx.actor);
  if (self && self !== id) throw notFound('promoter', id);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const row = await findPromoter(tx, ctx.tenantId, id);
    if (!row) throw notFound('promoter', id);
    return presentPromoter(row);
  });
}

/**
 * Updates a promoter. Suspending or terminating one revokes its tokens in the same
 * transaction; the caller clears the auth cache.
 */
export async function updatePromoter(
  ctx: TenantCtx,
  id: string,
  input: UpdatePromoterInput,
): Promise<Promoter> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const current = await findPromoter(tx, ctx.tenantId, id);
    if (!current) throw notFound('promoter', id);
    if (current.status === 'terminated' && input.status && input.status !== 'terminated') {
      throw conflict('promoter_terminated', 'A terminated promoter cannot be reactivated; create a new one.');
    }
    const now = ctx.clock.now();
    const [row] = await tx
      .update(promoters)
      .set({
        name: input.name ?? current.name,
        phone: input.phone === undefined ? current.phone : input.phone,
        status: input.status ?? current.status,
        level: input.level ?? current.level,
        locationCode: input.location_code === undefined ? current.locationCode : input.location_code,
        metadata: input.metadata ? mergeRecord(current.metadata, input.metadata) : current.metadata,
        updatedAt: now,
      })
      .where(and(eq(promoters.tenantId, ctx.tenantId), eq(promoters.id, id)))
      .returning();
    if (row!.status !== 'active') {
      await tx
        .update(promoterTokens)
        .set({ revokedAt: now })
        .where(
          and(
            eq(promoterTokens.tenantId, ctx.tenantId),
            eq(promoterTokens.promoterId, id),
            isNull(promoterTokens.revokedAt),
          ),
        );
    }
    const promoter = presentPromoter(row!);
    await recordEvent(tx, ctx, { type: 'promoter.updated', object: promoter });
    return promoter;
  });
}

// ---------------------------------------------------------------------------------------------
// Promoter tokens

const TOKEN_PREFIX = 'prt';
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
export const MAX_TOKEN_TTL_SECONDS = 24 * 3600;

export async function mintPromoterToken(
  ctx: TenantCtx,
  promoterId: string,
  ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS,
) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const promoter = await findPromoter(tx, ctx.tenantId, promoterId);
    if (!promoter) throw notFound('promoter', promoterId);
    if (promoter.status !== 'active') {
      throw conflict(
        'promoter_inactive',
        `Promoter '${promoterId}' is ${promoter.status}; tokens are only for active promoters.`,
      );
    }
    const now = ctx.clock.now();
    const token = mintTenantToken(TOKEN_PREFIX, ctx.tenantId);
    const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
    const id = newId('promoterToken');
    await tx.insert(promoterTokens).values({
      tenantId: ctx.tenantId,
      id,
      promoterId,
      tokenHash: hashToken(token),
      expiresAt,
      createdAt: now,
    });
    return {
      id,
      object: 'promoter_token' as const,
      promoter_id: promoterId,
      token,
      expires_at: iso(expiresAt)!,
    };
  });
}

/** Resolves a promoter token to its principal; null for unknown, revoked or expired tokens. */
export async function authenticatePromoterToken(db: Database, token: string, now: Date) {
  const parsed = parseTenantToken(token);
  if (!parsed || parsed.prefix !== TOKEN_PREFIX) return null;
  return withTenant(db, parsed.tenantId, async (tx) => {
    const [row] = await tx
      .select({ token: promoterTokens, promoterStatus: promoters.status, tenantStatus: tenants.status })
      .from(promoterTokens)
      .innerJoin(
        promoters,
        and(eq(promoters.tenantId, promoterTokens.tenantId), eq(promoters.id, promoterTokens.promoterId)),
      )
      .innerJoin(tenants, eq(tenants.id, promoterTokens.tenantId))
      .where(
        and(
          eq(promoterTokens.tenantId, parsed.tenantId),
          eq(promoterTokens.tokenHash, hashToken(token)),
          isNull(promoterTokens.revokedAt),
          gt(promoterTokens.expiresAt, now),
        ),
      );
    if (row?.promoterStatus !== 'active') return null;
    return {
      principal: {
        kind: 'promoter' as const,
        tenantId: parsed.tenantId,
        tokenId: row.token.id,
        promoterId: row.token.promoterId,
      },
      tenantStatus: row.tenantStatus,
      expiresAt: row.token.expiresAt,
    };
  });
}

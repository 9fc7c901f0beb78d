import { createHash } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { conflict, unprocessable } from '../../http/errors';
import { open, seal } from '../../lib/secrets';
import { idempotencyKeys } from './tables';

/** Replays are kept this long; after it the key may be used for a new request. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A request that has held a key this long without finishing is taken to have crashed. */
export const IDEMPOTENCY_LOCK_MS = 60 * 1000;

export interface IdempotentRequest {
  /** Tenant id, `platform`, or a partner id: keys never collide across these. */
  scope: string;
  key: string;
  method: string;
  path: string;
  body: unknown;
}

export type BeginResult =
  | { outcome: 'proceed'; requestHash: string }
  | { outcome: 'replay'; status: number; body: string };

export function requestHash(r: Pick<IdempotentRequest, 'method' | 'path' | 'body'>): string {
  return createHash('sha256')
    .update(`${r.method} ${r.path}\n${JSON.stringify(r.body ?? null)}`)
    .digest('hex');
}

/**
 * Claims an idempotency key, or says how to answer a request that reuses one:
 * same request finished → replay; still running → 409; different request → 422.
 * The claim is a single insert on the primary key, so concurrent duplicates cannot both win.
 */
export async function beginIdempotent(
  db: Database,
  req: IdempotentRequest,
  credentialKey: Buffer,
  now: Date,
): Promise<BeginResult> {
  const hash = requestHash(req);
  return withTenant(db, req.scope, async (tx) => {
    const lockedUntil = new Date(now.getTime() + IDEMPOTENCY_LOCK_MS);
    // Forget an expired record first, so the key behaves as new.
    await tx
      .delete(idempotencyKeys)
      .where(
        and(
          eq(idempotencyKeys.tenantId, req.scope),
          eq(idempotencyKeys.key, req.key),
          lt(idempotencyKeys.createdAt, new Date(now.getTime() - IDEMPOTENCY_TTL_MS)),
        ),
      );
    const claimed = await tx
      .insert(idempotencyKeys)
      .values({
        tenantId: req.scope,
        key: req.key,
        method: req.method,
        path: req.path,
        requestHash: hash,
        state: 'in_progress',
        lockedUntil,
        createdAt: now,
      })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    if (claimed.length) return { outcome: 'proceed', requestHash: hash };

    const [existing] = await tx
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.tenantId, req.scope), eq(idempotencyKeys.key, req.key)))
      .for('update');
    if (!existing)
      throw conflict('idempotency_key_in_use', 'A request with this Idempotency-Key is in progress.');
    if (existing.requestHash !== hash) {
      throw unprocessable(
        'idempotency_key_reused',
        'This Idempotency-Key was used with a different request; use a new key for a new request.',
      );
    }
    if (existing.state === 'completed' && existing.responseBody && existing.responseStatus) {
      const body = open(credentialKey, existing.responseBody);
      if (body === null) {
        throw unprocessable('idempotency_key_reused', 'This Idempotency-Key was used with another API key.');
      }
      return { outcome: 'replay', status: existing.responseStatus, body };
    }
    if (existing.lockedUntil.getTime() > now.getTime()) {
      throw conflict(
        'idempotency_key_in_use',
        'A request with this Idempotency-Key is still in progress; retry after it finishes.',
      );
    }
    // The first request died mid-way (its lock lapsed): this one takes over.
    await tx
      .update(idempotencyKeys)
      .set({ lockedUntil })
      .where(and(eq(idempotencyKeys.tenantId, req.scope), eq(idempotencyKeys.key, req.key)));
    return { outcome: 'proceed', requestHash: hash };
  });
}

/** Stores the finished response (encrypted) so a retry replays it. */
export async function completeIdempotent(
  db: Database,
  scope: string,
  key: string,
  credentialKey: Buffer,
  status: number,
  body: string,
): Promise<void> {
  await withTenant(db, scope, async (tx) => {
    await tx
      .update(idempotencyKeys)
      .set({ state: 'completed', responseStatus: status, responseBody: seal(credentialKey, body) })
      .where(and(eq(idempotencyKeys.tenantId, scope), eq(idempotencyKeys.key, key)));
  });
}

/** A request that failed with a server error releases its key, so the client can retry. */
export async function abandonIdempotent(db: Database, scope: string, key: string): Promise<void> {
  await withTenant(db, scope, async (tx) => {
    await tx
      .delete(idempotencyKeys)
      .where(
        and(
          eq(idempotencyKeys.tenantId, scope),
          eq(idempotencyKeys.key, key),
          eq(idempotencyKeys.state, 'in_progress'),
        ),
      );
  });
}

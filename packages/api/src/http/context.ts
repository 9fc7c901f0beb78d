import type { FastifyRequest } from 'fastify';
import type { PlatformCtx, TenantCtx } from '../lib/context';
import { forbidden } from './errors';

/** The service context for a tenant-key request; routes pass it to services. */
export function tenantCtx(request: FastifyRequest): TenantCtx {
  const p = request.principal;
  if (!p || !('tenantId' in p)) throw forbidden('tenant_key_required', 'This endpoint needs a tenant key.');
  return { db: request.server.db, clock: request.server.clock, tenantId: p.tenantId, actor: p };
}

/** The service context for a platform or partner request. */
export function platformCtx(request: FastifyRequest): PlatformCtx {
  const p = request.principal;
  if (p?.kind === 'platform') return { db: request.server.db, clock: request.server.clock, scope: p };
  if (p?.kind === 'partner') {
    return {
      db: request.server.db,
      clock: request.server.clock,
      scope: { kind: 'partner', partnerId: p.partnerId },
    };
  }
  throw forbidden('platform_key_required', 'This endpoint needs the platform token or a partner token.');
}

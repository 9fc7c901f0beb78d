import { createHmac } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { forbidden, unauthorized } from '../../http/errors';
import { hashToken } from '../../lib/secrets';
import { authenticateTenantKey } from '../api-keys/service';
import { authenticatePromoterToken } from '../promoters/service';
import { authenticatePartner } from '../tenants/service';
import { AuthCache, type CachedAuth } from './cache';
import { hasScope, type Principal } from './principal';

declare module 'fastify' {
  interface FastifyInstance {
    authCache: AuthCache;
  }
}

const KIND_NAMES: Record<Principal['kind'], string> = {
  platform: 'the platform token',
  partner: 'partner tokens',
  secret: 'secret keys',
  publishable: 'publishable keys',
  supplier: 'supplier keys',
  promoter: 'promoter tokens',
};

function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (!header) {
    throw unauthorized('missing_api_key', "Send your API key as 'Authorization: Bearer <key>'.");
  }
  const m = /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
  if (!m) throw unauthorized('invalid_authorization', "The Authorization header must be 'Bearer <key>'.");
  return m[1]!;
}

/**
 * Authentication and authorisation, in `onRequest`, before the body is even read. Each route
 * declares `config.auth` (the principal kinds it accepts) and optionally `config.scope`.
 * Unknown, revoked and expired credentials are 401; a valid credential of the wrong kind, a
 * missing scope or a suspended tenant is 403.
 */
const authPlugin: FastifyPluginAsync<{ platformToken?: string | undefined }> = async (app, opts) => {
  const cache = new AuthCache();
  const platformHash = opts.platformToken ? hashToken(opts.platformToken) : undefined;
  app.decorate('authCache', cache);
  app.decorateRequest('principal', undefined);
  app.decorateRequest('credentialKey', undefined);

  // Fail closed: a /v1 route that forgets to declare who may call it does not start.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/v1') && !route.config?.auth) {
      throw new Error(`Route ${route.method} ${route.url} must declare config.auth`);
    }
  });

  async function resolve(token: string, hash: string): Promise<CachedAuth | 'invalid'> {
    const now = app.clock.now();
    if (platformHash && hash === platformHash) {
      return { principal: { kind: 'platform' }, suspended: false, expiresAt: null };
    }
    if (token.startsWith('ptk_')) {
      const partner = await authenticatePartner(app.db, token);
      if (!partner) return 'invalid';
      return {
        principal: { kind: 'partner', partnerId: partner.partnerId },
        suspended: partner.suspended,
        expiresAt: null,
      };
    }
    if (token.startsWith('prt_')) {
      const promoter = await authenticatePromoterToken(app.db, token, now);
      if (!promoter) return 'invalid';
      return {
        principal: promoter.principal,
        suspended: promoter.tenantStatus !== 'active',
        expiresAt: promoter.expiresAt,
      };
    }
    const key = await authenticateTenantKey(app.db, token, now);
    if (!key) return 'invalid';
    return { principal: key.principal, suspended: key.tenantStatus !== 'active', expiresAt: key.expiresAt };
  }

  app.addHook('onRequest', async (request) => {
    const rule = request.routeOptions.config?.auth;
    if (!rule || rule === 'public') return;
    const token = bearer(request);
    const hash = hashToken(token);
    const auth = await cache.getOrLoad(hash, () => resolve(token, hash));
    if (auth === 'invalid' || (auth.expiresAt && auth.expiresAt.getTime() <= app.clock.now().getTime())) {
      throw unauthorized('invalid_api_key', 'The API key is not valid: unknown, revoked or expired.');
    }
    const { principal } = auth;
    if (!rule.includes(principal.kind)) {
      const accepted = rule.map((k) => KIND_NAMES[k]).join(' or ');
      throw forbidden(
        'wrong_key_kind',
        `This endpoint does not accept ${KIND_NAMES[principal.kind]}; use ${accepted}.`,
      );
    }
    if (auth.suspended) {
      throw principal.kind === 'partner'
        ? forbidden('partner_suspended', 'This partner is suspended.')
        : forbidden('tenant_suspended', 'This tenant is suspended; contact the platform operator.');
    }
    const scope = request.routeOptions.config?.scope;
    if (scope && 'scopes' in principal && !hasScope(principal.scopes, scope)) {
      throw forbidden('insufficient_scope', `This key lacks the scope '${scope}'.`);
    }
    request.principal = principal;
    request.credentialKey = createHmac('sha256', token).update('idempotency').digest();
  });
};

export default fp(authPlugin, { name: 'auth' });

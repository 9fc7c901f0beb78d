import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { badRequest } from '../../http/errors';
import { abandonIdempotent, beginIdempotent, completeIdempotent } from './service';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { scope: string; key: string } | undefined;
  }
}

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` on every POST (DESIGN.md §4). Runs after authentication and validation: a
 * request that fails validation never started, so it is not recorded (as at Stripe).
 */
const idempotencyPlugin: FastifyPluginAsync = async (app) => {
  app.decorateRequest('idempotency', undefined);

  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    const header = request.headers['idempotency-key'];
    if (header === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || !KEY_FORMAT.test(key)) {
      throw badRequest('invalid_idempotency_key', 'Idempotency-Key must be 1–255 visible ASCII characters.');
    }
    const p = request.principal;
    if (!p || !request.credentialKey) return;
    const scope = 'tenantId' in p ? p.tenantId : p.kind === 'partner' ? p.partnerId : 'platform';
    const begun = await beginIdempotent(
      app.db,
      { scope, key, method: request.method, path: request.url, body: request.body },
      request.credentialKey,
      app.clock.now(),
    );
    if (begun.outcome === 'replay') {
      const stored = JSON.parse(begun.body) as { type: string; body: string };
      reply.header('idempotent-replayed', 'true');
      return reply.code(begun.status).type(stored.type).send(stored.body);
    }
    request.idempotency = { scope, key };
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency;
    if (!claim) return payload;
    request.idempotency = undefined;
    if (reply.statusCode >= 500) {
      await abandonIdempotent(app.db, claim.scope, claim.key);
    } else {
      const body =
        typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
      const type = String(reply.getHeader('content-type') ?? 'application/json');
      await completeIdempotent(
        app.db,
        claim.scope,
        claim.key,
        request.credentialKey!,
        reply.statusCode,
        JSON.stringify({ type, body }),
      );
    }
    return payload;
  });
};

export default fp(idempotencyPlugin, { name: 'idempotency', dependencies: ['auth'] });

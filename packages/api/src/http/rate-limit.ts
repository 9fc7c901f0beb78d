import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { ApiError } from './errors';

/**
 * Per-key rate limits with the IETF `RateLimit-*` headers and `Retry-After` on 429. In memory
 * on one node; in Redis (shared by every node) when REDIS_URL is set. A publishable key is
 * shared by every shopper of a store, so it is limited per key and client address.
 */
export async function registerRateLimit(
  app: FastifyInstance,
  opts: { max: number; windowMs: number; redis?: Redis | undefined },
) {
  await app.register(rateLimit, {
    global: true,
    max: opts.max,
    timeWindow: opts.windowMs,
    hook: 'preParsing',
    enableDraftSpec: true,
    redis: opts.redis,
    nameSpace: 'mujiang-rl:',
    // Health, docs and the OpenAPI document are not metered.
    allowList: (request: FastifyRequest) => !request.principal,
    keyGenerator: (request: FastifyRequest) => {
      const p = request.principal;
      if (!p) return `ip:${request.ip}`;
      if (p.kind === 'publishable') return `key:${p.keyId}:${request.ip}`;
      if ('keyId' in p) return `key:${p.keyId}`;
      return p.kind === 'partner' ? `partner:${p.partnerId}` : 'platform';
    },
    errorResponseBuilder: (_request, context) =>
      new ApiError(
        429,
        'rate_limited',
        `Too many requests for this key: at most ${context.max} per ${context.after}. Retry after ${Math.ceil(context.ttl / 1000)} s.`,
      ),
  });
}

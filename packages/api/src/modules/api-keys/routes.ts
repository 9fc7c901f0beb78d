import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantCtx } from '../../http/context';
import { listOf, listQuerySchema } from '../../http/pagination';
import { idParams } from '../../http/schemas';
import type { Scope } from '../auth/principal';
import { apiKeySchema, apiKeyWithSecretSchema, createApiKeyBody } from './schemas';
import { createApiKey, getApiKey, listApiKeys, revokeApiKey } from './service';
import { API_KEY_KINDS } from './tables';

export const apiKeyRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/api_keys',
    {
      schema: {
        operationId: 'createApiKey',
        tags: ['API keys'],
        summary: 'Create an API key',
        description:
          'The response carries the key in `secret`; it is stored only as a hash and never shown again.',
        body: createApiKeyBody,
        response: { 201: apiKeyWithSecretSchema },
      },
      config: { auth: ['secret'], scope: 'api_keys:write' },
    },
    async (request, reply) => {
      const body = { ...request.body, scopes: request.body.scopes as Scope[] | undefined };
      return reply.code(201).send(await createApiKey(tenantCtx(request), body));
    },
  );

  app.get(
    '/v1/api_keys',
    {
      schema: {
        operationId: 'listApiKeys',
        tags: ['API keys'],
        summary: 'List API keys',
        querystring: listQuerySchema.extend({
          kind: z.enum(API_KEY_KINDS).optional(),
          include_revoked: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional(),
        }),
        response: { 200: listOf(apiKeySchema) },
      },
      config: { auth: ['secret'], scope: 'api_keys:read' },
    },
    async (request) => listApiKeys(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/api_keys/:id',
    {
      schema: {
        operationId: 'getApiKey',
        tags: ['API keys'],
        summary: 'Retrieve an API key',
        params: idParams('key'),
        response: { 200: apiKeySchema },
      },
      config: { auth: ['secret'], scope: 'api_keys:read' },
    },
    async (request) => getApiKey(tenantCtx(request), request.params.id),
  );

  app.post(
    '/v1/api_keys/:id/revoke',
    {
      schema: {
        operationId: 'revokeApiKey',
        tags: ['API keys'],
        summary: 'Revoke an API key',
        description: 'Takes effect at once on this node and within seconds everywhere.',
        params: idParams('key'),
        response: { 200: apiKeySchema },
      },
      config: { auth: ['secret'], scope: 'api_keys:write' },
    },
    async (request) => {
      const key = await revokeApiKey(tenantCtx(request), request.params.id);
      request.server.authCache.forgetKey(key.id);
      return key;
    },
  );
};

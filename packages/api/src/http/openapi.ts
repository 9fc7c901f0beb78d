import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuthRule } from '../modules/auth/principal';
import { problemSchema } from './errors';

export const API_VERSION = '0.1.0';

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };
const PROBLEM_RESPONSES: Record<string, string> = {
  '400': 'Invalid request: malformed JSON, wrong types, unknown fields; see `errors`.',
  '401': 'Missing, unknown, revoked or expired key.',
  '403': 'The key may not do this (kind, scope, suspended tenant).',
  '404': 'No such object (also for objects of other tenants).',
  '409': 'Conflict with the current state, or an idempotent request still in progress.',
  '422': 'Well-formed but not acceptable (e.g. an Idempotency-Key reused for another request).',
  '429': 'Rate limited; see Retry-After.',
};

/**
 * Drops component schemas nothing refers to: the zod provider emits an input and an output
 * variant of every named schema, and only the variants the routes use belong in the SDK.
 */
function pruneUnusedSchemas(doc: any) {
  const schemas: Record<string, unknown> = doc.components?.schemas ?? {};
  const used = new Set<string>();
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
        const name = v.slice('#/components/schemas/'.length);
        if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      } else visit(v);
    }
  };
  visit(doc.paths);
  for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name];
}

/**
 * OpenAPI 3.1 from the zod route schemas. Every operation gets its security requirement and
 * accepted key kinds (`x-key-kinds`) from the route's auth rule, the Problem responses, and the
 * Idempotency-Key header on POST.
 */
export async function registerOpenApi(app: FastifyInstance, publicUrl?: string) {
  z.globalRegistry.add(problemSchema, { id: 'Problem' });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: '木匠 storefront API',
        version: API_VERSION,
        description:
          'Multi-tenant headless commerce for social e-commerce. Money is an integer in minor units (分); ' +
          'lists page with `limit` and `starting_after`; errors are RFC 9457 problem documents.',
      },
      servers: publicUrl ? [{ url: publicUrl }] : [],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'A platform token, partner token, or tenant key (sk_, pk_, spk_).',
          },
        },
      },
    },
    transform: (input) => {
      const out = jsonSchemaTransform(input);
      const rule = (input.route.config as { auth?: AuthRule } | undefined)?.auth;
      if (!input.url.startsWith('/v1')) return out;
      const schema = { ...out.schema } as Record<string, unknown>;
      if (rule && rule !== 'public') {
        schema.security = [{ bearerAuth: [] }];
        schema['x-key-kinds'] = rule;
      }
      return { ...out, schema: schema as typeof out.schema };
    },
    transformObject: (input) => {
      const doc = jsonSchemaTransformObject(input) as any;
      for (const [path, ops] of Object.entries<any>(doc.paths ?? {})) {
        for (const [method, op] of Object.entries<any>(ops)) {
          op.responses ??= {};
          for (const [status, description] of Object.entries(PROBLEM_RESPONSES)) {
            if (op.responses[status]) continue;
            if (!path.startsWith('/v1')) continue;
            op.responses[status] = {
              description,
              content: { 'application/problem+json': { schema: PROBLEM_REF } },
            };
          }
          // A body that may be absent (zod `.nullish()`: the server sees no body as null) is an
          // optional request body, not a required one that may be null.
          const bodySchema = op.requestBody?.content?.['application/json']?.schema;
          const nonNull = bodySchema?.anyOf?.filter((s: any) => s.type !== 'null');
          if (nonNull && nonNull.length === 1 && nonNull.length < bodySchema.anyOf.length) {
            op.requestBody.required = false;
            op.requestBody.content['application/json'].schema = nonNull[0];
          }
          if (method === 'post' && path.startsWith('/v1')) {
            op.parameters ??= [];
            if (!op.parameters.some((p: any) => p.name === 'Idempotency-Key')) {
              op.parameters.push({
                name: 'Idempotency-Key',
                in: 'header',
                required: false,
                description:
                  'Retry-safe key (≤ 255 characters): the same key and body replay the first response for 24 h.',
                schema: { type: 'string', maxLength: 255 },
              });
            }
          }
        }
      }
      pruneUnusedSchemas(doc);
      return doc;
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true }, config: { auth: 'public' } }, async () => app.swagger());
}

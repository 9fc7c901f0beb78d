import { sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../http/errors';

/** Liveness (the process answers) and readiness (the database answers). */
export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/healthz',
    {
      schema: {
        operationId: 'health',
        tags: ['Health'],
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
      config: { auth: 'public' },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        operationId: 'ready',
        tags: ['Health'],
        response: { 200: z.object({ status: z.literal('ready'), database: z.literal('ok') }) },
      },
      config: { auth: 'public' },
    },
    async () => {
      try {
        await app.db.execute(sql`select 1`);
      } catch {
        throw new ApiError(503, 'database_unavailable', 'The database does not answer.');
      }
      return { status: 'ready' as const, database: 'ok' as const };
    },
  );
};

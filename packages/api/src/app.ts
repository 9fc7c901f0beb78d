import cors from '@fastify/cors';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { Redis } from 'ioredis';
import type { AppConfig } from './config';
import { type DatabaseHandle, openDatabase } from './db/client';
import { problemOf, sendProblem, toProblem } from './http/errors';
import { registerOpenApi } from './http/openapi';
import { registerRateLimit } from './http/rate-limit';
import './http/types';
import { newId } from './lib/ids';
import { apiKeyRoutes } from './modules/api-keys/routes';
import authPlugin from './modules/auth/plugin';
import { bindingRoutes } from './modules/bindings/routes';
import { catalogRoutes } from './modules/catalog/routes';
import { commissionRoutes } from './modules/commissions/routes';
import { customerRoutes } from './modules/customers/routes';
import { eventRoutes } from './modules/events/routes';
import { flashSaleRoutes } from './modules/flash-sales/routes';
import { healthRoutes } from './modules/health/routes';
import idempotencyPlugin from './modules/idempotency/plugin';
import { importRoutes } from './modules/imports/routes';
import { inventoryRoutes } from './modules/inventory/routes';
import { JobRunner } from './modules/jobs/runner';
import { linkRoutes } from './modules/links/routes';
import { memberRoutes } from './modules/members/routes';
import { orderRoutes } from './modules/orders/routes';
import { pickRoutes } from './modules/picks/routes';
import { promoterRoutes } from './modules/promoters/routes';
import { storefrontRoutes } from './modules/storefront/routes';
import { storeRoutes } from './modules/stores/routes';
import { supplierRoutes } from './modules/suppliers/routes';
import { tenantRoutes } from './modules/tenants/routes';
import { WebhookDispatcher } from './modules/webhooks/dispatcher';
import { webhookRoutes } from './modules/webhooks/routes';
import type { LookupAll } from './modules/webhooks/ssrf';

export interface BuildOptions {
  /** An open database (tests share one); otherwise one is opened from the config. */
  database?: DatabaseHandle;
  /** Close the database with the app (default: only when the app opened it). */
  closeDatabase?: boolean;
  /** DNS for the webhook SSRF guard (tests give a fake one). */
  webhookLookup?: LookupAll;
}

const INCOMING_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The app factory, used by the server entry and by every test. */
export async function buildApp(config: AppConfig, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            // Never log credentials, even if a serializer starts including headers.
            redact: ['req.headers.authorization', 'req.headers["idempotency-key"]', 'req.headers.cookie'],
          },
    bodyLimit: config.bodyLimitBytes,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && INCOMING_REQUEST_ID.test(incoming) ? incoming : newId('request');
    },
    return503OnClosing: true,
    // URLs the router cannot even parse get the same problem documents as everything else.
    frameworkErrors: (error, request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const problem = tooLong
        ? problemOf(414, 'uri_too_long', 'A path segment is too long.')
        : problemOf(400, 'invalid_url', 'The URL is not valid (bad percent-encoding).');
      return sendProblem(request, reply, problem);
    },
    ajv: undefined,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const database =
    options.database ??
    openDatabase({
      url: config.databaseUrl,
      dataDir: config.dataDir,
      poolMax: config.databasePoolMax,
      preparedStatements: config.databasePreparedStatements,
    });
  app.decorate('db', database.db);
  app.decorate('clock', config.clock);
  const jobs = new JobRunner(database.db, config.clock, app.log);
  app.decorate('jobs', jobs);
  const webhooks = new WebhookDispatcher({
    db: database.db,
    clock: config.clock,
    log: app.log,
    config: config.webhooks,
    listen: database.listen,
    lookup: options.webhookLookup,
  });
  app.decorate('webhooks', webhooks);
  if (config.databaseUrl && !config.webhooks.secretKey) {
    app.log.warn('WEBHOOK_SECRET_KEY is not set: webhook signing secrets are stored unencrypted');
  }
  // Stop claiming work before the database goes away.
  app.addHook('preClose', () => jobs.stop());
  app.addHook('preClose', () => webhooks.stop());
  if (options.closeDatabase ?? !options.database) app.addHook('onClose', () => database.close());

  const redis = config.redisUrl
    ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false })
    : undefined;
  if (redis) app.addHook('onClose', async () => void redis.disconnect());

  app.addHook('onRequest', async (request, reply) => {
    reply.header('request-id', request.id);
  });

  app.setErrorHandler((error, request, reply) => {
    const { problem, headers } = toProblem(error);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: problem.code, status: problem.status }, 'request refused');
    return sendProblem(request, reply, problem, headers);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      problemOf(404, 'route_not_found', `No route ${request.method} ${request.url.split('?')[0]}.`),
    ),
  );

  // Browsers call with publishable keys in the Authorization header, never with cookies, so any
  // allowed origin is safe to answer; preflights are answered before authentication.
  await app.register(cors, {
    origin: config.corsOrigins === '*' ? '*' : config.corsOrigins,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id', 'If-None-Match'],
    exposedHeaders: [
      'Request-Id',
      'Idempotent-Replayed',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
      'Retry-After',
      'ETag',
    ],
    maxAge: 600,
  });
  await app.register(authPlugin, { platformToken: config.platformToken });
  await registerRateLimit(app, { max: config.rateLimit.max, windowMs: config.rateLimit.windowMs, redis });
  await app.register(idempotencyPlugin);
  await registerOpenApi(app, config.publicUrl);

  await app.register(healthRoutes);
  await app.register(tenantRoutes);
  await app.register(apiKeyRoutes);
  await app.register(storeRoutes);
  await app.register(supplierRoutes);
  await app.register(promoterRoutes);
  await app.register(customerRoutes);
  await app.register(bindingRoutes);
  await app.register(eventRoutes);
  await app.register(webhookRoutes);
  await app.register(catalogRoutes);
  await app.register(inventoryRoutes);
  await app.register(storefrontRoutes);
  await app.register(orderRoutes);
  await app.register(flashSaleRoutes);
  await app.register(pickRoutes);
  await app.register(linkRoutes, { publicUrl: config.publicUrl });
  await app.register(commissionRoutes);
  await app.register(memberRoutes);
  await app.register(importRoutes, { maxBytes: config.imports.maxBytes });

  await app.ready();
  if (config.jobs.enabled) jobs.start(config.jobs.intervalMs);
  if (config.webhooks.dispatcher) await webhooks.start();
  return app;
}

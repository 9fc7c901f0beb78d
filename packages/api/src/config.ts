import { z } from 'zod';

/** Everything the server reads from the environment, validated once at start-up. */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  /** Real PostgreSQL through postgres.js; unset → embedded PGlite in DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  /** Pool size for postgres.js. */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(20),
  /** `false` behind PgBouncer in transaction mode (see db/client.ts). */
  DATABASE_PREPARE: z.enum(['true', 'false']).default('true'),
  DATA_DIR: z.string().default('.data/pglite'),
  /** Creates tenants and partners. Unset → platform endpoints answer 401. */
  PLATFORM_TOKEN: z.string().min(24).optional(),
  REDIS_URL: z.string().url().optional(),
  RATE_LIMIT_MAX: z.coerce.number().int().min(1).default(1200),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1000).default(60_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Create the demo tenant, store, supplier and products on start (default: on with PGlite). */
  DEMO: z.enum(['true', 'false']).optional(),
  PUBLIC_URL: z.string().url().optional(),
  /** Browser origins allowed to call the API (storefronts with publishable keys); `*` for any. */
  CORS_ORIGINS: z.string().default('*'),
  /** Run background jobs in this process (the server does; tests drive them by hand). */
  JOBS_ENABLED: z.enum(['true', 'false']).default('true'),
  JOBS_INTERVAL_MS: z.coerce.number().int().min(10).default(1000),
  /** Run the webhook dispatcher in this process (the server does; `pnpm worker` runs only it). */
  WEBHOOKS_DISPATCHER: z.enum(['true', 'false']).default('true'),
  /** Deliver to private, loopback and other special addresses, and over plain http (dev, tests). */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: z.enum(['true', 'false']).default('false'),
  /** Seals endpoint signing secrets at rest (AES-256-GCM); any string of 32+ characters. */
  WEBHOOK_SECRET_KEY: z.string().min(32).optional(),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(15_000),
  /** Attempts in flight per process. */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(2000).default(256),
  /** Deliveries claimed per round. */
  WEBHOOK_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(200),
  /** How often an idle dispatcher looks for work when no notification wakes it. */
  WEBHOOK_POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(1000),
  /** How long a claimed delivery stays with its worker before another may take it over. */
  WEBHOOK_LEASE_MS: z.coerce.number().int().min(500).default(60_000),
  /** The largest file an import (POST /v1/imports) accepts; it is streamed, never held whole. */
  IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(512 * 1024 * 1024),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
});

export type Clock = { now: () => Date };

export interface WebhookConfig {
  /** Run the dispatcher in this process. */
  dispatcher: boolean;
  allowPrivateNetworks: boolean;
  secretKey: string | undefined;
  timeoutMs: number;
  concurrency: number;
  batchSize: number;
  pollIntervalMs: number;
  leaseMs: number;
}
export const systemClock: Clock = { now: () => new Date() };

export interface AppConfig {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  databasePoolMax: number;
  databasePreparedStatements: boolean;
  /** PGlite data folder; `memory://` keeps it in memory (tests). */
  dataDir: string;
  platformToken: string | undefined;
  redisUrl: string | undefined;
  rateLimit: { max: number; windowMs: number };
  logLevel: string;
  demo: boolean;
  publicUrl: string | undefined;
  bodyLimitBytes: number;
  imports: { maxBytes: number };
  jobs: { enabled: boolean; intervalMs: number };
  corsOrigins: '*' | string[];
  webhooks: WebhookConfig;
  clock: Clock;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.WEBHOOK_LEASE_MS <= e.WEBHOOK_TIMEOUT_MS) {
    throw new Error(
      'Invalid configuration:\n  WEBHOOK_LEASE_MS: must be longer than WEBHOOK_TIMEOUT_MS, or a slow attempt would be sent twice',
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    databasePreparedStatements: e.DATABASE_PREPARE === 'true',
    dataDir: e.DATA_DIR,
    platformToken: e.PLATFORM_TOKEN,
    redisUrl: e.REDIS_URL,
    rateLimit: { max: e.RATE_LIMIT_MAX, windowMs: e.RATE_LIMIT_WINDOW_MS },
    logLevel: e.LOG_LEVEL,
    demo: e.DEMO ? e.DEMO === 'true' : !e.DATABASE_URL,
    publicUrl: e.PUBLIC_URL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    imports: { maxBytes: e.IMPORT_MAX_BYTES },
    jobs: { enabled: e.JOBS_ENABLED === 'true', intervalMs: e.JOBS_INTERVAL_MS },
    corsOrigins:
      e.CORS_ORIGINS.trim() === '*'
        ? '*'
        : e.CORS_ORIGINS.split(',')
            .map((o) => o.trim())
            .filter(Boolean),
    webhooks: {
      dispatcher: e.WEBHOOKS_DISPATCHER === 'true',
      allowPrivateNetworks: e.WEBHOOK_ALLOW_PRIVATE_NETWORKS === 'true',
      secretKey: e.WEBHOOK_SECRET_KEY,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      concurrency: e.WEBHOOK_CONCURRENCY,
      batchSize: e.WEBHOOK_BATCH_SIZE,
      pollIntervalMs: e.WEBHOOK_POLL_INTERVAL_MS,
      leaseMs: e.WEBHOOK_LEASE_MS,
    },
    clock: systemClock,
  };
}

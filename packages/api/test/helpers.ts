import type { FastifyInstance, InjectOptions } from 'fastify';
import postgres from 'postgres';
import { afterAll, inject } from 'vitest';
import { type BuildOptions, buildApp } from '../src/app';
import { type AppConfig, type Clock, loadConfig, type WebhookConfig } from '../src/config';
import { type DatabaseHandle, openDatabase } from '../src/db/client';

export const PLATFORM_TOKEN = 'plat_test_0123456789abcdefghijklmnop';

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  constructor(private current = new Date('2026-11-22T08:00:00Z')) {}
  now = () => new Date(this.current);
  advance(ms: number) {
    this.current = new Date(this.current.getTime() + ms);
  }
  set(date: Date) {
    this.current = new Date(date);
  }
}

export const onRealPostgres = () => Boolean(inject('templateDatabase'));

let shared: { handle: DatabaseHandle; url: string | undefined } | undefined;

/** On PostgreSQL, a copy of the run's migrated template for this test file alone. */
async function copyTemplate(): Promise<string> {
  const adminUrl = inject('adminUrl')!;
  const template = inject('templateDatabase')!;
  const name = `${template.replace(/_tpl$/, '')}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    // Copies of one template may not start at the very same moment: retry briefly if busy.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.unsafe(`create database ${name} template ${template}`);
        break;
      } catch (err) {
        if (attempt >= 20 || !/being accessed by other users/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(url: string) {
  const admin = postgres(inject('adminUrl')!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${new URL(url).pathname.slice(1)} with (force)`);
  await admin.end();
}

/** One database per test file: its own PostgreSQL copy, or a fresh in-memory PGlite. */
export async function testDatabase(): Promise<DatabaseHandle> {
  if (shared) return shared.handle;
  const url = onRealPostgres() ? await copyTemplate() : undefined;
  const handle = url ? openDatabase({ url, poolMax: 30 }) : openDatabase({ dataDir: 'memory://' });
  if (!url) await handle.migrate();
  shared = { handle, url };
  afterAll(async () => {
    await handle.close();
    if (url) await dropDatabase(url);
    shared = undefined;
  });
  return handle;
}

/** The URL of this file's PostgreSQL database (for tests that start other processes on it). */
export async function testDatabaseUrl(): Promise<string> {
  await testDatabase();
  if (!shared?.url) throw new Error('testDatabaseUrl() is for tests on PostgreSQL');
  return shared.url;
}

/**
 * Webhook settings for tests that deliver: no background dispatcher (they call
 * `app.webhooks.drain()`), and private networks allowed, so a loopback receiver can listen.
 */
export function testWebhooks(overrides: Partial<WebhookConfig> = {}): WebhookConfig {
  return {
    ...loadConfig({ LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv).webhooks,
    dispatcher: false,
    allowPrivateNetworks: true,
    ...overrides,
  };
}

export interface TestApp {
  app: FastifyInstance;
  config: AppConfig;
  /** Sends a request with an optional key; JSON bodies are encoded for you. */
  request(opts: {
    method: InjectOptions['method'];
    url: string;
    key?: string | undefined;
    body?: unknown;
    headers?: Record<string, string>;
  }): Promise<{ status: number; body: any; headers: Record<string, any>; raw: string }>;
}

/** Builds the app on the file's database; closed after the file. */
export async function testApp(
  overrides: Partial<AppConfig> = {},
  options: BuildOptions = {},
): Promise<TestApp> {
  const database = await testDatabase();
  const base = loadConfig({ LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv);
  const config: AppConfig = {
    ...base,
    platformToken: PLATFORM_TOKEN,
    rateLimit: { max: 100_000, windowMs: 60_000 },
    // Tests run due jobs themselves (app.jobs.drain()) after moving their clock.
    jobs: { enabled: false, intervalMs: 1000 },
    // Likewise webhooks: tests call app.webhooks.drain().
    webhooks: { ...base.webhooks, dispatcher: false },
    ...overrides,
  };
  const app = await buildApp(config, { ...options, database });
  afterAll(() => app.close());
  return {
    app,
    config,
    async request({ method, url, key, body, headers = {} }) {
      const res = await app.inject({
        method,
        url,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      let parsed: unknown;
      try {
        parsed = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.statusCode, body: parsed, headers: res.headers, raw: res.body };
    },
  };
}

export interface TestTenant {
  id: string;
  secretKey: string;
}

let tenantCounter = 0;

/** A new tenant through the platform API, with its first secret key. */
export async function createTestTenant(t: TestApp, name = `Tenant ${++tenantCounter}`): Promise<TestTenant> {
  const res = await t.request({ method: 'POST', url: '/v1/tenants', key: PLATFORM_TOKEN, body: { name } });
  if (res.status !== 201) throw new Error(`tenant creation failed: ${res.status} ${res.raw}`);
  return { id: res.body.id, secretKey: res.body.api_key.secret };
}

/** Fails the test with the response body when the status is not the expected one. */
export function expectStatus(res: { status: number; raw: string }, status: number) {
  if (res.status !== status) throw new Error(`expected HTTP ${status}, got ${res.status}: ${res.raw}`);
}

/** The event types recorded for one object, oldest first (until /v1/events exists to read them). */
export async function eventTypesOf(t: TestApp, tenantId: string, objectId: string): Promise<string[]> {
  const { withTenant } = await import('../src/db/tenancy');
  const { events } = await import('../src/modules/events/tables');
  const { and, asc, eq } = await import('drizzle-orm');
  const rows = await withTenant(t.app.db, tenantId, (tx) =>
    tx
      .select({ type: events.type })
      .from(events)
      .where(and(eq(events.tenantId, tenantId), eq(events.objectId, objectId)))
      .orderBy(asc(events.objectSeq)),
  );
  return rows.map((r) => r.type);
}

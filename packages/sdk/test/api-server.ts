import type { AddressInfo } from 'node:net';
import { buildApp } from '@mujiang/api/src/app';
import { type AppConfig, loadConfig } from '@mujiang/api/src/config';
import { type DatabaseHandle, openDatabase } from '@mujiang/api/src/db/client';
import { afterAll } from 'vitest';

export const PLATFORM_TOKEN = 'plat_sdk_test_0123456789abcdefghijkl';

let database: DatabaseHandle | undefined;

/** One migrated in-memory PGlite per test file, shared by its servers, closed after them. */
async function testDatabase(): Promise<DatabaseHandle> {
  if (database) return database;
  const handle = openDatabase({ dataDir: 'memory://' });
  await handle.migrate();
  database = handle;
  afterAll(async () => {
    await handle.close();
    database = undefined;
  });
  return handle;
}

export interface RunningApi {
  app: Awaited<ReturnType<typeof buildApp>>;
  baseUrl: string;
  database: DatabaseHandle;
}

/** The real API (`buildApp`), listening on a free port of 127.0.0.1; closed after the file. */
export async function startApi(overrides: Partial<AppConfig> = {}): Promise<RunningApi> {
  const db = await testDatabase();
  const config: AppConfig = {
    ...loadConfig({ LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv),
    platformToken: PLATFORM_TOKEN,
    rateLimit: { max: 100_000, windowMs: 60_000 },
    jobs: { enabled: false, intervalMs: 1000 },
    demo: false,
    ...overrides,
  };
  const app = await buildApp(config, { database: db });
  await app.listen({ port: 0, host: '127.0.0.1' });
  afterAll(() => app.close());
  const { port } = app.server.address() as AddressInfo;
  return { app, baseUrl: `http://127.0.0.1:${port}`, database: db };
}

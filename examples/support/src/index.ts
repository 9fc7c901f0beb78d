export { CHROMIUM_ARGS, CHROMIUM_PATH, launchChromium } from './chromium';

import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '@mujiang/api/src/app';
import { type AppConfig, loadConfig } from '@mujiang/api/src/config';
import { openDatabase } from '@mujiang/api/src/db/client';
import { type DemoCredentials, ensureDemo } from '@mujiang/api/src/demo';

export type { DemoCredentials };

export interface DemoApi {
  /** `http://127.0.0.1:<port>`: what an example is pointed at instead of `pnpm start`'s URL. */
  baseUrl: string;
  /** The demo tenant's ids and keys, as `pnpm start` prints them. */
  demo: DemoCredentials;
  close(): Promise<void>;
}

/**
 * The real API (`buildApp`) on an in-memory PGlite, listening on a free port of 127.0.0.1, with
 * exactly the demo tenant `pnpm start` seeds (store and theme, supplier, keys, products, stock).
 * What the examples' tests run against; close it in `afterAll`.
 */
export async function startDemoApi(overrides: Partial<AppConfig> = {}): Promise<DemoApi> {
  // ensureDemo keeps the keys in a file next to the data folder: a temporary one here.
  const dir = await mkdtemp(join(tmpdir(), 'mujiang-example-'));
  const database = openDatabase({ dataDir: 'memory://' });
  try {
    await database.migrate();
    const config: AppConfig = {
      ...loadConfig({ LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv),
      platformToken: `plat_example_${'x'.repeat(24)}`,
      dataDir: join(dir, 'pglite'),
      rateLimit: { max: 100_000, windowMs: 60_000 },
      jobs: { enabled: false, intervalMs: 1000 },
      demo: false,
      ...overrides,
    };
    const app = await buildApp(config, { database });
    const demo = await ensureDemo(config, database.db, config.platformToken!);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    return {
      baseUrl: `http://127.0.0.1:${port}`,
      demo,
      async close() {
        await app.close();
        await database.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await database.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

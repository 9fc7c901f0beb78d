import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/client';

/**
 * Writes the OpenAPI document the SDK is generated from (packages/sdk/openapi.json).
 * Building the app needs no data, so an empty in-memory database will do.
 */
const out = fileURLToPath(new URL('../../sdk/openapi.json', import.meta.url));
const database = openDatabase({ dataDir: 'memory://' });
const app = await buildApp(
  { ...loadConfig({ LOG_LEVEL: 'silent', WEBHOOKS_DISPATCHER: 'false' } as NodeJS.ProcessEnv) },
  { database, closeDatabase: true },
);
writeFileSync(out, `${JSON.stringify(app.swagger(), null, 2)}\n`);
await app.close();
console.log(`wrote ${out}`);

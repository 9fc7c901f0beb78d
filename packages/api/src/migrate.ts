import { loadConfig } from './config';
import { openDatabase } from './db/client';

/** `pnpm migrate`: applies pending migrations to DATABASE_URL (or the PGlite folder) and exits. */
const config = loadConfig();
const database = openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
try {
  await database.migrate();
  console.log(`migrations applied (${database.kind})`);
} finally {
  await database.close();
}

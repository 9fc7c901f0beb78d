import closeWithGrace from 'close-with-grace';
import { buildApp } from './app';
import { loadConfig } from './config';
import { openDatabase } from './db/client';
import { demoPlatformToken, ensureDemo } from './demo';

/** `pnpm start`: migrate, seed the demo (PGlite by default), listen, shut down gracefully. */
async function main() {
  const started = performance.now();
  const config = loadConfig();
  if (config.demo && !config.platformToken) config.platformToken = demoPlatformToken(config);
  const database = openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.databasePoolMax,
    preparedStatements: config.databasePreparedStatements,
  });
  await database.migrate();
  const app = await buildApp(config, { database, closeDatabase: true });
  const demo = config.demo ? await ensureDemo(config, database.db, config.platformToken!) : undefined;
  const address = await app.listen({
    port: config.port,
    host: config.host,
    // Node's default accept queue (511) drops connections when a flash sale opens and thousands
    // of buyers connect at once; the kernel caps this at net.core.somaxconn.
    backlog: 4096,
  });
  const base = config.publicUrl ?? address;

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });

  const lines = [
    '',
    `  木匠 storefront API on ${database.kind === 'pglite' ? `embedded PGlite (${config.dataDir})` : 'PostgreSQL'}`,
    `  ready in ${Math.round(performance.now() - started)} ms, RSS ${Math.round(process.memoryUsage().rss / 1048576)} MB`,
    '',
    `  Base URL      ${base}`,
    `  API docs      ${base}/docs`,
    `  OpenAPI       ${base}/openapi.json`,
  ];
  if (demo) {
    lines.push(
      '',
      '  Demo tenant (keys are also in the .data folder; they persist across restarts):',
      `  tenant            ${demo.tenant_id}`,
      `  store             ${demo.store_id}`,
      `  supplier          ${demo.supplier_id}`,
      `  platform token    ${demo.platform_token}`,
      `  secret key        ${demo.secret_key}`,
      `  publishable key   ${demo.publishable_key}`,
      `  supplier key      ${demo.supplier_key}`,
      '',
      '  Try:',
      `  curl -s ${base}/v1/products -H "Authorization: Bearer ${demo.secret_key}"`,
      `  curl -s ${base}/v1/storefront/products -H "Authorization: Bearer ${demo.publishable_key}"`,
    );
  }
  console.log(`${lines.join('\n')}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

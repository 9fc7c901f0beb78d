import closeWithGrace from 'close-with-grace';
import pino from 'pino';
import { loadConfig } from './config';
import { openDatabase } from './db/client';
import { WebhookDispatcher } from './modules/webhooks/dispatcher';

/**
 * `pnpm --filter @mujiang/api worker`: the webhook dispatcher on its own, for scale. Run as
 * many as you like next to the servers (set WEBHOOKS_DISPATCHER=false on the servers to leave
 * delivery to workers); they share the work through SKIP LOCKED and wake on LISTEN. Needs
 * DATABASE_URL (an embedded PGlite belongs to one process) and a migrated database.
 */
async function main() {
  const config = loadConfig();
  const log = pino({
    level: config.logLevel === 'silent' ? 'silent' : config.logLevel,
    name: 'webhook-worker',
  });
  if (!config.databaseUrl) {
    log.fatal('the worker needs DATABASE_URL: the embedded PGlite database belongs to the server process');
    process.exit(1);
  }
  const database = openDatabase({
    url: config.databaseUrl,
    poolMax: config.databasePoolMax,
    preparedStatements: config.databasePreparedStatements,
  });
  const dispatcher = new WebhookDispatcher({
    db: database.db,
    clock: config.clock,
    log,
    config: config.webhooks,
    listen: database.listen,
  });
  await dispatcher.start();
  log.info(
    { concurrency: config.webhooks.concurrency, sealing: dispatcher.settings.box.sealing },
    'webhook worker started',
  );
  if (process.send) process.send('ready');

  closeWithGrace({ delay: config.webhooks.timeoutMs + 5_000 }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'stopping after an error');
    else log.info({ signal }, 'stopping');
    await dispatcher.stop();
    await database.close();
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

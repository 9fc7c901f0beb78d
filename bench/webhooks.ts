/**
 * Webhook delivery benchmark alone (`pnpm bench:webhooks`); `pnpm bench` runs it too. See
 * scenarios/webhooks.ts.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/webhooks.ts
 */
import { webhookDelivery } from './scenarios/webhooks';

const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const runs = await webhookDelivery(adminUrl, {
  backlog: Number(process.env.BACKLOG ?? 20_000),
  rate: Number(process.env.RATE ?? 1000),
  seconds: Number(process.env.SECONDS ?? 10),
  workers: (process.env.WORKERS ?? '1,2').split(',').map(Number),
});
console.log(`\n${runs.map((r) => r.line).join('\n')}`);

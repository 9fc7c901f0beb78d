import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { verify } from '@mujiang/webhooks';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/config';
import { rowsOf } from '../../src/db/client';
import { withTenant } from '../../src/db/tenancy';
import { recordEvent } from '../../src/modules/events/service';
import {
  createTestTenant,
  expectStatus,
  onRealPostgres,
  type TestApp,
  type TestTenant,
  testApp,
  testDatabaseUrl,
  testWebhooks,
} from '../helpers';
import { Receiver } from './receiver';

const WORKER = fileURLToPath(new URL('../../src/worker.ts', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `src/worker.ts` as its own process and waits until it is listening for work. */
async function spawnWorker(): Promise<ChildProcess> {
  const child = fork(WORKER, [], {
    execArgv: ['--import', 'tsx'],
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: {
      ...process.env,
      DATABASE_URL: await testDatabaseUrl(),
      DATABASE_POOL_MAX: '4',
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      // Short leases, so the deliveries a killed worker held fall due again quickly.
      WEBHOOK_TIMEOUT_MS: '1000',
      WEBHOOK_LEASE_MS: '1500',
      WEBHOOK_POLL_INTERVAL_MS: '100',
      LOG_LEVEL: 'error',
    },
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker not ready in 20 s: ${stderr}`)), 20_000);
    child.once('message', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code}: ${stderr}`));
    });
  });
  return child;
}

function exited(child: ChildProcess) {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));
}

describe.skipIf(!onRealPostgres())('a worker killed with SIGKILL, again and again (PostgreSQL)', () => {
  const receiver = new Receiver();
  let t: TestApp;
  let tenant: TestTenant;
  let secret: string;
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    await receiver.start();
    t = await testApp({ clock: systemClock, webhooks: testWebhooks() });
    tenant = await createTestTenant(t);
    const endpoint = await t.request({
      method: 'POST',
      url: '/v1/webhook_endpoints',
      key: tenant.secretKey,
      body: { url: receiver.url, enabled_events: ['order.*'] },
    });
    expectStatus(endpoint, 201);
    secret = endpoint.body.secret;
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await receiver.close();
  });

  it('loses no event, and a duplicate carries the same webhook-id', { timeout: 90_000 }, async () => {
    const produced: string[] = [];
    let producing = true;
    const producer = (async () => {
      for (let batch = 0; batch < 60; batch++) {
        await withTenant(t.app.db, tenant.id, async (tx) => {
          for (let i = 0; i < 25; i++) {
            const e = await recordEvent(
              tx,
              { tenantId: tenant.id, clock: systemClock },
              { type: 'order.paid', object: { id: `ord_${batch}_${i}`, object: 'order' } },
            );
            produced.push(e.id);
          }
        });
        await sleep(80);
      }
      producing = false;
    })();

    let kills = 0;
    while (producing || kills < 3) {
      const child = await spawnWorker();
      children.add(child);
      await sleep(150 + Math.random() * 450);
      child.kill('SIGKILL');
      await exited(child);
      children.delete(child);
      kills++;
    }
    await producer;

    // A last worker, left alone, catches up: what the killed ones held falls due after its lease.
    const last = await spawnWorker();
    children.add(last);
    const want = new Set(produced);
    const deadline = Date.now() + 60_000;
    const seen = () => new Set(receiver.received.map((r) => r.event.id));
    const openDeliveries = async () =>
      Number(
        rowsOf<{ n: number | string }>(
          await withTenant(t.app.db, tenant.id, (tx) =>
            tx.execute(sql`select count(*) as n from webhook_deliveries where status <> 'succeeded'`),
          ),
        )[0]!.n,
      );
    // Done when the receiver has every event and the log has closed every delivery: a delivery
    // a killed worker sent but could not record is sent again once its lease lapses.
    while (Date.now() < deadline) {
      if (![...want].some((id) => !seen().has(id)) && (await openDeliveries()) === 0) break;
      await sleep(100);
    }
    // Graceful stop: it records what it sent.
    last.kill('SIGTERM');
    await exited(last);
    children.delete(last);

    const received = seen();
    const lost = [...want].filter((id) => !received.has(id));
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(lost).toEqual([]);
    // Any duplicate is the same message: same webhook-id as the event it carries, validly signed.
    for (const r of receiver.received) {
      expect(r.headers['webhook-id']).toBe(r.event.id);
      await verify(secret, r.body, r.headers as Record<string, string>);
    }
    const duplicates = receiver.received.length - received.size;
    console.info(
      `crash test: ${produced.length} events, ${kills} SIGKILLs, ${receiver.received.length} requests, ${duplicates} duplicates`,
    );
    // And the log agrees: every delivery ended succeeded.
    expect(await openDeliveries()).toBe(0);
  });
});

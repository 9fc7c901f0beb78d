import { verify } from '@mujiang/webhooks';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/config';
import { type DatabaseHandle, openDatabase, rowsOf } from '../../src/db/client';
import { withTenant } from '../../src/db/tenancy';
import { newId } from '../../src/lib/ids';
import { events } from '../../src/modules/events/tables';
import { WebhookDispatcher } from '../../src/modules/webhooks/dispatcher';
import type { LookupAll } from '../../src/modules/webhooks/ssrf';
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

const EVENTS = 5_000;

// SKIP LOCKED between two dispatchers only means something with real concurrent connections;
// PGlite is a single connection in this process.
describe.skipIf(!onRealPostgres())('two dispatchers on PostgreSQL', () => {
  const receiver = new Receiver();
  let t: TestApp;
  let tenant: TestTenant;
  let secret: string;
  const handles: DatabaseHandle[] = [];
  const dispatchers: WebhookDispatcher[] = [];
  const sentBy = [0, 0];

  beforeAll(async () => {
    await receiver.start();
    t = await testApp({ clock: systemClock, webhooks: testWebhooks() });
    tenant = await createTestTenant(t);
    const endpoint = await t.request({
      method: 'POST',
      url: '/v1/webhook_endpoints',
      key: tenant.secretKey,
      body: { url: `http://receiver.mujiang.test:${receiver.port}/hooks`, enabled_events: ['order.*'] },
    });
    expectStatus(endpoint, 201);
    secret = endpoint.body.secret;
    for (const i of [0, 1]) {
      // Each dispatcher on its own pool, as two worker processes would be.
      const handle = openDatabase({ url: await testDatabaseUrl(), poolMax: 6 });
      handles.push(handle);
      const lookup: LookupAll = async () => {
        sentBy[i]!++;
        return [{ address: '127.0.0.1', family: 4 }];
      };
      dispatchers.push(
        new WebhookDispatcher({
          db: handle.db,
          clock: systemClock,
          log: t.app.log,
          config: testWebhooks({ pollIntervalMs: 200, concurrency: 128, batchSize: 200 }),
          listen: handle.listen,
          lookup,
        }),
      );
    }
  });
  afterAll(async () => {
    for (const d of dispatchers) await d.stop();
    for (const h of handles) await h.close();
    await receiver.close();
  });

  it(`delivers ${EVENTS} events exactly once each`, { timeout: 60_000 }, async () => {
    const ids: string[] = [];
    // Outbox rows as recordEvent writes them, 250 per transaction (the writer is tested elsewhere;
    // here the rows only have to arrive fast enough to keep both dispatchers busy).
    const produce = async (batches: number) => {
      for (let b = 0; b < batches; b++) {
        const rows = Array.from({ length: 250 }, () => {
          const id = newId('event');
          ids.push(id);
          return {
            tenantId: tenant.id,
            id,
            type: 'order.paid',
            objectType: 'order',
            objectId: `ord_${id}`,
            objectSeq: 1,
            data: { object: { id: `ord_${id}`, object: 'order' } },
            createdAt: new Date(),
          };
        });
        await withTenant(t.app.db, tenant.id, (tx) => tx.insert(events).values(rows));
      }
    };
    const started = Date.now();
    // Half as a backlog both dispatchers race for, half while they run.
    await produce(EVENTS / 500);
    for (const d of dispatchers) await d.start();
    await produce(EVENTS / 500);
    const producedIn = Date.now() - started;
    await receiver.waitFor(EVENTS, 40_000);
    // Let every outcome be recorded, then check nothing more arrives.
    const deadline = Date.now() + 10_000;
    let open = -1;
    while (Date.now() < deadline) {
      const rows = rowsOf<{ n: number | string }>(
        await withTenant(t.app.db, tenant.id, (tx) =>
          tx.execute(sql`select count(*) as n from webhook_deliveries where status <> 'succeeded'`),
        ),
      );
      open = Number(rows[0]!.n);
      if (open === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(open).toBe(0);
    console.info(
      `exactly-once: produced in ${producedIn} ms, all delivered and recorded in ${Date.now() - started} ms`,
    );
    await new Promise((r) => setTimeout(r, 300));

    expect(receiver.received).toHaveLength(EVENTS);
    const got = receiver.received.map((r) => r.headers['webhook-id']);
    expect(new Set(got).size).toBe(EVENTS);
    expect(new Set(got)).toEqual(new Set(ids));
    // Both took part, and every request was signed for this endpoint.
    expect(sentBy[0]).toBeGreaterThan(0);
    expect(sentBy[1]).toBeGreaterThan(0);
    expect(sentBy[0]! + sentBy[1]!).toBe(EVENTS);
    for (const r of receiver.received.slice(0, 200)) {
      await verify(secret, r.body, r.headers as Record<string, string>);
    }
  });
});

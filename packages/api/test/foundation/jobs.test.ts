import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant, withWorker } from '../../src/db/tenancy';
import { enqueueJob } from '../../src/modules/jobs/service';
import { jobs } from '../../src/modules/jobs/tables';
import { stores } from '../../src/modules/stores/tables';
import { createTestTenant, FakeClock, type TestApp, type TestTenant, testApp } from '../helpers';

const clock = new FakeClock();
let t: TestApp;
let a: TestTenant;
let b: TestTenant;
const seen: Array<{ tenant: string; payload: unknown; visibleStores: string[] }> = [];
let failuresLeft = 0;

beforeAll(async () => {
  t = await testApp({ clock });
  a = await createTestTenant(t);
  b = await createTestTenant(t);
  await t.request({
    method: 'POST',
    url: '/v1/stores',
    key: a.secretKey,
    body: { kind: 'brand', name: 'A' },
  });
  await t.request({
    method: 'POST',
    url: '/v1/stores',
    key: b.secretKey,
    body: { kind: 'brand', name: 'B' },
  });
  t.app.jobs.register('test.record', async (job, { tx }) => {
    if (failuresLeft > 0) {
      failuresLeft--;
      throw new Error('transient');
    }
    // No tenant filter: row-level security must confine the handler to the job's tenant.
    const visible = await tx.select({ name: stores.name }).from(stores);
    seen.push({ tenant: job.tenantId, payload: job.payload, visibleStores: visible.map((s) => s.name) });
  });
});

async function enqueue(
  tenantId: string,
  delayMs: number,
  payload: Record<string, unknown>,
  dedupeKey?: string,
) {
  await withTenant(t.app.db, tenantId, (tx) =>
    enqueueJob(
      tx,
      tenantId,
      {
        kind: 'test.record',
        runAt: new Date(clock.now().getTime() + delayMs),
        payload,
        ...(dedupeKey ? { dedupeKey } : {}),
      },
      clock.now(),
    ),
  );
}

async function pendingJobs(tenantId: string) {
  return withWorker(t.app.db, (tx) =>
    tx
      .select()
      .from(jobs)
      .where(and(eq(jobs.tenantId, tenantId), eq(jobs.kind, 'test.record'))),
  );
}

describe('background jobs', () => {
  it('runs a job only when the clock reaches it, in its own tenant, once', async () => {
    seen.length = 0;
    await enqueue(a.id, 30 * 60_000, { n: 1 });
    await enqueue(b.id, 0, { n: 2 });
    expect(await t.app.jobs.drain()).toBe(1);
    expect(seen).toEqual([{ tenant: b.id, payload: { n: 2 }, visibleStores: ['B'] }]);
    clock.advance(30 * 60_000);
    expect(await t.app.jobs.drain()).toBe(1);
    expect(seen[1]).toEqual({ tenant: a.id, payload: { n: 1 }, visibleStores: ['A'] });
    expect(await t.app.jobs.drain()).toBe(0);
    expect(await pendingJobs(a.id)).toEqual([]);
  });

  it('enqueues one job per dedupe key', async () => {
    seen.length = 0;
    await enqueue(a.id, 0, { n: 3 }, 'same');
    await enqueue(a.id, 0, { n: 4 }, 'same');
    await t.app.jobs.drain();
    expect(seen.map((s) => s.payload)).toEqual([{ n: 3 }]);
  });

  it('retries a failing job with backoff and runs it once it succeeds', async () => {
    seen.length = 0;
    failuresLeft = 2;
    await enqueue(a.id, 0, { n: 5 });
    expect(await t.app.jobs.runDue()).toBe(1); // fails, retry in 5 s
    expect(await t.app.jobs.runDue()).toBe(0);
    const [pending] = await pendingJobs(a.id);
    expect(pending).toMatchObject({ state: 'pending', attempts: 1, lastError: 'transient' });
    clock.advance(5_000);
    expect(await t.app.jobs.runDue()).toBe(1); // fails again, retry in 10 s
    clock.advance(9_000);
    expect(await t.app.jobs.runDue()).toBe(0);
    clock.advance(1_000);
    expect(await t.app.jobs.runDue()).toBe(1);
    expect(seen.map((s) => s.payload)).toEqual([{ n: 5 }]);
    expect(await pendingJobs(a.id)).toEqual([]);
  });

  it('parks a job as failed after its last attempt', async () => {
    failuresLeft = 100;
    await withTenant(t.app.db, a.id, (tx) =>
      enqueueJob(
        tx,
        a.id,
        { kind: 'test.record', runAt: clock.now(), payload: { n: 6 }, maxAttempts: 2 },
        clock.now(),
      ),
    );
    await t.app.jobs.runDue();
    clock.advance(60_000);
    await t.app.jobs.runDue();
    clock.advance(60 * 60_000);
    expect(await t.app.jobs.runDue()).toBe(0);
    const [failed] = await pendingJobs(a.id);
    expect(failed).toMatchObject({ state: 'failed', attempts: 2 });
    failuresLeft = 0;
  });
});

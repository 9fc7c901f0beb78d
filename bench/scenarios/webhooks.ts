/**
 * Webhook delivery scenario (not part of the tests). On a fresh database of the PostgreSQL
 * server at `adminUrl`, with 1 and then 2 worker processes (`src/worker.ts`):
 *
 * - throughput: a backlog of `backlog` events is committed, then the workers start; deliveries/s
 *   is the backlog divided by the time from start until the receiver has them all;
 * - latency: events are committed at `rate`/s for `seconds`; commit-to-delivery is measured from
 *   the commit returning to the request arriving at the receiver (same process, same clock).
 *
 * The receiver is a plain node:http server on loopback in this process that answers 200 at once.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { buildApp } from '../../packages/api/src/app';
import { loadConfig } from '../../packages/api/src/config';
import { openDatabase } from '../../packages/api/src/db/client';
import { withTenant } from '../../packages/api/src/db/tenancy';
import { newId } from '../../packages/api/src/lib/ids';
import { events } from '../../packages/api/src/modules/events/tables';

const PLATFORM_TOKEN = 'plat_bench_0123456789abcdefghijklmnop';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface WebhookBenchOptions {
  /** Events committed before the workers start (throughput). */
  backlog: number;
  /** Events per second of the steady stream (latency). */
  rate: number;
  seconds: number;
  workers: number[];
}

export interface WebhookRun {
  workers: number;
  deliveriesPerS: number;
  p50: number;
  p99: number;
  duplicates: number;
  line: string;
}

export async function webhookDelivery(adminUrl: string, opts: WebhookBenchOptions): Promise<WebhookRun[]> {
  const { backlog: BACKLOG, rate: RATE, seconds: SECONDS, workers: WORKERS } = opts;

  const name = `mujiang_bench_${Date.now()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const database = openDatabase({ url: databaseUrl, poolMax: 10 });
  await database.migrate();

  // The receiver: counts arrivals per event id.
  const arrivals = new Map<string, number>();
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = req.headers['webhook-id'] as string;
      if (!arrivals.has(id)) arrivals.set(id, performance.now());
      received++;
      res.writeHead(200).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  // A tenant and an endpoint through the API.
  const app = await buildApp(
    {
      ...loadConfig({ LOG_LEVEL: 'silent', DATABASE_URL: databaseUrl } as NodeJS.ProcessEnv),
      platformToken: PLATFORM_TOKEN,
      webhooks: { ...loadConfig({}).webhooks, dispatcher: false, allowPrivateNetworks: true },
      jobs: { enabled: false, intervalMs: 1000 },
    },
    { database },
  );
  const tenant = (
    await app.inject({
      method: 'POST',
      url: '/v1/tenants',
      headers: { authorization: `Bearer ${PLATFORM_TOKEN}` },
      payload: { name: 'bench' },
    })
  ).json();
  const endpoint = await app.inject({
    method: 'POST',
    url: '/v1/webhook_endpoints',
    headers: { authorization: `Bearer ${tenant.api_key.secret}` },
    payload: { url: `http://127.0.0.1:${port}/hooks`, enabled_events: ['order.*'] },
  });
  if (endpoint.statusCode !== 201) throw new Error(endpoint.body);

  /** Commits `n` events in one transaction; returns their ids and the time the commit returned. */
  async function commit(n: number) {
    const rows = Array.from({ length: n }, () => {
      const id = newId('event');
      return {
        tenantId: tenant.id as string,
        id,
        type: 'order.paid',
        objectType: 'order',
        objectId: `ord_${id}`,
        objectSeq: 1,
        data: { object: { id: `ord_${id}`, object: 'order', amount: 12900, currency: 'CNY' } },
        createdAt: new Date(),
      };
    });
    await withTenant(database.db, tenant.id, (tx) => tx.insert(events).values(rows));
    return { ids: rows.map((r) => r.id), at: performance.now() };
  }

  async function startWorkers(count: number): Promise<ChildProcess[]> {
    const workerPath = fileURLToPath(new URL('../../packages/api/src/worker.ts', import.meta.url));
    return Promise.all(
      Array.from({ length: count }, async () => {
        const child = fork(workerPath, [], {
          execArgv: ['--import', 'tsx', ...(process.env.WORKER_EXEC_ARGV?.split(' ').filter(Boolean) ?? [])],
          cwd: fileURLToPath(new URL('../../packages/api', import.meta.url)),
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          env: {
            ...process.env,
            DATABASE_URL: databaseUrl,
            DATABASE_POOL_MAX: '8',
            WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
            LOG_LEVEL: 'warn',
          },
        });
        await new Promise((resolve, reject) => {
          child.once('message', resolve);
          child.once('exit', reject);
        });
        return child;
      }),
    );
  }

  async function stopWorkers(children: ChildProcess[]) {
    await Promise.all(
      children.map((c) => {
        const done = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        return done;
      }),
    );
  }

  async function waitForAll(ids: string[], timeoutMs: number) {
    const until = Date.now() + timeoutMs;
    // Walks forward through the ids once, so waiting costs the receiver (same process) nothing.
    let next = 0;
    for (;;) {
      while (next < ids.length && arrivals.has(ids[next]!)) next++;
      if (next === ids.length) return;
      if (Date.now() > until)
        throw new Error(`deliveries did not all arrive in time (${next}/${ids.length})`);
      await sleep(2);
    }
  }

  const pct = (sorted: number[], p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
  const results: WebhookRun[] = [];

  for (const count of WORKERS) {
    // Throughput: a backlog, then the workers.
    const backlog: string[] = [];
    for (let i = 0; i < BACKLOG; i += 1000) backlog.push(...(await commit(Math.min(1000, BACKLOG - i))).ids);
    const before = received;
    const t0 = performance.now();
    const workers = await startWorkers(count);
    // Time from the moment every worker is ready (process start-up is not delivery time).
    const ready = performance.now();
    await waitForAll(backlog, 300_000);
    const elapsed = (performance.now() - ready) / 1000;
    const rate = Math.round(BACKLOG / elapsed);

    // Latency: a steady stream of small commits (10 events each) at RATE events/s.
    const commits: Array<{ ids: string[]; at: number }> = [];
    const every = 1000 / (RATE / 10);
    const streamStart = performance.now();
    for (let i = 0; performance.now() - streamStart < SECONDS * 1000; i++) {
      commits.push(await commit(10));
      const next = streamStart + (i + 1) * every;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
    }
    const streamed = commits.flatMap((c) => c.ids);
    await waitForAll(streamed, 60_000);
    const latencies = commits
      .flatMap((c) => c.ids.map((id) => arrivals.get(id)! - c.at))
      .sort((a, b) => a - b);
    await stopWorkers(workers);
    const duplicates = received - before - BACKLOG - streamed.length;
    const line =
      `${count} worker${count > 1 ? 's' : ''}: ${rate} deliveries/s (backlog of ${BACKLOG} in ${elapsed.toFixed(2)} s, ` +
      `start-up ${Math.round(ready - t0)} ms); commit-to-delivery at ${Math.round(streamed.length / SECONDS)}/s: ` +
      `p50 ${pct(latencies, 0.5).toFixed(1)} ms, p99 ${pct(latencies, 0.99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms; ` +
      `duplicates ${duplicates}`;
    console.log(line);
    results.push({
      workers: count,
      deliveriesPerS: rate,
      p50: pct(latencies, 0.5),
      p99: pct(latencies, 0.99),
      duplicates,
      line,
    });
  }

  await app.close();
  await database.close();
  server.close();
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
  return results;
}

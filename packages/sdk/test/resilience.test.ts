import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConnectionError, Mujiang, TimeoutError } from '../src/index';
import { PLATFORM_TOKEN, type RunningApi, startApi } from './api-server';
import { apiErrorOf, FAST_RETRY, recordingFetch } from './helpers';

// Rate limits against the real API (built with a tiny limit), and timeouts and network failures
// against servers on 127.0.0.1 that stall or are gone.

describe('429 and Retry-After, against the real API', () => {
  let api: RunningApi;
  let secret: string;

  beforeAll(async () => {
    // Three requests per key per minute.
    api = await startApi({ rateLimit: { max: 3, windowMs: 60_000 } });
    const platform = new Mujiang({ baseUrl: api.baseUrl, apiKey: PLATFORM_TOKEN });
    secret = (await platform.tenants.create({ name: 'Rate limited' })).api_key.secret;
  });

  afterEach(() => vi.restoreAllMocks());

  /** Moves the rate limiter's clock (it reads Date.now) instead of waiting for real. */
  function movableNow() {
    const realNow = Date.now.bind(Date);
    let offset = 0;
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
    return (ms: number) => {
      offset += ms;
    };
  }

  it('waits as long as Retry-After says, then succeeds', async () => {
    const advance = movableNow();
    const sleeps: number[] = [];
    const rec = recordingFetch();
    const client = new Mujiang({
      baseUrl: api.baseUrl,
      apiKey: secret,
      fetch: rec.fetch,
      retry: FAST_RETRY,
      sleep: async (ms) => {
        sleeps.push(ms);
        advance(ms);
      },
    });
    for (let i = 0; i < 3; i++) await client.tenant.retrieve();
    expect(sleeps).toEqual([]);

    const { response } = await client.tenant.retrieve().withResponse();
    expect(response.attempts).toBe(2);
    expect(rec.sent).toHaveLength(5);
    // Retry-After is in seconds: the wait is the API's, not the (tiny) backoff.
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThan(50_000);
    expect(sleeps[0]).toBeLessThanOrEqual(60_000);
    expect(sleeps[0]! % 1000).toBe(0);
    expect(response.rateLimit).toMatchObject({ limit: 3, remaining: 2 });
  });

  it('without retries, or when Retry-After is longer than maxRetryAfterMs, the caller gets the 429', async () => {
    movableNow();
    const sleeps: number[] = [];
    const rec = recordingFetch();
    const client = new Mujiang({
      baseUrl: api.baseUrl,
      apiKey: secret,
      fetch: rec.fetch,
      retry: { ...FAST_RETRY, maxRetryAfterMs: 1_000 },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    // Use up the window (the previous test's window may still have room).
    for (let i = 0; i < 3; i++) await client.tenant.retrieve({ maxRetries: 0 }).catch(() => undefined);

    const before = rec.sent.length;
    const error = await apiErrorOf(client.tenant.retrieve());
    expect(error).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(error.retryAfterMs).toBeGreaterThan(1_000);
    expect(error.requestId).toMatch(/^req_/);
    expect(rec.sent.length - before).toBe(1);
    expect(sleeps).toEqual([]);

    await expect(client.tenant.retrieve({ maxRetries: 0 })).rejects.toMatchObject({ status: 429 });
  });
});

/** A server on 127.0.0.1 that answers by `handler` (or never), recording each request. */
async function rawServer(handler: (req: IncomingMessage, res: import('node:http').ServerResponse) => void) {
  const seen: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('timeouts', () => {
  const servers: Array<{ close: () => Promise<void> }> = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  it('a server that never answers: each attempt times out, the POST keeps its key, TimeoutError', async () => {
    const server = await rawServer(() => {});
    servers.push(server);
    const client = new Mujiang({
      baseUrl: server.baseUrl,
      apiKey: 'sk_test',
      timeoutMs: 200,
      maxRetries: 2,
      retry: FAST_RETRY,
    });
    const started = performance.now();
    const error = await client.stores.create({ kind: 'brand', name: 'Slow' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toBeInstanceOf(ConnectionError);
    const timeout = error as TimeoutError;
    expect(timeout.attempts).toBe(3);
    expect(timeout.timeoutMs).toBe(200);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(server.seen).toHaveLength(3);
    const keys = new Set(server.seen.map((r) => r.headers['idempotency-key']));
    expect(keys).toEqual(new Set([timeout.idempotencyKey]));
  });

  it('the timeout covers the body: headers sent, body stalled', async () => {
    const server = await rawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"object":"tenant",');
    });
    servers.push(server);
    const client = new Mujiang({ baseUrl: server.baseUrl, apiKey: 'sk_test', timeoutMs: 200, maxRetries: 0 });
    await expect(client.tenant.retrieve()).rejects.toBeInstanceOf(TimeoutError);
    expect(server.seen).toHaveLength(1);
  });

  it('a slow first attempt against the real API is retried and succeeds', async () => {
    const api = await startApi();
    const platform = new Mujiang({ baseUrl: api.baseUrl, apiKey: PLATFORM_TOKEN });
    const { api_key } = await platform.tenants.create({ name: 'Slow network' });
    let calls = 0;
    const client = new Mujiang({
      baseUrl: api.baseUrl,
      apiKey: api_key.secret,
      timeoutMs: 250,
      maxRetries: 5,
      retry: FAST_RETRY,
      // The first attempt stalls after the API answered (a slow network on the way back) until
      // the SDK gives up on it.
      fetch: async (request) => {
        const response = await fetch(request);
        if (++calls === 1) {
          await new Promise((resolve) => request.signal.addEventListener('abort', resolve, { once: true }));
        }
        return response;
      },
    });
    const { data, response } = await client.stores.create({ kind: 'brand', name: 'Once' }).withResponse();
    expect(response.attempts).toBeGreaterThanOrEqual(2);
    expect(response.idempotentReplayed).toBe(true);
    const all = await client.stores.list().autoPagingToArray({ limit: 10 });
    expect(all.map((s) => s.id)).toEqual([data.id]);
  });

  it('the caller’s AbortSignal stops the call at once, without retries', async () => {
    const controller = new AbortController();
    const server = await rawServer(() => controller.abort()); // aborted once the request is in
    servers.push(server);
    const client = new Mujiang({ baseUrl: server.baseUrl, apiKey: 'sk_test', timeoutMs: 10_000 });
    const call = client.tenant.retrieve({ signal: controller.signal });
    const error = await call.catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(server.seen).toHaveLength(1);
  });
});

describe('network failures', () => {
  it('a refused connection is retried, then ConnectionError with the cause', async () => {
    const server = await rawServer(() => {});
    const { baseUrl } = server;
    await server.close(); // nothing listens there any more
    const sleeps: number[] = [];
    const client = new Mujiang({
      baseUrl,
      apiKey: 'sk_test',
      maxRetries: 3,
      retry: { initialDelayMs: 8, maxDelayMs: 20 },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    const error = await client.tenant.retrieve().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).not.toBeInstanceOf(TimeoutError);
    expect((error as ConnectionError).attempts).toBe(4);
    expect((error as ConnectionError).cause).toBeInstanceOf(Error);
    // Full jitter: each wait is within [0, min(max, initial · 2^n)].
    expect(sleeps).toHaveLength(3);
    sleeps.forEach((ms, n) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(Math.min(20, 8 * 2 ** n));
    });
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../src/errors';
import { ApiError, type FetchLike, Mujiang, VERSION } from '../src/index';
import { backoffDelay, DEFAULT_RETRY, randomKey } from '../src/transport';
import { apiErrorOf } from './helpers';

// The transport's decisions, with a scripted fetch: which statuses are retried and how long it
// waits. (What it does against the real API is in client.test.ts and resilience.test.ts.)

const problem = (status: number, code: string, headers: Record<string, string> = {}) =>
  new Response(
    JSON.stringify({ type: `urn:mujiang:problem:${code}`, title: 'x', status, code, detail: `${code}!` }),
    { status, headers: { 'content-type': 'application/problem+json', 'request-id': 'req_1', ...headers } },
  );
const ok = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function scripted(...responses: Array<() => Response>) {
  const requests: Request[] = [];
  const sleeps: number[] = [];
  const fetch: FetchLike = async (request) => {
    requests.push(request);
    const next = responses.shift();
    if (!next) throw new Error('no more scripted responses');
    return next();
  };
  const client = new Mujiang({
    baseUrl: 'http://api.test',
    apiKey: 'sk_test',
    fetch,
    maxRetries: 3,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { client, requests, sleeps };
}

const tenant = { id: 'ten_1', object: 'tenant' };

describe('which responses are retried', () => {
  it('5xx is retried with backoff, then succeeds', async () => {
    const { client, requests, sleeps } = scripted(
      () => problem(500, 'internal_error'),
      () => new Response('<html>bad gateway</html>', { status: 502 }),
      () => ok(tenant),
    );
    const { data, response } = await client.tenant.retrieve().withResponse();
    expect(data).toEqual(tenant);
    expect(response.attempts).toBe(3);
    expect(requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeLessThanOrEqual(DEFAULT_RETRY.initialDelayMs);
    expect(sleeps[1]).toBeLessThanOrEqual(DEFAULT_RETRY.initialDelayMs * 2);
  });

  it('a 503 with an HTTP-date Retry-After waits until then', async () => {
    const at = new Date(Date.now() + 5_000).toUTCString();
    const { client, sleeps } = scripted(
      () => problem(503, 'timeout', { 'retry-after': at }),
      () => ok(tenant),
    );
    await client.tenant.retrieve();
    expect(sleeps[0]).toBeGreaterThan(3_000);
    expect(sleeps[0]).toBeLessThanOrEqual(5_000);
  });

  it('after the last retry the 5xx is an ApiError', async () => {
    const { client, requests } = scripted(
      () => problem(503, 'timeout'),
      () => problem(503, 'timeout'),
      () => problem(503, 'timeout'),
      () => new Response('upstream down', { status: 503, statusText: 'Service Unavailable' }),
    );
    const error = await apiErrorOf(client.tenant.retrieve());
    expect(requests).toHaveLength(4);
    expect(error).toMatchObject({ status: 503, code: 'server_error', rawBody: 'upstream down' });
    expect(error.detail).toContain('upstream down');
  });

  it.each([
    [400, 'invalid_request'],
    [401, 'invalid_api_key'],
    [403, 'forbidden'],
    [404, 'resource_missing'],
    [409, 'already_exists'],
    [413, 'payload_too_large'],
    [422, 'idempotency_key_reused'],
  ])('%i %s is not retried', async (status, code) => {
    const { client, requests, sleeps } = scripted(() => problem(status, code));
    const error = await apiErrorOf(client.stores.create({ kind: 'brand', name: 'x' }));
    expect(error).toMatchObject({ status, code, requestId: 'req_1' });
    expect(requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('409 idempotency_key_in_use is retried with the same key and body', async () => {
    const { client, requests } = scripted(
      () => problem(409, 'idempotency_key_in_use'),
      () => ok({ id: 'store_1' }, 201),
    );
    await client.stores.create({ kind: 'brand', name: 'x' });
    expect(requests).toHaveLength(2);
    const [a, b] = requests;
    expect(a!.headers.get('idempotency-key')).toBe(b!.headers.get('idempotency-key'));
    const body = await b!.text();
    expect(await a!.text()).toBe(body);
    expect(JSON.parse(body)).toEqual({ kind: 'brand', name: 'x' });
  });

  it('a caller’s Idempotency-Key header on the raw POST is kept', async () => {
    const { client, requests } = scripted(() => ok({ id: 'store_1' }, 201));
    await client.POST('/v1/stores', {
      body: { kind: 'brand', name: 'x' },
      headers: { 'Idempotency-Key': 'mine' },
    });
    expect(requests[0]!.headers.get('idempotency-key')).toBe('mine');
  });
});

describe('helpers', () => {
  it('full-jitter backoff stays within [0, min(max, initial · 2^n)]', () => {
    const opts = { initialDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 0 };
    expect(backoffDelay(0, opts, () => 0)).toBe(0);
    expect(backoffDelay(0, opts, () => 0.999)).toBe(99);
    expect(backoffDelay(3, opts, () => 0.5)).toBe(400);
    expect(backoffDelay(10, opts, () => 0.999)).toBe(999);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('7')).toBe(7_000);
    expect(parseRetryAfter('0')).toBe(0);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const now = Date.parse('2026-11-22T08:00:00Z');
    expect(parseRetryAfter('Sun, 22 Nov 2026 08:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 07:00:00 GMT', now)).toBe(0);
  });

  it('idempotency keys are UUID v4', () => {
    const keys = new Set(Array.from({ length: 100 }, randomKey));
    expect(keys.size).toBe(100);
    for (const k of keys)
      expect(k).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('refuses unusable options', () => {
    expect(() => new Mujiang({ baseUrl: 'api.example.com', apiKey: 'k' })).toThrow(/baseUrl/);
    expect(() => new Mujiang({ baseUrl: 'http://x', apiKey: '' })).toThrow(/apiKey/);
    expect(() => new Mujiang({ baseUrl: 'http://x', apiKey: 'k', maxRetries: -1 })).toThrow(/maxRetries/);
    expect(() => new Mujiang({ baseUrl: 'http://x', apiKey: 'k', timeoutMs: 0 })).toThrow(/timeoutMs/);
  });

  it('VERSION is the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });

  it('ApiError is an Error with a readable message', () => {
    const e = new ApiError({
      status: 404,
      problem: {
        type: 't',
        title: 'Not Found',
        status: 404,
        code: 'resource_missing',
        detail: 'No such store',
      },
      headers: new Headers({ 'request-id': 'req_9' }),
    });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ApiError');
    expect(e.message).toBe('404 resource_missing: No such store');
    expect(e.requestId).toBe('req_9');
    expect(e.errors).toEqual([]);
  });
});

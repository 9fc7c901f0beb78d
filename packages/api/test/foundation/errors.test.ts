import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, type TestApp, type TestTenant, testApp } from '../helpers';

let t: TestApp;
let tenant: TestTenant;

beforeAll(async () => {
  t = await testApp({ bodyLimitBytes: 64 * 1024 });
  tenant = await createTestTenant(t);
});

function expectProblem(
  res: { status: number; headers: Record<string, any>; body: any },
  status: number,
  code: string,
) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, type: `urn:mujiang:problem:${code}` });
  expect(typeof res.body.detail).toBe('string');
  expect(res.body.request_id).toBe(res.headers['request-id']);
}

describe('problem+json errors', () => {
  it('answers malformed JSON with 400 invalid_json', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: tenant.secretKey,
      body: '{"kind": "brand",',
    });
    expectProblem(res, 400, 'invalid_json');
  });

  it('answers wrong types with 400 and a field error', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: tenant.secretKey,
      body: { kind: 'brand', name: 42 },
    });
    expectProblem(res, 400, 'invalid_request');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'body.name' })]);
  });

  it('answers a bad enum and a missing field with one error each', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: tenant.secretKey,
      body: { kind: 'mall' },
    });
    expectProblem(res, 400, 'invalid_request');
    const fields = res.body.errors.map((e: any) => e.field).sort();
    expect(fields).toEqual(['body.kind', 'body.name']);
  });

  it('answers unknown fields with 400 unknown_field', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: tenant.secretKey,
      body: { kind: 'brand', name: 'x', colour: 'red' },
    });
    expectProblem(res, 400, 'invalid_request');
    expect(res.body.errors[0]).toMatchObject({ field: 'body.colour', code: 'unknown_field' });
  });

  it('answers an oversized body with 413', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: tenant.secretKey,
      body: { kind: 'brand', name: 'x'.repeat(100_000) },
    });
    expectProblem(res, 413, 'payload_too_large');
  });

  it('answers a wrong content type with 415', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: tenant.secretKey,
      body: 'kind=brand&name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectProblem(res, 415, 'unsupported_media_type');
  });

  it('answers bad query parameters and cursors with 400', async () => {
    expectProblem(
      await t.request({ method: 'GET', url: '/v1/stores?limit=1000', key: tenant.secretKey }),
      400,
      'invalid_request',
    );
    expectProblem(
      await t.request({ method: 'GET', url: '/v1/stores?limit=abc', key: tenant.secretKey }),
      400,
      'invalid_request',
    );
    expectProblem(
      await t.request({ method: 'GET', url: '/v1/stores?starting_after=notacursor', key: tenant.secretKey }),
      400,
      'invalid_cursor',
    );
  });

  it('answers an unknown route with 404 route_not_found and an unknown id with 404 resource_missing', async () => {
    expectProblem(
      await t.request({ method: 'GET', url: '/v1/nothing-here', key: tenant.secretKey }),
      404,
      'route_not_found',
    );
    expectProblem(
      await t.request({ method: 'GET', url: '/v1/stores/store_nope', key: tenant.secretKey }),
      404,
      'resource_missing',
    );
  });

  it('answers an invalid URL in settings with a field error', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: tenant.secretKey,
      body: { kind: 'white_label', name: 'x', settings: { logo_url: 'javascript:alert(1)' } },
    });
    expectProblem(res, 400, 'invalid_request');
    expect(res.body.errors[0].field).toBe('body.settings.logo_url');
  });

  it('echoes a caller-supplied X-Request-Id', async () => {
    const res = await t.request({
      method: 'GET',
      url: '/v1/stores',
      key: tenant.secretKey,
      headers: { 'x-request-id': 'trace-123' },
    });
    expect(res.headers['request-id']).toBe('trace-123');
  });
});

describe('rate limits', () => {
  it('limits per key with RateLimit headers and Retry-After on 429', async () => {
    const limited = await testApp({ rateLimit: { max: 3, windowMs: 60_000 } });
    const tn = await createTestTenant(limited);
    const statuses: number[] = [];
    let last: any;
    for (let i = 0; i < 4; i++) {
      last = await limited.request({ method: 'GET', url: '/v1/stores', key: tn.secretKey });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expectProblem(last, 429, 'rate_limited');
    expect(Number(last.headers['retry-after'])).toBeGreaterThan(0);
    expect(last.headers['ratelimit-limit']).toBe('3');
    // Another key has its own budget.
    const other = await createTestTenant(limited);
    expect((await limited.request({ method: 'GET', url: '/v1/stores', key: other.secretKey })).status).toBe(
      200,
    );
  });
});

describe('CORS', () => {
  it('answers a browser preflight for a storefront call without a key, and exposes the request id', async () => {
    const pre = await t.app.inject({
      method: 'OPTIONS',
      url: '/v1/stores',
      headers: {
        origin: 'https://shop.example.cn',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,idempotency-key',
      },
    });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect(String(pre.headers['access-control-allow-headers']).toLowerCase()).toContain('idempotency-key');
    const res = await t.request({
      method: 'GET',
      url: '/v1/stores',
      key: tenant.secretKey,
      headers: { origin: 'https://shop.example.cn' },
    });
    expect(res.headers['access-control-expose-headers']).toContain('Request-Id');
  });
});

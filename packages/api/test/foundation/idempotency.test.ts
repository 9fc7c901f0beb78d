import { beforeAll, describe, expect, it } from 'vitest';
import {
  createTestTenant,
  expectStatus,
  FakeClock,
  PLATFORM_TOKEN,
  type TestApp,
  type TestTenant,
  testApp,
} from '../helpers';

const clock = new FakeClock();
let t: TestApp;
let tenant: TestTenant;

beforeAll(async () => {
  t = await testApp({ clock });
  tenant = await createTestTenant(t);
});

const createStore = (key: string, idem: string, name = 'Idem store') =>
  t.request({
    method: 'POST',
    url: '/v1/stores',
    key,
    body: { kind: 'brand', name },
    headers: { 'idempotency-key': idem },
  });

async function countStores(name: string, key = tenant.secretKey) {
  const res = await t.request({ method: 'GET', url: '/v1/stores?limit=100', key });
  return res.body.data.filter((s: any) => s.name === name).length;
}

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and body, without a second create', async () => {
    const first = await createStore(tenant.secretKey, 'k-replay', 'Replay');
    expectStatus(first, 201);
    const second = await createStore(tenant.secretKey, 'k-replay', 'Replay');
    expect(second.status).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await countStores('Replay')).toBe(1);
  });

  it('refuses the same key with a different body with 422', async () => {
    await createStore(tenant.secretKey, 'k-mismatch', 'One');
    const res = await createStore(tenant.secretKey, 'k-mismatch', 'Two');
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('idempotency_key_reused');
    expect(await countStores('Two')).toBe(0);
  });

  it('scopes keys per tenant', async () => {
    const other = await createTestTenant(t);
    const a = await createStore(tenant.secretKey, 'k-shared', 'Shared');
    const b = await createStore(other.secretKey, 'k-shared', 'Shared');
    expectStatus(a, 201);
    expectStatus(b, 201);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(a.body.id).not.toBe(b.body.id);
  });

  it('replays a response that showed a secret only to the caller that made it', async () => {
    const first = await t.request({
      method: 'POST',
      url: '/v1/api_keys',
      key: tenant.secretKey,
      body: { kind: 'secret' },
      headers: { 'idempotency-key': 'k-secret' },
    });
    const replay = await t.request({
      method: 'POST',
      url: '/v1/api_keys',
      key: tenant.secretKey,
      body: { kind: 'secret' },
      headers: { 'idempotency-key': 'k-secret' },
    });
    expect(replay.body.secret).toBe(first.body.secret);
    // Another key of the same tenant cannot read the stored response.
    const other = await t.request({
      method: 'POST',
      url: '/v1/api_keys',
      key: first.body.secret,
      body: { kind: 'secret' },
      headers: { 'idempotency-key': 'k-secret' },
    });
    expect(other.status).toBe(422);
    expect(JSON.stringify(other.body)).not.toContain(first.body.secret);
  });

  it('records a failed request so its retry gets the same error', async () => {
    const first = await t.request({
      method: 'POST',
      url: '/v1/api_keys',
      key: tenant.secretKey,
      body: { kind: 'publishable', store_id: 'store_missing' },
      headers: { 'idempotency-key': 'k-fail' },
    });
    expect(first.status).toBe(422);
    const again = await t.request({
      method: 'POST',
      url: '/v1/api_keys',
      key: tenant.secretKey,
      body: { kind: 'publishable', store_id: 'store_missing' },
      headers: { 'idempotency-key': 'k-fail' },
    });
    expect(again.status).toBe(422);
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  it('lets a key be reused after 24 hours', async () => {
    const first = await createStore(tenant.secretKey, 'k-expiry', 'Expiry');
    clock.advance(24 * 60 * 60 * 1000 + 1000);
    const later = await createStore(tenant.secretKey, 'k-expiry', 'Expiry');
    expectStatus(later, 201);
    expect(later.headers['idempotent-replayed']).toBeUndefined();
    expect(later.body.id).not.toBe(first.body.id);
  });

  it('refuses a malformed key with 400', async () => {
    const res = await createStore(tenant.secretKey, 'x'.repeat(300));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_idempotency_key');
  });

  it('works for platform calls too', async () => {
    const body = { name: 'Idempotent tenant' };
    const headers = { 'idempotency-key': 'k-tenant' };
    const first = await t.request({ method: 'POST', url: '/v1/tenants', key: PLATFORM_TOKEN, body, headers });
    const second = await t.request({
      method: 'POST',
      url: '/v1/tenants',
      key: PLATFORM_TOKEN,
      body,
      headers,
    });
    expect(second.body.id).toBe(first.body.id);
  });

  it('creates exactly one object for 20 concurrent identical requests', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => createStore(tenant.secretKey, 'k-race', 'Race')),
    );
    const statuses = results.map((r) => r.status);
    // Each is either the creation, its replay, or "still in progress" (409); never a second create.
    for (const s of statuses) expect([201, 409]).toContain(s);
    const ids = new Set(results.filter((r) => r.status === 201).map((r) => r.body.id));
    expect(ids.size).toBe(1);
    expect(await countStores('Race')).toBe(1);
    const conflicts = results.filter((r) => r.status === 409);
    for (const c of conflicts) expect(c.body.code).toBe('idempotency_key_in_use');
  });
});

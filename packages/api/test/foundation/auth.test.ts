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
let storeId: string;

beforeAll(async () => {
  t = await testApp({ clock });
  tenant = await createTestTenant(t);
  const store = await t.request({
    method: 'POST',
    url: '/v1/stores',
    key: tenant.secretKey,
    body: { kind: 'brand', name: 'S' },
  });
  expectStatus(store, 201);
  storeId = store.body.id;
});

async function newKey(body: Record<string, unknown>, key = tenant.secretKey) {
  const res = await t.request({ method: 'POST', url: '/v1/api_keys', key, body });
  return res;
}

describe('authentication', () => {
  it('refuses a request without a key with 401 missing_api_key', async () => {
    const res = await t.request({ method: 'GET', url: '/v1/stores' });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('missing_api_key');
  });

  it('refuses a malformed Authorization header and an unknown key with 401', async () => {
    const basic = await t.request({
      method: 'GET',
      url: '/v1/stores',
      headers: { authorization: 'Basic abc' },
    });
    expect(basic.status).toBe(401);
    expect(basic.body.code).toBe('invalid_authorization');
    const unknown = await t.request({
      method: 'GET',
      url: '/v1/stores',
      key: `${tenant.secretKey.slice(0, -4)}zzzz`,
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body.code).toBe('invalid_api_key');
    const garbage = await t.request({ method: 'GET', url: '/v1/stores', key: 'sk_nothing' });
    expect(garbage.status).toBe(401);
  });

  it('shows a new key once and stores only its hash', async () => {
    const created = await newKey({ kind: 'secret', name: 'ops' });
    expectStatus(created, 201);
    expect(created.body.secret).toMatch(/^sk_/);
    expect(created.body.redacted_key).toBe(`sk_…${created.body.secret.slice(-4)}`);
    const fetched = await t.request({
      method: 'GET',
      url: `/v1/api_keys/${created.body.id}`,
      key: tenant.secretKey,
    });
    expectStatus(fetched, 200);
    expect(fetched.body.secret).toBeUndefined();
    expect(JSON.stringify(fetched.body)).not.toContain(created.body.secret);
  });

  it('records last_used_at when a key is used', async () => {
    const created = await newKey({ kind: 'secret' });
    expect(created.body.last_used_at).toBeNull();
    expectStatus(await t.request({ method: 'GET', url: '/v1/stores', key: created.body.secret }), 200);
    const fetched = await t.request({
      method: 'GET',
      url: `/v1/api_keys/${created.body.id}`,
      key: tenant.secretKey,
    });
    expect(fetched.body.last_used_at).toBe(clock.now().toISOString());
  });

  it('refuses a revoked key with 401 at once', async () => {
    const created = await newKey({ kind: 'secret' });
    const key = created.body.secret;
    expectStatus(await t.request({ method: 'GET', url: '/v1/stores', key }), 200);
    const revoked = await t.request({
      method: 'POST',
      url: `/v1/api_keys/${created.body.id}/revoke`,
      key: tenant.secretKey,
    });
    expectStatus(revoked, 200);
    expect(revoked.body.revoked_at).not.toBeNull();
    const after = await t.request({ method: 'GET', url: '/v1/stores', key });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('invalid_api_key');
    const listed = await t.request({ method: 'GET', url: '/v1/api_keys', key: tenant.secretKey });
    expect(listed.body.data.map((k: any) => k.id)).not.toContain(created.body.id);
    const withRevoked = await t.request({
      method: 'GET',
      url: '/v1/api_keys?include_revoked=true',
      key: tenant.secretKey,
    });
    expect(withRevoked.body.data.map((k: any) => k.id)).toContain(created.body.id);
  });

  it('refuses an expired key with 401 once its expiry passes', async () => {
    const expiresAt = new Date(clock.now().getTime() + 60_000).toISOString();
    const created = await newKey({ kind: 'secret', expires_at: expiresAt });
    expectStatus(created, 201);
    expectStatus(await t.request({ method: 'GET', url: '/v1/stores', key: created.body.secret }), 200);
    clock.advance(61_000);
    const res = await t.request({ method: 'GET', url: '/v1/stores', key: created.body.secret });
    expect(res.status).toBe(401);
  });

  it('refuses an expiry in the past with 400', async () => {
    const res = await newKey({ kind: 'secret', expires_at: '2000-01-01T00:00:00Z' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_expiry');
  });
});

describe('key kinds and scopes', () => {
  it('binds a publishable key to a store and refuses it on secret-only endpoints with 403', async () => {
    const pk = await newKey({ kind: 'publishable', store_id: storeId });
    expectStatus(pk, 201);
    expect(pk.body.secret).toMatch(/^pk_/);
    const res = await t.request({ method: 'GET', url: '/v1/stores', key: pk.body.secret });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('wrong_key_kind');
    const platform = await t.request({ method: 'GET', url: '/v1/tenants', key: pk.body.secret });
    expect(platform.status).toBe(403);
  });

  it('requires the right binding for each kind', async () => {
    const noStore = await newKey({ kind: 'publishable' });
    expect(noStore.status).toBe(400);
    expect(noStore.body.errors[0].field).toBe('body.store_id');
    const secretWithStore = await newKey({ kind: 'secret', store_id: storeId });
    expect(secretWithStore.status).toBe(400);
    const missingStore = await newKey({ kind: 'publishable', store_id: 'store_doesnotexist' });
    expect(missingStore.status).toBe(422);
    expect(missingStore.body.code).toBe('invalid_reference');
  });

  it('confines a supplier key to its own supplier', async () => {
    const a = await t.request({
      method: 'POST',
      url: '/v1/suppliers',
      key: tenant.secretKey,
      body: { name: 'A' },
    });
    const b = await t.request({
      method: 'POST',
      url: '/v1/suppliers',
      key: tenant.secretKey,
      body: { name: 'B' },
    });
    const spk = await newKey({ kind: 'supplier', supplier_id: a.body.id });
    expectStatus(spk, 201);
    const list = await t.request({ method: 'GET', url: '/v1/suppliers', key: spk.body.secret });
    expectStatus(list, 200);
    expect(list.body.data.map((s: any) => s.id)).toEqual([a.body.id]);
    expect(
      (await t.request({ method: 'GET', url: `/v1/suppliers/${a.body.id}`, key: spk.body.secret })).status,
    ).toBe(200);
    expect(
      (await t.request({ method: 'GET', url: `/v1/suppliers/${b.body.id}`, key: spk.body.secret })).status,
    ).toBe(404);
    const write = await t.request({
      method: 'PATCH',
      url: `/v1/suppliers/${a.body.id}`,
      key: spk.body.secret,
      body: { name: 'x' },
    });
    expect(write.status).toBe(403);
  });

  it('refuses a key without the scope a route needs with 403', async () => {
    const readOnly = await newKey({ kind: 'secret', scopes: ['stores:read'] });
    expectStatus(readOnly, 201);
    expectStatus(await t.request({ method: 'GET', url: '/v1/stores', key: readOnly.body.secret }), 200);
    const write = await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: readOnly.body.secret,
      body: { kind: 'brand', name: 'n' },
    });
    expect(write.status).toBe(403);
    expect(write.body.code).toBe('insufficient_scope');
    const keys = await t.request({ method: 'GET', url: '/v1/api_keys', key: readOnly.body.secret });
    expect(keys.status).toBe(403);
  });

  it('lets a restricted key create only keys restricted as much as itself', async () => {
    const keyAdmin = await newKey({ kind: 'secret', scopes: ['api_keys:write', 'stores:read'] });
    const unrestricted = await newKey({ kind: 'secret' }, keyAdmin.body.secret);
    expect(unrestricted.status).toBe(403);
    expect(unrestricted.body.code).toBe('scope_escalation');
    const wider = await newKey({ kind: 'secret', scopes: ['stores:write'] }, keyAdmin.body.secret);
    expect(wider.status).toBe(403);
    const narrower = await newKey({ kind: 'secret', scopes: ['stores:read'] }, keyAdmin.body.secret);
    expect(narrower.status).toBe(201);
  });
});

describe('tenant suspension', () => {
  it("refuses a suspended tenant's keys with 403 and accepts them again after reactivation", async () => {
    const other = await createTestTenant(t);
    expectStatus(await t.request({ method: 'GET', url: '/v1/stores', key: other.secretKey }), 200);
    const suspended = await t.request({
      method: 'POST',
      url: `/v1/tenants/${other.id}/suspend`,
      key: PLATFORM_TOKEN,
    });
    expectStatus(suspended, 200);
    expect(suspended.body.status).toBe('suspended');
    const refused = await t.request({ method: 'GET', url: '/v1/stores', key: other.secretKey });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('tenant_suspended');
    expectStatus(
      await t.request({ method: 'POST', url: `/v1/tenants/${other.id}/reactivate`, key: PLATFORM_TOKEN }),
      200,
    );
    expectStatus(await t.request({ method: 'GET', url: '/v1/stores', key: other.secretKey }), 200);
  });
});

describe('platform and partners', () => {
  it('refuses the platform endpoints to a wrong platform token', async () => {
    const res = await t.request({ method: 'GET', url: '/v1/tenants', key: `${PLATFORM_TOKEN}x` });
    expect(res.status).toBe(401);
  });

  it('confines a partner to the tenants it created, including minting keys', async () => {
    const p1 = await t.request({
      method: 'POST',
      url: '/v1/partners',
      key: PLATFORM_TOKEN,
      body: { name: 'Agency 1' },
    });
    const p2 = await t.request({
      method: 'POST',
      url: '/v1/partners',
      key: PLATFORM_TOKEN,
      body: { name: 'Agency 2' },
    });
    expectStatus(p1, 201);
    expect(p1.body.token).toMatch(/^ptk_/);
    const t1 = await t.request({
      method: 'POST',
      url: '/v1/tenants',
      key: p1.body.token,
      body: { name: 'Client of 1' },
    });
    const t2 = await t.request({
      method: 'POST',
      url: '/v1/tenants',
      key: p2.body.token,
      body: { name: 'Client of 2' },
    });
    expectStatus(t1, 201);
    expect(t1.body.partner_id).toBe(p1.body.id);

    const list1 = await t.request({ method: 'GET', url: '/v1/tenants', key: p1.body.token });
    expect(list1.body.data.map((x: any) => x.id)).toEqual([t1.body.id]);
    expect(
      (await t.request({ method: 'GET', url: `/v1/tenants/${t2.body.id}`, key: p1.body.token })).status,
    ).toBe(404);
    expect(
      (await t.request({ method: 'POST', url: `/v1/tenants/${t2.body.id}/suspend`, key: p1.body.token }))
        .status,
    ).toBe(404);
    const foreignKey = await t.request({
      method: 'POST',
      url: `/v1/tenants/${t2.body.id}/api_keys`,
      key: p1.body.token,
      body: { kind: 'secret' },
    });
    expect(foreignKey.status).toBe(404);

    const minted = await t.request({
      method: 'POST',
      url: `/v1/tenants/${t1.body.id}/api_keys`,
      key: p1.body.token,
      body: { kind: 'secret' },
    });
    expectStatus(minted, 201);
    const me = await t.request({ method: 'GET', url: '/v1/tenant', key: minted.body.secret });
    expect(me.body.id).toBe(t1.body.id);

    // Partners cannot manage partners; the platform sees all tenants.
    expect((await t.request({ method: 'GET', url: '/v1/partners', key: p1.body.token })).status).toBe(403);
    const all = await t.request({ method: 'GET', url: '/v1/tenants?limit=100', key: PLATFORM_TOKEN });
    const ids = all.body.data.map((x: any) => x.id);
    expect(ids).toEqual(expect.arrayContaining([t1.body.id, t2.body.id]));
  });

  it("refuses a suspended partner's token with 403 and a rolled token's old value with 401", async () => {
    const p = await t.request({
      method: 'POST',
      url: '/v1/partners',
      key: PLATFORM_TOKEN,
      body: { name: 'Agency 3' },
    });
    const old = p.body.token;
    expectStatus(await t.request({ method: 'GET', url: '/v1/tenants', key: old }), 200);
    const rolled = await t.request({
      method: 'PATCH',
      url: `/v1/partners/${p.body.id}`,
      key: PLATFORM_TOKEN,
      body: { roll_token: true },
    });
    expectStatus(rolled, 200);
    expect((await t.request({ method: 'GET', url: '/v1/tenants', key: old })).status).toBe(401);
    expectStatus(await t.request({ method: 'GET', url: '/v1/tenants', key: rolled.body.token }), 200);
    await t.request({
      method: 'PATCH',
      url: `/v1/partners/${p.body.id}`,
      key: PLATFORM_TOKEN,
      body: { status: 'suspended' },
    });
    const res = await t.request({ method: 'GET', url: '/v1/tenants', key: rolled.body.token });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('partner_suspended');
  });
});

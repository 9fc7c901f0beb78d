import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, expectStatus, type TestApp, type TestTenant, testApp } from '../helpers';

let t: TestApp;
let tenant: TestTenant;

beforeAll(async () => {
  t = await testApp();
  tenant = await createTestTenant(t);
});

describe('stores', () => {
  it('creates, reads, updates and merges settings and metadata', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: tenant.secretKey,
      body: {
        kind: 'white_label',
        name: '客户A的商城',
        settings: { primary_color: '#112233', custom_domain: 'shop.example.cn' },
        metadata: { crm: '42' },
      },
    });
    expectStatus(created, 201);
    expect(created.body).toMatchObject({
      object: 'store',
      kind: 'white_label',
      name: '客户A的商城',
      status: 'active',
    });
    expect(created.body.id).toMatch(/^store_[0-9a-z]{26}$/);
    const updated = await t.request({
      method: 'PATCH',
      url: `/v1/stores/${created.body.id}`,
      key: tenant.secretKey,
      body: {
        settings: { primary_color: null, accent_color: '#445566' },
        metadata: { crm: null, region: 'east' },
      },
    });
    expectStatus(updated, 200);
    expect(updated.body.settings).toEqual({ custom_domain: 'shop.example.cn', accent_color: '#445566' });
    expect(updated.body.metadata).toEqual({ region: 'east' });
    const fetched = await t.request({
      method: 'GET',
      url: `/v1/stores/${created.body.id}`,
      key: tenant.secretKey,
    });
    expect(fetched.body).toEqual(updated.body);
  });

  it('rejects a bad colour and a bad domain with field errors', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: tenant.secretKey,
      body: {
        kind: 'white_label',
        name: 'x',
        settings: { primary_color: 'red', custom_domain: 'not a domain' },
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: any) => e.field).sort()).toEqual([
      'body.settings.custom_domain',
      'body.settings.primary_color',
    ]);
  });

  it('pages through a list with cursors, newest first, without gaps or repeats', async () => {
    const own = await createTestTenant(t);
    const made: string[] = [];
    for (let i = 0; i < 25; i++) {
      const res = await t.request({
        method: 'POST',
        url: '/v1/stores',
        key: own.secretKey,
        body: { kind: 'brand', name: `S${i}` },
      });
      made.push(res.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const url = `/v1/stores?limit=10${cursor ? `&starting_after=${cursor}` : ''}`;
      const page = await t.request({ method: 'GET', url, key: own.secretKey });
      expectStatus(page, 200);
      sizes.push(page.body.data.length);
      seen.push(...page.body.data.map((s: any) => s.id));
      expect(page.body.has_more).toBe(page.body.next_cursor !== null);
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(sizes).toEqual([10, 10, 5]);
    expect(seen).toEqual([...made].reverse());
  });

  it('filters by kind', async () => {
    const own = await createTestTenant(t);
    await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: own.secretKey,
      body: { kind: 'brand', name: 'B' },
    });
    const shopkeeper = await t.request({
      method: 'POST',
      url: '/v1/promoters',
      key: own.secretKey,
      body: { kind: 'shopkeeper', name: '店主' },
    });
    const shop = await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: own.secretKey,
      body: { kind: 'shopkeeper', name: 'K', owner_promoter_id: shopkeeper.body.id },
    });
    expectStatus(shop, 201);
    const res = await t.request({ method: 'GET', url: '/v1/stores?kind=shopkeeper', key: own.secretKey });
    expect(res.body.data.map((s: any) => s.name)).toEqual(['K']);
  });
});

describe('suppliers', () => {
  it("makes a tenant's first supplier its default, and keeps one default", async () => {
    const own = await createTestTenant(t);
    const first = await t.request({
      method: 'POST',
      url: '/v1/suppliers',
      key: own.secretKey,
      body: { name: '品牌一', code: 'B1' },
    });
    const second = await t.request({
      method: 'POST',
      url: '/v1/suppliers',
      key: own.secretKey,
      body: { name: '品牌二' },
    });
    expect(first.body.is_default).toBe(true);
    expect(second.body.is_default).toBe(false);
    const switched = await t.request({
      method: 'PATCH',
      url: `/v1/suppliers/${second.body.id}`,
      key: own.secretKey,
      body: { is_default: true },
    });
    expect(switched.body.is_default).toBe(true);
    const list = await t.request({ method: 'GET', url: '/v1/suppliers', key: own.secretKey });
    expect(list.body.data.filter((s: any) => s.is_default).map((s: any) => s.id)).toEqual([second.body.id]);
  });

  it('refuses a duplicate code with 409 and a bad email with 400', async () => {
    const own = await createTestTenant(t);
    await t.request({
      method: 'POST',
      url: '/v1/suppliers',
      key: own.secretKey,
      body: { name: 'A', code: 'DUP' },
    });
    const dup = await t.request({
      method: 'POST',
      url: '/v1/suppliers',
      key: own.secretKey,
      body: { name: 'B', code: 'DUP' },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('supplier_code_taken');
    const email = await t.request({
      method: 'POST',
      url: '/v1/suppliers',
      key: own.secretKey,
      body: { name: 'C', contact: { email: 'nope' } },
    });
    expect(email.status).toBe(400);
    expect(email.body.errors[0].field).toBe('body.contact.email');
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/tenancy';
import { reserveStock } from '../../src/modules/inventory/stock';
import { expectStatus, type TestApp, testApp } from '../helpers';
import { type CatalogTenant, catalogTenant, createProduct, productBody } from './setup';

let t: TestApp;
let a: CatalogTenant;

beforeAll(async () => {
  t = await testApp();
  a = await catalogTenant(t);
});

async function storefront(url: string, key = a.publishableKey, headers: Record<string, string> = {}) {
  return t.request({ method: 'GET', url, key, headers });
}

async function setStock(tenant: CatalogTenant, items: Array<{ sku: string; on_hand: number }>) {
  const res = await t.request({
    method: 'POST',
    url: '/v1/inventory_levels/sync',
    key: tenant.secretKey,
    body: { items },
  });
  expectStatus(res, 200);
}

describe('storefront reads with a publishable key', () => {
  it("shows only published products of the key's tenant, at the store's price, with availability", async () => {
    const own = await catalogTenant(t);
    const published = await createProduct(
      t,
      own.secretKey,
      productBody('夏季新款连衣裙', {
        status: 'published',
        metadata: { internal: '成本价 80' },
        external_ids: { erp: 'SECRET-ERP-ID' },
        media: ['https://img.example.cn/1.jpg'],
      }),
    );
    await createProduct(t, own.secretKey, productBody('草稿'));
    const archived = await createProduct(t, own.secretKey, productBody('下架', { status: 'published' }));
    await t.request({ method: 'POST', url: `/v1/products/${archived.id}/archive`, key: own.secretKey });
    await createProduct(t, a.secretKey, productBody('别的租户', { status: 'published' }));
    await setStock(own, [{ sku: published.variants[0].sku, on_hand: 7 }]);

    const res = await storefront('/v1/storefront/products', own.publishableKey);
    expectStatus(res, 200);
    expect(res.body.data.map((p: any) => p.title)).toEqual(['夏季新款连衣裙']);
    const [product] = res.body.data;
    expect(product).toEqual({
      id: published.id,
      object: 'storefront_product',
      title: '夏季新款连衣裙',
      description: null,
      handle: null,
      category_id: null,
      tags: [],
      media: ['https://img.example.cn/1.jpg'],
      options: [{ name: '颜色', values: ['红色', '蓝色'] }],
      price_min: 19900,
      price_max: 19900,
      currency: 'CNY',
      available: 7,
      in_stock: true,
      variants: [
        {
          id: published.variants[0].id,
          sku: published.variants[0].sku,
          options: [{ name: '颜色', value: '红色' }],
          price: 19900,
          currency: 'CNY',
          available: 7,
          in_stock: true,
        },
        {
          id: published.variants[1].id,
          sku: published.variants[1].sku,
          options: [{ name: '颜色', value: '蓝色' }],
          price: 19900,
          currency: 'CNY',
          available: 0,
          in_stock: false,
        },
      ],
      recommendation: null,
      updated_at: published.updated_at,
    });
    // Neither the names nor the values of what the tenant keeps to itself (supply 9900, band 15900–25900).
    for (const secret of [
      'supply_price',
      'retail_floor',
      'retail_ceiling',
      'metadata',
      'supplier',
      '成本价',
      'SECRET-ERP-ID',
    ]) {
      expect(res.raw).not.toContain(secret);
    }
    for (const amount of [9900, 15900, 25900]) expect(res.raw).not.toMatch(new RegExp(`\\b${amount}\\b`));
    const one = await storefront(`/v1/storefront/products/${published.id}`, own.publishableKey);
    expect(one.body).toEqual(product);
  });

  it('answers 404 for drafts, archived products and other tenants’ products', async () => {
    const draft = await createProduct(t, a.secretKey, productBody('草稿'));
    const other = await catalogTenant(t);
    const foreign = await createProduct(t, other.secretKey, productBody('别家', { status: 'published' }));
    for (const id of [draft.id, foreign.id, 'prod_nope']) {
      const res = await storefront(`/v1/storefront/products/${id}`);
      expect(res.status, id).toBe(404);
      expect(res.body.code).toBe('resource_missing');
    }
  });

  it('filters by category (and below), tag and search, and pages with cursors', async () => {
    const own = await catalogTenant(t);
    const post = async (body: unknown) =>
      (await t.request({ method: 'POST', url: '/v1/categories', key: own.secretKey, body })).body;
    const women = await post({ name: '女装' });
    const dresses = await post({ name: '连衣裙', parent_id: women.id });
    const publish = (title: string, extra: Record<string, unknown> = {}) =>
      createProduct(t, own.secretKey, productBody(title, { status: 'published', ...extra }));
    const p1 = await publish('碎花连衣裙', { category_id: dresses.id, tags: ['新品'] });
    const p2 = await publish('针织开衫', { category_id: women.id });
    const p3 = await publish('男士衬衫', { tags: ['新品'] });
    const titles = async (query: string) =>
      (await storefront(`/v1/storefront/products?${query}`, own.publishableKey)).body.data.map(
        (p: any) => p.id,
      );
    expect(await titles(`category_id=${women.id}`)).toEqual([p2.id, p1.id]);
    expect(await titles(`category_id=${dresses.id}`)).toEqual([p1.id]);
    expect(await titles(`tag=${encodeURIComponent('新品')}`)).toEqual([p3.id, p1.id]);
    expect(await titles(`q=${encodeURIComponent('连衣裙')}`)).toEqual([p1.id]);
    expect(await titles(`q=${encodeURIComponent('衫')}`)).toEqual([p3.id, p2.id]);
    const first = await storefront('/v1/storefront/products?limit=2', own.publishableKey);
    const second = await storefront(
      `/v1/storefront/products?limit=2&starting_after=${first.body.next_cursor}`,
      own.publishableKey,
    );
    expect([...first.body.data, ...second.body.data].map((p: any) => p.id)).toEqual([p3.id, p2.id, p1.id]);
    expect(second.body.has_more).toBe(false);
    const bad = await storefront('/v1/storefront/products?starting_after=garbage', own.publishableKey);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_cursor');
  });

  it('answers If-None-Match with 304, and changes the ETag at once after a write', async () => {
    const own = await catalogTenant(t);
    const product = await createProduct(t, own.secretKey, productBody('缓存测试', { status: 'published' }));
    const first = await storefront('/v1/storefront/products', own.publishableKey);
    expect(first.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers['cache-control']).toBe('public, max-age=5, stale-while-revalidate=30');
    expect(first.headers.vary).toBe('Authorization');
    const again = await storefront('/v1/storefront/products', own.publishableKey, {
      'if-none-match': first.headers.etag,
    });
    expect(again.status).toBe(304);
    expect(again.raw).toBe('');
    expect(again.headers.etag).toBe(first.headers.etag);
    const weak = await storefront('/v1/storefront/products', own.publishableKey, {
      'if-none-match': `"other", W/${first.headers.etag}`,
    });
    expect(weak.status).toBe(304);

    // A catalog write is visible to the very next read.
    await t.request({
      method: 'PATCH',
      url: `/v1/products/${product.id}`,
      key: own.secretKey,
      body: { title: '缓存测试（改）' },
    });
    const renamed = await storefront('/v1/storefront/products', own.publishableKey, {
      'if-none-match': first.headers.etag,
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.data[0].title).toBe('缓存测试（改）');
    expect(renamed.headers.etag).not.toBe(first.headers.etag);

    // So is a stock change, through the inventory API and through an order's reservation.
    await setStock(own, [{ sku: product.variants[0].sku, on_hand: 3 }]);
    const stocked = await storefront(`/v1/storefront/products/${product.id}`, own.publishableKey);
    expect(stocked.body.available).toBe(3);
    await withTenant(t.app.db, own.id, (tx) =>
      reserveStock(tx, { tenantId: own.id, clock: t.config.clock }, [
        { variant_id: product.variants[0].id, quantity: 2 },
      ]),
    );
    const reserved = await storefront(`/v1/storefront/products/${product.id}`, own.publishableKey, {
      'if-none-match': stocked.headers.etag,
    });
    expect(reserved.status).toBe(200);
    expect(reserved.body.available).toBe(1);
    // Unpublishing removes it at once.
    await t.request({ method: 'POST', url: `/v1/products/${product.id}/archive`, key: own.secretKey });
    const gone = await storefront(`/v1/storefront/products/${product.id}`, own.publishableKey);
    expect(gone.status).toBe(404);
  });

  it('serves the store: name, currency and theme, never its metadata', async () => {
    const own = await catalogTenant(t);
    await t.request({
      method: 'PATCH',
      url: `/v1/stores/${own.storeId}`,
      key: own.secretKey,
      body: {
        settings: { display_name: '木匠优选', primary_color: '#C8102E', custom_domain: 'shop.example.cn' },
        metadata: { crm_owner: '张三' },
      },
    });
    const res = await storefront('/v1/storefront/store', own.publishableKey);
    expectStatus(res, 200);
    expect(res.body).toEqual({
      id: own.storeId,
      object: 'storefront_store',
      name: '旗舰店',
      kind: 'brand',
      status: 'active',
      currency: 'CNY',
      theme: {
        display_name: '木匠优选',
        logo_url: null,
        primary_color: '#C8102E',
        accent_color: null,
        support_phone: null,
      },
    });
    expect(res.raw).not.toContain('张三');
    await t.request({
      method: 'PATCH',
      url: `/v1/stores/${own.storeId}`,
      key: own.secretKey,
      body: { settings: { accent_color: '#F5A623' } },
    });
    const updated = await storefront('/v1/storefront/store', own.publishableKey);
    expect(updated.body.theme.accent_color).toBe('#F5A623');

    await t.request({
      method: 'PATCH',
      url: `/v1/stores/${own.storeId}`,
      key: own.secretKey,
      body: { status: 'closed' },
    });
    const closed = await storefront('/v1/storefront/products', own.publishableKey);
    expect(closed.status).toBe(403);
    expect(closed.body.code).toBe('store_closed');
  });

  it('takes publishable keys only, and publishable keys read nothing else of the catalog', async () => {
    const secret = await storefront('/v1/storefront/products', a.secretKey);
    expect(secret.status).toBe(403);
    expect(secret.body.code).toBe('wrong_key_kind');
    for (const url of ['/v1/products', '/v1/variants', '/v1/categories', '/v1/inventory_levels']) {
      const res = await storefront(url);
      expect(res.status, url).toBe(403);
    }
  });
});

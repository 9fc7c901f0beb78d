import { beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, expectStatus, FakeClock, type TestApp, testApp } from '../helpers';
import {
  type CatalogTenant,
  catalogTenant,
  createProduct,
  eventsOf,
  mineAndTheirs,
  productBody,
  sku,
} from './setup';

let t: TestApp;
let clock: FakeClock;
let a: CatalogTenant;

beforeAll(async () => {
  clock = new FakeClock();
  t = await testApp({ clock });
  a = await catalogTenant(t);
});

const fields = (res: { body: any }) => res.body.errors.map((e: any) => `${e.field}:${e.code}`).sort();

describe('creating products', () => {
  it('creates a product with its variants, on the default supplier, as a draft, in the tenant currency', async () => {
    const body = productBody('夏季新款连衣裙', {
      description: '透气棉麻',
      handle: 'summer-dress',
      tags: ['新品', '夏季'],
      media: ['https://img.example.cn/dress.jpg'],
      external_ids: { shopify: '8123', erp: 'D-100' },
      metadata: { season: 'summer' },
    });
    const product = await createProduct(t, a.secretKey, body);
    expect(product).toMatchObject({
      object: 'product',
      title: '夏季新款连衣裙',
      status: 'draft',
      supplier_id: a.supplierId,
      handle: 'summer-dress',
      tags: ['新品', '夏季'],
      external_ids: { shopify: '8123', erp: 'D-100' },
      published_at: null,
    });
    expect(product.id).toMatch(/^prod_/);
    expect(product.variants).toHaveLength(2);
    expect(product.variants[0]).toMatchObject({
      object: 'variant',
      product_id: product.id,
      sku: body.variants[0]!.sku,
      currency: 'CNY',
      list_price: 19900,
      supply_price: 9900,
      retail_floor: 15900,
      retail_ceiling: 25900,
      options: [{ name: '颜色', value: '红色' }],
    });
    const fetched = await t.request({ method: 'GET', url: `/v1/products/${product.id}`, key: a.secretKey });
    expect(fetched.body).toEqual(product);
    const events = await eventsOf(t, a.id, 'product.created');
    expect(events.map((e) => e.object_id)).toContain(product.id);
    expect(events.find((e) => e.object_id === product.id)!.data.object.variants).toHaveLength(2);
  });

  it("prices variants in the tenant's currency unless told otherwise", async () => {
    const hk = await catalogTenant(t, { currency: 'HKD' });
    const product = await createProduct(t, hk.secretKey, productBody('港版T恤'));
    expect(product.variants[0].currency).toBe('HKD');
    const usd = await createProduct(t, hk.secretKey, {
      title: 'USD item',
      variants: [{ sku: sku(), list_price: 1000, currency: 'USD' }],
    });
    expect(usd.variants[0].currency).toBe('USD');
  });

  it('names each broken price rule with its field', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/products',
      key: a.secretKey,
      body: {
        title: '价格错误',
        variants: [
          { sku: sku(), list_price: 100, supply_price: 200 },
          { sku: sku(), list_price: 300, retail_floor: 500, retail_ceiling: 400 },
          { sku: sku(), list_price: 900, retail_floor: 100, retail_ceiling: 800 },
          { sku: sku(), list_price: 150, supply_price: 120, retail_floor: 100 },
        ].map((v, i) => ({ ...v, options: [{ name: '尺码', value: `${i}` }] })),
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('invalid_product');
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(fields(res)).toEqual([
      'body.variants.0.supply_price:supply_above_list',
      'body.variants.1.list_price:list_below_floor',
      'body.variants.1.retail_floor:floor_above_ceiling',
      'body.variants.2.list_price:list_above_ceiling',
      'body.variants.3.retail_floor:floor_below_supply',
    ]);
  });

  it('refuses malformed input with 400 and field errors', async () => {
    const cases: Array<[unknown, string]> = [
      [{ title: 'x', variants: [{ sku: sku(), list_price: -1 }] }, 'body.variants.0.list_price'],
      [{ title: 'x', variants: [{ sku: sku(), list_price: 19.9 }] }, 'body.variants.0.list_price'],
      [{ title: 'x', variants: [] }, 'body.variants'],
      [{ title: '', variants: [{ sku: sku(), list_price: 1 }] }, 'body.title'],
      [{ title: 'x', colour: 'red', variants: [{ sku: sku(), list_price: 1 }] }, 'body.colour'],
      [{ title: 'x', handle: 'Has Spaces', variants: [{ sku: sku(), list_price: 1 }] }, 'body.handle'],
      [{ title: 'x', variants: [{ sku: 'has space', list_price: 1 }] }, 'body.variants.0.sku'],
      [
        {
          title: 'x',
          variants: [
            {
              sku: sku(),
              list_price: 1,
              options: [1, 2, 3, 4].map((i) => ({ name: `o${i}`, value: 'v' })),
            },
          ],
        },
        'body.variants.0.options',
      ],
      [{ title: 'x', media: ['ftp://x'], variants: [{ sku: sku(), list_price: 1 }] }, 'body.media.0'],
    ];
    for (const [body, field] of cases) {
      const res = await t.request({ method: 'POST', url: '/v1/products', key: a.secretKey, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe('invalid_request');
      expect(res.body.errors.map((e: any) => e.field)).toContain(field);
    }
  });

  it('keeps SKUs, handles and external ids unique in the tenant, and only there', async () => {
    const first = await createProduct(
      t,
      a.secretKey,
      productBody('唯一', { handle: 'unique-one', external_ids: { shopify: 'S-1' } }),
    );
    const takenSku = first.variants[0].sku;
    const sameSku = await t.request({
      method: 'POST',
      url: '/v1/products',
      key: a.secretKey,
      body: { title: 'dup', variants: [{ sku: takenSku, list_price: 1 }] },
    });
    expect(sameSku.status).toBe(409);
    expect(sameSku.body.code).toBe('sku_taken');
    expect(fields(sameSku)).toEqual(['body.variants.0.sku:sku_taken']);

    const twice = sku();
    const inRequest = await t.request({
      method: 'POST',
      url: '/v1/products',
      key: a.secretKey,
      body: {
        title: 'dup',
        variants: [
          { sku: twice, list_price: 1, options: [{ name: '尺码', value: 'S' }] },
          { sku: twice, list_price: 1, options: [{ name: '尺码', value: 'M' }] },
        ],
      },
    });
    expect(inRequest.status).toBe(422);
    expect(fields(inRequest)).toEqual(['body.variants.1.sku:duplicate_sku']);

    const handle = await t.request({
      method: 'POST',
      url: '/v1/products',
      key: a.secretKey,
      body: productBody('dup handle', { handle: 'unique-one' }),
    });
    expect(handle.status).toBe(409);
    expect(handle.body.code).toBe('handle_taken');

    const external = await t.request({
      method: 'POST',
      url: '/v1/products',
      key: a.secretKey,
      body: productBody('dup external', { external_ids: { shopify: 'S-1' } }),
    });
    expect(external.status).toBe(409);
    expect(fields(external)).toEqual(['body.external_ids.shopify:external_id_taken']);

    // Another tenant may use the same codes.
    const b = await catalogTenant(t);
    await createProduct(t, b.secretKey, {
      title: 'same codes',
      handle: 'unique-one',
      external_ids: { shopify: 'S-1' },
      variants: [{ sku: takenSku, list_price: 1 }],
    });
  });

  it('keeps option names consistent and option values distinct across variants', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/products',
      key: a.secretKey,
      body: {
        title: '选项',
        variants: [
          {
            sku: sku(),
            list_price: 1,
            options: [
              { name: '颜色', value: '红' },
              { name: '尺码', value: 'M' },
            ],
          },
          {
            sku: sku(),
            list_price: 1,
            options: [
              { name: '颜色', value: '红' },
              { name: '尺码', value: 'M' },
            ],
          },
          { sku: sku(), list_price: 1, options: [{ name: '尺码', value: 'L' }] },
          {
            sku: sku(),
            list_price: 1,
            options: [
              { name: '颜色', value: '蓝' },
              { name: '颜色', value: '绿' },
            ],
          },
        ],
      },
    });
    expect(res.status).toBe(422);
    expect(fields(res)).toEqual([
      'body.variants.1.options:duplicate_options',
      'body.variants.2.options:option_names_mismatch',
      'body.variants.3.options:duplicate_option_name',
    ]);
  });

  it('refuses unknown references, and a tenant without a default supplier', async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/products',
      key: a.secretKey,
      body: productBody('x', { supplier_id: 'sup_nope', category_id: 'cat_nope' }),
    });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('invalid_reference');
    const bare = await createTestTenant(t);
    const none = await t.request({
      method: 'POST',
      url: '/v1/products',
      key: bare.secretKey,
      body: productBody('x'),
    });
    expect(none.status).toBe(422);
    expect(none.body.code).toBe('supplier_required');
    expect(fields(none)).toEqual(['body.supplier_id:required']);
  });
});

describe('updating products', () => {
  it('changes fields, merges records, changes and adds variants, and records product.updated', async () => {
    const product = await createProduct(
      t,
      a.secretKey,
      productBody('旧标题', { metadata: { a: '1', b: '2' }, external_ids: { shopify: 'U-1', erp: 'E-1' } }),
    );
    clock.advance(60_000);
    const newSku = sku();
    const res = await t.request({
      method: 'PATCH',
      url: `/v1/products/${product.id}`,
      key: a.secretKey,
      body: {
        title: '新标题',
        status: 'published',
        tags: ['热卖'],
        metadata: { a: null, c: '3' },
        external_ids: { erp: null, taobao: 'T-1' },
        variants: [
          { id: product.variants[0].id, list_price: 18900 },
          { sku: newSku, list_price: 19900, options: [{ name: '颜色', value: '黑色' }] },
        ],
      },
    });
    expectStatus(res, 200);
    expect(res.body).toMatchObject({
      title: '新标题',
      status: 'published',
      tags: ['热卖'],
      metadata: { b: '2', c: '3' },
      external_ids: { shopify: 'U-1', taobao: 'T-1' },
      published_at: clock.now().toISOString(),
      updated_at: clock.now().toISOString(),
    });
    expect(res.body.variants.map((v: any) => [v.sku, v.list_price])).toEqual([
      [product.variants[0].sku, 18900],
      [product.variants[1].sku, 19900],
      [newSku, 19900],
    ]);
    const events = await eventsOf(t, a.id, 'product.updated');
    expect(events.filter((e) => e.object_id === product.id)).toHaveLength(1);
    // The freed external id can be used by another product now.
    await createProduct(t, a.secretKey, productBody('frees', { external_ids: { erp: 'E-1' } }));
  });

  it('checks the price rules on the result of a change', async () => {
    const product = await createProduct(t, a.secretKey, productBody('控价'));
    const variant = product.variants[0];
    const viaProduct = await t.request({
      method: 'PATCH',
      url: `/v1/products/${product.id}`,
      key: a.secretKey,
      body: { variants: [{ id: variant.id, retail_floor: 30000 }] },
    });
    expect(viaProduct.status).toBe(422);
    expect(fields(viaProduct)).toEqual([
      'body.variants.0.list_price:list_below_floor',
      'body.variants.0.retail_floor:floor_above_ceiling',
    ]);
    const viaVariant = await t.request({
      method: 'PATCH',
      url: `/v1/variants/${variant.id}`,
      key: a.secretKey,
      body: { supply_price: 50000 },
    });
    expect(viaVariant.status).toBe(422);
    expect(fields(viaVariant)).toEqual([
      'body.retail_floor:floor_below_supply',
      'body.supply_price:supply_above_list',
    ]);
    const ok = await t.request({
      method: 'PATCH',
      url: `/v1/variants/${variant.id}`,
      key: a.secretKey,
      body: { list_price: 21900, barcode: '6901234567892', weight_grams: 350 },
    });
    expectStatus(ok, 200);
    expect(ok.body).toMatchObject({ list_price: 21900, barcode: '6901234567892', weight_grams: 350 });
  });

  it('refuses a variant id of another product, and a new variant without its SKU', async () => {
    const one = await createProduct(t, a.secretKey, productBody('一'));
    const two = await createProduct(t, a.secretKey, productBody('二'));
    const res = await t.request({
      method: 'PATCH',
      url: `/v1/products/${one.id}`,
      key: a.secretKey,
      body: { variants: [{ id: two.variants[0].id, list_price: 1 }, { list_price: 5 }] },
    });
    expect(res.status).toBe(422);
    expect(fields(res)).toEqual(['body.variants.0.id:invalid_reference', 'body.variants.1.sku:required']);
  });

  it('archives a product', async () => {
    const product = await createProduct(t, a.secretKey, productBody('下架', { status: 'published' }));
    const res = await t.request({
      method: 'POST',
      url: `/v1/products/${product.id}/archive`,
      key: a.secretKey,
    });
    expectStatus(res, 200);
    expect(res.body.status).toBe('archived');
    const missing = await t.request({
      method: 'POST',
      url: '/v1/products/prod_nope/archive',
      key: a.secretKey,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('resource_missing');
  });
});

describe('listing products', () => {
  it('filters by status, supplier, category (with the categories below it), tag and update time, and pages', async () => {
    const own = await catalogTenant(t);
    const post = async (url: string, body: unknown) =>
      (await t.request({ method: 'POST', url, key: own.secretKey, body })).body;
    const clothes = await post('/v1/categories', { name: '服装' });
    const dresses = await post('/v1/categories', { name: '连衣裙', parent_id: clothes.id });
    const other = await post('/v1/suppliers', { name: '另一个品牌' });
    const p1 = await createProduct(
      t,
      own.secretKey,
      productBody('一', { category_id: dresses.id, tags: ['新品'] }),
    );
    clock.advance(1000);
    const since = clock.now().toISOString();
    const p2 = await createProduct(
      t,
      own.secretKey,
      productBody('二', { status: 'published', supplier_id: other.id }),
    );
    const p3 = await createProduct(
      t,
      own.secretKey,
      productBody('三', { category_id: clothes.id, tags: ['新品'] }),
    );
    const ids = async (query: string) => {
      const res = await t.request({ method: 'GET', url: `/v1/products?${query}`, key: own.secretKey });
      expectStatus(res, 200);
      return res.body.data.map((p: any) => p.id);
    };
    expect(await ids('')).toEqual([p3.id, p2.id, p1.id]);
    expect(await ids('status=published')).toEqual([p2.id]);
    expect(await ids(`supplier_id=${other.id}`)).toEqual([p2.id]);
    expect(await ids(`category_id=${clothes.id}`)).toEqual([p3.id, p1.id]);
    expect(await ids(`category_id=${dresses.id}`)).toEqual([p1.id]);
    expect(await ids(`tag=${encodeURIComponent('新品')}`)).toEqual([p3.id, p1.id]);
    expect(await ids(`updated_since=${since}`)).toEqual([p3.id, p2.id]);
    const page1 = await t.request({ method: 'GET', url: '/v1/products?limit=2', key: own.secretKey });
    expect(page1.body.has_more).toBe(true);
    const page2 = await t.request({
      method: 'GET',
      url: `/v1/products?limit=2&starting_after=${page1.body.next_cursor}`,
      key: own.secretKey,
    });
    expect([...page1.body.data, ...page2.body.data].map((p: any) => p.id)).toEqual([p3.id, p2.id, p1.id]);
    expect(page2.body.has_more).toBe(false);
    const bad = await t.request({
      method: 'GET',
      url: '/v1/products?updated_since=yesterday',
      key: own.secretKey,
    });
    expect(bad.status).toBe(400);
  });
});

describe('supplier keys', () => {
  it('see and change only their own supplier’s products, and create only for it', async () => {
    const { own, otherSupplierId, mine, theirs } = await mineAndTheirs(t);
    expect(mine.supplier_id).toBe(own.supplierId);

    const forOther = await t.request({
      method: 'POST',
      url: '/v1/products',
      key: own.supplierKey,
      body: productBody('冒充', { supplier_id: otherSupplierId }),
    });
    expect(forOther.status).toBe(422);
    expect(fields(forOther)).toEqual(['body.supplier_id:invalid_reference']);

    for (const [method, url, body] of [
      ['GET', `/v1/products/${theirs.id}`, undefined],
      ['PATCH', `/v1/products/${theirs.id}`, { title: '改' }],
      ['POST', `/v1/products/${theirs.id}/archive`, undefined],
      ['GET', `/v1/variants/${theirs.variants[0].id}`, undefined],
      ['PATCH', `/v1/variants/${theirs.variants[0].id}`, { list_price: 1 }],
    ] as const) {
      const res = await t.request({ method, url, key: own.supplierKey, body });
      expect(res.status, `${method} ${url}`).toBe(404);
    }
    const list = await t.request({ method: 'GET', url: '/v1/products', key: own.supplierKey });
    expect(list.body.data.map((p: any) => p.id)).toEqual([mine.id]);
    const asked = await t.request({
      method: 'GET',
      url: `/v1/products?supplier_id=${otherSupplierId}`,
      key: own.supplierKey,
    });
    expect(asked.body.data).toEqual([]);
    const bySku = await t.request({
      method: 'GET',
      url: `/v1/variants?sku=${theirs.variants[0].sku}`,
      key: own.supplierKey,
    });
    expect(bySku.body.data).toEqual([]);
    const moved = await t.request({
      method: 'PATCH',
      url: `/v1/products/${mine.id}`,
      key: own.supplierKey,
      body: { supplier_id: otherSupplierId },
    });
    expect(moved.status).toBe(422);
    const category = await t.request({
      method: 'POST',
      url: '/v1/categories',
      key: own.supplierKey,
      body: { name: '不行' },
    });
    expect(category.status).toBe(403);
    expect(category.body.code).toBe('wrong_key_kind');
  });
});

describe('variants', () => {
  it('finds a variant by SKU and reads it by id', async () => {
    const product = await createProduct(t, a.secretKey, productBody('按SKU'));
    const code = product.variants[1].sku;
    const res = await t.request({ method: 'GET', url: `/v1/variants?sku=${code}`, key: a.secretKey });
    expect(res.body.data.map((v: any) => v.id)).toEqual([product.variants[1].id]);
    const one = await t.request({
      method: 'GET',
      url: `/v1/variants/${product.variants[1].id}`,
      key: a.secretKey,
    });
    expect(one.body).toEqual(product.variants[1]);
  });
});

describe('bulk create and update', () => {
  it('applies each item whole or not at all and reports each', async () => {
    const existing = await createProduct(t, a.secretKey, productBody('已有'));
    const takenSku = existing.variants[0].sku;
    const res = await t.request({
      method: 'POST',
      url: '/v1/products/bulk',
      key: a.secretKey,
      body: {
        items: [
          productBody('批量一', { handle: 'bulk-one' }),
          // Its product row would insert before its SKU is refused: nothing of it may remain.
          { title: '批量二', handle: 'bulk-two', variants: [{ sku: takenSku, list_price: 1 }] },
          { id: existing.id, title: '已有（改）' },
          { id: 'prod_nope', title: 'x' },
          { variants: [{ sku: sku(), list_price: 1 }] },
          { title: '价格错', variants: [{ sku: sku(), list_price: 1, supply_price: 2 }] },
        ],
      },
    });
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ object: 'bulk_result', created: 1, updated: 1, failed: 4 });
    expect(res.body.results.map((r: any) => [r.index, r.status, r.error?.code])).toEqual([
      [0, 'created', undefined],
      [1, 'failed', 'sku_taken'],
      [2, 'updated', undefined],
      [3, 'failed', 'resource_missing'],
      [4, 'failed', 'invalid_product'],
      [5, 'failed', 'invalid_product'],
    ]);
    expect(res.body.results[1].error.errors[0].field).toBe('body.items.1.variants.0.sku');
    expect(res.body.results[4].error.errors[0]).toMatchObject({
      field: 'body.items.4.title',
      code: 'required',
    });
    expect(res.body.results[2].product.title).toBe('已有（改）');
    // The failed item left nothing behind: its handle is still free.
    await createProduct(t, a.secretKey, productBody('retry', { handle: 'bulk-two' }));
  });

  it('refuses a malformed request whole, and more than 100 items', async () => {
    const typed = await t.request({
      method: 'POST',
      url: '/v1/products/bulk',
      key: a.secretKey,
      body: { items: [productBody('ok'), { title: 42 }] },
    });
    expect(typed.status).toBe(400);
    expect(typed.body.errors[0].field).toBe('body.items.1.title');
    const many = await t.request({
      method: 'POST',
      url: '/v1/products/bulk',
      key: a.secretKey,
      body: { items: Array.from({ length: 101 }, (_, i) => ({ title: `p${i}` })) },
    });
    expect(many.status).toBe(400);
  });
});

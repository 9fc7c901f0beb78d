import { beforeAll, describe, expect, it } from 'vitest';
import { type CatalogTenant, catalogTenant } from '../catalog/setup';
import { type TestApp, testApp } from '../helpers';
import { fixture, productByHandle, runImport, stockOf } from './setup';

let t: TestApp;
let a: CatalogTenant;

beforeAll(async () => {
  t = await testApp();
  a = await catalogTenant(t);
});

describe('Shopify product CSV', () => {
  it('imports products with continuation rows, three options, images, Chinese text and stock', async () => {
    const job = await runImport(t, a.secretKey, 'shopify_csv', fixture('shopify-apparel.csv'));
    expect(job.status, JSON.stringify(job)).toBe('succeeded');
    expect(job.progress).toEqual({ processed: 8, total: 8 });
    expect(job.report).toMatchObject({ created: 2, updated: 0, skipped: 1, error_count: 1 });
    expect(job.report.errors).toEqual([
      expect.objectContaining({
        row: 8,
        first_row: 8,
        last_row: 9,
        product: 'broken-mug',
        column: 'Variant Price',
        code: 'invalid_price',
      }),
    ]);

    const tee = await productByHandle(t, a.secretKey, 'cotton-tee');
    expect(tee).toMatchObject({
      title: '纯棉T恤 Cotton Tee',
      status: 'published',
      supplier_id: a.supplierId,
      tags: ['夏季', '纯棉', '新品'],
      media: [
        'https://cdn.example.com/tee-front.jpg',
        'https://cdn.example.com/tee-back.jpg',
        'https://cdn.example.com/tee-detail.jpg',
      ],
      external_ids: { shopify: 'cotton-tee' },
      metadata: expect.objectContaining({
        vendor: '木匠服饰',
        product_type: 'T恤',
        'shopify.color-pattern': 'red; blue',
      }),
    });
    expect(tee.description).toContain('\n<li>"经典" 版型, 男女同款</li>\n');
    expect(tee.variants).toHaveLength(4);
    const v = tee.variants.find((x: any) => x.sku === 'TEE-04');
    expect(v).toMatchObject({
      options: [
        { name: '颜色', value: '蓝色' },
        { name: '尺码', value: 'M' },
        { name: '材质', value: '亚麻' },
      ],
      list_price: 9900,
      weight_grams: 180,
      barcode: '690123456780' + '3',
    });
    expect(await stockOf(t, a.secretKey, v.id)).toBe(40);

    const box = await productByHandle(t, a.secretKey, 'gift-box');
    expect(box).toMatchObject({ status: 'draft', title: '礼盒' });
    expect(box.variants).toEqual([
      expect.objectContaining({ sku: 'gift-box', options: [], list_price: 5800 }),
    ]);
    expect(await productByHandle(t, a.secretKey, 'broken-mug')).toBeUndefined();
  });
});

describe('the public Shopify template', () => {
  it('imports as it is: default-title variant without SKU, apostrophe barcode, continuation rows', async () => {
    const b = await catalogTenant(t);
    const job = await runImport(t, b.secretKey, 'shopify_csv', fixture('product_template.csv'));
    expect(job.status).toBe('succeeded');
    expect(job.report).toMatchObject({ created: 2, skipped: 0, error_count: 0 });
    const black = await productByHandle(t, b.secretKey, 'black-t-shirt-os');
    expect(black.variants).toEqual([
      expect.objectContaining({ sku: 'black-t-shirt-os', barcode: '3212483', options: [], list_price: 1999 }),
    ]);
    expect(black.metadata).toMatchObject({ vendor: 'Acme', product_type: 'Shirts' });
    const example = await productByHandle(t, b.secretKey, 'example-t-shirt');
    expect(example.variants.map((v: any) => v.sku)).toEqual([
      'example-t-shirt-1',
      'example-shirt-s',
      'example-shirt-m',
    ]);
    expect(example.variants[0].options).toEqual([
      { name: 'Size', value: 'Lithograph - Height: 9" x Width: 12"' },
    ]);
  });
});

describe('re-importing and dry runs', () => {
  it('reports what a dry run would do and writes nothing', async () => {
    const c = await catalogTenant(t);
    const job = await runImport(t, c.secretKey, 'shopify_csv', fixture('shopify-apparel.csv'), {
      dry_run: 'true',
    });
    expect(job).toMatchObject({ status: 'succeeded', dry_run: true });
    expect(job.report).toMatchObject({ created: 2, updated: 0, skipped: 1, error_count: 1 });
    const list = await t.request({ method: 'GET', url: '/v1/products', key: c.secretKey });
    expect(list.body.data).toEqual([]);
    const levels = await t.request({ method: 'GET', url: '/v1/inventory_levels', key: c.secretKey });
    expect(levels.body.data).toEqual([]);
  });

  it('updates instead of duplicating when the same file comes again, and a changed file updates', async () => {
    const c = await catalogTenant(t);
    const file = fixture('shopify-apparel.csv').toString('utf8');
    await runImport(t, c.secretKey, 'shopify_csv', file);
    const again = await runImport(t, c.secretKey, 'shopify_csv', file);
    expect(again.report).toMatchObject({ created: 0, updated: 0, unchanged: 2, skipped: 1 });

    const dry = await runImport(t, c.secretKey, 'shopify_csv', file.replace('99.00', '109.00'), {
      dry_run: 'true',
    });
    expect(dry.report).toMatchObject({ created: 0, updated: 1, unchanged: 1 });

    const changed = await runImport(
      t,
      c.secretKey,
      'shopify_csv',
      file.replace('99.00', '109.00').replace(',7,', ',9,'),
    );
    expect(changed.report).toMatchObject({ created: 0, updated: 2, unchanged: 0 });
    const list = await t.request({ method: 'GET', url: '/v1/products?limit=100', key: c.secretKey });
    expect(list.body.data).toHaveLength(2);
    const tee = list.body.data.find((p: any) => p.handle === 'cotton-tee');
    expect(tee.variants.find((v: any) => v.sku === 'TEE-01').list_price).toBe(10900);
    expect(tee.variants.find((v: any) => v.sku === 'TEE-02').list_price).toBe(9900);
    const box = list.body.data.find((p: any) => p.handle === 'gift-box');
    expect(await stockOf(t, c.secretKey, box.variants[0].id)).toBe(9);
  });
});

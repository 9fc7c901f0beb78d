import { beforeAll, describe, expect, it } from 'vitest';
import { type CatalogTenant, catalogTenant } from '../catalog/setup';
import { expectStatus, type TestApp, testApp } from '../helpers';
import { fixture, productByHandle, runImport, stockOf } from './setup';

let t: TestApp;
let a: CatalogTenant;

beforeAll(async () => {
  t = await testApp();
  a = await catalogTenant(t);
});

async function products(key: string) {
  const res = await t.request({ method: 'GET', url: '/v1/products?limit=100', key });
  expectStatus(res, 200);
  return res.body.data as any[];
}

describe('WooCommerce product CSV', () => {
  it('imports simple and variable products, variations by parent id and by parent SKU, with a BOM', async () => {
    const job = await runImport(t, a.secretKey, 'woocommerce_csv', fixture('woocommerce.csv'));
    expect(job.status, JSON.stringify(job)).toBe('succeeded');
    expect(job.progress).toEqual({ processed: 6, total: 6 });
    // bag, hoodie (created); the late variation adds to the hoodie (updated); the grouped product is skipped.
    expect(job.report).toMatchObject({ created: 2, updated: 1, skipped: 1, error_count: 1 });
    expect(job.report.errors[0]).toMatchObject({
      row: 6,
      code: 'unsupported_type',
      column: 'Type',
      product: 'id:30',
    });

    const all = await products(a.secretKey);
    const bag = all.find((p) => p.external_ids.woocommerce === '10');
    expect(bag).toMatchObject({
      title: '帆布包',
      description: '结实的帆布包\n可装 A4 文件',
      status: 'published',
      tags: ['包', '帆布'],
      media: ['https://cdn.example.com/bag-1.jpg', 'https://cdn.example.com/bag-2.jpg'],
    });
    expect(bag.variants).toEqual([
      expect.objectContaining({
        sku: 'WOO-BAG',
        list_price: 7990,
        weight_grams: 350,
        barcode: '6901234500001',
      }),
    ]);
    expect(await stockOf(t, a.secretKey, bag.variants[0].id)).toBe(25);

    const hoodie = all.find((p) => p.external_ids.woocommerce === '20');
    expect(hoodie.external_ids).toEqual({ woocommerce: '20', woocommerce_sku: 'WOO-HOODIE' });
    expect(
      hoodie.variants.map((v: any) => [v.sku, v.list_price, v.options.map((o: any) => o.value).join('/')]),
    ).toEqual([
      ['WOO-HOODIE-BM', 19900, '黑/M'],
      ['WOO-HOODIE-BL', 19900, '黑/L'],
      ['WOO-HOODIE-WM', 20900, '白/M'],
    ]);
    expect(await stockOf(t, a.secretKey, hoodie.variants[2].id)).toBe(4);

    const again = await runImport(t, a.secretKey, 'woocommerce_csv', fixture('woocommerce.csv'));
    expect(again.report).toMatchObject({ created: 0, updated: 0, unchanged: 3, skipped: 1 });
    expect(await products(a.secretKey)).toHaveLength(2);
  });
});

describe('JSON Lines', () => {
  it('imports one product per line, reporting bad lines by line number', async () => {
    const b = await catalogTenant(t);
    const job = await runImport(t, b.secretKey, 'json', fixture('products.jsonl'));
    expect(job.status).toBe('succeeded');
    expect(job.progress).toEqual({ processed: 4, total: 4 });
    expect(job.report).toMatchObject({ created: 2, skipped: 2, error_count: 2 });
    expect(job.report.errors).toEqual([
      expect.objectContaining({ row: 3, column: 'variants', code: 'invalid_value' }),
      expect.objectContaining({ row: 5, code: 'invalid_json' }),
    ]);
    const tea = await productByHandle(t, b.secretKey, 'tea-set');
    expect(tea).toMatchObject({
      external_ids: { erp: 'TEA-1' },
      metadata: { origin: '景德镇' },
      status: 'published',
    });
    expect(tea.variants[0]).toMatchObject({ sku: 'TEA-SET-WHITE', supply_price: 18000, list_price: 29900 });
    expect(await stockOf(t, b.secretKey, tea.variants[0].id)).toBe(12);

    const again = await runImport(t, b.secretKey, 'json', fixture('products.jsonl'));
    expect(again.report).toMatchObject({ created: 0, unchanged: 2 });
  });

  it('accepts a single JSON object sent as application/json', async () => {
    const b = await catalogTenant(t);
    const res = await t.request({
      method: 'POST',
      url: '/v1/imports?format=json&filename=one.json',
      key: b.secretKey,
      body: {
        title: '单品',
        handle: 'single',
        variants: [{ sku: 'ONE-1', list_price: 100, inventory_quantity: 2 }],
      },
    });
    expectStatus(res, 201);
    expect(res.body).toMatchObject({
      object: 'import',
      format: 'json',
      filename: 'one.json',
      content_type: 'application/json',
    });
    await t.app.jobs.drain();
    const done = await t.request({ method: 'GET', url: `/v1/imports/${res.body.id}`, key: b.secretKey });
    expect(done.body.report.created).toBe(1);
  });
});

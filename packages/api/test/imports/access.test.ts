import { beforeAll, describe, expect, it } from 'vitest';
import { type CatalogTenant, catalogTenant } from '../catalog/setup';
import { eventTypesOf, expectStatus, type TestApp, testApp } from '../helpers';
import { productByHandle, runImport, upload } from './setup';

let t: TestApp;
let a: CatalogTenant;
let otherSupplier: string;
let otherKey: string;

const HEADER = 'Handle,Title,Variant SKU,Variant Price,Variant Inventory Qty\n';

beforeAll(async () => {
  t = await testApp();
  a = await catalogTenant(t);
  const sup = await t.request({
    method: 'POST',
    url: '/v1/suppliers',
    key: a.secretKey,
    body: { name: '另一个品牌' },
  });
  expectStatus(sup, 201);
  otherSupplier = sup.body.id;
  const key = await t.request({
    method: 'POST',
    url: '/v1/api_keys',
    key: a.secretKey,
    body: { kind: 'supplier', supplier_id: otherSupplier },
  });
  otherKey = key.body.secret;
});

describe('who imports what', () => {
  it('puts a supplier key’s products under its own supplier and refuses naming another', async () => {
    const refused = await upload(t, a.supplierKey, 'shopify_csv', `${HEADER}x,X,X-1,1,1\n`, {
      supplier_id: otherSupplier,
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('invalid_reference');

    const job = await runImport(t, a.supplierKey, 'shopify_csv', `${HEADER}mine,Mine,MINE-1,1,1\n`);
    expect(job).toMatchObject({ status: 'succeeded', supplier_id: a.supplierId });
    expect((await productByHandle(t, a.secretKey, 'mine')).supplier_id).toBe(a.supplierId);
  });

  it('lets a secret key choose the supplier and location, and checks both', async () => {
    const badLocation = await upload(t, a.secretKey, 'shopify_csv', `${HEADER}x,X,X-1,1,1\n`, {
      location_id: 'loc_nope',
    });
    expect(badLocation.status).toBe(422);
    expect(badLocation.body.code).toBe('invalid_reference');
    const badSupplier = await upload(t, a.secretKey, 'shopify_csv', `${HEADER}x,X,X-1,1,1\n`, {
      supplier_id: 'sup_nope',
    });
    expect(badSupplier.status).toBe(422);

    const loc = await t.request({
      method: 'POST',
      url: '/v1/locations',
      key: a.secretKey,
      body: { name: '上海仓', is_default: false },
    });
    expectStatus(loc, 201);
    const job = await runImport(t, a.secretKey, 'shopify_csv', `${HEADER}theirs,Theirs,THEIRS-1,2.50,6\n`, {
      supplier_id: otherSupplier,
      location_id: loc.body.id,
    });
    expect(job).toMatchObject({ supplier_id: otherSupplier, location_id: loc.body.id });
    const product = await productByHandle(t, a.secretKey, 'theirs');
    expect(product.supplier_id).toBe(otherSupplier);
    const levels = await t.request({
      method: 'GET',
      url: `/v1/inventory_levels?variant_id=${product.variants[0].id}`,
      key: a.secretKey,
    });
    expect(levels.body.data).toEqual([expect.objectContaining({ location_id: loc.body.id, on_hand: 6 })]);
  });

  it('never lets a supplier key update another supplier’s product', async () => {
    const job = await runImport(t, a.supplierKey, 'shopify_csv', `${HEADER}theirs,Stolen,THEIRS-1,0.01,0\n`);
    expect(job.report).toMatchObject({ created: 0, updated: 0, skipped: 1 });
    expect(job.report.errors[0]).toMatchObject({ code: 'product_of_another_supplier', product: 'theirs' });
    expect((await productByHandle(t, a.secretKey, 'theirs')).title).toBe('Theirs');
  });

  it('shows a supplier key only its own supplier’s imports', async () => {
    const secretJob = await runImport(t, a.secretKey, 'shopify_csv', `${HEADER}s1,S1,S1-1,1,1\n`);
    const supplierJob = await runImport(t, otherKey, 'shopify_csv', `${HEADER}o1,O1,O1-1,1,1\n`);
    const hidden = await t.request({ method: 'GET', url: `/v1/imports/${secretJob.id}`, key: otherKey });
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe('resource_missing');
    const list = await t.request({ method: 'GET', url: '/v1/imports?limit=100', key: otherKey });
    expect(list.body.data.map((i: any) => i.id)).toContain(supplierJob.id);
    expect(list.body.data.every((i: any) => i.supplier_id === otherSupplier)).toBe(true);
    const all = await t.request({
      method: 'GET',
      url: '/v1/imports?limit=100&status=succeeded',
      key: a.secretKey,
    });
    expect(all.body.data.map((i: any) => i.id)).toEqual(
      expect.arrayContaining([secretJob.id, supplierJob.id]),
    );
  });

  it('replays a retried upload with the same Idempotency-Key instead of importing twice', async () => {
    const file = `${HEADER}retry,Retry,RETRY-1,1,1\n`;
    const headers = { 'idempotency-key': 'import-retry-1' };
    const first = await upload(t, a.secretKey, 'shopify_csv', file, {}, headers);
    expectStatus(first, 201);
    const again = await upload(t, a.secretKey, 'shopify_csv', file, {}, headers);
    expectStatus(again, 201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    const other = await upload(t, a.secretKey, 'shopify_csv', file, { dry_run: 'true' }, headers);
    expect(other.status).toBe(422);
  });

  it('refuses publishable keys', async () => {
    const res = await upload(t, a.publishableKey, 'shopify_csv', `${HEADER}x,X,X-1,1,1\n`);
    expect(res.status).toBe(403);
  });
});

describe('progress', () => {
  it('counts the file first, then moves processed forward one transaction (slice) at a time', async () => {
    const b = await catalogTenant(t);
    let file = 'Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price\n';
    for (let p = 0; p < 350; p++) {
      for (let v = 0; v < 3; v++)
        file += `${v === 0 ? `p-${p},商品 ${p},Size` : `p-${p},,`},${['S', 'M', 'L'][v]},P${p}-${v},${p}.99\n`;
    }
    const res = await upload(t, b.secretKey, 'shopify_csv', file);
    expectStatus(res, 201);
    expect(res.body).toMatchObject({ status: 'queued', progress: { processed: 0, total: null } });
    const seen: Array<[string, number, number | null]> = [];
    for (let i = 0; i < 10; i++) {
      const ran = await t.app.jobs.runDue();
      const job = (await t.request({ method: 'GET', url: `/v1/imports/${res.body.id}`, key: b.secretKey }))
        .body;
      seen.push([job.status, job.progress.processed, job.progress.total]);
      if (job.status === 'succeeded' || ran === 0) break;
    }
    expect(seen).toEqual([
      ['running', 0, 1050],
      ['running', 501, 1050],
      ['running', 1002, 1050],
      ['succeeded', 1050, 1050],
    ]);
    const job = (await t.request({ method: 'GET', url: `/v1/imports/${res.body.id}`, key: b.secretKey }))
      .body;
    expect(job.report).toMatchObject({ created: 350, skipped: 0 });
    expect(await eventTypesOf(t, b.id, res.body.id)).toEqual(['import.completed']);
  }, 180_000); // 350 products through the catalog: slow on a busy machine
});

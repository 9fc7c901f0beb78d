import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/tenancy';
import { reserveStock } from '../../src/modules/inventory/stock';
import {
  type CatalogTenant,
  catalogTenant,
  createProduct,
  mineAndTheirs,
  productBody,
  sku,
} from '../catalog/setup';
import { expectStatus, type TestApp, testApp } from '../helpers';

let t: TestApp;
let a: CatalogTenant;

beforeAll(async () => {
  t = await testApp();
  a = await catalogTenant(t);
});

async function sync(body: unknown, key = a.secretKey) {
  return t.request({ method: 'POST', url: '/v1/inventory_levels/sync', key, body });
}

async function levels(variantId: string) {
  const res = await t.request({
    method: 'GET',
    url: `/v1/inventory_levels?variant_id=${variantId}`,
    key: a.secretKey,
  });
  return res.body.data.map((l: any) => [l.location_id, l.on_hand, l.reserved]);
}

describe('bulk stock sync by SKU', () => {
  it('applies the good items, reports each bad one, and is idempotent', async () => {
    const product = await createProduct(t, a.secretKey, productBody('同步', {}, ['红', '蓝', '绿']));
    const [red, blue, green] = product.variants;
    const body = {
      items: [
        { sku: red.sku, on_hand: 12 },
        { sku: 'NO-SUCH-SKU', on_hand: 5 },
        { sku: blue.sku, on_hand: -1 },
        { sku: blue.sku, on_hand: 2.5 },
        { sku: green.sku, on_hand: 0 },
        { sku: red.sku, on_hand: 99 },
        { sku: blue.sku, on_hand: 3, location_id: 'loc_nope' },
      ],
    };
    const first = await sync(body);
    expectStatus(first, 200);
    expect(first.body).toMatchObject({
      object: 'inventory_sync_result',
      updated: 2,
      unchanged: 0,
      failed: 5,
    });
    expect(first.body.results.map((r: any) => [r.index, r.status, r.error?.code ?? r.on_hand])).toEqual([
      [0, 'updated', 12],
      [1, 'failed', 'unknown_sku'],
      [2, 'failed', 'invalid_quantity'],
      [3, 'failed', 'invalid_quantity'],
      [4, 'updated', 0],
      [5, 'failed', 'duplicate_item'],
      [6, 'failed', 'unknown_location'],
    ]);
    expect(first.body.results[0]).toMatchObject({ sku: red.sku, on_hand: 12, reserved: 0, available: 12 });

    const second = await sync(body);
    expect(second.body).toMatchObject({ updated: 0, unchanged: 2, failed: 5 });
    expect(await levels(red.id)).toEqual([[first.body.results[0].location_id, 12, 0]]);
    expect(await levels(blue.id)).toEqual([]);

    // Each change is in the audit trail, once: the repeat changed nothing and wrote nothing.
    const trail = await t.request({
      method: 'GET',
      url: `/v1/inventory_adjustments?variant_id=${red.id}`,
      key: a.secretKey,
    });
    expect(trail.body.data.map((x: any) => [x.reason, x.delta, x.on_hand_after])).toEqual([['sync', 12, 12]]);
    const down = await sync({ items: [{ sku: red.sku, on_hand: 7 }] });
    expect(down.body.results[0]).toMatchObject({ status: 'updated', on_hand: 7 });
    const trail2 = await t.request({
      method: 'GET',
      url: `/v1/inventory_adjustments?variant_id=${red.id}&reason=sync`,
      key: a.secretKey,
    });
    expect(trail2.body.data.map((x: any) => x.delta)).toEqual([-5, 12]);
  });

  it('sets levels per location, for the call or per item', async () => {
    const product = await createProduct(t, a.secretKey, productBody('多仓'));
    const [one] = product.variants;
    const post = async (name: string) =>
      (
        await t.request({
          method: 'POST',
          url: '/v1/locations',
          key: a.secretKey,
          body: { name, is_default: false },
        })
      ).body;
    const north = await post('北仓');
    const south = await post('南仓');
    const res = await sync({
      location_id: north.id,
      items: [
        { sku: one.sku, on_hand: 4 },
        { sku: one.sku, on_hand: 6, location_id: south.id },
      ],
    });
    expect(res.body.updated).toBe(2);
    expect((await levels(one.id)).sort()).toEqual(
      [
        [north.id, 4, 0],
        [south.id, 6, 0],
      ].sort(),
    );
    const unknown = await sync({ location_id: 'loc_nope', items: [{ sku: one.sku, on_hand: 1 }] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0].field).toBe('body.location_id');
  });

  it('will not set on_hand below what orders have reserved', async () => {
    const product = await createProduct(t, a.secretKey, productBody('已预留'));
    const [one, two] = product.variants;
    await sync({
      items: [
        { sku: one.sku, on_hand: 10 },
        { sku: two.sku, on_hand: 10 },
      ],
    });
    await withTenant(t.app.db, a.id, (tx) =>
      reserveStock(tx, { tenantId: a.id, clock: t.config.clock }, [{ variant_id: one.id, quantity: 6 }]),
    );
    const res = await sync({
      items: [
        { sku: one.sku, on_hand: 5 },
        { sku: two.sku, on_hand: 5 },
      ],
    });
    expect(res.body.results.map((r: any) => [r.status, r.error?.code])).toEqual([
      ['failed', 'below_reserved'],
      ['updated', undefined],
    ]);
    const ok = await sync({ items: [{ sku: one.sku, on_hand: 6 }] });
    expect(ok.body.results[0]).toMatchObject({ status: 'updated', on_hand: 6, reserved: 6, available: 0 });
  });

  it('lets a supplier key sync only its own SKUs', async () => {
    const { own, mine, theirs } = await mineAndTheirs(t);
    const res = await sync(
      {
        items: [
          { sku: mine.variants[0].sku, on_hand: 1 },
          { sku: theirs.variants[0].sku, on_hand: 1 },
        ],
      },
      own.supplierKey,
    );
    expect(res.body.results.map((r: any) => r.error?.code ?? r.status)).toEqual(['updated', 'unknown_sku']);
  });

  it('syncs 1,000 SKUs in one call, and refuses more', async () => {
    const own = await catalogTenant(t);
    const codes: string[] = [];
    const items = Array.from({ length: 10 }, (_, p) => ({
      title: `批量商品 ${p}`,
      variants: Array.from({ length: 100 }, (_, v) => {
        const code = sku('BULK');
        codes.push(code);
        return { sku: code, list_price: 100, options: [{ name: '编号', value: `${v}` }] };
      }),
    }));
    const created = await t.request({
      method: 'POST',
      url: '/v1/products/bulk',
      key: own.secretKey,
      body: { items },
    });
    expect(created.body.created).toBe(10);
    const res = await t.request({
      method: 'POST',
      url: '/v1/inventory_levels/sync',
      key: own.secretKey,
      body: { items: codes.map((code, i) => ({ sku: code, on_hand: i })) },
    });
    expectStatus(res, 200);
    expect(res.body).toMatchObject({ updated: 1000, failed: 0 });
    expect(res.body.results[999]).toMatchObject({ sku: codes[999], on_hand: 999 });
    const tooMany = await t.request({
      method: 'POST',
      url: '/v1/inventory_levels/sync',
      key: own.secretKey,
      body: { items: [...codes, 'ONE-MORE'].map((code) => ({ sku: code, on_hand: 1 })) },
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].field).toBe('body.items');
  });
});

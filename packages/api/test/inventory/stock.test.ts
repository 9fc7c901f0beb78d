import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/tenancy';
import {
  type CatalogTenant,
  catalogTenant,
  createProduct,
  eventsOf,
  mineAndTheirs,
  productBody,
} from '../catalog/setup';
import { expectStatus, type TestApp, testApp } from '../helpers';

let t: TestApp;
let a: CatalogTenant;

beforeAll(async () => {
  t = await testApp();
  a = await catalogTenant(t);
});

async function adjust(key: string, body: unknown) {
  return t.request({ method: 'POST', url: '/v1/inventory_adjustments', key, body });
}

async function item(variantId: string, key = a.secretKey) {
  const res = await t.request({ method: 'GET', url: `/v1/variants/${variantId}/inventory`, key });
  expectStatus(res, 200);
  return res.body;
}

describe('locations', () => {
  it('gives a tenant a default location on first use, and keeps exactly one default', async () => {
    const own = await catalogTenant(t);
    const product = await createProduct(t, own.secretKey, productBody('仓库'));
    const first = await adjust(own.secretKey, {
      variant_id: product.variants[0].id,
      delta: 5,
      reason: 'received',
    });
    expectStatus(first, 201);
    const list = await t.request({ method: 'GET', url: '/v1/locations', key: own.secretKey });
    expect(list.body.data).toHaveLength(1);
    const fallback = list.body.data[0];
    expect(fallback).toMatchObject({ object: 'location', is_default: true, id: first.body.location_id });

    const second = await t.request({
      method: 'POST',
      url: '/v1/locations',
      key: own.secretKey,
      body: { name: '上海仓', code: 'SH-01', address: { province: '上海市', city: '上海市' } },
    });
    expectStatus(second, 201);
    expect(second.body.is_default).toBe(false);
    const dup = await t.request({
      method: 'POST',
      url: '/v1/locations',
      key: own.secretKey,
      body: { name: '又一个', code: 'SH-01' },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('location_code_taken');

    const unset = await t.request({
      method: 'PATCH',
      url: `/v1/locations/${fallback.id}`,
      key: own.secretKey,
      body: { is_default: false },
    });
    expect(unset.status).toBe(409);
    expect(unset.body.code).toBe('default_location_required');
    const switched = await t.request({
      method: 'PATCH',
      url: `/v1/locations/${second.body.id}`,
      key: own.secretKey,
      body: { is_default: true, address: { city: null, district: '浦东新区' } },
    });
    expectStatus(switched, 200);
    expect(switched.body).toMatchObject({
      is_default: true,
      address: { province: '上海市', district: '浦东新区' },
    });
    const old = await t.request({ method: 'GET', url: `/v1/locations/${fallback.id}`, key: own.secretKey });
    expect(old.body.is_default).toBe(false);
    const badKey = await t.request({
      method: 'POST',
      url: '/v1/locations',
      key: own.secretKey,
      body: { name: 'x', address: { planet: 'Mars' } },
    });
    expect(badKey.status).toBe(400);
  });
});

describe('adjustments', () => {
  it('adds and takes stock with a reason, keeps the audit trail, and never goes below zero', async () => {
    const product = await createProduct(t, a.secretKey, productBody('调整'));
    const variant = product.variants[0].id;
    const received = await adjust(a.secretKey, {
      variant_id: variant,
      delta: 10,
      reason: 'received',
      note: '到货',
    });
    expectStatus(received, 201);
    expect(received.body).toMatchObject({ object: 'inventory_adjustment', delta: 10, on_hand_after: 10 });
    const damaged = await adjust(a.secretKey, { variant_id: variant, delta: -3, reason: 'damaged' });
    expect(damaged.body.on_hand_after).toBe(7);
    const tooMuch = await adjust(a.secretKey, { variant_id: variant, delta: -8, reason: 'lost' });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.code).toBe('insufficient_stock');
    const nothingYet = await adjust(a.secretKey, {
      variant_id: product.variants[1].id,
      delta: -1,
      reason: 'lost',
    });
    expect(nothingYet.status).toBe(409);
    expect(await item(variant)).toMatchObject({ on_hand: 7, reserved: 0, available: 7 });

    const trail = await t.request({
      method: 'GET',
      url: `/v1/inventory_adjustments?variant_id=${variant}`,
      key: a.secretKey,
    });
    expect(trail.body.data.map((x: any) => [x.reason, x.delta, x.on_hand_after])).toEqual([
      ['damaged', -3, 7],
      ['received', 10, 10],
    ]);
    const one = await t.request({
      method: 'GET',
      url: `/v1/inventory_adjustments/${received.body.id}`,
      key: a.secretKey,
    });
    expect(one.body).toEqual(received.body);
  });

  it('refuses bad input with field errors', async () => {
    const product = await createProduct(t, a.secretKey, productBody('坏输入'));
    const variant = product.variants[0].id;
    const cases: Array<[unknown, number, string]> = [
      [{ variant_id: variant, delta: 0, reason: 'received' }, 400, 'body.delta'],
      [{ variant_id: variant, delta: 1.5, reason: 'received' }, 400, 'body.delta'],
      [{ variant_id: variant, delta: 1, reason: 'sync' }, 400, 'body.reason'],
      [{ variant_id: 'var_nope', delta: 1, reason: 'received' }, 422, 'body.variant_id'],
      [
        { variant_id: variant, delta: 1, reason: 'received', location_id: 'loc_nope' },
        422,
        'body.location_id',
      ],
    ];
    for (const [body, status, field] of cases) {
      const res = await adjust(a.secretKey, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.errors[0].field).toBe(field);
    }
  });

  it('holds the line in the database too: CHECK constraints refuse negative and over-reserved stock', async () => {
    const product = await createProduct(t, a.secretKey, productBody('约束'));
    const variant = product.variants[0].id;
    await adjust(a.secretKey, { variant_id: variant, delta: 2, reason: 'received' });
    for (const change of [sql`on_hand = -1`, sql`reserved = -1`, sql`reserved = on_hand + 1`]) {
      const error: any = await withTenant(t.app.db, a.id, (tx) =>
        tx.execute(
          sql`update stock_levels set ${change} where tenant_id = ${a.id} and variant_id = ${variant}`,
        ),
      ).catch((err) => err);
      expect((error.cause ?? error).code).toBe('23514'); // check_violation
    }
  });
});

describe('levels and supplier keys', () => {
  it('lists levels per variant and location, and confines supplier keys to their own variants', async () => {
    const { own, mine, theirs } = await mineAndTheirs(t);
    const warehouse = (
      await t.request({
        method: 'POST',
        url: '/v1/locations',
        key: own.secretKey,
        body: { name: '北京仓', is_default: false },
      })
    ).body;
    await adjust(own.supplierKey, { variant_id: mine.variants[0].id, delta: 4, reason: 'received' });
    await adjust(own.secretKey, {
      variant_id: mine.variants[0].id,
      delta: 6,
      reason: 'received',
      location_id: warehouse.id,
    });
    await adjust(own.secretKey, { variant_id: theirs.variants[0].id, delta: 9, reason: 'received' });

    const all = await t.request({ method: 'GET', url: '/v1/inventory_levels', key: own.secretKey });
    expect(all.body.data).toHaveLength(3);
    const asSupplier = await t.request({
      method: 'GET',
      url: '/v1/inventory_levels?limit=1',
      key: own.supplierKey,
    });
    expect(asSupplier.body.data).toHaveLength(1);
    expect(asSupplier.body.has_more).toBe(true);
    const rest = await t.request({
      method: 'GET',
      url: `/v1/inventory_levels?limit=1&starting_after=${asSupplier.body.next_cursor}`,
      key: own.supplierKey,
    });
    const levels = [...asSupplier.body.data, ...rest.body.data];
    expect(rest.body.has_more).toBe(false);
    expect(levels.map((l: any) => [l.sku, l.on_hand]).sort()).toEqual(
      [
        [mine.variants[0].sku, 4],
        [mine.variants[0].sku, 6],
      ].sort(),
    );
    expect(await item(mine.variants[0].id, own.supplierKey)).toMatchObject({ on_hand: 10, available: 10 });
    const hidden = await t.request({
      method: 'GET',
      url: `/v1/variants/${theirs.variants[0].id}/inventory`,
      key: own.supplierKey,
    });
    expect(hidden.status).toBe(404);
    const foreign = await adjust(own.supplierKey, {
      variant_id: theirs.variants[0].id,
      delta: 1,
      reason: 'received',
    });
    expect(foreign.status).toBe(422);
    const trail = await t.request({ method: 'GET', url: '/v1/inventory_adjustments', key: own.supplierKey });
    expect(trail.body.data.every((x: any) => x.variant_id === mine.variants[0].id)).toBe(true);
  });
});

describe('low stock', () => {
  it('records inventory.low once per crossing of the threshold', async () => {
    const product = await createProduct(t, a.secretKey, productBody('低库存'));
    const variant = product.variants[0].id;
    const lows = async () =>
      (await eventsOf(t, a.id, 'inventory.low')).filter((e) => e.object_id === variant);
    await adjust(a.secretKey, { variant_id: variant, delta: 10, reason: 'received' });
    const set = await t.request({
      method: 'PATCH',
      url: `/v1/variants/${variant}/inventory`,
      key: a.secretKey,
      body: { low_stock_threshold: 5 },
    });
    expectStatus(set, 200);
    expect(set.body).toMatchObject({ low_stock_threshold: 5, low_stock: false, available: 10 });
    await adjust(a.secretKey, { variant_id: variant, delta: -5, reason: 'damaged' }); // 5: crosses
    await adjust(a.secretKey, { variant_id: variant, delta: -2, reason: 'damaged' }); // 3: still below
    expect(await lows()).toHaveLength(1);
    const [event] = await lows();
    expect(event!.data.object).toMatchObject({
      object: 'inventory_item',
      variant_id: variant,
      sku: product.variants[0].sku,
      available: 5,
      low_stock_threshold: 5,
      low_stock: true,
    });
    await adjust(a.secretKey, { variant_id: variant, delta: 10, reason: 'received' }); // 13: re-armed
    expect((await item(variant)).low_stock).toBe(false);
    await adjust(a.secretKey, { variant_id: variant, delta: -9, reason: 'lost' }); // 4: crosses again
    expect(await lows()).toHaveLength(2);
    // Clearing the threshold clears the flag; no events without a threshold.
    const cleared = await t.request({
      method: 'PATCH',
      url: `/v1/variants/${variant}/inventory`,
      key: a.secretKey,
      body: { low_stock_threshold: null },
    });
    expect(cleared.body).toMatchObject({ low_stock_threshold: null, low_stock: false });
    await adjust(a.secretKey, { variant_id: variant, delta: -4, reason: 'lost' });
    expect(await lows()).toHaveLength(2);
  });
});

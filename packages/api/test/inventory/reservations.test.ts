import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/tenancy';
import { ApiError } from '../../src/http/errors';
import {
  commitReservedStock,
  releaseStock,
  reserveStock,
  restock,
  type StockLine,
} from '../../src/modules/inventory/stock';
import { type CatalogTenant, catalogTenant, createProduct, eventsOf, productBody } from '../catalog/setup';
import { type TestApp, testApp } from '../helpers';

/**
 * The stock functions the orders module will call inside its own transactions. No route uses
 * them yet, so they are tested through the database directly.
 */
let t: TestApp;
let a: CatalogTenant;

beforeAll(async () => {
  t = await testApp();
  a = await catalogTenant(t);
});

type StockFn = typeof reserveStock;
const run = (fn: StockFn, lines: StockLine[]) =>
  withTenant(t.app.db, a.id, (tx) => fn(tx, { tenantId: a.id, clock: t.config.clock }, lines));

async function stocked(quantities: number[]) {
  const product = await createProduct(
    t,
    a.secretKey,
    productBody(
      '库存',
      {},
      quantities.map((_, i) => `款${i}`),
    ),
  );
  await t.request({
    method: 'POST',
    url: '/v1/inventory_levels/sync',
    key: a.secretKey,
    body: { items: product.variants.map((v: any, i: number) => ({ sku: v.sku, on_hand: quantities[i] })) },
  });
  return product.variants.map((v: any) => v.id as string);
}

async function levelOf(variantId: string) {
  const res = await t.request({
    method: 'GET',
    url: `/v1/variants/${variantId}/inventory`,
    key: a.secretKey,
  });
  return { on_hand: res.body.on_hand, reserved: res.body.reserved, available: res.body.available };
}

async function refused(promise: Promise<unknown>) {
  const err = await promise.then(
    () => undefined,
    (e) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('reserve, release, commit, restock', () => {
  it('reserves while stock is available, and refuses beyond it', async () => {
    const [v] = await stocked([5]);
    await run(reserveStock, [{ variant_id: v!, quantity: 3 }]);
    expect(await levelOf(v!)).toEqual({ on_hand: 5, reserved: 3, available: 2 });
    const err = await refused(run(reserveStock, [{ variant_id: v!, quantity: 3 }]));
    expect(err.status).toBe(409);
    expect(err.code).toBe('insufficient_stock');
    expect(await levelOf(v!)).toEqual({ on_hand: 5, reserved: 3, available: 2 });
  });

  it('reserves all lines of an order or none, even for a caller that catches the error', async () => {
    const [plenty, scarce] = await stocked([10, 1]);
    const lines = [
      { variant_id: plenty!, quantity: 4 },
      { variant_id: scarce!, quantity: 2 },
    ];
    const err = await refused(
      withTenant(t.app.db, a.id, async (tx) => {
        await reserveStock(tx, { tenantId: a.id, clock: t.config.clock }, lines).catch((e) => {
          // The order path might catch and carry on; the first line must not stay reserved.
          expect(e.errors.map((x: any) => x.field)).toEqual(['lines.1']);
          throw e;
        });
      }),
    );
    expect(err.code).toBe('insufficient_stock');
    const caught = await withTenant(t.app.db, a.id, (tx) =>
      reserveStock(tx, { tenantId: a.id, clock: t.config.clock }, lines).catch(() => 'caught'),
    );
    expect(caught).toBe('caught');
    expect(await levelOf(plenty!)).toEqual({ on_hand: 10, reserved: 0, available: 10 });
  });

  it('sums lines of the same variant', async () => {
    const [v] = await stocked([3]);
    const err = await refused(
      run(reserveStock, [
        { variant_id: v!, quantity: 2 },
        { variant_id: v!, quantity: 2 },
      ]),
    );
    expect(err.code).toBe('insufficient_stock');
    await run(reserveStock, [
      { variant_id: v!, quantity: 1 },
      { variant_id: v!, quantity: 2 },
    ]);
    expect(await levelOf(v!)).toEqual({ on_hand: 3, reserved: 3, available: 0 });
  });

  it('releases held stock, and refuses to release more than is held', async () => {
    const [v] = await stocked([4]);
    await run(reserveStock, [{ variant_id: v!, quantity: 3 }]);
    await run(releaseStock, [{ variant_id: v!, quantity: 2 }]);
    expect(await levelOf(v!)).toEqual({ on_hand: 4, reserved: 1, available: 3 });
    const err = await refused(run(releaseStock, [{ variant_id: v!, quantity: 2 }]));
    expect(err.code).toBe('reservation_missing');
  });

  it('turns a reservation into a sale, and restocks a return, each in the audit trail', async () => {
    const [v] = await stocked([6]);
    await run(reserveStock, [{ variant_id: v!, quantity: 4 }]);
    await withTenant(t.app.db, a.id, (tx) =>
      commitReservedStock(
        tx,
        { tenantId: a.id, clock: t.config.clock },
        [{ variant_id: v!, quantity: 4 }],
        'ord_1',
      ),
    );
    expect(await levelOf(v!)).toEqual({ on_hand: 2, reserved: 0, available: 2 });
    const err = await refused(run(commitReservedStock, [{ variant_id: v!, quantity: 1 }]));
    expect(err.code).toBe('reservation_missing');
    await withTenant(t.app.db, a.id, (tx) =>
      restock(tx, { tenantId: a.id, clock: t.config.clock }, [{ variant_id: v!, quantity: 1 }], 'ord_1'),
    );
    expect(await levelOf(v!)).toEqual({ on_hand: 3, reserved: 0, available: 3 });
    const trail = await t.request({
      method: 'GET',
      url: `/v1/inventory_adjustments?variant_id=${v}`,
      key: a.secretKey,
    });
    expect(trail.body.data.map((x: any) => [x.reason, x.delta, x.on_hand_after, x.reference])).toEqual([
      ['restock', 1, 3, 'ord_1'],
      ['sale', -4, 2, 'ord_1'],
      ['sync', 6, 6, null],
    ]);
  });

  it('records inventory.low when a reservation takes available stock to the threshold', async () => {
    const [v] = await stocked([10]);
    await t.request({
      method: 'PATCH',
      url: `/v1/variants/${v}/inventory`,
      key: a.secretKey,
      body: { low_stock_threshold: 2 },
    });
    await run(reserveStock, [{ variant_id: v!, quantity: 7 }]);
    expect((await eventsOf(t, a.id, 'inventory.low')).filter((e) => e.object_id === v)).toHaveLength(0);
    await run(reserveStock, [{ variant_id: v!, quantity: 1 }]);
    await run(reserveStock, [{ variant_id: v!, quantity: 1 }]);
    expect((await eventsOf(t, a.id, 'inventory.low')).filter((e) => e.object_id === v)).toHaveLength(1);
  });

  it('never oversells: 50 concurrent reservations of one unit for 20 units, exactly 20 succeed', async () => {
    const [v] = await stocked([20]);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, () => run(reserveStock, [{ variant_id: v!, quantity: 1 }])),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled').length;
    const lost = outcomes.filter((o) => o.status === 'rejected');
    expect(won).toBe(20);
    expect(lost).toHaveLength(30);
    for (const o of lost) expect((o as PromiseRejectedResult).reason.code).toBe('insufficient_stock');
    expect(await levelOf(v!)).toEqual({ on_hand: 20, reserved: 20, available: 0 });
  });
});

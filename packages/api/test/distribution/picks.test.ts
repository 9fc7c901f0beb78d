import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/tenancy';
import { newId } from '../../src/lib/ids';
import { products } from '../../src/modules/catalog/tables';
import { readCatalogVersion } from '../../src/modules/catalog/version';
import { MAX_PICKS } from '../../src/modules/picks/service';
import { storePicks } from '../../src/modules/picks/tables';
import { eventTypesOf, expectStatus, type TestApp, testApp } from '../helpers';
import { type DistributionWorld, distributionWorld, order, shopkeeper } from './fixtures';

let t: TestApp;
let w: DistributionWorld;

beforeAll(async () => {
  t = await testApp();
  w = await distributionWorld(t);
});

const picksUrl = (storeId: string) => `/v1/stores/${storeId}/picks`;

async function addPick(body: Record<string, unknown>, key = w.keeper.token, storeId = w.keeper.storeId) {
  return t.request({ method: 'POST', url: picksUrl(storeId), key, body });
}

async function storefront(url: string, key = w.keeper.pk) {
  return t.request({ method: 'GET', url, key });
}

describe('store picks (选品)', () => {
  it('lets the shopkeeper pick a product at its own price inside the band, with a recommendation', async () => {
    const res = await addPick({
      product_id: w.products.tee,
      prices: [{ variant_id: w.v.a, price: 11800 }],
      recommendation: '宝妈都说好穿',
    });
    expectStatus(res, 201);
    expect(res.body).toMatchObject({
      object: 'store_pick',
      store_id: w.keeper.storeId,
      product_id: w.products.tee,
      prices: [{ variant_id: w.v.a, price: 11800 }],
      recommendation: '宝妈都说好穿',
      status: 'active',
      flag_reason: null,
    });
    expect(res.body.id).toMatch(/^pick_/);
    expect(await eventTypesOf(t, w.tenantId, res.body.id)).toEqual(['store_pick.created']);

    const again = await addPick({ product_id: w.products.tee });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('already_picked');

    const list = await t.request({ method: 'GET', url: picksUrl(w.keeper.storeId), key: w.sk });
    expectStatus(list, 200);
    expect(list.body.data.map((p: any) => p.id)).toEqual([res.body.id]);
    const one = await t.request({
      method: 'GET',
      url: `${picksUrl(w.keeper.storeId)}/${res.body.id}`,
      key: w.keeper.token,
    });
    expect(one.body).toEqual(res.body);
  });

  it('refuses prices outside the band, a variant of another product, and a variant without a band off its list price', async () => {
    const below = await addPick(
      { product_id: w.products.tee, prices: [{ variant_id: w.v.a, price: 7999 }] },
      w.other.token,
      w.other.storeId,
    );
    expect(below.status).toBe(422);
    expect(below.body.code).toBe('price_outside_band');
    expect(below.body.errors[0]).toMatchObject({ field: 'body.prices.0.price', code: 'price_outside_band' });

    const noBand = await addPick(
      { product_id: w.products.tee, prices: [{ variant_id: w.v.b, price: 3000 }] },
      w.other.token,
      w.other.storeId,
    );
    expect(noBand.status).toBe(422);
    expect(noBand.body.errors[0].message).toMatch(/only at 3333/);

    // Only a floor: discounts down to it are allowed, a markup above the list price is not.
    const markup = await addPick(
      { product_id: w.products.bag, prices: [{ variant_id: w.v.c, price: 5001 }] },
      w.other.token,
      w.other.storeId,
    );
    expect(markup.body.code).toBe('price_outside_band');

    const foreign = await addPick(
      { product_id: w.products.bag, prices: [{ variant_id: w.v.a, price: 9900 }] },
      w.other.token,
      w.other.storeId,
    );
    expect(foreign.status).toBe(422);
    expect(foreign.body.errors[0]).toMatchObject({
      field: 'body.prices.0.variant_id',
      code: 'variant_not_in_product',
    });

    const draft = await addPick({ product_id: w.products.draft }, w.other.token, w.other.storeId);
    expect(draft.status).toBe(422);
    expect(draft.body.code).toBe('product_not_published');

    const missing = await addPick({ product_id: 'prod_nope' }, w.other.token, w.other.storeId);
    expect(missing.status).toBe(422);
    expect(missing.body.code).toBe('invalid_reference');

    // Nothing of the failed attempts was written.
    const list = await t.request({ method: 'GET', url: picksUrl(w.other.storeId), key: w.sk });
    expect(list.body.data).toEqual([]);

    const atList = await addPick(
      { product_id: w.products.tee, prices: [{ variant_id: w.v.b, price: 3333 }] },
      w.other.token,
      w.other.storeId,
    );
    expectStatus(atList, 201);
    const discount = await addPick(
      { product_id: w.products.bag, prices: [{ variant_id: w.v.c, price: 4500 }] },
      w.other.token,
      w.other.storeId,
    );
    expectStatus(discount, 201);
  });

  it('refuses picks on brand stores, and another promoter’s token reaches no other store', async () => {
    const brand = await addPick({ product_id: w.products.tee }, w.sk, w.brandStoreId);
    expect(brand.status).toBe(409);
    expect(brand.body.code).toBe('store_not_shopkeeper');

    const foreign = await addPick({ product_id: w.products.bag }, w.other.token, w.keeper.storeId);
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('resource_missing');
    const mine = (await t.request({ method: 'GET', url: picksUrl(w.keeper.storeId), key: w.sk })).body
      .data[0];
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const res = await t.request({
        method,
        url: `${picksUrl(w.keeper.storeId)}/${mine.id}`,
        key: w.other.token,
        ...(method === 'PATCH' ? { body: { recommendation: '抢走' } } : {}),
      });
      expect(res.status, method).toBe(404);
    }
    const listOther = await t.request({ method: 'GET', url: picksUrl(w.keeper.storeId), key: w.other.token });
    expect(listOther.status).toBe(404);
  });

  it('never lets a shopkeeper edit the product itself', async () => {
    const res = await t.request({
      method: 'PATCH',
      url: `/v1/products/${w.products.tee}`,
      key: w.keeper.token,
      body: { title: '改名' },
    });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('wrong_key_kind');
    const variant = await t.request({
      method: 'PATCH',
      url: `/v1/variants/${w.v.a}`,
      key: w.keeper.token,
      body: { list_price: 1 },
    });
    expect(variant.status).toBe(403);
  });
});

describe('the storefront of a shopkeeper store', () => {
  it('lists only its active picks, at the pick price, with the recommendation; other products are 404', async () => {
    const res = await storefront('/v1/storefront/products');
    expectStatus(res, 200);
    expect(res.body.data.map((p: any) => p.id)).toEqual([w.products.tee]);
    const [tee] = res.body.data;
    expect(tee.recommendation).toBe('宝妈都说好穿');
    expect(tee.variants.map((v: any) => [v.id, v.price])).toEqual([
      [w.v.a, 11800],
      [w.v.b, 3333],
    ]);
    expect([tee.price_min, tee.price_max]).toEqual([3333, 11800]);

    expect((await storefront(`/v1/storefront/products/${w.products.bag}`)).status).toBe(404);
    const page = await storefront(`/v1/storefront/products/${w.products.tee}`);
    expect(page.body.variants[0].price).toBe(11800);

    // A brand store sells the whole published catalog at list price, without recommendations.
    const brand = await storefront('/v1/storefront/products', w.brandPk);
    expect(brand.body.data.map((p: any) => p.id).sort()).toEqual([w.products.bag, w.products.tee].sort());
    const brandTee = brand.body.data.find((p: any) => p.id === w.products.tee);
    expect(brandTee.variants[0].price).toBe(9900);
    expect(brandTee.recommendation).toBeNull();
  });

  it('shows a pick change on the next read (the cached page is invalidated)', async () => {
    const before = await storefront('/v1/storefront/products');
    const pick = (await t.request({ method: 'GET', url: picksUrl(w.keeper.storeId), key: w.sk })).body
      .data[0];
    const patched = await t.request({
      method: 'PATCH',
      url: `${picksUrl(w.keeper.storeId)}/${pick.id}`,
      key: w.keeper.token,
      body: { prices: [{ variant_id: w.v.a, price: 10800 }], recommendation: '限时特惠' },
    });
    expectStatus(patched, 200);
    const after = await storefront('/v1/storefront/products');
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(after.body.data[0].variants[0].price).toBe(10800);
    expect(after.body.data[0].recommendation).toBe('限时特惠');

    // Only this store's pages: the tenant's catalog version (every store's pages) stays put.
    const versionBefore = await withTenant(t.app.db, w.tenantId, (tx) => readCatalogVersion(tx, w.tenantId));
    const added = await addPick({ product_id: w.products.bag });
    expectStatus(added, 201);
    expect((await storefront('/v1/storefront/products')).body.data).toHaveLength(2);
    expect(await withTenant(t.app.db, w.tenantId, (tx) => readCatalogVersion(tx, w.tenantId))).toBe(
      versionBefore,
    );
    expectStatus(await storefront(`/v1/storefront/products/${w.products.bag}`), 200);
    const removed = await t.request({
      method: 'DELETE',
      url: `${picksUrl(w.keeper.storeId)}/${added.body.id}`,
      key: w.keeper.token,
    });
    expectStatus(removed, 200);
    expect(removed.body).toEqual({ id: added.body.id, object: 'store_pick', deleted: true });
    expect((await storefront('/v1/storefront/products')).body.data).toHaveLength(1);
    expect((await storefront(`/v1/storefront/products/${w.products.bag}`)).status).toBe(404);
  });

  it('prices orders at the pick price and refuses products the store did not pick', async () => {
    const ok = await order(t, w, w.keeper.storeId, [{ variant_id: w.v.a, quantity: 2 }]);
    expectStatus(ok, 201);
    expect(ok.body.lines[0]).toMatchObject({ unit_price: 10800, total: 21600 });

    const cart = await t.request({
      method: 'POST',
      url: '/v1/carts',
      key: w.keeper.pk,
      body: { lines: [{ variant_id: w.v.c, quantity: 1 }] },
    });
    expectStatus(cart, 201);
    expect(cart.body.lines[0]).toMatchObject({ sellable: false, unsellable_reason: 'not_in_store' });

    const refused = await order(t, w, w.keeper.storeId, [{ variant_id: w.v.c, quantity: 1 }]);
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('lines_unsellable');
    expect(refused.body.errors).toEqual([
      expect.objectContaining({ field: 'lines.0.variant_id', code: 'not_in_store' }),
    ]);
  });
});

describe('flagging when the supplier moves the band', () => {
  it('flags picks priced outside in the same transaction, hides and refuses them, and clears when re-priced', async () => {
    const shop = await shopkeeper(t, w.sk, '店主丙', 'https://h5.example.cn/c/');
    const pick = await addPick(
      { product_id: w.products.tee, prices: [{ variant_id: w.v.a, price: 8500 }] },
      shop.token,
      shop.storeId,
    );
    expectStatus(pick, 201);
    // Warm the storefront cache, so the change must invalidate it.
    expect((await storefront('/v1/storefront/products', shop.pk)).body.data).toHaveLength(1);

    const raised = await t.request({
      method: 'PATCH',
      url: `/v1/variants/${w.v.a}`,
      key: w.supplierKey,
      body: { retail_floor: 9000 },
    });
    expectStatus(raised, 200);
    const url = `${picksUrl(shop.storeId)}/${pick.body.id}`;
    const flagged = (await t.request({ method: 'GET', url, key: shop.token })).body;
    expect(flagged).toMatchObject({ status: 'flagged', flag_reason: 'price_below_floor' });
    expect(flagged.flag_message).toMatch(/8500.*9000/);
    expect(flagged.flagged_at).not.toBeNull();
    expect(await eventTypesOf(t, w.tenantId, pick.body.id)).toEqual([
      'store_pick.created',
      'store_pick.flagged',
    ]);

    // Picks at their own price inside the new band, or at list price, are untouched.
    const keeperPick = (await t.request({ method: 'GET', url: picksUrl(w.keeper.storeId), key: w.sk })).body
      .data[0];
    expect(keeperPick.status).toBe('active');

    expect((await storefront('/v1/storefront/products', shop.pk)).body.data).toEqual([]);
    expect((await storefront(`/v1/storefront/products/${w.products.tee}`, shop.pk)).status).toBe(404);
    const refused = await order(t, w, shop.storeId, [{ variant_id: w.v.b, quantity: 1 }]);
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].code).toBe('pick_flagged');
    const listed = await t.request({
      method: 'GET',
      url: `${picksUrl(shop.storeId)}?status=flagged`,
      key: w.sk,
    });
    expect(listed.body.data.map((p: any) => p.id)).toEqual([pick.body.id]);

    // A recommendation change alone does not clear the flag; re-pricing inside the band does.
    const still = await t.request({
      method: 'PATCH',
      url,
      key: shop.token,
      body: { recommendation: '好物' },
    });
    expect(still.body.status).toBe('flagged');
    const outside = await t.request({
      method: 'PATCH',
      url,
      key: shop.token,
      body: { prices: [{ variant_id: w.v.a, price: 8999 }] },
    });
    expect(outside.status).toBe(422);
    const fixed = await t.request({
      method: 'PATCH',
      url,
      key: shop.token,
      body: { prices: [{ variant_id: w.v.a, price: 9500 }] },
    });
    expectStatus(fixed, 200);
    expect(fixed.body).toMatchObject({ status: 'active', flag_reason: null, flagged_at: null });
    expect(await eventTypesOf(t, w.tenantId, pick.body.id)).toContain('store_pick.unflagged');
    expect((await storefront('/v1/storefront/products', shop.pk)).body.data[0].variants[0].price).toBe(9500);
    expectStatus(await order(t, w, shop.storeId, [{ variant_id: w.v.a, quantity: 1 }]), 201);

    // The band moving back over a flagged pick restores it too.
    expectStatus(
      await t.request({
        method: 'PATCH',
        url: `/v1/variants/${w.v.a}`,
        key: w.sk,
        body: { retail_ceiling: 9400, list_price: 9300 },
      }),
      200,
    );
    expect((await t.request({ method: 'GET', url, key: shop.token })).body).toMatchObject({
      status: 'flagged',
      flag_reason: 'price_above_ceiling',
    });
    expectStatus(
      await t.request({
        method: 'PATCH',
        url: `/v1/products/${w.products.tee}`,
        key: w.sk,
        body: { variants: [{ id: w.v.a, retail_ceiling: 12000 }] },
      }),
      200,
    );
    expect((await t.request({ method: 'GET', url, key: shop.token })).body.status).toBe('active');

    // `prices: []` drops the store's own prices: every variant at list price, never flagged.
    const plain = await t.request({ method: 'PATCH', url, key: shop.token, body: { prices: [] } });
    expect(plain.body).toMatchObject({ prices: [], status: 'active' });
    const byProduct = await t.request({
      method: 'GET',
      url: `${picksUrl(shop.storeId)}?product_id=${w.products.tee}&status=active`,
      key: shop.token,
    });
    expect(byProduct.body.data.map((p: any) => p.id)).toEqual([pick.body.id]);
    expect((await storefront('/v1/storefront/products', shop.pk)).body.data[0].variants[0].price).toBe(9300);
  });
});

describe('the pick limit', () => {
  it(`holds at ${MAX_PICKS} picks per store, also for concurrent adds`, async () => {
    const shop = await shopkeeper(t, w.sk, '爆款店主');
    // MAX_PICKS + 3 bare published products and MAX_PICKS − 1 picks, written directly (the API
    // paths are tested above); then the API at the edge.
    const supplierId = (await t.request({ method: 'GET', url: '/v1/suppliers', key: w.sk })).body.data[0].id;
    const now = new Date();
    const productIds = Array.from({ length: MAX_PICKS + 3 }, () => newId('product'));
    await withTenant(t.app.db, w.tenantId, async (tx) => {
      await tx.insert(products).values(
        productIds.map((id, i) => ({
          tenantId: w.tenantId,
          id,
          supplierId,
          title: `批量商品 ${i}`,
          searchText: `批量商品 ${i}`,
          searchTokens: [],
          status: 'published' as const,
          createdAt: now,
          updatedAt: now,
        })),
      );
      await tx.insert(storePicks).values(
        productIds.slice(0, MAX_PICKS - 1).map((productId) => ({
          tenantId: w.tenantId,
          id: newId('storePick'),
          storeId: shop.storeId,
          productId,
          createdAt: now,
          updatedAt: now,
        })),
      );
    });
    const racers = await Promise.all(
      productIds.slice(MAX_PICKS - 1).map((product_id) => addPick({ product_id }, shop.token, shop.storeId)),
    );
    expect(racers.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    expect(racers.filter((r) => r.status === 409).every((r) => r.body.code === 'pick_limit_reached')).toBe(
      true,
    );
  });
});

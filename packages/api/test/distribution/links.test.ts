import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/tenancy';
import { linkClicks } from '../../src/modules/links/tables';
import { createTestTenant, eventTypesOf, expectStatus, type TestApp, testApp } from '../helpers';
import { type DistributionWorld, distributionWorld, poster } from './fixtures';

let t: TestApp;
let w: DistributionWorld;
let guide: { id: string; token: string };

beforeAll(async () => {
  t = await testApp({ publicUrl: 'https://api.example.cn/' });
  w = await distributionWorld(t);
  const post = poster(t, w.sk);
  const g = await post('/v1/promoters', { kind: 'guide', name: '导购小王', location_code: 'SH-001' });
  guide = { id: g.id, token: (await post(`/v1/promoters/${g.id}/tokens`, {})).token };
});

async function createLink(body: Record<string, unknown>, key = w.sk) {
  return t.request({ method: 'POST', url: '/v1/links', key, body });
}

async function follow(path: string, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'GET', url: path, headers });
}

describe('tracking links (推广位)', () => {
  it('creates a link with a generated, URL-safe code and a share URL', async () => {
    const res = await createLink({ promoter_id: guide.id, store_id: w.brandStoreId, campaign: '双11' });
    expectStatus(res, 201);
    expect(res.body).toMatchObject({
      object: 'link',
      promoter_id: guide.id,
      store_id: w.brandStoreId,
      product_id: null,
      campaign: '双11',
      status: 'active',
      click_count: 0,
    });
    expect(res.body.id).toMatch(/^link_/);
    expect(res.body.code).toMatch(/^[A-Za-z0-9]{8}$/);
    expect(res.body.share_path).toBe(`/r/${w.tenantId}/${res.body.code}`);
    expect(res.body.share_url).toBe(`https://api.example.cn/r/${w.tenantId}/${res.body.code}`);
    expect(await eventTypesOf(t, w.tenantId, res.body.id)).toEqual(['link.created']);
  });

  it('takes a given code once per tenant, and checks what the link names', async () => {
    const mine = await createLink({ promoter_id: guide.id, store_id: w.brandStoreId, code: 'wang-618' });
    expectStatus(mine, 201);
    const taken = await createLink({ promoter_id: guide.id, store_id: w.brandStoreId, code: 'wang-618' });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('code_taken');
    // Another tenant may use the same code.
    const other = await createTestTenant(t);
    const post = poster(t, other.secretKey);
    const p = await post('/v1/promoters', { kind: 'affiliate', name: '淘客' });
    const s = await post('/v1/stores', {
      kind: 'brand',
      name: 'x',
      settings: { custom_domain: 'x.example.cn' },
    });
    expectStatus(
      await createLink({ promoter_id: p.id, store_id: s.id, code: 'wang-618' }, other.secretKey),
      201,
    );

    const bad = await createLink({ promoter_id: guide.id, store_id: w.brandStoreId, code: '中文码' });
    expect(bad.status).toBe(400);
    const noPromoter = await createLink({ store_id: w.brandStoreId });
    expect(noPromoter.body.code).toBe('promoter_required');
    const noStore = await createLink({ promoter_id: guide.id });
    expect(noStore.status).toBe(400);
    expect(noStore.body.code).toBe('store_required');
    const foreignShop = await createLink({ promoter_id: guide.id, store_id: w.keeper.storeId });
    expect(foreignShop.status).toBe(422);
    expect(foreignShop.body.code).toBe('store_not_allowed');
    const noUrl = await post('/v1/stores', { kind: 'brand', name: 'no url' });
    const p2 = await post('/v1/promoters', { kind: 'guide', name: '导购' });
    const missingUrl = await createLink({ promoter_id: p2.id, store_id: noUrl.id }, other.secretKey);
    expect(missingUrl.status).toBe(422);
    expect(missingUrl.body.code).toBe('store_url_missing');
    const unknownProduct = await createLink({
      promoter_id: guide.id,
      store_id: w.brandStoreId,
      product_id: 'prod_nope',
    });
    expect(unknownProduct.body.code).toBe('invalid_reference');
  });

  it('lets a promoter token create, list and disable only its own links', async () => {
    // A shopkeeper's link lands in its own store by default; a product link needs the product picked.
    const notPicked = await createLink({ product_id: w.products.bag }, w.keeper.token);
    expect(notPicked.status).toBe(422);
    expect(notPicked.body.code).toBe('product_not_in_store');
    expectStatus(
      await t.request({
        method: 'POST',
        url: `/v1/stores/${w.keeper.storeId}/picks`,
        key: w.keeper.token,
        body: { product_id: w.products.bag },
      }),
      201,
    );
    const own = await createLink({ product_id: w.products.bag, campaign: '朋友圈' }, w.keeper.token);
    expectStatus(own, 201);
    expect(own.body).toMatchObject({
      promoter_id: w.keeper.promoterId,
      store_id: w.keeper.storeId,
      product_id: w.products.bag,
    });
    const impersonate = await createLink({ promoter_id: guide.id, store_id: w.brandStoreId }, w.keeper.token);
    expect(impersonate.status).toBe(404);

    const list = await t.request({ method: 'GET', url: '/v1/links', key: w.keeper.token });
    expect(list.body.data.map((l: any) => l.id)).toEqual([own.body.id]);
    const guideLinks = await t.request({ method: 'GET', url: '/v1/links', key: guide.token });
    expect(guideLinks.body.data.length).toBeGreaterThan(0);
    expect(guideLinks.body.data.every((l: any) => l.promoter_id === guide.id)).toBe(true);
    const all = await t.request({ method: 'GET', url: `/v1/links?promoter_id=${guide.id}`, key: w.sk });
    expect(all.body.data.map((l: any) => l.id).sort()).toEqual(
      guideLinks.body.data.map((l: any) => l.id).sort(),
    );

    for (const method of ['GET', 'PATCH'] as const) {
      const res = await t.request({
        method,
        url: `/v1/links/${own.body.id}`,
        key: guide.token,
        ...(method === 'PATCH' ? { body: { status: 'disabled' } } : {}),
      });
      expect(res.status, method).toBe(404);
    }
    const disabled = await t.request({
      method: 'PATCH',
      url: `/v1/links/${own.body.id}`,
      key: w.keeper.token,
      body: { status: 'disabled' },
    });
    expectStatus(disabled, 200);
    expect(disabled.body.status).toBe('disabled');
    const filtered = await t.request({ method: 'GET', url: '/v1/links?status=active', key: w.keeper.token });
    expect(filtered.body.data).toEqual([]);
  });
});

describe('the public redirect', () => {
  it('records the click and sends the buyer to the store (and product) with ?mj_link, without a key', async () => {
    const link = (
      await createLink({ promoter_id: guide.id, store_id: w.brandStoreId, product_id: w.products.tee })
    ).body;
    const res = await follow(link.share_path, {
      'user-agent': 'Mozilla/5.0 MicroMessenger/8.0',
      referer: 'https://servicewechat.com/',
    });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(
      `https://brand.example.cn/shop/products/${w.products.tee}?mj_link=${link.code}`,
    );
    expect(res.headers['cache-control']).toBe('no-store');
    await follow(link.share_path);

    const read = await t.request({ method: 'GET', url: `/v1/links/${link.id}`, key: w.sk });
    expect(read.body.click_count).toBe(2);
    const listed = await t.request({ method: 'GET', url: `/v1/links?code=${link.code}`, key: w.sk });
    expect(listed.body.data[0].click_count).toBe(2);
    const clicks = await withTenant(t.app.db, w.tenantId, (tx) =>
      tx
        .select()
        .from(linkClicks)
        .where(and(eq(linkClicks.tenantId, w.tenantId), eq(linkClicks.linkId, link.id))),
    );
    expect(clicks).toHaveLength(2);
    const withAgent = clicks.find((c) => c.userAgentHash)!;
    expect(withAgent.userAgentHash).not.toContain('Mozilla');
    expect(withAgent.referrerHash).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Object.keys(withAgent)).not.toContain('ip');
  });

  it('lands a shopkeeper link on its store URL', async () => {
    const link = (await createLink({ campaign: '群发' }, w.other.token)).body;
    const res = await follow(link.share_path);
    expect(res.statusCode).toBe(302);
    const target = new URL(res.headers.location as string);
    expect(target.origin + target.pathname).toMatch(/^https:\/\/h5\.example\.cn\/s\/\d+-2\/$/);
    expect(target.searchParams.get('mj_link')).toBe(link.code);
  });

  it('answers 404 link_not_found for unknown, disabled and foreign codes and inactive promoters', async () => {
    const link = (await createLink({ promoter_id: guide.id, store_id: w.brandStoreId })).body;
    const other = await createTestTenant(t);
    const cases = [
      `/r/${w.tenantId}/nope-nope`,
      `/r/${other.id}/${link.code}`,
      `/r/not-a-tenant/${link.code}`,
      `/r/${w.tenantId}/${'x'.repeat(65)}`,
    ];
    for (const path of cases) {
      const res = await follow(path);
      expect(res.statusCode, path).toBe(404);
      expect(res.json().code, path).toBe('link_not_found');
    }
    expect((await follow(link.share_path)).statusCode).toBe(302);
    await t.request({
      method: 'PATCH',
      url: `/v1/links/${link.id}`,
      key: w.sk,
      body: { status: 'disabled' },
    });
    expect((await follow(link.share_path)).statusCode).toBe(404);
    await t.request({ method: 'PATCH', url: `/v1/links/${link.id}`, key: w.sk, body: { status: 'active' } });
    expect((await follow(link.share_path)).statusCode).toBe(302);

    const post = poster(t, w.sk);
    const suspended = await post('/v1/promoters', { kind: 'affiliate', name: '停用的淘客' });
    const theirs = (await createLink({ promoter_id: suspended.id, store_id: w.brandStoreId })).body;
    expectStatus(
      await t.request({
        method: 'PATCH',
        url: `/v1/promoters/${suspended.id}`,
        key: w.sk,
        body: { status: 'suspended' },
      }),
      200,
    );
    expect((await follow(theirs.share_path)).statusCode).toBe(404);
    // Failed follows record no click.
    expect(
      (await t.request({ method: 'GET', url: `/v1/links/${theirs.id}`, key: w.sk })).body.click_count,
    ).toBe(0);
  });
});

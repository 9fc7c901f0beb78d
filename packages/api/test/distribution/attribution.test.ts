import { beforeAll, describe, expect, it } from 'vitest';
import { expectStatus, type TestApp, testApp } from '../helpers';
import { ADDRESS, type DistributionWorld, distributionWorld, order, pay, poster } from './fixtures';

/**
 * Attribution (DESIGN.md §3): the shopkeeper of the store the order was placed in; else the
 * tracking link on the order; else an active binding; else nobody. Every candidate is kept
 * with the rule that won. Invitations are recorded but never attribute.
 */

let t: TestApp;
let w: DistributionWorld;
let post: ReturnType<typeof poster>;
let guide: string;
let affiliate: string;
let guideLink: { id: string; code: string };
let phoneSeq = 0;

beforeAll(async () => {
  t = await testApp();
  w = await distributionWorld(t);
  post = poster(t, w.sk);
  guide = (await post('/v1/promoters', { kind: 'guide', name: '导购小李' })).id;
  affiliate = (await post('/v1/promoters', { kind: 'affiliate', name: '淘客小赵' })).id;
  guideLink = await post('/v1/links', { promoter_id: guide, store_id: w.brandStoreId });
  // The shopkeeper's store sells the tee.
  await post(`/v1/stores/${w.keeper.storeId}/picks`, { product_id: w.products.tee });
});

const phone = () => `137${String(++phoneSeq).padStart(8, '0')}`;

/** A customer bound to the affiliate (protection period running). */
async function boundCustomer() {
  const customer = await post('/v1/customers', { phone: phone() });
  await post('/v1/customer_bindings', { customer_id: customer.id, promoter_id: affiliate });
  return customer.id as string;
}

async function placed(storeId: string, extra: Record<string, unknown>) {
  const res = await order(t, w, storeId, [{ variant_id: w.v.a, quantity: 1 }], extra);
  expectStatus(res, 201);
  return res.body;
}

describe('attribution precedence', () => {
  it('shopkeeper store > link > binding: all three candidates kept, the store wins', async () => {
    const customer_id = await boundCustomer();
    const o = await placed(w.keeper.storeId, { customer_id, link_code: guideLink.code });
    expect(o.promoter_id).toBe(w.keeper.promoterId);
    expect(o.attribution).toEqual({
      promoter_id: w.keeper.promoterId,
      rule: 'shopkeeper_store',
      candidates: [
        { rule: 'shopkeeper_store', promoter_id: w.keeper.promoterId, detail: w.keeper.storeId },
        { rule: 'link', promoter_id: guide, detail: guideLink.id },
        { rule: 'binding', promoter_id: affiliate, detail: expect.stringMatching(/^bnd_/) },
      ],
    });
    const read = await t.request({ method: 'GET', url: `/v1/orders/${o.id}`, key: w.sk });
    expect(read.body.attribution).toEqual(o.attribution);
  });

  it('link > binding outside a shopkeeper store', async () => {
    const customer_id = await boundCustomer();
    const o = await placed(w.brandStoreId, { customer_id, link_code: guideLink.code });
    expect(o.link_code).toBe(guideLink.code);
    expect(o.attribution).toMatchObject({
      promoter_id: guide,
      rule: 'link',
      candidates: [
        { rule: 'link', promoter_id: guide, detail: guideLink.id },
        { rule: 'binding', promoter_id: affiliate },
      ],
    });
  });

  it('binding without a link, and none without either', async () => {
    const customer_id = await boundCustomer();
    const bound = await placed(w.brandStoreId, { customer_id });
    expect(bound.attribution).toMatchObject({ promoter_id: affiliate, rule: 'binding' });
    const nobody = await placed(w.brandStoreId, { phone: phone() });
    expect(nobody.attribution).toEqual({ promoter_id: null, rule: 'none', candidates: [] });
  });

  it('ignores an unknown or disabled code (the order is placed and keeps the code it came with)', async () => {
    const customer_id = await boundCustomer();
    const unknown = await placed(w.brandStoreId, { customer_id, link_code: 'no-such-code' });
    expect(unknown.link_code).toBe('no-such-code');
    expect(unknown.attribution).toMatchObject({
      rule: 'binding',
      candidates: [{ rule: 'binding', promoter_id: affiliate }],
    });

    const link = await post('/v1/links', { promoter_id: guide, store_id: w.brandStoreId });
    await t.request({
      method: 'PATCH',
      url: `/v1/links/${link.id}`,
      key: w.sk,
      body: { status: 'disabled' },
    });
    const disabled = await placed(w.brandStoreId, { phone: phone(), link_code: link.code });
    expect(disabled.attribution).toEqual({ promoter_id: null, rule: 'none', candidates: [] });

    // A suspended promoter's link attributes nothing either.
    const gone = await post('/v1/promoters', { kind: 'affiliate', name: '将停用' });
    const goneLink = await post('/v1/links', { promoter_id: gone.id, store_id: w.brandStoreId });
    await t.request({
      method: 'PATCH',
      url: `/v1/promoters/${gone.id}`,
      key: w.sk,
      body: { status: 'suspended' },
    });
    const suspended = await placed(w.brandStoreId, { phone: phone(), link_code: goneLink.code });
    expect(suspended.attribution.rule).toBe('none');
  });

  it("takes the code from the cart (the storefront's ?mj_link) at checkout", async () => {
    const cart = await t.request({
      method: 'POST',
      url: '/v1/carts',
      key: w.brandPk,
      body: {
        lines: [{ variant_id: w.v.c, quantity: 1 }],
        phone: phone(),
        shipping_address: ADDRESS,
        link_code: guideLink.code,
      },
    });
    expectStatus(cart, 201);
    const checkout = await t.request({
      method: 'POST',
      url: `/v1/carts/${cart.body.id}/checkout`,
      key: w.brandPk,
      body: {},
    });
    expectStatus(checkout, 201);
    expect(checkout.body.attribution).toMatchObject({ promoter_id: guide, rule: 'link' });
  });
});

describe("the link's promoter and the customer", () => {
  it('binds the customer to the link’s promoter when the order is paid', async () => {
    const customer = await post('/v1/customers', { phone: phone() });
    const o = await placed(w.brandStoreId, { customer_id: customer.id, link_code: guideLink.code });
    const before = await t.request({
      method: 'GET',
      url: `/v1/customer_bindings?customer_id=${customer.id}`,
      key: w.sk,
    });
    expect(before.body.data).toEqual([]);
    expectStatus(await pay(t, w, o), 201);
    const after = await t.request({
      method: 'GET',
      url: `/v1/customer_bindings?customer_id=${customer.id}`,
      key: w.sk,
    });
    expect(after.body.data).toEqual([
      expect.objectContaining({ promoter_id: guide, source: 'link', status: 'active' }),
    ]);
    // The next order without a code is the guide's through the binding.
    const next = await placed(w.brandStoreId, { customer_id: customer.id });
    expect(next.attribution).toMatchObject({ promoter_id: guide, rule: 'binding' });
  });

  it('leaves a customer bound to another promoter where it is (protection period)', async () => {
    const customer_id = await boundCustomer();
    const o = await placed(w.brandStoreId, { customer_id, link_code: guideLink.code });
    expect(o.promoter_id).toBe(guide);
    expectStatus(await pay(t, w, o), 201);
    const bindings = await t.request({
      method: 'GET',
      url: `/v1/customer_bindings?customer_id=${customer_id}&status=active`,
      key: w.sk,
    });
    expect(bindings.body.data.map((b: any) => b.promoter_id)).toEqual([affiliate]);
  });
});

describe('invitations (who recruited whom)', () => {
  it('are recorded and readable, but the inviter is never a candidate', async () => {
    const inviter = await post('/v1/promoters', { kind: 'shopkeeper', name: '团长' });
    const recruit = await post('/v1/promoters', { kind: 'affiliate', name: '新人', invited_by: inviter.id });
    expect(recruit.invited_by).toBe(inviter.id);
    const read = await t.request({ method: 'GET', url: `/v1/promoters/${recruit.id}`, key: w.sk });
    expect(read.body.invited_by).toBe(inviter.id);
    const recruits = await t.request({
      method: 'GET',
      url: `/v1/promoters?invited_by=${inviter.id}`,
      key: w.sk,
    });
    expect(recruits.body.data.map((p: any) => p.id)).toEqual([recruit.id]);

    const link = await post('/v1/links', { promoter_id: recruit.id, store_id: w.brandStoreId });
    const customer = await post('/v1/customers', { phone: phone() });
    const o = await placed(w.brandStoreId, { customer_id: customer.id, link_code: link.code });
    expectStatus(await pay(t, w, o), 201);
    const paid = await t.request({ method: 'GET', url: `/v1/orders/${o.id}`, key: w.sk });
    expect(paid.body.promoter_id).toBe(recruit.id);
    expect(paid.body.attribution.candidates.map((c: any) => c.promoter_id)).toEqual([recruit.id]);
    expect(JSON.stringify(paid.body)).not.toContain(inviter.id);

    // The inviter's own token sees none of the recruit's orders.
    const token = await post(`/v1/promoters/${inviter.id}/tokens`, {});
    const theirs = await t.request({ method: 'GET', url: '/v1/orders', key: token.token });
    expectStatus(theirs, 200);
    expect(theirs.body.data).toEqual([]);
    // And the customer is bound to the recruit, not to the inviter.
    const bindings = await t.request({
      method: 'GET',
      url: `/v1/customer_bindings?customer_id=${customer.id}`,
      key: w.sk,
    });
    expect(bindings.body.data.map((b: any) => b.promoter_id)).toEqual([recruit.id]);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import {
  createTestTenant,
  eventTypesOf,
  expectStatus,
  FakeClock,
  type TestApp,
  type TestTenant,
  testApp,
} from '../helpers';

const clock = new FakeClock();
let t: TestApp;
let tenant: TestTenant;

beforeAll(async () => {
  t = await testApp({ clock });
  tenant = await createTestTenant(t);
});

async function promoter(body: Record<string, unknown>) {
  const res = await t.request({ method: 'POST', url: '/v1/promoters', key: tenant.secretKey, body });
  expectStatus(res, 201);
  return res.body;
}

async function tokenFor(id: string, ttl_seconds?: number) {
  const res = await t.request({
    method: 'POST',
    url: `/v1/promoters/${id}/tokens`,
    key: tenant.secretKey,
    body: ttl_seconds ? { ttl_seconds } : {},
  });
  expectStatus(res, 201);
  return res.body.token as string;
}

describe('promoters', () => {
  it('creates each kind, records who invited whom, and emits promoter.created', async () => {
    const recruiter = await promoter({ kind: 'shopkeeper', name: '王店主', phone: '13800000001' });
    const recruit = await promoter({
      kind: 'shopkeeper',
      name: '李店主',
      invited_by: recruiter.id,
      level: 1,
    });
    const guide = await promoter({ kind: 'guide', name: '张导购', location_code: 'SH-001' });
    const affiliate = await promoter({ kind: 'affiliate', name: '推手', external_id: 'taoke-9' });
    expect(recruit).toMatchObject({
      object: 'promoter',
      invited_by: recruiter.id,
      level: 1,
      status: 'active',
    });
    expect(guide.location_code).toBe('SH-001');
    expect(affiliate.id).toMatch(/^prm_/);
    const invited = await t.request({
      method: 'GET',
      url: `/v1/promoters?invited_by=${recruiter.id}`,
      key: tenant.secretKey,
    });
    expect(invited.body.data.map((p: any) => p.id)).toEqual([recruit.id]);
    expect(await eventTypesOf(t, tenant.id, recruit.id)).toEqual(['promoter.created']);
  });

  it('refuses an unknown inviter, a duplicate external id and a bad kind', async () => {
    const unknown = await t.request({
      method: 'POST',
      url: '/v1/promoters',
      key: tenant.secretKey,
      body: { kind: 'guide', name: 'x', invited_by: 'prm_nope' },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0].field).toBe('body.invited_by');
    await promoter({ kind: 'affiliate', name: 'a', external_id: 'dup-1' });
    const dup = await t.request({
      method: 'POST',
      url: '/v1/promoters',
      key: tenant.secretKey,
      body: { kind: 'affiliate', name: 'b', external_id: 'dup-1' },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('promoter_exists');
    const kind = await t.request({
      method: 'POST',
      url: '/v1/promoters',
      key: tenant.secretKey,
      body: { kind: 'agent', name: 'c' },
    });
    expect(kind.status).toBe(400);
  });

  it('never reactivates a terminated promoter', async () => {
    const p = await promoter({ kind: 'guide', name: 'gone' });
    expectStatus(
      await t.request({
        method: 'PATCH',
        url: `/v1/promoters/${p.id}`,
        key: tenant.secretKey,
        body: { status: 'terminated' },
      }),
      200,
    );
    const back = await t.request({
      method: 'PATCH',
      url: `/v1/promoters/${p.id}`,
      key: tenant.secretKey,
      body: { status: 'active' },
    });
    expect(back.status).toBe(409);
    expect(back.body.code).toBe('promoter_terminated');
  });
});

describe('promoter tokens', () => {
  it('confine an app to its own promoter', async () => {
    const me = await promoter({ kind: 'guide', name: 'me' });
    const other = await promoter({ kind: 'guide', name: 'other' });
    const token = await tokenFor(me.id);
    expect(token).toMatch(/^prt_/);
    const list = await t.request({ method: 'GET', url: '/v1/promoters', key: token });
    expect(list.body.data.map((p: any) => p.id)).toEqual([me.id]);
    expectStatus(await t.request({ method: 'GET', url: `/v1/promoters/${me.id}`, key: token }), 200);
    expect((await t.request({ method: 'GET', url: `/v1/promoters/${other.id}`, key: token })).status).toBe(
      404,
    );
    const write = await t.request({
      method: 'POST',
      url: '/v1/promoters',
      key: token,
      body: { kind: 'guide', name: 'x' },
    });
    expect(write.status).toBe(403);
    expect(write.body.code).toBe('wrong_key_kind');
    expect((await t.request({ method: 'GET', url: '/v1/api_keys', key: token })).status).toBe(403);
  });

  it('expire after their lifetime', async () => {
    const me = await promoter({ kind: 'affiliate', name: 'short' });
    const token = await tokenFor(me.id, 120);
    expectStatus(await t.request({ method: 'GET', url: '/v1/promoters', key: token }), 200);
    clock.advance(121_000);
    const res = await t.request({ method: 'GET', url: '/v1/promoters', key: token });
    expect(res.status).toBe(401);
    const tooLong = await t.request({
      method: 'POST',
      url: `/v1/promoters/${me.id}/tokens`,
      key: tenant.secretKey,
      body: { ttl_seconds: 7 * 86400 },
    });
    expect(tooLong.status).toBe(400);
  });

  it('stop working at once when the promoter is suspended, and cannot be minted for it', async () => {
    const me = await promoter({ kind: 'shopkeeper', name: 'suspended' });
    const token = await tokenFor(me.id);
    expectStatus(await t.request({ method: 'GET', url: '/v1/promoters', key: token }), 200);
    await t.request({
      method: 'PATCH',
      url: `/v1/promoters/${me.id}`,
      key: tenant.secretKey,
      body: { status: 'suspended' },
    });
    expect((await t.request({ method: 'GET', url: '/v1/promoters', key: token })).status).toBe(401);
    const mint = await t.request({
      method: 'POST',
      url: `/v1/promoters/${me.id}/tokens`,
      key: tenant.secretKey,
      body: {},
    });
    expect(mint.status).toBe(409);
    expect(mint.body.code).toBe('promoter_inactive');
  });
});

describe('shopkeeper stores', () => {
  it('need a shopkeeper owner, one store each', async () => {
    const owner = await promoter({ kind: 'shopkeeper', name: '店主' });
    const guide = await promoter({ kind: 'guide', name: '导购' });
    const missing = await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: tenant.secretKey,
      body: { kind: 'shopkeeper', name: 'S' },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('owner_required');
    const wrongKind = await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: tenant.secretKey,
      body: { kind: 'shopkeeper', name: 'S', owner_promoter_id: guide.id },
    });
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.body.code).toBe('wrong_promoter_kind');
    const brandWithOwner = await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: tenant.secretKey,
      body: { kind: 'brand', name: 'S', owner_promoter_id: owner.id },
    });
    expect(brandWithOwner.status).toBe(400);
    const first = await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: tenant.secretKey,
      body: { kind: 'shopkeeper', name: '小店', owner_promoter_id: owner.id },
    });
    expectStatus(first, 201);
    expect(first.body.owner_promoter_id).toBe(owner.id);
    const second = await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: tenant.secretKey,
      body: { kind: 'shopkeeper', name: '二店', owner_promoter_id: owner.id },
    });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('promoter_has_store');
  });

  it("let the shopkeeper's token manage its own store only, but not open or close it", async () => {
    const owner = await promoter({ kind: 'shopkeeper', name: '店主2' });
    const shop = await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: tenant.secretKey,
      body: { kind: 'shopkeeper', name: '我的小店', owner_promoter_id: owner.id },
    });
    const brand = await t.request({
      method: 'POST',
      url: '/v1/stores',
      key: tenant.secretKey,
      body: { kind: 'brand', name: '旗舰店' },
    });
    const token = await tokenFor(owner.id);
    const list = await t.request({ method: 'GET', url: '/v1/stores', key: token });
    expect(list.body.data.map((s: any) => s.id)).toEqual([shop.body.id]);
    expect((await t.request({ method: 'GET', url: `/v1/stores/${brand.body.id}`, key: token })).status).toBe(
      404,
    );
    const renamed = await t.request({
      method: 'PATCH',
      url: `/v1/stores/${shop.body.id}`,
      key: token,
      body: { name: '好物小店', settings: { primary_color: '#FF0000' } },
    });
    expectStatus(renamed, 200);
    expect(renamed.body.name).toBe('好物小店');
    const close = await t.request({
      method: 'PATCH',
      url: `/v1/stores/${shop.body.id}`,
      key: token,
      body: { status: 'closed' },
    });
    expect(close.status).toBe(403);
    expect(
      (
        await t.request({
          method: 'PATCH',
          url: `/v1/stores/${brand.body.id}`,
          key: token,
          body: { name: 'x' },
        })
      ).status,
    ).toBe(404);
  });
});

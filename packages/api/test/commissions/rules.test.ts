import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/tenancy';
import { commissions } from '../../src/modules/commissions/tables';
import { FakeClock, type TestApp, testApp } from '../helpers';
import {
  api,
  commissionsOf,
  type Distribution,
  newShopkeeper,
  openDistribution,
  paidOrder,
  setSettings,
  variant,
} from './fixtures';

const clock = new FakeClock();
let t: TestApp;
let d: Distribution;
let sk: ReturnType<typeof api>;

beforeAll(async () => {
  t = await testApp({ clock });
  d = await openDistribution(t);
  sk = api(t, d.sk);
});

const rule = (body: Record<string, unknown>) => sk.ok('POST', '/v1/commission_rules', body);

describe('commission rules', () => {
  it('validates the value fields of each type and the references', async () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ type: 'percentage' }, 400, 'invalid_commission_rule'],
      [{ type: 'percentage', rate_bps: 10_001 }, 400, 'invalid_request'],
      [{ type: 'fixed', rate_bps: 100 }, 400, 'invalid_commission_rule'],
      [{ type: 'margin', amount: 100 }, 400, 'invalid_commission_rule'],
      [{ type: 'fixed', amount: -1 }, 400, 'invalid_request'],
      [{ type: 'fixed', amount: 1, product_id: 'prod_nope' }, 422, 'invalid_reference'],
      [{ type: 'fixed', amount: 1, supplier_id: 'sup_nope' }, 422, 'invalid_reference'],
      [{ type: 'fixed', amount: 1, promoter_kind: 'boss' }, 400, 'invalid_request'],
      [{ type: 'fixed', amount: 1, surprise: true }, 400, 'invalid_request'],
    ];
    for (const [body, status, code] of cases) {
      const res = await sk.call('POST', '/v1/commission_rules', body);
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([status, code]);
    }
  });

  it('creates, reads, lists, updates and deletes rules', async () => {
    const r = await rule({ type: 'percentage', rate_bps: 500, name: '基础', metadata: { a: '1' } });
    expect(r).toMatchObject({
      object: 'commission_rule',
      type: 'percentage',
      rate_bps: 500,
      amount: null,
      active: true,
    });
    expect(await sk.ok('GET', `/v1/commission_rules/${r.id}`)).toEqual(r);
    const patched = await sk.ok('PATCH', `/v1/commission_rules/${r.id}`, {
      type: 'fixed',
      amount: 50,
      active: false,
    });
    expect(patched).toMatchObject({
      type: 'fixed',
      amount: 50,
      rate_bps: null,
      active: false,
      metadata: { a: '1' },
    });
    const bad = await sk.call('PATCH', `/v1/commission_rules/${r.id}`, { type: 'percentage' });
    expect(bad.body.code).toBe('invalid_commission_rule');
    const inactive = await sk.ok('GET', '/v1/commission_rules?active=false');
    expect(inactive.data.map((x: any) => x.id)).toContain(r.id);
    expect(await sk.ok('DELETE', `/v1/commission_rules/${r.id}`)).toEqual({
      id: r.id,
      object: 'commission_rule',
      deleted: true,
    });
    expect((await sk.call('GET', `/v1/commission_rules/${r.id}`)).status).toBe(404);
  });

  it('applies the most specific rule: product > category > supplier > store > level > kind', async () => {
    const p = await variant(t, d, 10_000);
    const q = await variant(t, d, 10_000);
    const other = await sk.ok('POST', '/v1/products', {
      title: '乙方商品',
      status: 'published',
      supplier_id: d.supplierIds[1],
      variants: [{ sku: `${d.tenantId}-R1`, list_price: 10_000 }],
    });
    await sk.ok('POST', '/v1/inventory_adjustments', {
      variant_id: other.variants[0].id,
      delta: 100,
      reason: 'received',
    });
    const kind = await rule({ type: 'percentage', rate_bps: 100, promoter_kind: 'shopkeeper' });
    const store = await rule({ type: 'percentage', rate_bps: 300, store_id: d.shopkeeperStoreId });
    const supplier = await rule({ type: 'percentage', rate_bps: 500, supplier_id: d.supplierIds[0] });
    const product = await rule({ type: 'fixed', amount: 700, product_id: p.productId });
    // Inactive or higher-priority-but-less-specific rules do not beat the specific one.
    await rule({ type: 'percentage', rate_bps: 4000, product_id: p.productId, active: false });
    await rule({ type: 'percentage', rate_bps: 4000, promoter_kind: 'shopkeeper', priority: 999 });

    const order = await paidOrder(t, d, d.shopkeeperStoreId, [
      { variant_id: p.variantId, quantity: 1 },
      { variant_id: q.variantId, quantity: 1 },
      { variant_id: other.variants[0].id, quantity: 1 },
    ]);
    const byLine = new Map((await commissionsOf(t, d, order.id)).map((c) => [c.order_line_id, c]));
    const [lp, lq, lo] = order.lines.map((l: any) => byLine.get(l.id));
    expect([lp.rule_id, lp.amount]).toEqual([product.id, 700]);
    expect([lq.rule_id, lq.amount]).toEqual([supplier.id, 500]);
    expect([lo.rule_id, lo.amount]).toEqual([store.id, 300]);
    expect(kind.id).toBeDefined();

    // In another shopkeeper's store, the store rule no longer matches: the kind rules remain, the
    // higher priority one wins among equally specific rules.
    const other2 = await newShopkeeper(t, d, '另一个店主');
    const o2 = await paidOrder(t, d, other2.storeId, [{ variant_id: other.variants[0].id, quantity: 1 }], {
      shipping_address: {
        ...(await sk.ok('GET', `/v1/orders/${order.id}`)).shipping_address,
        phone: '13700000001',
      },
    });
    const [c2] = await commissionsOf(t, d, o2.id);
    expect(c2).toMatchObject({ promoter_id: other2.promoterId, amount: 4000 });
  });

  it('caps every line at the tenant cap (default 50%), pays the shopkeeper margin, and matches by level', async () => {
    const fresh = await openDistribution(t);
    const f = api(t, fresh.sk);
    const shop = await newShopkeeper(t, fresh, '高级店主');
    const cheap = await variant(t, fresh, 1_000, 200);
    const premium = await variant(t, fresh, 1_000, 700);
    await f.ok('POST', '/v1/commission_rules', { type: 'percentage', rate_bps: 9000 });
    await f.ok('POST', '/v1/commission_rules', { type: 'margin', product_id: premium.productId });
    await f.ok('POST', '/v1/commission_rules', { type: 'percentage', rate_bps: 2000, min_promoter_level: 2 });
    const phone = {
      name: '买家',
      phone: '13600000000',
      province: '上海市',
      city: '上海市',
      district: '浦东新区',
      line1: '1 号',
    };
    const o1 = await paidOrder(
      t,
      fresh,
      shop.storeId,
      [
        { variant_id: cheap.variantId, quantity: 2 },
        { variant_id: premium.variantId, quantity: 2 },
      ],
      { shipping_address: phone },
    );
    const c1 = new Map((await commissionsOf(t, fresh, o1.id)).map((c) => [c.order_line_id, c]));
    // 90% of 2,000 capped at 50% = 1,000; margin 2,000 − 2 × 700 = 600.
    expect(c1.get(o1.lines[0].id)).toMatchObject({
      amount: 1_000,
      estimated_amount: 1_000,
      rule_type: 'percentage',
    });
    expect(c1.get(o1.lines[1].id)).toMatchObject({ amount: 600, rule_type: 'margin' });

    await setSettings(t, fresh.tenantId, { commission_cap_bps: 1500 });
    await f.ok('PATCH', `/v1/promoters/${shop.promoterId}`, { level: 2 }, 200);
    const o2 = await paidOrder(
      t,
      fresh,
      shop.storeId,
      [
        { variant_id: cheap.variantId, quantity: 2 },
        { variant_id: premium.variantId, quantity: 2 },
      ],
      { shipping_address: phone },
    );
    const c2 = new Map((await commissionsOf(t, fresh, o2.id)).map((c) => [c.order_line_id, c]));
    // Level 2 rule (20%) is more specific than the catch-all; capped at 15% = 300.
    expect(c2.get(o2.lines[0].id)).toMatchObject({ amount: 300 });
    // Product beats level: margin 600 capped at 300.
    expect(c2.get(o2.lines[1].id)).toMatchObject({ amount: 300, rule_type: 'margin' });
  });

  it('records one payee per order line: the database refuses a second commission row', async () => {
    const v = await variant(t, d, 1_000);
    const order = await paidOrder(t, d, d.shopkeeperStoreId, [{ variant_id: v.variantId, quantity: 1 }]);
    const [c] = await commissionsOf(t, d, order.id);
    const second = await newShopkeeper(t, d, '抢单店主');
    const attempt = withTenant(t.app.db, d.tenantId, async (tx) => {
      const [row] = await tx
        .select()
        .from(commissions)
        .where(and(eq(commissions.tenantId, d.tenantId), eq(commissions.id, c.id)));
      await tx.insert(commissions).values({ ...row!, id: 'com_second', promoterId: second.promoterId });
    });
    await expect(attempt).rejects.toMatchObject({ cause: expect.objectContaining({ code: '23505' }) });
    // Replaying the payment or refunding does not add rows either.
    await sk.call('POST', `/v1/orders/${order.id}/payments`, {
      provider: 'wechat_pay',
      reference: `wx-${order.id}`,
      amount: order.total,
    });
    expect(await commissionsOf(t, d, order.id)).toHaveLength(1);
  });
});

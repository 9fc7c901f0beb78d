import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError, Mujiang } from '../src/index';
import { PLATFORM_TOKEN, type RunningApi, startApi } from './api-server';
import { FAST_RETRY } from './helpers';

let api: RunningApi;

beforeAll(async () => {
  api = await startApi();
});

describe('commissions, settlements and reports through the SDK', () => {
  it('prices a shopkeeper order by a rule, settles it and exports the lines as CSV', async () => {
    const platform = new Mujiang({ baseUrl: api.baseUrl, apiKey: PLATFORM_TOKEN, retry: FAST_RETRY });
    // No return window, so a completed order's commission is confirmed at once.
    const tenant = await platform.tenants.create({ name: 'SDK 佣金', settings: { return_window_days: 0 } });
    const mujiang = new Mujiang({ baseUrl: api.baseUrl, apiKey: tenant.api_key.secret, retry: FAST_RETRY });

    const rule = await mujiang.commissionRules.create({ type: 'percentage', rate_bps: 1500 });
    expect(rule.object).toBe('commission_rule');
    const shopkeeper = await mujiang.promoters.create({ kind: 'shopkeeper', name: '店主' });
    const store = await mujiang.stores.create({
      kind: 'shopkeeper',
      name: '小店',
      owner_promoter_id: shopkeeper.id,
    });
    const supplier = await mujiang.suppliers.create({ name: '品牌' });
    const product = await mujiang.products.create({
      title: '茶具',
      status: 'published',
      supplier_id: supplier.id,
      variants: [{ sku: 'SDK-TEA-1', list_price: 10_000 }],
    });
    const variantId = product.variants[0]!.id;
    await mujiang.inventory.adjust({ variant_id: variantId, delta: 10, reason: 'received' });
    await mujiang.storePicks.create(store.id, { product_id: product.id });
    const order = await mujiang.orders.create({
      store_id: store.id,
      lines: [{ variant_id: variantId, quantity: 1 }],
      shipping_address: {
        name: '买家',
        phone: '13800000000',
        province: '上海市',
        city: '上海市',
        line1: '1 号',
      },
    });
    const paid = await mujiang.orders.pay(order.id, {
      provider: 'wechat_pay',
      reference: 'wx-sdk-1',
      amount: order.total,
    });
    const [commission] = (await mujiang.commissions.list({ order_id: order.id })).data;
    expect(commission).toMatchObject({ status: 'pending', amount: 1_500, promoter_id: shopkeeper.id });

    await expect(mujiang.settlements.create()).rejects.toMatchObject({
      status: 409,
      code: 'nothing_to_settle',
    });
    await mujiang.fulfillments.ship(paid.order.fulfillments[0]!.id, {
      carrier: 'SF',
      tracking_number: 'SF0000001',
    });
    await mujiang.orders.complete(order.id);
    expect((await mujiang.commissions.retrieve(commission!.id)).status).toBe('confirmed');

    const settlement = await mujiang.settlements.create();
    expect(settlement.lines.data).toHaveLength(1);
    expect(settlement.total).toBe(1_500);
    const all = [];
    for await (const line of mujiang.settlements.lines(settlement.id, { limit: 1 })) all.push(line);
    expect(all.map((l) => l.amount)).toEqual([1_500]);
    const csv = await mujiang.settlements.exportLinesCsv(settlement.id);
    expect(csv.split('\r\n')[1]).toBe(
      `${settlement.id},${shopkeeper.id},店主,shopkeeper,,CNY,1,1500,0,0,1500`,
    );
    const missing = await mujiang.settlements.exportLinesCsv('stl_nope').catch((e) => e);
    expect(missing).toBeInstanceOf(ApiError);
    expect((await mujiang.settlements.pay(settlement.id, { reference: 'PAY-1' })).status).toBe('paid');

    const level = await mujiang.promoterLevels.create({
      level: 1,
      name: '银牌',
      upgrade_threshold: 1_000_000,
    });
    expect((await mujiang.promoterLevels.list()).data.map((l) => l.id)).toEqual([level.id]);
    const month = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);
    const report = await mujiang.reports.distribution({ month });
    expect(report.shopkeepers.total).toBe(1);
    expect(report.top_promoters[0]).toMatchObject({ promoter_id: shopkeeper.id, sales: 10_000 });
  });
});

import { expectStatus, PLATFORM_TOKEN, type TestApp } from '../helpers';

/** The principal kinds the access matrix covers. */
export const KINDS = ['platform', 'partner', 'secret', 'publishable', 'supplier', 'promoter'] as const;
export type Kind = (typeof KINDS)[number];

export interface WorldTenant {
  id: string;
  keys: Record<'secret' | 'publishable' | 'supplier' | 'promoter', string>;
  /** One object of each resource, by the collection path its by-id routes hang off. */
  objects: Record<string, string>;
}

export interface World {
  /** Credentials that act for tenant A (A is the partner's tenant). */
  keysA: Record<Kind, string>;
  /** Credentials of another tenant and another partner, which must never reach A's objects. */
  keysB: Record<Kind, string>;
  a: WorldTenant;
  b: WorldTenant;
}

async function tenantWorld(t: TestApp, partnerToken: string, name: string): Promise<WorldTenant> {
  const tenant = await t.request({ method: 'POST', url: '/v1/tenants', key: partnerToken, body: { name } });
  expectStatus(tenant, 201);
  const sk = tenant.body.api_key.secret as string;
  const post = async (url: string, body: unknown, key = sk) => {
    const res = await t.request({ method: 'POST', url, key, body });
    expectStatus(res, 201);
    return res.body;
  };
  const store = await post('/v1/stores', { kind: 'brand', name: `${name} store` });
  const supplier = await post('/v1/suppliers', { name: `${name} supplier` });
  const pk = await post('/v1/api_keys', { kind: 'publishable', store_id: store.id });
  const spk = await post('/v1/api_keys', { kind: 'supplier', supplier_id: supplier.id });
  const extraKey = await post('/v1/api_keys', { kind: 'secret', name: 'fixture' });
  const shopkeeper = await post('/v1/promoters', { kind: 'shopkeeper', name: `${name} shopkeeper` });
  const shop = await post('/v1/stores', {
    kind: 'shopkeeper',
    name: `${name} shop`,
    owner_promoter_id: shopkeeper.id,
    settings: { url: `https://${name.toLowerCase()}.shop.example.com/` },
  });
  const token = await post(`/v1/promoters/${shopkeeper.id}/tokens`, {});
  const customer = await post('/v1/customers', {
    name: `${name} customer`,
    phone: `1380000${name === 'A' ? '0001' : '0002'}`,
  });
  const binding = await post('/v1/customer_bindings', {
    customer_id: customer.id,
    promoter_id: shopkeeper.id,
  });
  const category = await post('/v1/categories', { name: `${name} 分类` });
  const product = await post('/v1/products', {
    title: `${name} 商品`,
    status: 'published',
    supplier_id: supplier.id,
    category_id: category.id,
    variants: [{ sku: `${name}-SKU-1`, list_price: 9900 }],
  });
  const adjustment = await post('/v1/inventory_adjustments', {
    variant_id: product.variants[0].id,
    delta: 5,
    reason: 'received',
  });
  const address = {
    name: '张三',
    phone: '13800000000',
    province: '上海市',
    city: '上海市',
    line1: '路 1 号',
  };
  const cart = await post(
    '/v1/carts',
    { lines: [{ variant_id: product.variants[0].id, quantity: 1 }] },
    pk.secret,
  );
  const order = await post('/v1/orders', {
    store_id: store.id,
    lines: [{ variant_id: product.variants[0].id, quantity: 1 }],
    shipping_address: address,
  });
  const paid = await post(`/v1/orders/${order.id}/payments`, {
    provider: 'wechat_pay',
    reference: `wx-${name}`,
    amount: order.total,
  });
  const refund = await post(`/v1/orders/${order.id}/refunds`, { amount: 1, status: 'pending' });
  await post(`/v1/stores/${shop.id}/picks`, { product_id: product.id });
  // Commissions: a rule and a level; an order in the shopkeeper's store, completed with no return
  // window so its commission is confirmed at once, then settled.
  const settings = await t.request({
    method: 'PATCH',
    url: `/v1/tenants/${tenant.body.id}`,
    key: partnerToken,
    body: { settings: { return_window_days: 0 } },
  });
  expectStatus(settings, 200);
  const commissionRule = await post('/v1/commission_rules', { type: 'percentage', rate_bps: 1000 });
  const promoterLevel = await post('/v1/promoter_levels', {
    level: 1,
    name: `${name} 银牌`,
    upgrade_threshold: 1_000_000,
  });
  const shopOrder = await post('/v1/orders', {
    store_id: shop.id,
    lines: [{ variant_id: product.variants[0].id, quantity: 1 }],
    shipping_address: { ...address, phone: '13900000000' },
  });
  const shopPaid = await post(`/v1/orders/${shopOrder.id}/payments`, {
    provider: 'wechat_pay',
    reference: `wx-shop-${name}`,
    amount: shopOrder.total,
  });
  await post(`/v1/fulfillments/${shopPaid.order.fulfillments[0].id}/shipments`, {
    carrier: 'SF',
    tracking_number: `SF-${name}`,
  });
  expectStatus(await t.request({ method: 'POST', url: `/v1/orders/${shopOrder.id}/complete`, key: sk }), 200);
  const settlement = await post('/v1/settlements', {});
  const commissions = await t.request({
    method: 'GET',
    url: `/v1/commissions?order_id=${shopOrder.id}`,
    key: sk,
  });
  const commission = commissions.body.data[0];
  const sale = await post('/v1/flash_sales', {
    name: `${name} 秒杀`,
    starts_at: '2030-01-01T00:00:00Z',
    ends_at: '2030-01-03T00:00:00Z',
    items: [{ variant_id: product.variants[0].id, sale_price: 1, sale_stock: 1 }],
  });
  const link = await post('/v1/links', { promoter_id: shopkeeper.id, product_id: product.id });
  const tier = await post('/v1/member_tiers', { name: `${name} 金卡`, growth_threshold: 1000 });
  const plan = await post('/v1/membership_plans', {
    name: `${name} 年卡`,
    price: 39_800,
    duration_days: 365,
  });
  const membership = await post('/v1/memberships', { customer_id: customer.id, plan_id: plan.id });
  const memberPrice = await post('/v1/member_prices', {
    variant_id: product.variants[0].id,
    tier_id: tier.id,
    price: 8900,
  });
  const coupon = await post('/v1/coupons', { name: `${name} 券`, kind: 'fixed', amount_off: 100 });
  const endpoint = await post('/v1/webhook_endpoints', {
    url: `https://hooks.example.com/${name}`,
    enabled_events: ['*'],
  });
  const delivery = await post(`/v1/webhook_endpoints/${endpoint.id}/test`, {});
  const upload = await post('/v1/imports?format=json&dry_run=true', {
    title: `${name} 导入`,
    variants: [{ sku: `${name}-IMP-1`, list_price: 100 }],
  });
  return {
    id: tenant.body.id,
    keys: { secret: sk, publishable: pk.secret, supplier: spk.secret, promoter: token.token },
    objects: {
      '/v1/tenants': tenant.body.id,
      // The shopkeeper's own store, so its promoter token reaches it and B's does not.
      '/v1/stores': shop.id,
      '/v1/promoters': shopkeeper.id,
      '/v1/customers': customer.id,
      '/v1/customer_bindings': binding.id,
      '/v1/webhook_endpoints': endpoint.id,
      '/v1/categories': category.id,
      '/v1/products': product.id,
      '/v1/variants': product.variants[0].id,
      '/v1/inventory_adjustments': adjustment.id,
      '/v1/locations': adjustment.location_id,
      '/v1/storefront/products': product.id,
      '/v1/carts': cart.id,
      '/v1/orders': order.id,
      '/v1/fulfillments': paid.order.fulfillments[0].id,
      '/v1/refunds': refund.id,
      '/v1/flash_sales': sale.id,
      '/v1/member_tiers': tier.id,
      '/v1/membership_plans': plan.id,
      '/v1/memberships': membership.id,
      '/v1/member_prices': memberPrice.id,
      '/v1/coupons': coupon.id,
      '/v1/webhook_deliveries': delivery.id,
      '/v1/events': delivery.event_id,
      '/v1/suppliers': supplier.id,
      '/v1/api_keys': extraKey.id,
      '/v1/links': link.id,
      '/v1/commission_rules': commissionRule.id,
      '/v1/promoter_levels': promoterLevel.id,
      '/v1/commissions': commission.id,
      '/v1/settlements': settlement.id,
      '/v1/imports': upload.id,
    },
  };
}

/**
 * Two partners, each with one tenant holding one object of every resource and one key of
 * every kind. New resources add their fixture object here.
 */
export async function buildWorld(t: TestApp): Promise<World> {
  const p1 = await t.request({
    method: 'POST',
    url: '/v1/partners',
    key: PLATFORM_TOKEN,
    body: { name: 'P1' },
  });
  const p2 = await t.request({
    method: 'POST',
    url: '/v1/partners',
    key: PLATFORM_TOKEN,
    body: { name: 'P2' },
  });
  expectStatus(p1, 201);
  const a = await tenantWorld(t, p1.body.token, 'A');
  const b = await tenantWorld(t, p2.body.token, 'B');
  a.objects['/v1/partners'] = p1.body.id;
  b.objects['/v1/partners'] = p2.body.id;
  return {
    a,
    b,
    keysA: { platform: PLATFORM_TOKEN, partner: p1.body.token, ...a.keys },
    keysB: { platform: PLATFORM_TOKEN, partner: p2.body.token, ...b.keys },
  };
}

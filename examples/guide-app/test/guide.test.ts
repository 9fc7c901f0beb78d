import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DemoApi, startDemoApi } from '@mujiang/examples-support';
import { Mujiang } from '@mujiang/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuideApp } from '../src/app';

const ADMIN = 'test-admin-token';
const BUYER_PHONE = '13800138000';
const ADDRESS = {
  name: '李女士',
  phone: BUYER_PHONE,
  province: '浙江省',
  city: '杭州市',
  line1: '西湖区文三路 1 号',
};

let api: DemoApi;
let secret: Mujiang;
let app: Server;
let appUrl: string;

beforeAll(async () => {
  api = await startDemoApi();
  secret = new Mujiang({ baseUrl: api.baseUrl, apiKey: api.demo.secret_key });
  // Links send buyers to the store's storefront: the brand sets its address once.
  await secret.stores.update(api.demo.store_id, { settings: { url: 'https://shop.example.com' } });
  // Guides earn 5% of what their buyers pay (commission rules are the brand's: secret key).
  await secret.commissionRules.create({ type: 'percentage', rate_bps: 500, promoter_kind: 'guide' });
  app = createGuideApp({
    apiUrl: api.baseUrl,
    secretKey: api.demo.secret_key,
    publishableKey: api.demo.publishable_key,
    storeId: api.demo.store_id,
    adminToken: ADMIN,
    tokenTtlSeconds: 600,
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});

afterAll(async () => {
  if (app) await new Promise<void>((resolve) => app.close(() => resolve()));
  await api?.close();
});

/** Calls the guide app as its mobile front end would. */
async function call(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${appUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** The brand creates a guide and mints its token (what happens at the guide's login). */
async function newGuide(name: string) {
  const created = await call('POST', '/brand/guides', ADMIN, { name });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ kind: 'guide', name });
  const minted = await call('POST', `/brand/guides/${created.body.id}/tokens`, ADMIN);
  expect(minted.status).toBe(201);
  expect(minted.body.token).toMatch(/^prt_/);
  expect(minted.body.promoter_id).toBe(created.body.id);
  // Short-lived: the TTL the backend asked for.
  const ttl = new Date(minted.body.expires_at).getTime() - Date.now();
  expect(ttl).toBeGreaterThan(500_000);
  expect(ttl).toBeLessThanOrEqual(600_000);
  return { id: created.body.id as string, token: minted.body.token as string };
}

describe('guide app', () => {
  it('guards the brand endpoints and needs a token for the guide endpoints', async () => {
    expect((await call('POST', '/brand/guides', 'wrong', { name: 'x' })).status).toBe(401);
    expect((await call('GET', '/guide/orders', '')).status).toBe(401);
    const forged = await call('GET', '/guide/orders', `prt_${'x'.repeat(40)}`);
    expect(forged.status).toBe(401); // the API's answer, passed on
  });

  it('binds a customer, shares a product link, and sees the order placed through it', async () => {
    const guide = await newGuide('导购小王');
    const other = await newGuide('导购小李');

    const me = await call('GET', '/guide/me', guide.token);
    expect(me.body).toMatchObject({ id: guide.id, kind: 'guide' });

    // 1. Bind a customer (new: created and bound to the guide in one call).
    const bound = await call('POST', '/guide/customers', guide.token, { name: '李女士', phone: BUYER_PHONE });
    expect(bound.status).toBe(201);
    expect(bound.body.binding).toMatchObject({ promoter_id: guide.id, status: 'active' });
    const customerId = bound.body.customer_id as string;
    // Explicit binding of the existing customer by the same guide renews it; the other guide is refused.
    const again = await call('POST', '/guide/customers', guide.token, { customer_id: customerId });
    expect(again.status).toBe(201);
    expect(again.body.binding).toMatchObject({ customer_id: customerId, promoter_id: guide.id });
    const stolen = await call('POST', '/guide/customers', other.token, { customer_id: customerId });
    expect(stolen.status).toBe(409);
    expect(stolen.body.code).toBe('customer_already_bound');
    expect(
      (await call('GET', '/guide/customers', guide.token)).body.map((c: { id: string }) => c.id),
    ).toEqual([customerId]);
    expect((await call('GET', '/guide/customers', other.token)).body).toEqual([]);

    // 2. Share a product link.
    const products = await call('GET', '/products?q=普洱', guide.token);
    expect(products.status).toBe(200);
    const product = products.body[0];
    expect(product).toBeDefined();
    const shared = await call('POST', '/guide/links', guide.token, {
      product_id: product.id,
      campaign: '双十二',
    });
    expect(shared.status).toBe(201);
    expect(shared.body).toMatchObject({ promoter_id: guide.id, product_id: product.id, status: 'active' });
    expect(shared.body.share_path).toBe(`/r/${api.demo.tenant_id}/${shared.body.code}`);
    expect(shared.body.share_url).toBe(`${api.baseUrl}${shared.body.share_path}`);
    const code = shared.body.code as string;

    // 3. A buyer opens the link (no key): 302 to the product page with ?mj_link=<code>.
    const click = await fetch(shared.body.share_url, { redirect: 'manual' });
    expect(click.status).toBe(302);
    const landing = new URL(click.headers.get('location')!);
    expect(landing.origin).toBe('https://shop.example.com');
    expect(landing.pathname).toBe(`/products/${product.id}`);
    expect(landing.searchParams.get('mj_link')).toBe(code);

    // 4. The storefront (publishable key) passes mj_link as link_code: cart + checkout.
    const shop = new Mujiang({ baseUrl: api.baseUrl, apiKey: api.demo.publishable_key });
    const detail = await shop.storefront.product(product.id);
    const variant = detail.variants.find((v) => v.in_stock)!;
    const cart = await shop.carts.create({ phone: BUYER_PHONE, shipping_address: ADDRESS, link_code: code });
    await shop.carts.addLine(cart.id, { variant_id: variant.id, quantity: 2 });
    const order = await shop.carts.checkout(cart.id, { link_code: code });
    expect(order).toMatchObject({ status: 'pending_payment', link_code: code, customer_id: customerId });
    expect(order.attribution).toMatchObject({ rule: 'link', promoter_id: guide.id });

    // 5. The payment provider's notice reaches the brand's backend: report it with the secret key.
    const paid = await secret.orders.pay(order.id, {
      provider: 'wechat_pay',
      reference: `wx-${order.id}`,
      amount: order.total,
    });
    expect(paid.order.status).toBe('paid');

    // 6. The guide sees its order; the other guide sees nothing of it.
    const mine = await call('GET', '/guide/orders', guide.token);
    expect(mine.body).toEqual([
      expect.objectContaining({
        id: order.id,
        status: 'paid',
        total: order.total,
        link_code: code,
        rule: 'link',
      }),
    ]);
    expect((await call('GET', '/guide/orders', other.token)).body).toEqual([]);
    const peek = await new Mujiang({ baseUrl: api.baseUrl, apiKey: other.token, maxRetries: 0 }).orders
      .retrieve(order.id)
      .catch((e: unknown) => e);
    expect(peek).toMatchObject({ status: 404 });

    // 7. …and its pending commission (5%, confirmed after completion and the return window).
    const earned = await call('GET', '/guide/commissions', guide.token);
    expect(earned.status).toBe(200);
    const expected = Math.round(order.total * 0.05);
    expect(earned.body.totals).toEqual({ pending: expected, confirmed: 0, settled: 0, reversed: 0 });
    expect(earned.body.data).toEqual([
      expect.objectContaining({
        status: 'pending',
        order_id: order.id,
        line_amount: order.total,
        amount: expected,
      }),
    ]);
    const theirs = await call('GET', '/guide/commissions', other.token);
    expect(theirs.body).toEqual({ totals: { pending: 0, confirmed: 0, settled: 0, reversed: 0 }, data: [] });
    const peekCommission = await new Mujiang({
      baseUrl: api.baseUrl,
      apiKey: other.token,
      maxRetries: 0,
    }).commissions
      .retrieve(earned.body.data[0].id)
      .catch((e: unknown) => e);
    expect(peekCommission).toMatchObject({ status: 404 });

    // The click was counted on the guide's link.
    const links = await call('GET', '/guide/links', guide.token);
    expect(links.body).toEqual([expect.objectContaining({ code, click_count: 1 })]);
    expect((await call('GET', '/guide/links', other.token)).body).toEqual([]);
  });
});

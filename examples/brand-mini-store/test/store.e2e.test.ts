import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type DemoApi, launchChromium, startDemoApi } from '@mujiang/examples-support';
import { Mujiang } from '@mujiang/sdk';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMiniStore } from '../src/app';

const RESULTS = fileURLToPath(new URL('../test-results/', import.meta.url));

let api: DemoApi;
let storeUrl: string;
let browser: Browser;
let page: Page;
let closeStore: () => Promise<void>;

beforeAll(async () => {
  [api, browser] = await Promise.all([startDemoApi(), launchChromium()]);
  // Two products a page, so the demo's four published products need the "next page" cursor.
  const server = createMiniStore({
    apiUrl: api.baseUrl,
    publishableKey: api.demo.publishable_key,
    pageSize: 2,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  storeUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closeStore = () => new Promise((resolve) => server.close(() => resolve()));
  page = await browser.newPage({ viewport: { width: 1100, height: 900 }, locale: 'zh-CN' });
  mkdirSync(RESULTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await closeStore?.();
  await api?.close();
});

const cards = () => page.locator('a.card');
const productIds = () => cards().evaluateAll((as) => as.map((a) => a.getAttribute('data-product')));
const text = async (selector: string) => (await page.locator(selector).first().textContent())?.trim();

/** Runs an action that loads a new document (a link, a form post and its redirect) and waits for it. */
async function navigate(action: () => Promise<unknown>) {
  const loaded = page.waitForEvent('load');
  await action();
  await loaded;
}

const search = (q: string) =>
  navigate(async () => {
    await page.getByRole('searchbox', { name: '搜索商品' }).fill(q);
    await page.getByRole('button', { name: '搜索' }).click();
  });
const pick = (option: string, value: string) =>
  navigate(() =>
    page.getByRole('group', { name: option }).getByRole('link', { name: value, exact: true }).click(),
  );

describe('brand mini-store: tracking links', () => {
  it('puts the link code the shopper arrived with (?mj_link=) on the cart, so the promoter earns', async () => {
    const listed = await fetch(`${api.baseUrl}/v1/storefront/products?limit=20`, {
      headers: { authorization: `Bearer ${api.demo.publishable_key}` },
    });
    const products = (await listed.json()).data as Array<{
      id: string;
      variants: Array<{ id: string; in_stock: boolean }>;
    }>;
    const product = products.find((p) => p.variants.some((v) => v.in_stock))!;
    const variant = product.variants.find((v) => v.in_stock)!;

    const landing = await fetch(`${storeUrl}/products/${product.id}?mj_link=GUIDE_42`);
    expect(landing.status).toBe(200);
    const linkCookie = landing.headers.getSetCookie().find((c) => c.startsWith('mj_link='));
    expect(linkCookie).toMatch(/^mj_link=GUIDE_42;.*HttpOnly/);

    // Later, with only the cookie (the shopper browsed on), the first add to cart creates the cart.
    const added = await fetch(`${storeUrl}/cart/lines`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'mj_link=GUIDE_42' },
      body: new URLSearchParams({ variant_id: variant.id, product_id: product.id, quantity: '1' }).toString(),
    });
    expect(added.status).toBe(303);
    const cartId = decodeURIComponent(/mj_cart=([^;]+)/.exec(added.headers.getSetCookie().join('\n'))![1]!);
    const admin = new Mujiang({ baseUrl: api.baseUrl, apiKey: api.demo.secret_key });
    expect((await admin.carts.retrieve(cartId)).link_code).toBe('GUIDE_42');
  });

  it('ignores a link code that is not one', async () => {
    const res = await fetch(`${storeUrl}/?mj_link=${encodeURIComponent('<script>')}`);
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().some((c) => c.startsWith('mj_link='))).toBe(false);
  });
});

describe('brand mini-store in headless Chromium', () => {
  it('browses, searches, picks options, fills the cart and checks out', async () => {
    const secret = new Mujiang({ baseUrl: api.baseUrl, apiKey: api.demo.secret_key });

    // Browse: the white-label theme of the store, then the catalog page by page.
    await page.goto(storeUrl);
    expect(await text('.brand span:last-child')).toBe('木匠优选');
    expect(await page.title()).toBe('全部商品 · 木匠优选');
    const headerColour = await page
      .locator('header.bar')
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(headerColour).toBe('rgb(200, 16, 46)'); // primary_color #C8102E in the store settings
    expect(await cards().count()).toBe(2);
    const first = await productIds();
    await navigate(() => page.getByRole('link', { name: '下一页' }).click());
    expect(page.url()).toContain('after=');
    const second = await productIds();
    expect(second).toHaveLength(2);
    expect(second.filter((id) => first.includes(id))).toEqual([]);
    expect(await page.getByRole('link', { name: '下一页' }).count()).toBe(0);
    // The draft product (儿童防晒渔夫帽) is never listed.
    expect(await page.getByText('渔夫帽').count()).toBe(0);

    // Search in Chinese.
    await search('普洱');
    expect(await cards().count()).toBe(1);
    expect(await text('a.card h2')).toBe('云南古树普洱生茶 357g 茶饼');
    await search('不存在的商品');
    expect(await cards().count()).toBe(0);

    // Availability per option: the black T-shirt in XL has no stock.
    await search('T恤');
    await navigate(() => cards().first().click());
    await pick('颜色', '黑色');
    await pick('尺码', 'XL');
    expect(await text('[data-stock]')).toBe('缺货');
    expect(await page.getByRole('button', { name: '暂时缺货' }).isDisabled()).toBe(true);

    // The dress: 雾霾蓝 / L has 3 left.
    await search('连衣裙');
    expect(await cards().count()).toBe(1);
    await navigate(() => cards().first().click());
    expect(await text('h1')).toBe('亚麻混纺法式连衣裙 夏季新款');
    await pick('颜色', '雾霾蓝');
    await pick('尺码', 'L');
    expect(await text('[data-stock]')).toBe('仅剩 3 件');
    await page.screenshot({ path: `${RESULTS}product.png` });
    const dressUrl = page.url();
    await page.getByLabel('数量').fill('2');
    await navigate(() => page.getByRole('button', { name: '加入购物车' }).click());
    expect(new URL(page.url()).pathname).toBe('/cart');
    expect(await text('[role=status]')).toBe('已加入购物车');
    expect(await page.locator('tr[data-line="MJ-DRESS-BLU-L"]').count()).toBe(1);

    // A second line, then update one and remove the other.
    await page.goto(dressUrl);
    await pick('颜色', '米白');
    await pick('尺码', 'M');
    await navigate(() => page.getByRole('button', { name: '加入购物车' }).click());
    expect(await page.locator('tr[data-line]').count()).toBe(2);
    expect(await text('[data-cart-count]')).toBe('3');
    await page.getByLabel('亚麻混纺法式连衣裙 夏季新款 雾霾蓝 / L 数量').fill('3');
    await navigate(() =>
      page.locator('tr[data-line="MJ-DRESS-BLU-L"]').getByRole('button', { name: '更新' }).click(),
    );
    expect(await text('[data-cart-count]')).toBe('4');
    await navigate(() =>
      page.getByRole('button', { name: '删除 亚麻混纺法式连衣裙 夏季新款 米白 / M' }).click(),
    );
    expect(await page.locator('tr[data-line]').count()).toBe(1);
    expect(await text('[data-cart-count]')).toBe('3');

    // Checkout: a bad email comes back from the API as a field error; then the order is placed.
    await navigate(() => page.getByRole('link', { name: '去结算' }).click());
    await page.getByLabel('收货人').fill('王小明');
    await page.getByLabel('手机号').fill('13800138000');
    await page.getByLabel('邮箱').fill('not-an-email');
    await page.getByLabel('省份').fill('浙江省');
    await page.getByLabel('城市').fill('杭州市');
    await page.getByLabel('区县').fill('西湖区');
    await page.getByLabel('详细地址').fill('文三路 100 号 2 单元 301');
    await navigate(() => page.getByRole('button', { name: '提交订单' }).click());
    expect(await page.locator('#f-email').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('城市').inputValue()).toBe('杭州市');
    await page.getByLabel('邮箱').fill('xiaoming@example.com');
    await navigate(() => page.getByRole('button', { name: '提交订单' }).click());

    // Confirmation.
    expect(new URL(page.url()).pathname).toMatch(/^\/orders\/ord_/);
    expect(await text('h1')).toBe('下单成功');
    const orderId = (await text('[data-order-id]'))!;
    await page.screenshot({ path: `${RESULTS}checkout.png`, fullPage: true });

    // The order, through the API with the secret key.
    const order = await secret.orders.retrieve(orderId);
    expect(order.status).toBe('pending_payment');
    expect(order.store_id).toBe(api.demo.store_id);
    expect(order.email).toBe('xiaoming@example.com');
    expect(order.phone).toBe('13800138000');
    expect(order.shipping_address).toMatchObject({
      name: '王小明',
      province: '浙江省',
      city: '杭州市',
      line1: '文三路 100 号 2 单元 301',
    });
    expect(order.lines.map((l) => [l.sku, l.quantity])).toEqual([['MJ-DRESS-BLU-L', 3]]);
    expect(order.total).toBe(3 * order.lines[0]!.unit_price);
    expect(await text('[data-order-total]')).toBe(`¥${(order.total / 100).toFixed(2)}`);

    // The cart is done (the header no longer counts it) and its units are reserved.
    await page.goto(storeUrl);
    expect(await page.locator('[data-cart-count]').count()).toBe(0);
    const [variant] = (await secret.variants.list({ sku: 'MJ-DRESS-BLU-L' })).data;
    expect((await secret.variants.inventory(variant!.id)).reserved).toBe(3);
  });

  it('shows a confirmation only to the browser that placed the order', async () => {
    const other = await browser.newPage();
    const response = await other.goto(`${storeUrl}/orders/ord_01aaaaaaaaaaaaaaaaaaaaaaaa`);
    expect(response?.status()).toBe(404);
    await other.close();
  });
});

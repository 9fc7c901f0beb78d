import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DemoApi, loopbackWebhooks, ManualClock, startDemoApi } from '@mujiang/examples-support';
import { Mujiang, type Order } from '@mujiang/sdk';
import { generateSecret, sign } from '@mujiang/sdk/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLinks, ensureAffiliate, registerWebhook } from '../src/affiliate';
import { createCpsShop } from '../src/app';
import { money } from '../src/page';
import { earningsOf, ShopStore } from '../src/store';

const DAY = 86_400_000;
const ADDRESS = {
  name: '张先生',
  phone: '13900139000',
  province: '广东省',
  city: '深圳市',
  line1: '南山区科技园 8 号',
};

const clock = new ManualClock();
let api: DemoApi;
let secret: Mujiang;
let dir: string;
let store: ShopStore;
let shop: Server;
let shopUrl: string;
let promoterId: string;
const orders: Order[] = [];

beforeAll(async () => {
  api = await startDemoApi({ clock, ...loopbackWebhooks() });
  secret = new Mujiang({ baseUrl: api.baseUrl, apiKey: api.demo.secret_key });
  await secret.stores.update(api.demo.store_id, { settings: { url: 'https://shop.example.com' } });
  // The brand pays affiliates 10% of what the buyer paid.
  await secret.commissionRules.create({ type: 'percentage', rate_bps: 1000, promoter_kind: 'affiliate' });

  dir = await mkdtemp(join(tmpdir(), 'cps-union-shop-'));
  store = new ShopStore(join(dir, 'shop.json'));
  shop = createCpsShop({ store, client: secret, now: clock.now });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
});

afterAll(async () => {
  if (shop) await new Promise<void>((resolve) => shop.close(() => resolve()));
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Polls (at most `ms`) until `check` holds. */
async function eventually(what: string, check: () => boolean | Promise<boolean>, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function page() {
  const res = await fetch(`${shopUrl}/`);
  expect(res.status).toBe(200);
  return res.text();
}

const commissionsOfShop = () => Object.values(store.current.commissions);

describe('cps-union-shop', () => {
  it('registers its endpoint and creates tracking links for several products', async () => {
    promoterId = await ensureAffiliate(secret, store);
    expect(await ensureAffiliate(secret, store)).toBe(promoterId); // once
    const endpoint = await registerWebhook(secret, store, `${shopUrl}/webhooks`);
    expect(endpoint.enabled_events).toEqual(['commission.*', 'settlement.*']);
    // The secret is shown once: the shop kept it in its store file.
    const saved = JSON.parse(await readFile(store.file, 'utf8'));
    expect(saved.webhook).toMatchObject({
      endpoint_id: endpoint.id,
      secret: expect.stringMatching(/^whsec_/),
    });
    expect((await registerWebhook(secret, store, `${shopUrl}/webhooks`)).id).toBe(endpoint.id);

    const storefront = new Mujiang({ baseUrl: api.baseUrl, apiKey: api.demo.publishable_key });
    const products = (await storefront.storefront.products({ limit: 20 })).data.filter((p) => p.in_stock);
    const links = await createLinks(secret, promoterId, {
      storeId: api.demo.store_id,
      productIds: products.slice(0, 3).map((p) => p.id),
      campaign: 'cps',
    });
    expect(links).toHaveLength(3);
    for (const link of links) expect(link).toMatchObject({ promoter_id: promoterId, status: 'active' });
    const html = await page();
    for (const link of links) expect(html).toContain(`${api.baseUrl}${link.share_path}`);

    // Buyers come through two of the links: click, cart and checkout with the code, pay.
    for (const link of links.slice(0, 2)) {
      const click = await fetch(`${api.baseUrl}${link.share_path}`, { redirect: 'manual' });
      expect(click.status).toBe(302);
      const code = new URL(click.headers.get('location')!).searchParams.get('mj_link')!;
      expect(code).toBe(link.code);
      const product = await storefront.storefront.product(link.product_id!);
      const variant = product.variants.find((v) => v.in_stock)!;
      const cart = await storefront.carts.create({ phone: ADDRESS.phone, shipping_address: ADDRESS });
      await storefront.carts.addLine(cart.id, { variant_id: variant.id, quantity: 1 });
      const order = await storefront.carts.checkout(cart.id, { link_code: code });
      expect(order.attribution).toMatchObject({ rule: 'link', promoter_id: promoterId });
      const paid = await secret.orders.pay(order.id, {
        provider: 'alipay',
        reference: `ali-${order.id}`,
        amount: order.total,
      });
      orders.push(paid.order);
    }
  });

  it('records the commission.created events and shows the pending earnings', async () => {
    await eventually('two commission.created events', () => commissionsOfShop().length === 2);
    const ledger = (await secret.commissions.list({ promoter_id: promoterId })).data;
    expect(ledger).toHaveLength(2);
    const pending = ledger.reduce((sum, c) => sum + c.amount, 0);
    expect(pending).toBe(orders.reduce((sum, o) => sum + Math.round(o.total / 10), 0));
    expect(pending).toBeGreaterThan(0);
    expect(earningsOf(store.current)).toMatchObject({ pending, confirmed: 0, settled: 0 });
    for (const c of commissionsOfShop()) expect(c).toMatchObject({ status: 'pending', seq: 1 });
    const html = await page();
    expect(html).toMatch(new RegExp(`id="pending">[^<]*<strong>${escapeRe(money(pending))}</strong>`));
    expect(html).toContain(orders[0]!.id);
  });

  it('refuses a forged signature and records nothing', async () => {
    const before = JSON.stringify(store.current);
    const forged = {
      id: 'evt_forged0000000000000000001',
      object: 'event',
      type: 'commission.created',
      created_at: clock.now().toISOString(),
      object_seq: 1,
      data: { object: { id: 'com_forged', promoter_id: promoterId, status: 'pending', amount: 999_999 } },
    };
    const body = JSON.stringify(forged);
    const timestamp = Math.floor(clock.now().getTime() / 1000);
    // Signed with some other secret: 401. No signature at all: 400.
    const otherSecret = generateSecret();
    const signature = await sign(otherSecret, { id: forged.id, timestamp, payload: body });
    const headers = {
      'content-type': 'application/json',
      'webhook-id': forged.id,
      'webhook-timestamp': `${timestamp}`,
    };
    const wrong = await fetch(`${shopUrl}/webhooks`, {
      method: 'POST',
      headers: { ...headers, 'webhook-signature': signature },
      body,
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ code: 'no_matching_signature' });
    const unsigned = await fetch(`${shopUrl}/webhooks`, { method: 'POST', headers, body });
    expect(unsigned.status).toBe(400);
    expect(JSON.stringify(store.current)).toBe(before);
    expect(store.current.events[forged.id]).toBeUndefined();

    // Signed with the right secret, the same bytes would pass: the check is the signature.
    const good = await sign(store.current.webhook!.secret, { id: forged.id, timestamp, payload: body });
    const tampered = body.replace('999999', '1');
    const res = await fetch(`${shopUrl}/webhooks`, {
      method: 'POST',
      headers: { ...headers, 'webhook-signature': good },
      body: tampered,
    });
    expect(res.status).toBe(401);
    expect(JSON.stringify(store.current)).toBe(before);
  });

  it('records a replayed event once', async () => {
    const [event] = (await secret.events.list({ type: 'commission.created', limit: 1 })).data;
    const before = JSON.stringify(store.current);
    await secret.events.redeliver(event!.id);
    const endpointId = store.current.webhook!.endpoint_id;
    const succeeded = async () =>
      (await secret.webhookDeliveries.list({ endpoint_id: endpointId, event_id: event!.id })).data.filter(
        (d) => d.status === 'succeeded',
      );
    await eventually('the replay', async () => (await succeeded()).length >= 2);
    const delivered = await succeeded();
    expect(delivered).toHaveLength(2); // delivered twice …
    const answers = delivered
      .map((d) => JSON.parse(d.attempts.at(-1)!.response_snippet ?? '{}').outcome)
      .sort();
    expect(answers).toEqual(['duplicate', 'recorded']);
    expect(JSON.stringify(store.current)).toBe(before); // … recorded once
    expect(Object.keys(store.current.events).filter((id) => id === event!.id)).toHaveLength(1);
  });

  it('follows the commissions to confirmed, then a settlement and its payout', async () => {
    // The buyers receive their parcels; the return window (7 days) passes.
    for (const order of orders) {
      const current = await secret.orders.retrieve(order.id);
      for (const f of current.fulfillments) {
        await secret.fulfillments.ship(f.id, { carrier: 'SF', tracking_number: `SF${f.id.slice(-8)}` });
      }
      await secret.orders.complete(order.id);
    }
    clock.advance(7 * DAY + 60_000);
    await api.runJobs();
    await eventually('commission.confirmed', () =>
      commissionsOfShop().every((c) => c.status === 'confirmed'),
    );
    const total = commissionsOfShop().reduce((sum, c) => sum + c.amount, 0);
    expect(earningsOf(store.current)).toMatchObject({ pending: 0, confirmed: total, settled: 0 });
    expect(await page()).toMatch(
      new RegExp(`id="confirmed">[^<]*<strong>${escapeRe(money(total))}</strong>`),
    );

    // The brand settles and pays out.
    const settlement = await secret.settlements.create({});
    const line = settlement.lines.data.find((l) => l.promoter_id === promoterId);
    expect(line).toMatchObject({ commission_count: 2, amount: total });
    await eventually('settlement.created', () => Boolean(store.current.settlements[settlement.id]));
    expect(earningsOf(store.current)).toMatchObject({ pending: 0, confirmed: 0, settled: total, paid: 0 });
    for (const c of commissionsOfShop())
      expect(c).toMatchObject({ status: 'settled', settlement_id: settlement.id });
    let html = await page();
    expect(html).toContain(settlement.id);
    expect(html).toContain('待打款');

    await secret.settlements.pay(settlement.id, { reference: 'PAYOUT-2026-11' });
    await eventually('settlement.paid', () => store.current.settlements[settlement.id]?.status === 'paid');
    expect(earningsOf(store.current)).toMatchObject({
      pending: 0,
      confirmed: 0,
      settled: total,
      paid: total,
    });
    html = await page();
    expect(html).toContain('PAYOUT-2026-11');
    expect(html).toMatch(new RegExp(`id="paid">[^<]*<strong>${escapeRe(money(total))}</strong>`));
    const types = Object.values(store.current.events).map((e) => e.type);
    expect(types.filter((t) => t === 'commission.created')).toHaveLength(2);
    expect(types.filter((t) => t === 'commission.confirmed')).toHaveLength(2);
    expect(types).toContain('settlement.created');
    expect(types).toContain('settlement.paid');
  });
});

function escapeRe(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError, Mujiang, type Store, unwrap } from '../src/index';
import { PLATFORM_TOKEN, type RunningApi, startApi } from './api-server';
import { apiErrorOf, FAST_RETRY, recordingFetch } from './helpers';

// The SDK against the real API over real HTTP: the API runs in this process (buildApp on an
// in-memory PGlite) and listens on 127.0.0.1.

let api: RunningApi;
let platform: Mujiang;

beforeAll(async () => {
  api = await startApi();
  platform = new Mujiang({ baseUrl: api.baseUrl, apiKey: PLATFORM_TOKEN, retry: FAST_RETRY });
});

let tenantCounter = 0;

/** A fresh tenant through the SDK and the platform token, and a client on its secret key. */
async function newTenant(extra: Partial<ConstructorParameters<typeof Mujiang>[0]> = {}) {
  const tenant = await platform.tenants.create({ name: `SDK tenant ${++tenantCounter}` });
  const rec = recordingFetch(extra.fetch);
  const client = new Mujiang({
    baseUrl: api.baseUrl,
    apiKey: tenant.api_key.secret,
    retry: FAST_RETRY,
    ...extra,
    fetch: rec.fetch,
  });
  return { tenant, client, sent: rec.sent };
}

describe('tenants, through the platform token', () => {
  it('creates a tenant whose first secret key works', async () => {
    const { data: tenant, response } = await platform.tenants
      .create({ name: '木匠 Agency', metadata: { crm: '42' } })
      .withResponse();
    expect(response.status).toBe(201);
    expect(tenant.object).toBe('tenant');
    expect(tenant.api_key.secret).toMatch(/^sk_/);
    const client = new Mujiang({ baseUrl: api.baseUrl, apiKey: tenant.api_key.secret });
    const current = await client.tenant.retrieve();
    expect(current.id).toBe(tenant.id);
    expect(await platform.tenants.retrieve(tenant.id)).toMatchObject({
      id: tenant.id,
      metadata: { crm: '42' },
    });

    const suspended = await platform.tenants.suspend(tenant.id);
    expect(suspended.status).toBe('suspended');
    await expect(client.tenant.retrieve()).rejects.toMatchObject({ status: 403, code: 'tenant_suspended' });
    expect((await platform.tenants.reactivate(tenant.id)).status).toBe('active');
    expect((await client.tenant.retrieve()).status).toBe('active');
  });

  it('mints keys for a tenant and acts with them per call', async () => {
    const { tenant } = await newTenant();
    const key = await platform.tenants.createApiKey(tenant.id, { kind: 'secret', name: 'ops' });
    expect(key.secret).toMatch(/^sk_/);
    // A per-call key: the platform client acting as the tenant for one call.
    const current = await platform.tenant.retrieve({ apiKey: key.secret });
    expect(current.id).toBe(tenant.id);
    // A client with another key.
    const asTenant = platform.withOptions({ apiKey: () => key.secret });
    expect((await asTenant.tenant.retrieve()).id).toBe(tenant.id);
  });
});

describe('stores', () => {
  it('creates, retrieves, updates and lists, with request ids on success', async () => {
    const { client, sent } = await newTenant({ userAgent: 'sdk-tests/1.0' });
    const { data: store, response } = await client.stores
      .create({ kind: 'brand', name: '木匠 旗舰店', settings: { primary_color: '#C8102E' } })
      .withResponse();
    expect(store).toMatchObject({ object: 'store', kind: 'brand', name: '木匠 旗舰店', status: 'active' });
    expect(response).toMatchObject({ status: 201, attempts: 1, idempotentReplayed: false });
    expect(response.requestId).toMatch(/^req_/);
    expect(response.idempotencyKey).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(response.rateLimit?.limit).toBe(100_000);

    // What went over the wire: key, user agent, idempotency key on the POST only.
    const post = sent.at(-1)!;
    expect(post.headers.get('authorization')).toMatch(/^Bearer sk_/);
    expect(post.headers.get('user-agent')).toBe('mujiang-sdk-js/0.1.0 sdk-tests/1.0');
    expect(post.headers.get('idempotency-key')).toBe(response.idempotencyKey);

    const got = await client.stores.retrieve(store.id);
    expect(got).toEqual(store);
    expect(sent.at(-1)!.headers.get('idempotency-key')).toBeNull();

    const updated = await client.stores.update(store.id, { name: '木匠 新店', metadata: { region: 'east' } });
    expect(updated).toMatchObject({ id: store.id, name: '木匠 新店', metadata: { region: 'east' } });

    const page = await client.stores.list({ limit: 10 });
    expect(page).toMatchObject({ object: 'list', has_more: false, next_cursor: null });
    expect(page.data.map((s) => s.id)).toEqual([store.id]);
  });

  it('the raw typed methods reach any endpoint; unwrap throws ApiError', async () => {
    const { client } = await newTenant();
    const created = unwrap(await client.POST('/v1/stores', { body: { kind: 'white_label', name: 'Raw' } }));
    const { data, error, response } = await client.GET('/v1/stores/{id}', {
      params: { path: { id: created.id } },
    });
    expect(error).toBeUndefined();
    expect(data?.name).toBe('Raw');
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    const missing = await client.GET('/v1/stores/{id}', { params: { path: { id: 'store_nope' } } });
    expect(missing.error?.code).toBe('resource_missing');
    expect(() => unwrap(missing)).toThrow(ApiError);
  });
});

describe('auto-pagination', () => {
  it('follows next_cursor over many pages', async () => {
    const { client, sent } = await newTenant();
    const created: string[] = [];
    for (let i = 0; i < 250; i += 25) {
      const batch = await Promise.all(
        Array.from({ length: 25 }, (_, j) =>
          client.stores.create({ kind: 'white_label', name: `店 ${i + j}` }),
        ),
      );
      created.push(...batch.map((s) => s.id));
    }
    const before = sent.length;

    const seen: Store[] = [];
    for await (const store of client.stores.list({ limit: 100 })) seen.push(store);
    expect(sent.length - before).toBe(3); // 100 + 100 + 50
    expect(seen).toHaveLength(250);
    expect(new Set(seen.map((s) => s.id)).size).toBe(250);
    expect(seen.map((s) => s.id)).toEqual([...created].sort().reverse()); // newest first
    const cursors = sent.slice(before).map((r) => r.path);
    expect(cursors.every((p) => p === '/v1/stores')).toBe(true);

    // The first page when awaited; every page when asked.
    const first = await client.stores.list({ limit: 100 });
    expect(first.data).toHaveLength(100);
    expect(first.has_more).toBe(true);
    expect(first.next_cursor).toEqual(expect.any(String));
    const sizes: number[] = [];
    for await (const page of client.stores.list({ limit: 100 }).pages()) sizes.push(page.data.length);
    expect(sizes).toEqual([100, 100, 50]);

    // Bounded helpers stop early and fetch no more pages than they need.
    const mark = sent.length;
    expect(await client.stores.list({ limit: 100 }).autoPagingToArray({ limit: 120 })).toHaveLength(120);
    expect(sent.length - mark).toBe(2);
    let count = 0;
    await client.stores.list({ limit: 30 }).autoPagingEach(() => ++count < 45);
    expect(count).toBe(45);

    // Filters travel with every page.
    const kinds = new Set<string>();
    for await (const s of client.stores.list({ limit: 100, kind: 'white_label' })) kinds.add(s.kind);
    expect([...kinds]).toEqual(['white_label']);
  });
});

describe('errors', () => {
  it('a validation error carries field errors, code, detail and the request id; it is not retried', async () => {
    const { client, sent } = await newTenant();
    const before = sent.length;
    const e = await apiErrorOf(client.stores.create({ kind: 'brand', name: '' }));
    expect(e.status).toBe(400);
    expect(e.code).toBe('invalid_request');
    expect(e.type).toBe('urn:mujiang:problem:invalid_request');
    expect(e.detail).toContain('body.name');
    expect(e.fieldError('body.name')).toMatchObject({ field: 'body.name' });
    expect(e.requestId).toMatch(/^req_/);
    expect(e.requestId).toBe(e.problem.request_id);
    expect(e.idempotencyKey).toEqual(expect.any(String));
    expect(e.message).toBe(`400 invalid_request: ${e.detail}`);
    expect(sent.length - before).toBe(1);

    // Unknown fields are refused by name (the types refuse them too).
    const unknown = await apiErrorOf(
      client.stores.create({ kind: 'brand', name: 'x', colour: 'red' } as never),
    );
    expect(unknown.errors).toContainEqual(
      expect.objectContaining({ code: 'unknown_field', field: 'body.colour' }),
    );
  });

  it('404 for a missing store, 401 for an unknown key, 403 for the wrong kind of key', async () => {
    const { client } = await newTenant();
    await expect(client.stores.retrieve('store_01jf0000000000000000000000')).rejects.toMatchObject({
      name: 'ApiError',
      status: 404,
      code: 'resource_missing',
    });
    const stranger = new Mujiang({ baseUrl: api.baseUrl, apiKey: 'sk_test_unknown_key_000000000000' });
    const unauthorized = await apiErrorOf(stranger.stores.list());
    expect(unauthorized).toMatchObject({ status: 401, code: 'invalid_api_key' });
    expect(unauthorized.requestId).toMatch(/^req_/);
    await expect(platform.stores.list()).rejects.toMatchObject({ status: 403 });
  });

  it('the same Idempotency-Key with another body is a 422, not retried', async () => {
    const { client, sent } = await newTenant();
    const first = await client.stores.create(
      { kind: 'brand', name: 'A' },
      { idempotencyKey: 'order-import-7' },
    );
    const again = await client.stores
      .create({ kind: 'brand', name: 'A' }, { idempotencyKey: 'order-import-7' })
      .withResponse();
    expect(again.data.id).toBe(first.id);
    expect(again.response.idempotentReplayed).toBe(true);
    const before = sent.length;
    await expect(
      client.stores.create({ kind: 'brand', name: 'B' }, { idempotencyKey: 'order-import-7' }),
    ).rejects.toMatchObject({
      status: 422,
      code: 'idempotency_key_reused',
      idempotencyKey: 'order-import-7',
    });
    expect(sent.length - before).toBe(1);
  });
});

describe('retries keep the Idempotency-Key', () => {
  it('a response lost after the API processed the POST: the retry replays it, one store exists', async () => {
    let dropped = 0;
    const { client, sent } = await newTenant({
      fetch: async (request) => {
        const response = await fetch(request);
        if (request.method === 'POST' && dropped === 0) {
          dropped++;
          await response.arrayBuffer(); // the API has answered: the store exists
          throw new TypeError('fetch failed: socket hang up');
        }
        return response;
      },
    });
    const before = sent.length;
    const { data: store, response } = await client.stores
      .create({ kind: 'brand', name: 'Exactly once' })
      .withResponse();
    expect(dropped).toBe(1);
    const attempts = sent.slice(before);
    expect(attempts).toHaveLength(2);
    expect(attempts[0]!.headers.get('idempotency-key')).toBe(response.idempotencyKey);
    expect(attempts[1]!.headers.get('idempotency-key')).toBe(response.idempotencyKey);
    expect(response).toMatchObject({ attempts: 2, idempotentReplayed: true, status: 201 });

    const named = await client.stores.list({ limit: 100 }).autoPagingToArray({ limit: 1000 });
    expect(named.filter((s) => s.name === 'Exactly once').map((s) => s.id)).toEqual([store.id]);
  });

  it('409 idempotency_key_in_use is retried until the first request finishes', async () => {
    const sleeps: number[] = [];
    let release: (() => Promise<void>) | undefined;
    const { tenant, client, sent } = await newTenant({
      sleep: async (ms) => {
        sleeps.push(ms);
        await release?.();
      },
    });
    const key = 'in-flight-1';
    const first = await client.stores.create({ kind: 'brand', name: 'In flight' }, { idempotencyKey: key });

    // Put the key back in flight, as if the first request were still running on another node.
    // (The test's connection is the database owner; PGlite's owner is a superuser.)
    const pg = (
      api.database.db as unknown as { $client: { query(sql: string, p: unknown[]): Promise<unknown> } }
    ).$client;
    const setState = (state: string) =>
      pg.query(
        `update idempotency_keys set state = $1, locked_until = now() + interval '1 minute'
          where tenant_id = $2 and key = $3`,
        [state, tenant.id, key],
      );
    await setState('in_progress');
    release = async () => {
      await setState('completed');
    };

    const before = sent.length;
    const { data, response } = await client.stores
      .create({ kind: 'brand', name: 'In flight' }, { idempotencyKey: key })
      .withResponse();
    expect(sent.length - before).toBe(2);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeLessThanOrEqual(FAST_RETRY.initialDelayMs);
    expect(data.id).toBe(first.id);
    expect(response).toMatchObject({ attempts: 2, idempotentReplayed: true });

    // Without retries the caller sees the 409 itself.
    await setState('in_progress');
    release = undefined;
    await expect(
      client.stores.create({ kind: 'brand', name: 'In flight' }, { idempotencyKey: key, maxRetries: 0 }),
    ).rejects.toMatchObject({ status: 409, code: 'idempotency_key_in_use' });
  });
});

describe('promoters, through a promoter token', () => {
  it('lets a guide app add and list only its own customers with a token the backend minted', async () => {
    const { client } = await newTenant();
    const guide = await client.promoters.create({ kind: 'guide', name: '导购小王', location_code: 'SH-01' });
    const { token } = await client.promoters.createToken(guide.id, { ttl_seconds: 600 });
    const app = new Mujiang({ baseUrl: api.baseUrl, apiKey: token, retry: FAST_RETRY });
    const customer = await app.customers.create({ name: '顾客', phone: '13700000001', tags: ['新客'] });
    await client.customers.create({ name: '别人的顾客', phone: '13700000002' });
    const mine = await app.customers.list().autoPagingToArray({ limit: 10 });
    expect(mine.map((c) => c.id)).toEqual([customer.id]);
    const [binding] = await app.customerBindings.list().autoPagingToArray({ limit: 10 });
    expect(binding).toMatchObject({ customer_id: customer.id, promoter_id: guide.id, status: 'active' });
    await expect(app.promoters.create({ kind: 'guide', name: 'x' })).rejects.toMatchObject({
      status: 403,
      code: 'wrong_key_kind',
    });
  });
});

describe('shopping through the SDK', () => {
  it('browses a storefront, checks out a cart, pays, ships and refunds', async () => {
    const { client } = await newTenant();
    const store = await client.stores.create({ kind: 'brand', name: '小店' });
    const supplier = await client.suppliers.create({ name: '品牌' });
    const product = await client.products.create({
      title: '保温杯',
      status: 'published',
      supplier_id: supplier.id,
      variants: [{ sku: `CUP-${store.id}`, list_price: 12_900 }],
    });
    const variant = product.variants[0]!;
    await client.inventory.adjust({ variant_id: variant.id, delta: 5, reason: 'received' });
    const { secret } = await client.apiKeys.create({ kind: 'publishable', store_id: store.id });
    const shopper = new Mujiang({ baseUrl: api.baseUrl, apiKey: secret, retry: FAST_RETRY });
    const listed = await shopper.storefront.products().autoPagingToArray({ limit: 10 });
    expect(listed.map((p) => p.id)).toEqual([product.id]);
    const cart = await shopper.carts.create({ lines: [{ variant_id: variant.id, quantity: 2 }] });
    expect(cart.total).toBe(25_800);
    const order = await shopper.carts.checkout(cart.id, {
      shipping_address: {
        name: '王五',
        phone: '13500000000',
        province: '浙江省',
        city: '杭州市',
        line1: '西湖路 1 号',
      },
    });
    expect(order.status).toBe('pending_payment');
    const { order: paid } = await client.orders.pay(order.id, {
      provider: 'alipay',
      reference: `ali-${order.id}`,
      amount: order.total,
    });
    expect(paid.status).toBe('paid');
    const shipped = await client.fulfillments.ship(paid.fulfillments[0]!.id, {
      carrier: 'SF',
      tracking_number: 'SF12345678',
    });
    expect(shipped.status).toBe('shipped');
    const refund = await client.orders.refund(order.id, {
      lines: [{ order_line_id: paid.lines[0]!.id, quantity: 1 }],
    });
    expect(refund.amount).toBe(12_900);
    expect((await client.orders.retrieve(order.id)).amount_refunded).toBe(12_900);
  });
});

describe('picks and links, through a shopkeeper token', () => {
  it('picks a product at its own price and shares a tracking link', async () => {
    const { client } = await newTenant();
    const keeper = await client.promoters.create({ kind: 'shopkeeper', name: '店主小陈' });
    const store = await client.stores.create({
      kind: 'shopkeeper',
      name: '小陈的店',
      owner_promoter_id: keeper.id,
      settings: { url: 'https://h5.example.cn/chen/' },
    });
    const supplier = await client.suppliers.create({ name: '家纺厂' });
    const product = await client.products.create({
      title: '蚕丝被',
      status: 'published',
      supplier_id: supplier.id,
      variants: [{ sku: 'SILK-1', list_price: 59_900, retail_floor: 49_900, retail_ceiling: 69_900 }],
    });
    const { token } = await client.promoters.createToken(keeper.id, { ttl_seconds: 600 });
    const app = new Mujiang({ baseUrl: api.baseUrl, apiKey: token, retry: FAST_RETRY });
    const pick = await app.storePicks.create(store.id, {
      product_id: product.id,
      prices: [{ variant_id: product.variants[0]!.id, price: 55_900 }],
      recommendation: '盖了一冬天，轻又暖',
    });
    expect(pick).toMatchObject({ status: 'active', prices: [{ price: 55_900 }] });
    await expect(
      app.storePicks.update(store.id, pick.id, {
        prices: [{ variant_id: product.variants[0]!.id, price: 1 }],
      }),
    ).rejects.toMatchObject({ status: 422, code: 'price_outside_band' });
    const picks: string[] = [];
    for await (const p of app.storePicks.list(store.id)) picks.push(p.id);
    expect(picks).toEqual([pick.id]);

    const link = await app.links.create({ product_id: product.id, campaign: '朋友圈' });
    expect(link.store_id).toBe(store.id);
    expect((await app.links.list()).data.map((l) => l.id)).toEqual([link.id]);
    expect((await app.links.update(link.id, { status: 'disabled' })).status).toBe('disabled');
    expect((await app.storePicks.delete(store.id, pick.id)).deleted).toBe(true);
  });
});

describe('imports (一键搬家) through the SDK', () => {
  it('uploads a CSV as a string or a Blob, and follows the job', async () => {
    const { client } = await newTenant();
    await client.suppliers.create({ name: '品牌' });
    const csv =
      'Handle,Title,Variant SKU,Variant Price,Variant Inventory Qty\nsdk-tee,SDK T恤,SDK-TEE,19.90,5\n';
    const job = await client.imports.create(csv, { format: 'shopify_csv', filename: 'tee.csv' });
    expect(job).toMatchObject({
      object: 'import',
      status: 'queued',
      filename: 'tee.csv',
      content_type: 'text/csv',
    });
    await api.app.jobs.drain();
    const done = await client.imports.retrieve(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.report.created).toBe(1);

    const again = await client.imports.create(new Blob([csv], { type: 'application/octet-stream' }), {
      format: 'shopify_csv',
      dry_run: 'true',
    });
    expect(again).toMatchObject({ dry_run: true, content_type: 'application/octet-stream' });
    await api.app.jobs.drain();
    expect((await client.imports.retrieve(again.id)).report.unchanged).toBe(1);
    const ids = [];
    for await (const i of client.imports.list({ limit: 1 })) ids.push(i.id);
    expect(ids).toEqual([again.id, job.id]);
  });
});

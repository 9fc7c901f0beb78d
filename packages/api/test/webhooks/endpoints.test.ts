import { verify } from '@mujiang/webhooks';
import { sql } from 'drizzle-orm';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client';
import { withTenant } from '../../src/db/tenancy';
import { recordEvent } from '../../src/modules/events/service';
import {
  createTestTenant,
  expectStatus,
  FakeClock,
  type TestApp,
  type TestTenant,
  testApp,
  testWebhooks,
} from '../helpers';
import { Receiver } from './receiver';

const clock = new FakeClock(new Date(Math.floor(Date.now() / 1000) * 1000));
const SECRET_KEY = 'test-webhook-secret-key-0123456789abcdef';
let t: TestApp;
let strict: TestApp;
let tenant: TestTenant;
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.start();
  t = await testApp({ clock, webhooks: testWebhooks({ secretKey: SECRET_KEY }) });
  // The production default: private networks refused.
  strict = await testApp({ clock, webhooks: testWebhooks({ allowPrivateNetworks: false }) });
  tenant = await createTestTenant(t);
});
afterAll(() => receiver.close());
beforeEach(async () => {
  receiver.respond = () => ({ status: 204 });
  // Events earlier tests left undelivered go out now, not in the middle of the next test.
  await t.app.webhooks.drain();
  receiver.clear();
});

const req = (
  app: TestApp,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
  key = tenant.secretKey,
) => app.request({ method, url, key, body });

async function createEndpoint(body: Record<string, unknown> = {}) {
  const res = await req(t, 'POST', '/v1/webhook_endpoints', { url: receiver.url, ...body });
  expectStatus(res, 201);
  return res.body;
}

let n = 0;
async function emit(type: string) {
  return withTenant(t.app.db, tenant.id, (tx) =>
    recordEvent(tx, { tenantId: tenant.id, clock }, { type, object: { id: `ord_e${++n}`, object: 'order' } }),
  );
}

describe('webhook endpoints', () => {
  it('creates, reads, lists, updates and deletes; the secret is shown once', async () => {
    const created = await createEndpoint({
      description: 'Orders to ERP',
      enabled_events: ['order.*'],
      metadata: { team: 'erp' },
    });
    expect(created).toMatchObject({
      object: 'webhook_endpoint',
      url: receiver.url,
      description: 'Orders to ERP',
      enabled_events: ['order.*'],
      enabled: true,
      status: 'enabled',
      disabled_reason: null,
      metadata: { team: 'erp' },
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const got = await req(t, 'GET', `/v1/webhook_endpoints/${created.id}`);
    expectStatus(got, 200);
    expect(got.body.secret).toBeUndefined();
    expect(got.body).toEqual({ ...created, secret: undefined });
    const list = await req(t, 'GET', '/v1/webhook_endpoints');
    expect(list.body.data.map((e: any) => e.id)).toContain(created.id);
    expect(list.body.data.every((e: any) => e.secret === undefined)).toBe(true);

    const patched = await req(t, 'PATCH', `/v1/webhook_endpoints/${created.id}`, {
      enabled_events: ['order.paid', 'commission.*'],
      description: null,
      enabled: false,
      metadata: { team: null, owner: 'li' },
    });
    expectStatus(patched, 200);
    expect(patched.body).toMatchObject({
      enabled_events: ['order.paid', 'commission.*'],
      description: null,
      enabled: false,
      status: 'disabled',
      disabled_reason: 'manual',
      metadata: { owner: 'li' },
    });
    const enabled = await req(t, 'PATCH', `/v1/webhook_endpoints/${created.id}`, { enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true, disabled_reason: null, disabled_at: null });

    const deleted = await req(t, 'DELETE', `/v1/webhook_endpoints/${created.id}`);
    expect([deleted.status, deleted.body]).toEqual([
      200,
      { id: created.id, object: 'webhook_endpoint', deleted: true },
    ]);
    expect((await req(t, 'GET', `/v1/webhook_endpoints/${created.id}`)).body.code).toBe('resource_missing');
    expect((await req(t, 'DELETE', `/v1/webhook_endpoints/${created.id}`)).status).toBe(404);
  });

  it('answers bad input with 4xx problems and stable codes', async () => {
    const cases: Array<[unknown, number, string, string?]> = [
      [{}, 400, 'invalid_request'],
      [{ url: 'not a url' }, 400, 'invalid_request'],
      [{ url: 'ftp://example.com/x' }, 400, 'invalid_request'],
      [{ url: 'https://example.com', enabled_events: [] }, 400, 'invalid_request'],
      [{ url: 'https://example.com', enabled_events: ['Order.Paid'] }, 400, 'invalid_request'],
      [{ url: 'https://example.com', enabled_events: ['order.*.paid'] }, 400, 'invalid_request'],
      [{ url: 'https://example.com', surprise: 1 }, 400, 'invalid_request', 'unknown_field'],
      [{ url: 'https://user:pw@example.com/x' }, 422, 'invalid_webhook_url', 'credentials_not_allowed'],
    ];
    for (const [body, status, code, fieldCode] of cases) {
      const res = await req(t, 'POST', '/v1/webhook_endpoints', body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.code).toBe(code);
      if (fieldCode) expect(res.body.errors.map((e: any) => e.code)).toContain(fieldCode);
    }
    // Where private networks are refused: http, loopback and private hosts.
    for (const [url, fieldCode] of [
      ['http://example.com/hooks', 'https_required'],
      ['https://127.0.0.1/hooks', 'address_not_allowed'],
      ['https://localhost:8443/hooks', 'address_not_allowed'],
      ['https://[::1]/hooks', 'address_not_allowed'],
      ['https://169.254.169.254/latest/meta-data', 'address_not_allowed'],
      ['https://10.1.2.3/hooks', 'address_not_allowed'],
      ['https://[::ffff:127.0.0.1]/hooks', 'address_not_allowed'],
      ['https://2130706433/hooks', 'address_not_allowed'], // 127.0.0.1 in decimal
    ]) {
      const res = await req(strict, 'POST', '/v1/webhook_endpoints', { url });
      expect(res.status, url).toBe(422);
      expect(res.body.code).toBe('invalid_webhook_url');
      expect(
        res.body.errors.map((e: any) => e.code),
        url,
      ).toContain(fieldCode);
    }
    const ok = await req(strict, 'POST', '/v1/webhook_endpoints', { url: 'https://hooks.example.com/a' });
    expectStatus(ok, 201);
    expect(ok.body.enabled_events).toEqual(['*']);
    await req(t, 'DELETE', `/v1/webhook_endpoints/${ok.body.id}`);
    // Actions on a missing endpoint, and invalid bodies of actions.
    expect((await req(t, 'POST', '/v1/webhook_endpoints/we_missing/rotate_secret')).status).toBe(404);
    expect(
      (await req(t, 'POST', '/v1/webhook_endpoints/we_missing/recover', { since: 'yesterday' })).body.code,
    ).toBe('invalid_request');
    expect((await req(t, 'PATCH', '/v1/webhook_endpoints/we_missing', { enabled: 'yes' })).status).toBe(400);
  });

  it('needs the webhooks scope, and a secret key', async () => {
    const readOnly = await req(t, 'POST', '/v1/api_keys', { kind: 'secret', scopes: ['webhooks:read'] });
    expectStatus(readOnly, 201);
    const key = readOnly.body.secret;
    expect((await req(t, 'GET', '/v1/webhook_endpoints', undefined, key)).status).toBe(200);
    const denied = await req(t, 'POST', '/v1/webhook_endpoints', { url: receiver.url }, key);
    expect([denied.status, denied.body.code]).toEqual([403, 'insufficient_scope']);
    expect((await req(t, 'GET', '/v1/events', undefined, key)).body.code).toBe('insufficient_scope');
  });

  it('stores secrets sealed when WEBHOOK_SECRET_KEY is set, bound to their endpoint', async () => {
    const endpoint = await createEndpoint();
    const rows = rowsOf<{ secret: string }>(
      await withTenant(t.app.db, tenant.id, (tx) =>
        tx.execute(sql`select secret from webhook_endpoints where id = ${endpoint.id}`),
      ),
    );
    expect(rows[0]!.secret.startsWith('sealed:v1:')).toBe(true);
    expect(rows[0]!.secret).not.toContain(endpoint.secret.slice(6));
    const box = t.app.webhooks.settings.box;
    expect(box.open(tenant.id, endpoint.id, rows[0]!.secret)).toBe(endpoint.secret);
    expect(box.open(tenant.id, 'we_other', rows[0]!.secret)).toBe(null);
    await req(t, 'DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
  });
});

describe('secret rotation', () => {
  it('signs with both secrets for 24 h, then with the new one only', async () => {
    const endpoint = await createEndpoint();
    const rotated = await req(t, 'POST', `/v1/webhook_endpoints/${endpoint.id}/rotate_secret`);
    expectStatus(rotated, 200);
    const newSecret = rotated.body.secret as string;
    expect(newSecret).not.toBe(endpoint.secret);
    expect(rotated.body.previous_secret_expires_at).toBe(
      new Date(clock.now().getTime() + 86_400_000).toISOString(),
    );

    await emit('order.paid');
    await t.app.webhooks.drain();
    const [during] = receiver.received;
    const headers = during!.headers as Record<string, string>;
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    // A receiver holding either secret accepts it: ours and the standardwebhooks library.
    for (const secret of [endpoint.secret, newSecret]) {
      await expect(verify(secret, during!.body, headers, { now: clock.now() })).resolves.toBeDefined();
      expect(new StandardWebhook(secret).verify(during!.body, headers)).toBeDefined();
    }

    clock.advance(86_400_000 + 1000);
    receiver.clear();
    await emit('order.paid');
    await t.app.webhooks.drain();
    const after = receiver.received[0]!;
    const afterHeaders = after.headers as Record<string, string>;
    expect(afterHeaders['webhook-signature']!.split(' ')).toHaveLength(1);
    await expect(verify(newSecret, after.body, afterHeaders, { now: clock.now() })).resolves.toBeDefined();
    await expect(
      verify(endpoint.secret, after.body, afterHeaders, { now: clock.now() }),
    ).rejects.toMatchObject({
      code: 'no_matching_signature',
    });
    await req(t, 'DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
  });
});

describe('events, test events, replay and recovery', () => {
  it('lists and retrieves events, filtered by type and object', async () => {
    const e1 = await emit('order.created');
    const e2 = await emit('order.cancelled');
    const list = await req(t, 'GET', '/v1/events?type=order.cancelled&limit=100');
    expectStatus(list, 200);
    expect(list.body.data.map((e: any) => e.id)).toEqual([e2.id]);
    const byObject = await req(t, 'GET', `/v1/events?object_id=${e1.objectId}`);
    expect(byObject.body.data.map((e: any) => e.id)).toEqual([e1.id]);
    const one = await req(t, 'GET', `/v1/events/${e1.id}`);
    expect(one.body).toEqual({
      id: e1.id,
      object: 'event',
      type: 'order.created',
      created_at: e1.createdAt.toISOString(),
      object_seq: 1,
      data: { object: { id: e1.objectId, object: 'order' } },
    });
    expect((await req(t, 'GET', '/v1/events/evt_missing')).body.code).toBe('resource_missing');
    expect((await req(t, 'GET', '/v1/events?starting_after=garbage')).body.code).toBe('invalid_cursor');
  });

  it('sends a test event to one endpoint only', async () => {
    const a = await createEndpoint({ url: `${receiver.url}/a` });
    const b = await createEndpoint({ url: `${receiver.url}/b` });
    const res = await req(t, 'POST', `/v1/webhook_endpoints/${a.id}/test`);
    expectStatus(res, 201);
    expect(res.body).toMatchObject({
      object: 'webhook_delivery',
      endpoint_id: a.id,
      status: 'pending',
      attempts: [],
    });
    await t.app.webhooks.drain();
    expect(receiver.received.map((r) => [r.event.type, r.event.data.object.id])).toEqual([
      ['webhook_endpoint.tested', a.id],
    ]);
    const delivery = await req(t, 'GET', `/v1/webhook_deliveries/${res.body.id}`);
    expect(delivery.body).toMatchObject({ status: 'succeeded', last_status_code: 204 });
    await req(t, 'PATCH', `/v1/webhook_endpoints/${b.id}`, { enabled: false });
    const refused = await req(t, 'POST', `/v1/webhook_endpoints/${b.id}/test`);
    expect([refused.status, refused.body.code]).toEqual([409, 'webhook_endpoint_disabled']);
    for (const e of [a, b]) await req(t, 'DELETE', `/v1/webhook_endpoints/${e.id}`);
  });

  it('redelivers an event with the same webhook-id, to one endpoint or to all that match', async () => {
    const a = await createEndpoint({ url: `${receiver.url}/a`, enabled_events: ['order.*'] });
    const b = await createEndpoint({ url: `${receiver.url}/b`, enabled_events: ['commission.*'] });
    const event = await emit('order.paid');
    await t.app.webhooks.drain();
    expect(receiver.received).toHaveLength(1);
    // To b explicitly, though its filter does not match.
    const one = await req(t, 'POST', `/v1/events/${event.id}/redeliver`, { endpoint_id: b.id });
    expectStatus(one, 201);
    expect(one.body.data.map((d: any) => d.endpoint_id)).toEqual([b.id]);
    // To every matching endpoint: a only.
    const all = await req(t, 'POST', `/v1/events/${event.id}/redeliver`);
    expect(all.body.data.map((d: any) => d.endpoint_id)).toEqual([a.id]);
    await t.app.webhooks.drain();
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([event.id, event.id, event.id]);
    const perEvent = await req(t, 'GET', `/v1/webhook_deliveries?event_id=${event.id}`);
    expect(perEvent.body.data).toHaveLength(3);
    expect(perEvent.body.data.every((d: any) => d.status === 'succeeded')).toBe(true);
    const missing = await req(t, 'POST', `/v1/events/${event.id}/redeliver`, { endpoint_id: 'we_nope' });
    expect([missing.status, missing.body.code]).toEqual([422, 'invalid_reference']);
    for (const e of [a, b]) await req(t, 'DELETE', `/v1/webhook_endpoints/${e.id}`);
  });

  it('recovers the failed deliveries of an endpoint since a time', async () => {
    const endpoint = await createEndpoint();
    receiver.respond = () => ({ status: 410 });
    const before = await emit('order.paid');
    await t.app.webhooks.drain();
    clock.advance(60_000);
    const since = clock.now().toISOString();
    // The endpoint is disabled by the 410; events meanwhile are not fanned out to it.
    const refused = await req(t, 'POST', `/v1/webhook_endpoints/${endpoint.id}/recover`, { since });
    expect([refused.status, refused.body.code]).toEqual([409, 'webhook_endpoint_disabled']);
    await req(t, 'PATCH', `/v1/webhook_endpoints/${endpoint.id}`, { enabled: true });
    receiver.respond = () => ({ status: 500 });
    const failed = [await emit('order.paid'), await emit('order.paid')];
    await t.app.webhooks.drain();
    // Fail until the endpoint gives up (the schedule runs out, or 5 days of failures disable it).
    for (let i = 0; i < 12; i++) {
      clock.advance(30 * 3600_000);
      await t.app.webhooks.drain();
    }
    const failedList = await req(t, 'GET', `/v1/webhook_deliveries?endpoint_id=${endpoint.id}&status=failed`);
    expect(failedList.body.data.map((d: any) => d.event_id).sort()).toEqual(
      [before.id, ...failed.map((e) => e.id)].sort(),
    );
    const priorAttempts = failedList.body.data.find((d: any) => d.event_id === failed[0]!.id).attempt_count;
    expect(priorAttempts).toBeGreaterThan(1);
    await req(t, 'PATCH', `/v1/webhook_endpoints/${endpoint.id}`, { enabled: true });
    receiver.respond = () => ({ status: 200 });
    receiver.clear();
    const recovered = await req(t, 'POST', `/v1/webhook_endpoints/${endpoint.id}/recover`, { since });
    expectStatus(recovered, 200);
    expect(recovered.body).toEqual({
      object: 'webhook_recovery',
      endpoint_id: endpoint.id,
      since,
      requeued: 2,
    });
    await t.app.webhooks.drain();
    expect(receiver.received.map((r) => r.event.id).sort()).toEqual(failed.map((e) => e.id).sort());
    const delivery = (await req(t, 'GET', `/v1/webhook_deliveries?event_id=${failed[0]!.id}`)).body.data[0];
    expect(delivery).toMatchObject({ status: 'succeeded', attempt_count: priorAttempts + 1 });
    expect(delivery.attempts.at(-1)).toMatchObject({ status_code: 200 });
    expect(delivery.attempts.at(-2)).toMatchObject({ status_code: 500 });
    await req(t, 'DELETE', `/v1/webhook_endpoints/${endpoint.id}`);
  });
});

import { verify, WebhookVerificationError } from '@mujiang/webhooks';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/tenancy';
import { recordEvent } from '../../src/modules/events/service';
import { RETRY_DELAYS_MS } from '../../src/modules/webhooks/rules';
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

// Starts at the real time, so that a verifier reading the system clock (standardwebhooks)
// accepts the timestamps of the first deliveries.
const clock = new FakeClock(new Date(Math.floor(Date.now() / 1000) * 1000));
let t: TestApp;
let tenant: TestTenant;
const receiver = new Receiver();

beforeAll(async () => {
  await receiver.start();
  t = await testApp({ clock, webhooks: testWebhooks() });
  tenant = await createTestTenant(t);
});
afterAll(() => receiver.close());
beforeEach(() => {
  receiver.clear();
  receiver.respond = () => ({ status: 200, body: 'ok' });
});

async function createEndpoint(body: Record<string, unknown> = {}) {
  const res = await t.request({
    method: 'POST',
    url: '/v1/webhook_endpoints',
    key: tenant.secretKey,
    body: { url: receiver.url, enabled_events: ['*'], ...body },
  });
  expectStatus(res, 201);
  return res.body as { id: string; secret: string; [k: string]: any };
}

let orders = 0;
/** Records an event as a domain module would, in its own transaction (about a new order by default). */
async function emit(type: string, object: Record<string, unknown> = {}) {
  return withTenant(t.app.db, tenant.id, (tx) =>
    recordEvent(
      tx,
      { tenantId: tenant.id, clock },
      { type, object: { id: `ord_${++orders}`, object: 'order', ...object } },
    ),
  );
}

async function deliveries(query = '') {
  const res = await t.request({
    method: 'GET',
    url: `/v1/webhook_deliveries?limit=100${query}`,
    key: tenant.secretKey,
  });
  expectStatus(res, 200);
  return res.body.data as any[];
}

async function setEnabled(id: string, enabled: boolean) {
  expectStatus(
    await t.request({
      method: 'PATCH',
      url: `/v1/webhook_endpoints/${id}`,
      key: tenant.secretKey,
      body: { enabled },
    }),
    200,
  );
}

describe('delivery to a real receiver on loopback', () => {
  it('delivers a committed event, signed so that our verifier and standardwebhooks both accept it', async () => {
    const endpoint = await createEndpoint();
    const event = await emit('order.paid', { amount: 12900 });
    await t.app.webhooks.drain();
    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    expect(got!.headers['webhook-id']).toBe(event.id);
    expect(got!.headers['webhook-timestamp']).toBe(String(Math.floor(clock.now().getTime() / 1000)));
    expect(got!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(got!.body)).toEqual({
      id: event.id,
      object: 'event',
      type: 'order.paid',
      created_at: event.createdAt.toISOString(),
      object_seq: 1,
      data: { object: { id: event.objectId, object: 'order', amount: 12900 } },
    });
    const headers = got!.headers as Record<string, string>;
    expect(await verify(endpoint.secret, got!.body, headers, { now: clock.now() })).toMatchObject({
      id: event.id,
    });
    expect(new StandardWebhook(endpoint.secret).verify(got!.body, headers)).toMatchObject({ id: event.id });
    // A verifier with another secret refuses it.
    await expect(
      verify('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', got!.body, headers, { now: clock.now() }),
    ).rejects.toBeInstanceOf(WebhookVerificationError);

    const [delivery] = await deliveries(`&endpoint_id=${endpoint.id}`);
    expect(delivery).toMatchObject({
      object: 'webhook_delivery',
      endpoint_id: endpoint.id,
      event_id: event.id,
      event_type: 'order.paid',
      status: 'succeeded',
      attempt_count: 1,
      next_attempt_at: null,
      last_status_code: 200,
      last_error_code: null,
    });
    expect(delivery.attempts).toEqual([
      {
        attempt: 1,
        attempted_at: clock.now().toISOString(),
        status_code: 200,
        latency_ms: expect.any(Number),
        error_code: null,
        error_message: null,
        response_snippet: 'ok',
      },
    ]);
    await t.request({ method: 'DELETE', url: `/v1/webhook_endpoints/${endpoint.id}`, key: tenant.secretKey });
  });

  it('fans out to each enabled endpoint whose filter matches, once', async () => {
    const all = await createEndpoint({ enabled_events: ['*'] });
    const orders = await createEndpoint({ enabled_events: ['order.*'] });
    const paid = await createEndpoint({ enabled_events: ['order.paid', 'commission.settled'] });
    const off = await createEndpoint({ enabled_events: ['*'], enabled: false });
    const e1 = await emit('order.paid', { id: 'ord_seq' });
    const e2 = await emit('order.fulfillment.shipped', { id: 'ord_seq' });
    const e3 = await emit('commission.confirmed', { id: 'ord_seq' });
    await t.app.webhooks.drain();
    const byEvent = (id: string) =>
      receiver.received
        .filter((r) => r.event.id === id)
        .map((r) => r.headers['webhook-signature'])
        .sort();
    const sigOf = async (ids: string[]) => {
      const list = await deliveries();
      return ids.map((id) =>
        list
          .filter((d) => d.event_id === id)
          .map((d) => d.endpoint_id)
          .sort(),
      );
    };
    expect(await sigOf([e1.id, e2.id, e3.id])).toEqual([
      [all.id, orders.id, paid.id].sort(),
      [all.id, orders.id].sort(),
      [all.id],
    ]);
    expect(byEvent(e1.id)).toHaveLength(3);
    expect(receiver.received).toHaveLength(6);
    // Object sequence numbers order the events of one object.
    expect(receiver.received.filter((r) => r.event.id === e3.id)[0]!.event.object_seq).toBe(3);
    // Nothing further is due, and nothing was sent to the disabled endpoint.
    expect(await t.app.webhooks.drain()).toBe(0);
    expect((await deliveries(`&endpoint_id=${off.id}`)).length).toBe(0);
    for (const e of [all, orders, paid, off]) {
      await t.request({ method: 'DELETE', url: `/v1/webhook_endpoints/${e.id}`, key: tenant.secretKey });
    }
  });
});

describe('retries on the fake clock', () => {
  let endpoint: { id: string; secret: string };
  beforeAll(async () => {
    endpoint = await createEndpoint();
  });
  afterAll(async () => {
    await t.request({ method: 'DELETE', url: `/v1/webhook_endpoints/${endpoint.id}`, key: tenant.secretKey });
  });

  async function only(eventId: string) {
    const [d] = await deliveries(`&event_id=${eventId}`);
    return d;
  }

  it('follows the schedule (5 s, 5 min, 30 min, … 24 h, with jitter) and gives up after 10 attempts', async () => {
    receiver.respond = () => ({ status: 500, body: 'boom' });
    const event = await emit('order.paid');
    await t.app.webhooks.drain();
    for (let step = 0; step < RETRY_DELAYS_MS.length; step++) {
      const d = await only(event.id);
      expect(d.status).toBe('pending');
      const wait = new Date(d.next_attempt_at).getTime() - clock.now().getTime();
      const base = RETRY_DELAYS_MS[step]!;
      expect(wait).toBeGreaterThanOrEqual(base * 0.9 - 1);
      expect(wait).toBeLessThanOrEqual(base * 1.1 + 1);
      // Not a moment early.
      clock.advance(wait - 1);
      expect(await t.app.webhooks.drain()).toBe(0);
      clock.advance(1);
      expect(await t.app.webhooks.drain()).toBe(1);
    }
    const d = await only(event.id);
    expect(d).toMatchObject({
      status: 'failed',
      attempt_count: 10,
      last_status_code: 500,
      last_error_code: 'http_error',
    });
    expect(d.attempts.map((a: any) => a.response_snippet)).toEqual(Array(10).fill('boom'));
    expect(receiver.received).toHaveLength(10);
    // Every retry carries the same webhook-id, and a fresh timestamp.
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([event.id]));
    expect(new Set(receiver.received.map((r) => r.headers['webhook-timestamp'])).size).toBe(10);
    clock.advance(7 * 24 * 3600_000);
    expect(await t.app.webhooks.drain()).toBe(0);
    // The endpoint had failed for more than 5 days but sent nothing since; re-enable to reset.
    await setEnabled(endpoint.id, true);
  });

  it('honours Retry-After on 429, 502, 503 and 504, and not on 500', async () => {
    for (const [status, retryAfter, expectedMs] of [
      [429, '120', 120_000],
      [503, '3600', 3600_000],
      [502, 'http-date', 600_000],
      [504, '1', 5_000], // shorter than the schedule: the schedule wins
      [500, '3600', 5_000], // not honoured
    ] as const) {
      const header =
        retryAfter === 'http-date' ? new Date(clock.now().getTime() + 600_000).toUTCString() : retryAfter;
      receiver.respond = () => ({ status, headers: { 'retry-after': header } });
      const event = await emit('order.paid');
      await t.app.webhooks.drain();
      const d = await only(event.id);
      const wait = new Date(d.next_attempt_at).getTime() - clock.now().getTime();
      expect(wait, `${status}`).toBeGreaterThanOrEqual(Math.max(expectedMs, 4_500) - 1000);
      expect(wait, `${status}`).toBeLessThanOrEqual(Math.max(expectedMs, 5_500) + 1000);
      receiver.respond = () => ({ status: 200 });
      clock.advance(wait);
      await t.app.webhooks.drain();
      expect((await only(event.id)).status).toBe('succeeded');
    }
  });

  it('does not follow redirects: a 3xx is a failed attempt', async () => {
    receiver.respond = (r) =>
      r.headers['x-followed']
        ? { status: 200 }
        : { status: 307, headers: { location: `${receiver.url}?again` } };
    const event = await emit('order.paid');
    await t.app.webhooks.drain();
    expect(receiver.received).toHaveLength(1);
    expect(await only(event.id)).toMatchObject({
      status: 'pending',
      last_status_code: 307,
      last_error_code: 'redirect_not_followed',
    });
    receiver.respond = () => ({ status: 200 });
    clock.advance(6_000);
    await t.app.webhooks.drain();
  });

  it('times out an attempt that gets no answer', async () => {
    const quick = await testApp({ clock, webhooks: testWebhooks({ timeoutMs: 300 }) });
    receiver.respond = () => 'hang';
    const event = await emit('order.paid');
    const started = Date.now();
    await quick.app.webhooks.drain();
    expect(Date.now() - started).toBeLessThan(5_000);
    const d = await only(event.id);
    expect(d).toMatchObject({ status: 'pending', last_status_code: null, last_error_code: 'timeout' });
    expect(d.attempts[0].latency_ms).toBeGreaterThanOrEqual(250);
    receiver.respond = () => ({ status: 200 });
    clock.advance(6_000);
    await t.app.webhooks.drain();
  });

  it('disables an endpoint that answers 410 Gone, with a webhook_endpoint.disabled event', async () => {
    const gone = await createEndpoint({ url: `${receiver.url}/gone` });
    const watcher = await createEndpoint({
      url: `${receiver.url}/watch`,
      enabled_events: ['webhook_endpoint.*'],
    });
    receiver.respond = (r) => (r.event.type === 'order.paid' ? { status: 410 } : { status: 200 });
    const event = await emit('order.paid');
    await t.app.webhooks.drain();
    const res = await t.request({
      method: 'GET',
      url: `/v1/webhook_endpoints/${gone.id}`,
      key: tenant.secretKey,
    });
    expect(res.body).toMatchObject({ enabled: false, status: 'disabled', disabled_reason: 'gone' });
    const d = (await deliveries(`&endpoint_id=${gone.id}`)).find((x) => x.event_id === event.id);
    expect(d).toMatchObject({ status: 'failed', last_status_code: 410 });
    const events = await t.request({
      method: 'GET',
      url: '/v1/events?type=webhook_endpoint.disabled',
      key: tenant.secretKey,
    });
    expect(events.body.data[0].data.object).toMatchObject({ id: gone.id, disabled_reason: 'gone' });
    // The watcher subscribed to webhook_endpoint.* received it.
    expect(
      receiver.received.some(
        (r) => r.event.type === 'webhook_endpoint.disabled' && r.event.data.object.id === gone.id,
      ),
    ).toBe(true);
    for (const e of [gone, watcher]) {
      await t.request({ method: 'DELETE', url: `/v1/webhook_endpoints/${e.id}`, key: tenant.secretKey });
    }
  });

  it('disables an endpoint after 5 days of failures, and a success clears the streak', async () => {
    const flaky = await createEndpoint({ url: `${receiver.url}/flaky`, enabled_events: ['order.*'] });
    const get = async () =>
      (await t.request({ method: 'GET', url: `/v1/webhook_endpoints/${flaky.id}`, key: tenant.secretKey }))
        .body;
    receiver.respond = () => ({ status: 500 });
    const failingFrom = clock.now().toISOString();
    await emit('order.paid');
    await t.app.webhooks.drain();
    expect((await get()).failing_since).toBe(failingFrom);
    // Four days of failures later, one success resets it.
    clock.advance(4 * 24 * 3600_000);
    receiver.respond = () => ({ status: 200 });
    await emit('order.paid');
    await t.app.webhooks.drain();
    expect((await get()).failing_since).toBe(null);
    // Fail again: day 0 … day 5.
    receiver.respond = () => ({ status: 503 });
    await emit('order.paid');
    await t.app.webhooks.drain();
    clock.advance(5 * 24 * 3600_000 - 1000);
    await emit('order.paid');
    await t.app.webhooks.drain();
    expect((await get()).enabled).toBe(true);
    clock.advance(1000);
    await emit('order.paid');
    await t.app.webhooks.drain();
    expect(await get()).toMatchObject({ enabled: false, disabled_reason: 'failing' });
    // Pending retries of a disabled endpoint fail without being sent.
    receiver.clear();
    clock.advance(3 * 24 * 3600_000);
    await t.app.webhooks.drain();
    expect(receiver.received).toHaveLength(0);
    expect((await deliveries(`&endpoint_id=${flaky.id}&status=pending`)).length).toBe(0);
    await t.request({ method: 'DELETE', url: `/v1/webhook_endpoints/${flaky.id}`, key: tenant.secretKey });
  });
});

describe('the running dispatcher', () => {
  it('wakes on the NOTIFY of a committed event, not on its poll timer', async () => {
    // Polling once a minute: only the notification can explain a delivery within seconds.
    const live = await testApp({ clock, webhooks: testWebhooks({ pollIntervalMs: 60_000 }) });
    const endpoint = await createEndpoint({ url: `${receiver.url}/live` });
    await live.app.webhooks.start();
    try {
      // Let the first rounds (at start) find nothing, so the loops are asleep.
      await new Promise((r) => setTimeout(r, 200));
      const event = await emit('order.paid');
      await receiver.waitFor(1, 10_000);
      expect(receiver.received[0]!.event.id).toBe(event.id);
    } finally {
      await live.app.webhooks.stop();
    }
    await t.request({ method: 'DELETE', url: `/v1/webhook_endpoints/${endpoint.id}`, key: tenant.secretKey });
  });
});

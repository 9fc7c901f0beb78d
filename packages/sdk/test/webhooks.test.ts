import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@mujiang/api/src/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mujiang } from '../src/index';
import { type MujiangEvent, verifyNodeRequest, WebhookVerificationError } from '../src/webhooks';
import { PLATFORM_TOKEN, type RunningApi, startApi } from './api-server';
import { FAST_RETRY } from './helpers';

// A real round trip: the API's dispatcher signs and sends to a receiver on loopback, which
// verifies with the SDK's webhooks entry and reads typed events.

let api: RunningApi;
let receiver: Server;
let receiverUrl: string;
let secret = '';
const received: MujiangEvent[] = [];
const refused: string[] = [];

beforeAll(async () => {
  const base = loadConfig({ LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv);
  api = await startApi({
    webhooks: { ...base.webhooks, dispatcher: true, allowPrivateNetworks: true, pollIntervalMs: 50 },
  });
  receiver = createServer(async (req: IncomingMessage, res) => {
    try {
      received.push(await verifyNodeRequest<MujiangEvent>(req, secret));
      res.writeHead(204).end();
    } catch (err) {
      refused.push(err instanceof WebhookVerificationError ? err.code : String(err));
      res.writeHead(400).end();
    }
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});

afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

/** Polls (bounded) until `check` holds. */
async function eventually(check: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a webhook');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('webhooks through the SDK', () => {
  it('creates an endpoint, receives signed typed events, and lists them', async () => {
    const platform = new Mujiang({ baseUrl: api.baseUrl, apiKey: PLATFORM_TOKEN, retry: FAST_RETRY });
    const tenant = await platform.tenants.create({ name: 'Webhook tenant' });
    const client = new Mujiang({ baseUrl: api.baseUrl, apiKey: tenant.api_key.secret, retry: FAST_RETRY });
    const endpoint = await client.webhookEndpoints.create({
      url: receiverUrl,
      enabled_events: ['customer.*'],
    });
    secret = endpoint.secret;
    expect(secret).toMatch(/^whsec_/);

    const customer = await client.customers.create({ name: '收货人', phone: '13600000001' });
    await eventually(() => received.some((e) => e.type === 'customer.created'));
    const event = received.find((e) => e.type === 'customer.created')!;
    if (event.type !== 'customer.created') throw new Error('narrowing');
    expect(event.data.object.id).toBe(customer.id);
    expect(event.data.object.phone).toBe('13600000001');
    expect(refused).toEqual([]);

    const listed = await client.events.list({ type: 'customer.created' });
    expect(listed.data.map((e) => e.id)).toContain(event.id);
    const deliveries = await client.webhookDeliveries.list({ endpoint_id: endpoint.id });
    expect(deliveries.data[0]).toMatchObject({ event_id: event.id, status: 'succeeded' });
  });
});

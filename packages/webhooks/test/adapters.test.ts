import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateSecret,
  keepRawJsonBody,
  verifyFastifyRequest,
  verifyNodeRequest,
  verifyRequest,
  Webhook,
  WebhookVerificationError,
} from '../src/index';

const secret = generateSecret();
const event = { id: 'evt_01jadapter', object: 'event', type: 'order.paid', data: { object: { n: '木匠' } } };
// Spacing a re-serialiser would not keep: verifying parsed-then-restringified JSON would fail.
const body = JSON.stringify(event, null, 1);

async function signedHeaders(payload = body) {
  return new Webhook(secret).headers({ id: event.id, timestamp: new Date(), payload });
}

describe('fetch-style Request', () => {
  it('verifies the raw body and returns the event', async () => {
    const request = new Request('https://example.com/hooks', {
      method: 'POST',
      headers: await signedHeaders(),
      body,
    });
    expect(await verifyRequest(request, secret)).toEqual(event);
  });

  it('refuses a tampered body and an oversized one', async () => {
    const headers = await signedHeaders();
    const tampered = new Request('https://example.com', {
      method: 'POST',
      headers,
      body: body.replace('paid', 'void'),
    });
    await expect(verifyRequest(tampered, secret)).rejects.toMatchObject({ code: 'no_matching_signature' });
    const big = new Request('https://example.com', { method: 'POST', headers, body });
    await expect(verifyRequest(big, secret, { maxBodyBytes: 10 })).rejects.toMatchObject({
      code: 'body_unavailable',
    });
  });
});

describe('node:http', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      try {
        const verified = await verifyNodeRequest<typeof event>(req, secret);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ type: verified.type }));
      } catch (err) {
        const code = err instanceof WebhookVerificationError ? err.code : 'error';
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('verifies a request over loopback, and refuses a forged one', async () => {
    const ok = await fetch(url, { method: 'POST', headers: await signedHeaders(), body });
    expect([ok.status, await ok.json()]).toEqual([200, { type: 'order.paid' }]);
    const forged = await fetch(url, {
      method: 'POST',
      headers: await new Webhook(generateSecret()).headers({
        id: event.id,
        timestamp: new Date(),
        payload: body,
      }),
      body,
    });
    expect([forged.status, await forged.json()]).toEqual([400, { code: 'no_matching_signature' }]);
  });
});

describe('Fastify', () => {
  const app = Fastify();
  app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, keepRawJsonBody);
    scope.post('/hooks', async (request, reply) => {
      try {
        const verified = await verifyFastifyRequest<typeof event>(request, secret);
        return { type: verified.type, parsed: (request.body as typeof event).id };
      } catch (err) {
        return reply.code(400).send({ code: (err as WebhookVerificationError).code });
      }
    });
  });
  app.post('/elsewhere', async (request, reply) => {
    try {
      return await verifyFastifyRequest(request, secret);
    } catch (err) {
      return reply.code(400).send({ code: (err as WebhookVerificationError).code });
    }
  });
  afterAll(() => app.close());

  it('keeps the raw body for the webhook route and verifies it', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/hooks',
      headers: { ...(await signedHeaders()), 'content-type': 'application/json' },
      payload: body,
    });
    expect([res.statusCode, res.json()]).toEqual([200, { type: 'order.paid', parsed: event.id }]);
    const old = await new Webhook(secret).headers({
      id: event.id,
      timestamp: Math.floor(Date.now() / 1000) - 301,
      payload: body,
    });
    const late = await app.inject({
      method: 'POST',
      url: '/hooks',
      headers: { ...old, 'content-type': 'application/json' },
      payload: body,
    });
    expect([late.statusCode, late.json()]).toEqual([400, { code: 'timestamp_too_old' }]);
  });

  it('says so when the raw body was not kept', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/elsewhere',
      headers: { ...(await signedHeaders()), 'content-type': 'application/json' },
      payload: body,
    });
    expect([res.statusCode, res.json()]).toEqual([400, { code: 'body_unavailable' }]);
  });
});

import { Webhook as StandardWebhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  decodeSecret,
  generateSecret,
  sign,
  verify,
  Webhook,
  WebhookError,
  WebhookSecretError,
  WebhookVerificationError,
} from '../src/index';
import { NodeWebhook, signSync, verifySync } from '../src/node';

/** The example of the Standard Webhooks specification (also checked with openssl). */
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

/** A 64-byte key and a UTF-8 body; expected value from `openssl dgst -sha256 -mac HMAC`. */
const UNICODE = {
  secret: `whsec_${Buffer.alloc(64, 'A').toString('base64')}`,
  id: 'msg_2',
  timestamp: 1700000000,
  payload: '{"name":"木匠","amount":12900}',
  signature: 'v1,HTTUaMUsSt+tltOF3qM6UHpNc7h+ZY2UyhQGZIiGGBU=',
};

const headersOf = (id: string, timestamp: number, signature: string) => ({
  'webhook-id': id,
  'webhook-timestamp': String(timestamp),
  'webhook-signature': signature,
});

async function verifyError(p: Promise<unknown> | (() => unknown)): Promise<WebhookError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    expect(err).toBeInstanceOf(WebhookError);
    return err as WebhookError;
  }
  throw new Error('expected verification to fail');
}

describe('signing vectors', () => {
  for (const [name, v] of Object.entries({ SPEC, UNICODE })) {
    it(`signs the ${name} vector with WebCrypto and with node:crypto`, async () => {
      const input = { id: v.id, timestamp: v.timestamp, payload: v.payload };
      expect(await sign(v.secret, input)).toBe(v.signature);
      expect(signSync(v.secret, input)).toBe(v.signature);
      // The body as bytes signs the same as the string.
      expect(await sign(v.secret, { ...input, payload: new TextEncoder().encode(v.payload) })).toBe(
        v.signature,
      );
      expect(await sign(v.secret, { ...input, timestamp: new Date(v.timestamp * 1000 + 999) })).toBe(
        v.signature,
      );
    });

    it(`verifies the ${name} vector`, async () => {
      const headers = headersOf(v.id, v.timestamp, v.signature);
      const options = { now: v.timestamp + 10 };
      expect(await verify(v.secret, v.payload, headers, options)).toEqual(JSON.parse(v.payload));
      expect(verifySync(v.secret, v.payload, headers, options)).toEqual(JSON.parse(v.payload));
      expect(await new Webhook(v.secret).verifySignature(v.payload, new Headers(headers), options)).toEqual({
        id: v.id,
        timestamp: new Date(v.timestamp * 1000),
      });
    });
  }

  it('gives the three headers, with the signature of every secret', async () => {
    const other = generateSecret();
    const input = { id: SPEC.id, timestamp: SPEC.timestamp, payload: SPEC.payload };
    const headers = await new Webhook([SPEC.secret, other]).headers(input);
    expect(headers['webhook-id']).toBe(SPEC.id);
    expect(headers['webhook-timestamp']).toBe('1614265330');
    const sigs = headers['webhook-signature'].split(' ');
    expect(sigs).toHaveLength(2);
    expect(sigs[0]).toBe(SPEC.signature);
    expect(sigs[1]).toBe(signSync(other, input));
    expect(new NodeWebhook([SPEC.secret, other]).headers(input)).toEqual(headers);
  });
});

describe('secrets', () => {
  it('generates whsec_ secrets of 24–64 random bytes', () => {
    const a = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(decodeSecret(a)).toHaveLength(32);
    expect(decodeSecret(generateSecret(24))).toHaveLength(24);
    expect(decodeSecret(generateSecret(64))).toHaveLength(64);
    expect(generateSecret()).not.toBe(a);
    expect(() => generateSecret(23)).toThrow(WebhookSecretError);
    expect(() => generateSecret(65)).toThrow(WebhookSecretError);
  });

  it('refuses secrets that are empty, not base64, too short or too long', () => {
    for (const bad of [
      '',
      'whsec_',
      'whsec_not base64!',
      `whsec_${Buffer.alloc(16).toString('base64')}`,
      `whsec_${Buffer.alloc(65).toString('base64')}`,
    ]) {
      expect(() => new Webhook(bad), bad).toThrow(WebhookSecretError);
      expect(() => new NodeWebhook(bad), bad).toThrow(WebhookSecretError);
    }
    expect(() => new Webhook([])).toThrow(WebhookSecretError);
    // The prefix is optional, as in the specification's libraries.
    expect(decodeSecret(SPEC.secret.slice(6))).toHaveLength(24);
  });
});

describe('interoperability with the standardwebhooks library', () => {
  const secret = generateSecret();
  const id = 'evt_01jfinterop';
  const payload = JSON.stringify({
    id,
    object: 'event',
    type: 'order.paid',
    data: { object: { amount: 100 } },
  });

  it('its verifier accepts our signatures (WebCrypto and node:crypto)', async () => {
    const now = new Date();
    const theirs = new StandardWebhook(secret);
    const ours = await new Webhook(secret).headers({ id, timestamp: now, payload });
    expect(theirs.verify(payload, { ...ours })).toEqual(JSON.parse(payload));
    expect(
      theirs.verify(payload, { ...new NodeWebhook(secret).headers({ id, timestamp: now, payload }) }),
    ).toEqual(JSON.parse(payload));
    // Signed with two secrets during a rotation: a receiver holding either one accepts.
    const old = generateSecret(24);
    const both = await new Webhook([secret, old]).headers({ id, timestamp: now, payload });
    expect(theirs.verify(payload, { ...both })).toEqual(JSON.parse(payload));
    expect(new StandardWebhook(old).verify(payload, { ...both })).toEqual(JSON.parse(payload));
    // And it refuses what we signed with a secret it does not hold.
    expect(() => new StandardWebhook(generateSecret()).verify(payload, { ...both })).toThrow();
  });

  it('our verifier accepts its signatures', async () => {
    const theirs = new StandardWebhook(secret);
    const now = new Date();
    const signature = theirs.sign(id, now, payload);
    const headers = headersOf(id, Math.floor(now.getTime() / 1000), signature);
    expect(await verify(secret, payload, headers)).toEqual(JSON.parse(payload));
    expect(verifySync(secret, payload, headers)).toEqual(JSON.parse(payload));
    // Its signature next to signatures of other schemes and other keys.
    const crowded = headersOf(
      id,
      Math.floor(now.getTime() / 1000),
      `v1a,${Buffer.alloc(64).toString('base64')} v1,${Buffer.alloc(32, 1).toString('base64')} ${signature}`,
    );
    expect(await verify(secret, payload, crowded)).toEqual(JSON.parse(payload));
  });

  it('agrees with it on the specification example and on random messages', async () => {
    expect(
      new StandardWebhook(SPEC.secret).sign(SPEC.id, new Date(SPEC.timestamp * 1000), SPEC.payload),
    ).toBe(SPEC.signature);
    for (let i = 0; i < 50; i++) {
      const s = generateSecret(24 + (i % 41));
      const body = JSON.stringify({ i, text: '店主'.repeat(i), r: Math.random() });
      const ts = 1_700_000_000 + i * 7919;
      expect(await sign(s, { id: `msg_${i}`, timestamp: ts, payload: body })).toBe(
        new StandardWebhook(s).sign(`msg_${i}`, new Date(ts * 1000), body),
      );
    }
  });
});

describe('verification refuses', () => {
  const secret = generateSecret();
  const id = 'evt_01jtamper';
  const ts = 1_800_000_000;
  const payload = '{"id":"evt_01jtamper","type":"order.paid"}';
  const signed = () => new Webhook(secret).headers({ id, timestamp: ts, payload });

  it('timestamps outside ±300 s, and accepts the edges', async () => {
    const headers = await signed();
    const at = (now: number) => verify(secret, payload, headers, { now });
    await expect(at(ts + 300)).resolves.toBeDefined();
    await expect(at(ts - 300)).resolves.toBeDefined();
    expect((await verifyError(at(ts + 301))).code).toBe('timestamp_too_old');
    expect((await verifyError(at(ts - 301))).code).toBe('timestamp_too_new');
    expect((await verifyError(() => verifySync(secret, payload, headers, { now: ts + 301 }))).code).toBe(
      'timestamp_too_old',
    );
    // A tolerance of the receiver's choosing.
    await expect(
      verify(secret, payload, headers, { now: ts + 30, toleranceSeconds: 30 }),
    ).resolves.toBeDefined();
    expect(
      (await verifyError(verify(secret, payload, headers, { now: ts + 31, toleranceSeconds: 30 }))).code,
    ).toBe('timestamp_too_old');
    // The system clock by default: this message is dated 2030.
    expect(
      (
        await verifyError(
          verify(
            secret,
            payload,
            await new Webhook(secret).headers({ id, timestamp: ts + 10 ** 8, payload }),
          ),
        )
      ).code,
    ).toBe('timestamp_too_new');
  });

  it('a tampered body, id or timestamp, and another secret', async () => {
    const headers = await signed();
    const check = async (p: string, h: Record<string, string>, s = secret) => {
      const err = await verifyError(verify(s, p, h, { now: ts }));
      expect(err).toBeInstanceOf(WebhookVerificationError);
      const sync = await verifyError(() => verifySync(s, p, h, { now: ts }));
      expect(sync.code).toBe(err.code);
      return err.code;
    };
    expect(await check(payload.replace('paid', 'pail'), headers)).toBe('no_matching_signature');
    expect(await check(`${payload} `, headers)).toBe('no_matching_signature');
    expect(await check(payload, { ...headers, 'webhook-id': 'evt_01jother' })).toBe('no_matching_signature');
    expect(await check(payload, { ...headers, 'webhook-timestamp': String(ts + 1) })).toBe(
      'no_matching_signature',
    );
    expect(await check(payload, headers, generateSecret())).toBe('no_matching_signature');
    // One flipped bit of the signature itself.
    const mac = Buffer.from(headers['webhook-signature'].slice(3), 'base64');
    mac[0]! ^= 1;
    expect(await check(payload, { ...headers, 'webhook-signature': `v1,${mac.toString('base64')}` })).toBe(
      'no_matching_signature',
    );
  });

  it('missing or malformed headers, and a body that is not JSON', async () => {
    const headers = await signed();
    const code = async (h: Record<string, string>, p = payload) =>
      (await verifyError(verify(secret, p, h, { now: ts }))).code;
    const { 'webhook-id': _id, ...noId } = headers;
    expect(await code(noId)).toBe('missing_header');
    expect(await code({ ...headers, 'webhook-signature': '' })).toBe('missing_header');
    expect(await code({ ...headers, 'webhook-timestamp': '1.8e9' })).toBe('invalid_timestamp');
    expect(await code({ ...headers, 'webhook-timestamp': '-5' })).toBe('invalid_timestamp');
    expect(await code({ ...headers, 'webhook-signature': 'v2,abc v1a,def' })).toBe(
      'invalid_signature_header',
    );
    expect(await code({ ...headers, 'webhook-signature': 'v1,not*base64' })).toBe('invalid_signature_header');
    // Header names in any letter case.
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    await expect(verify(secret, payload, upper, { now: ts })).resolves.toEqual(JSON.parse(payload));
    const text = 'plain text';
    const textHeaders = await new Webhook(secret).headers({ id, timestamp: ts, payload: text });
    expect(await code(textHeaders, text)).toBe('invalid_json');
    await expect(new Webhook(secret).verifySignature(text, textHeaders, { now: ts })).resolves.toMatchObject({
      id,
    });
  });
});

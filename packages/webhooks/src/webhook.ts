import {
  anyMatch,
  decodeSecret,
  formatSignature,
  type HeadersInput,
  noMatch,
  type Payload,
  parseJson,
  payloadBytes,
  prepareVerification,
  type SignInput,
  secretList,
  signedContent,
  unixSeconds,
  type VerifiedMessage,
  type VerifyOptions,
  type WebhookHeaders,
} from './core';

// Named through globalThis so the types resolve with the DOM library and with Node's alike.
type Subtle = typeof globalThis.crypto.subtle;
type Key = Awaited<ReturnType<Subtle['importKey']>>;

function subtle(): Subtle {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('WebCrypto (crypto.subtle) is not available in this runtime.');
  return s;
}

/**
 * Signs and verifies Standard Webhooks v1 with WebCrypto (Node ≥ 20, browsers, Deno, Bun,
 * edge workers). Give it several secrets while rotating: it signs with each, and accepts a
 * message signed with any of them.
 */
export class Webhook {
  private readonly keys: Promise<Key[]>;

  constructor(secret: string | readonly string[]) {
    const raw = secretList(secret).map(decodeSecret);
    this.keys = Promise.all(
      raw.map((k) =>
        subtle().importKey('raw', k as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, [
          'sign',
        ]),
      ),
    );
    // The secrets were checked above; a failed import surfaces on first use, not as unhandled.
    this.keys.catch(() => {});
  }

  private async macs(id: string, seconds: number, payload: Payload): Promise<Uint8Array[]> {
    const content = signedContent(id, seconds, payload);
    const keys = await this.keys;
    const out = await Promise.all(
      keys.map((k) => subtle().sign('HMAC', k, content as Uint8Array<ArrayBuffer>)),
    );
    return out.map((b) => new Uint8Array(b));
  }

  /** The `webhook-signature` value: `v1,<base64>`, space-separated when there are several secrets. */
  async sign(input: SignInput): Promise<string> {
    const macs = await this.macs(input.id, unixSeconds(input.timestamp), input.payload);
    return macs.map(formatSignature).join(' ');
  }

  /** The three headers to send with the body. */
  async headers(input: SignInput): Promise<WebhookHeaders> {
    return {
      'webhook-id': input.id,
      'webhook-timestamp': String(unixSeconds(input.timestamp)),
      'webhook-signature': await this.sign(input),
    };
  }

  /** Checks headers and signature of the raw body; throws WebhookVerificationError otherwise. */
  async verifySignature(
    payload: Payload,
    headers: HeadersInput,
    options?: VerifyOptions,
  ): Promise<VerifiedMessage> {
    const prepared = prepareVerification(headers, options);
    const body = payloadBytes(payload);
    if (!anyMatch(await this.macs(prepared.id, prepared.seconds, body), prepared.candidates)) throw noMatch();
    return { id: prepared.id, timestamp: prepared.timestamp };
  }

  /** Verifies, then parses the body as JSON (the event). */
  async verify<T = unknown>(payload: Payload, headers: HeadersInput, options?: VerifyOptions): Promise<T> {
    await this.verifySignature(payload, headers, options);
    return parseJson<T>(payloadBytes(payload));
  }
}

/** Signs one message: the `webhook-signature` header value. */
export function sign(secret: string | readonly string[], input: SignInput): Promise<string> {
  return new Webhook(secret).sign(input);
}

/** Verifies one message and returns its JSON body. */
export function verify<T = unknown>(
  secret: string | readonly string[],
  payload: Payload,
  headers: HeadersInput,
  options?: VerifyOptions,
): Promise<T> {
  return new Webhook(secret).verify<T>(payload, headers, options);
}

import { createHmac } from 'node:crypto';
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
  unixSeconds,
  type VerifiedMessage,
  type VerifyOptions,
  type WebhookHeaders,
} from './core';

export * from './index';

/**
 * The synchronous Node path (node:crypto), for senders signing thousands of messages a second
 * and for receivers that cannot await. Same headers, same checks, same errors as `Webhook`.
 */
export class NodeWebhook {
  private readonly keys: Uint8Array[];

  constructor(secret: string | readonly string[]) {
    this.keys = secretList(secret).map(decodeSecret);
  }

  private macs(id: string, seconds: number, payload: Payload): Uint8Array[] {
    const prefix = `${id}.${seconds}.`;
    const body = typeof payload === 'string' ? payload : payloadBytes(payload);
    return this.keys.map((k) => createHmac('sha256', k).update(prefix).update(body).digest());
  }

  sign(input: SignInput): string {
    return this.macs(input.id, unixSeconds(input.timestamp), input.payload).map(formatSignature).join(' ');
  }

  headers(input: SignInput): WebhookHeaders {
    return {
      'webhook-id': input.id,
      'webhook-timestamp': String(unixSeconds(input.timestamp)),
      'webhook-signature': this.sign(input),
    };
  }

  verifySignature(payload: Payload, headers: HeadersInput, options?: VerifyOptions): VerifiedMessage {
    const prepared = prepareVerification(headers, options);
    if (!anyMatch(this.macs(prepared.id, prepared.seconds, payload), prepared.candidates)) throw noMatch();
    return { id: prepared.id, timestamp: prepared.timestamp };
  }

  verify<T = unknown>(payload: Payload, headers: HeadersInput, options?: VerifyOptions): T {
    this.verifySignature(payload, headers, options);
    return parseJson<T>(typeof payload === 'string' ? payload : payloadBytes(payload));
  }
}

export function signSync(secret: string | readonly string[], input: SignInput): string {
  return new NodeWebhook(secret).sign(input);
}

export function verifySync<T = unknown>(
  secret: string | readonly string[],
  payload: Payload,
  headers: HeadersInput,
  options?: VerifyOptions,
): T {
  return new NodeWebhook(secret).verify<T>(payload, headers, options);
}

import { concatBytes, fromBase64, timingSafeEqual, toBase64, utf8 } from './encoding';
import { WebhookSecretError, WebhookVerificationError } from './errors';

/**
 * Standard Webhooks v1, the parts that need no cryptography: secrets, headers, the signed
 * content, timestamps and the signature header. The WebCrypto path (index) and the synchronous
 * Node path (node) share all of it, so they cannot drift apart.
 */

export const SECRET_PREFIX = 'whsec_';
export const MIN_SECRET_BYTES = 24;
export const MAX_SECRET_BYTES = 64;
export const DEFAULT_TOLERANCE_SECONDS = 300;

export const HEADER_ID = 'webhook-id';
export const HEADER_TIMESTAMP = 'webhook-timestamp';
export const HEADER_SIGNATURE = 'webhook-signature';

/** The body exactly as sent: a string (UTF-8) or its bytes. */
export type Payload = string | Uint8Array | ArrayBuffer;

/** A fetch `Headers`, or a plain record as Node and most frameworks give (any letter case). */
export type HeadersInput =
  | { get(name: string): string | null }
  | Record<string, string | string[] | undefined>;

// A type (not an interface), so it passes as a `Record<string, string>` and as `HeadersInit`.
export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

export interface SignInput {
  /** The message id; the same on every retry of a message, so receivers can de-duplicate. */
  id: string;
  /** When this attempt is sent: a Date, or Unix seconds. */
  timestamp: Date | number;
  payload: Payload;
}

export interface VerifyOptions {
  /** Allowed distance between the timestamp and now, each way, in seconds (default 300). */
  toleranceSeconds?: number;
  /** The receiver's current time (a Date or Unix seconds); the system clock by default. */
  now?: Date | number;
}

export interface VerifiedMessage {
  id: string;
  timestamp: Date;
}

/** Decodes `whsec_<base64>` (the prefix may be left off) and checks it holds 24–64 bytes. */
export function decodeSecret(secret: string): Uint8Array {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new WebhookSecretError('The webhook secret is empty.');
  }
  const body = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = fromBase64(body);
  if (!key) throw new WebhookSecretError("The webhook secret is not 'whsec_' followed by base64.");
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
    throw new WebhookSecretError(
      `The webhook secret holds ${key.length} bytes; a Standard Webhooks secret holds ${MIN_SECRET_BYTES}–${MAX_SECRET_BYTES}.`,
    );
  }
  return key;
}

export function secretList(secret: string | readonly string[]): string[] {
  const list = typeof secret === 'string' ? [secret] : [...secret];
  if (list.length === 0) throw new WebhookSecretError('Give at least one webhook secret.');
  return list;
}

/** `whsec_` + base64 of `bytes` random bytes (default 32), from the platform's CSPRNG. */
export function generateSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < MIN_SECRET_BYTES || bytes > MAX_SECRET_BYTES) {
    throw new WebhookSecretError(`A secret holds ${MIN_SECRET_BYTES}–${MAX_SECRET_BYTES} bytes.`);
  }
  const key = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(key);
  return `${SECRET_PREFIX}${toBase64(key)}`;
}

export function unixSeconds(t: Date | number): number {
  const seconds = typeof t === 'number' ? t : Math.floor(t.getTime() / 1000);
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new RangeError('A webhook timestamp is a non-negative whole number of Unix seconds.');
  }
  return seconds;
}

export function payloadBytes(payload: Payload): Uint8Array {
  if (typeof payload === 'string') return utf8(payload);
  return payload instanceof Uint8Array ? payload : new Uint8Array(payload);
}

/** The signed content: `${id}.${timestamp}.${body}`, as bytes (the body is never re-encoded). */
export function signedContent(id: string, timestamp: number, payload: Payload): Uint8Array {
  return concatBytes(utf8(`${id}.${timestamp}.`), payloadBytes(payload));
}

export const formatSignature = (mac: Uint8Array): string => `v1,${toBase64(mac)}`;

function header(headers: HeadersInput, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | string[] | undefined>;
  let value = record[name];
  if (value === undefined) {
    const key = Object.keys(record).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  return Array.isArray(value) ? value.join(' ') : value;
}

export interface PreparedVerification extends VerifiedMessage {
  seconds: number;
  /** The decoded v1 signatures of the header. */
  candidates: Uint8Array[];
}

/**
 * Reads and checks the headers before any MAC is computed: all present, a whole-second
 * timestamp within the tolerance of now, at least one well-formed `v1` signature.
 */
export function prepareVerification(
  headers: HeadersInput,
  options: VerifyOptions = {},
): PreparedVerification {
  const id = header(headers, HEADER_ID)?.trim();
  const ts = header(headers, HEADER_TIMESTAMP)?.trim();
  const sig = header(headers, HEADER_SIGNATURE)?.trim();
  const missing = [
    [HEADER_ID, id],
    [HEADER_TIMESTAMP, ts],
    [HEADER_SIGNATURE, sig],
  ].filter(([, v]) => !v);
  if (missing.length) {
    throw new WebhookVerificationError(
      'missing_header',
      `Missing webhook header${missing.length > 1 ? 's' : ''}: ${missing.map(([n]) => n).join(', ')}.`,
    );
  }
  if (!/^\d{1,15}$/.test(ts!)) {
    throw new WebhookVerificationError(
      'invalid_timestamp',
      'webhook-timestamp is not a number of Unix seconds.',
    );
  }
  const seconds = Number(ts);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = options.now === undefined ? Math.floor(Date.now() / 1000) : unixSeconds(options.now);
  if (now - seconds > tolerance) {
    throw new WebhookVerificationError(
      'timestamp_too_old',
      `The message was signed ${now - seconds} s ago, more than the ${tolerance} s allowed.`,
    );
  }
  if (seconds - now > tolerance) {
    throw new WebhookVerificationError(
      'timestamp_too_new',
      `The message is dated ${seconds - now} s in the future, more than the ${tolerance} s allowed.`,
    );
  }
  const candidates: Uint8Array[] = [];
  for (const part of sig!.split(/\s+/)) {
    const comma = part.indexOf(',');
    if (comma < 0 || part.slice(0, comma) !== 'v1') continue; // other schemes (v1a) are not ours
    const mac = fromBase64(part.slice(comma + 1));
    if (mac) candidates.push(mac);
  }
  if (candidates.length === 0) {
    throw new WebhookVerificationError(
      'invalid_signature_header',
      "webhook-signature holds no 'v1,<base64>' signature.",
    );
  }
  return { id: id!, seconds, timestamp: new Date(seconds * 1000), candidates };
}

/** True when any expected MAC equals any candidate; every pair is compared in constant time. */
export function anyMatch(expected: readonly Uint8Array[], candidates: readonly Uint8Array[]): boolean {
  let found = false;
  for (const mac of expected) for (const c of candidates) found = timingSafeEqual(mac, c) || found;
  return found;
}

export function noMatch(): WebhookVerificationError {
  return new WebhookVerificationError(
    'no_matching_signature',
    'No signature matches: the body, id or timestamp was changed, or the secret is wrong.',
  );
}

export function parseJson<T>(body: Uint8Array | string): T {
  try {
    return JSON.parse(typeof body === 'string' ? body : new TextDecoder().decode(body)) as T;
  } catch {
    throw new WebhookVerificationError('invalid_json', 'The verified body is not JSON.');
  }
}

/**
 * The pure rules of webhook delivery: which endpoints want an event, when to retry, what an
 * answer means. No I/O here, so they are unit-tested directly.
 */

/** `*`, an exact type (`order.paid`), or a prefix wildcard (`order.*`, `order.fulfillment.*`). */
export const EVENT_FILTER_PATTERN = /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$/;

export function matchesEventFilter(filters: readonly string[], type: string): boolean {
  for (const f of filters) {
    if (f === '*' || f === type) return true;
    if (f.endsWith('.*') && type.startsWith(f.slice(0, -1))) return true;
  }
  return false;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Delays before the 2nd…10th attempt; the 1st is immediate. About 3 days in all, like
 * Standard Webhooks senders; each delay gets ±10 % jitter so a recovering receiver is not hit
 * by every retry at the same instant.
 */
export const RETRY_DELAYS_MS = [
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  24 * HOUR,
] as const;
export const JITTER = 0.1;
/** An endpoint whose attempts all fail for this long is disabled. */
export const DISABLE_AFTER_FAILING_MS = 5 * DAY;
/** A Retry-After beyond this is capped (a receiver cannot park a delivery for ever). */
export const MAX_RETRY_AFTER_MS = DAY;
/** After a rotation the previous secret signs too, for this long. */
export const PREVIOUS_SECRET_TTL_MS = DAY;
/** Statuses whose Retry-After is honoured. */
export const RETRY_AFTER_STATUSES = new Set([429, 502, 503, 504]);

/** The delay before the next attempt after `retryStep` failures, or null when none is left. */
export function nextRetryDelay(retryStep: number, random: () => number = Math.random): number | null {
  const base = RETRY_DELAYS_MS[retryStep];
  if (base === undefined) return null;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

/** Retry-After as seconds or an HTTP date, in ms from `now`; undefined when absent or invalid. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = at - now.getTime();
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

export type AttemptErrorCode =
  | 'http_error'
  | 'redirect_not_followed'
  | 'timeout'
  | 'connection_failed'
  | 'dns_failed'
  | 'address_not_allowed'
  | 'tls_error'
  | 'secret_unavailable';

export interface AttemptOutcome {
  statusCode: number | null;
  errorCode: AttemptErrorCode | null;
  retryAfterMs?: number | undefined;
}

export type Verdict =
  | { kind: 'succeeded' }
  | { kind: 'retry'; at: Date }
  | { kind: 'failed' }
  /** 410 Gone: the receiver says the endpoint is no more. */
  | { kind: 'gone' };

/** What an attempt's outcome means for its delivery. */
export function judgeAttempt(
  outcome: AttemptOutcome,
  retryStep: number,
  now: Date,
  random: () => number = Math.random,
): Verdict {
  const code = outcome.statusCode;
  if (code !== null && code >= 200 && code < 300 && outcome.errorCode === null) return { kind: 'succeeded' };
  if (code === 410) return { kind: 'gone' };
  const delay = nextRetryDelay(retryStep, random);
  if (delay === null) return { kind: 'failed' };
  const honoured = code !== null && RETRY_AFTER_STATUSES.has(code) ? (outcome.retryAfterMs ?? 0) : 0;
  return { kind: 'retry', at: new Date(now.getTime() + Math.max(delay, honoured)) };
}

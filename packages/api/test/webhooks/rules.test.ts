import { describe, expect, it } from 'vitest';
import {
  judgeAttempt,
  MAX_RETRY_AFTER_MS,
  matchesEventFilter,
  nextRetryDelay,
  parseRetryAfter,
  RETRY_DELAYS_MS,
} from '../../src/modules/webhooks/rules';

const now = new Date('2026-11-22T08:00:00Z');

describe('event filters', () => {
  it('matches exact types, prefix wildcards and *', () => {
    expect(matchesEventFilter(['*'], 'order.paid')).toBe(true);
    expect(matchesEventFilter(['order.paid'], 'order.paid')).toBe(true);
    expect(matchesEventFilter(['order.paid'], 'order.paid_out')).toBe(false);
    expect(matchesEventFilter(['order.*'], 'order.paid')).toBe(true);
    expect(matchesEventFilter(['order.*'], 'order.fulfillment.shipped')).toBe(true);
    expect(matchesEventFilter(['order.*'], 'order')).toBe(false);
    expect(matchesEventFilter(['order.*'], 'orders.paid')).toBe(false);
    expect(matchesEventFilter(['order.fulfillment.*'], 'order.paid')).toBe(false);
    expect(matchesEventFilter(['commission.*', 'order.paid'], 'order.paid')).toBe(true);
    expect(matchesEventFilter([], 'order.paid')).toBe(false);
  });
});

describe('retry schedule', () => {
  it('is immediate, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h: ten attempts', () => {
    expect(RETRY_DELAYS_MS.map((ms) => ms / 1000)).toEqual([
      5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400,
    ]);
    expect(nextRetryDelay(RETRY_DELAYS_MS.length)).toBe(null);
  });

  it('jitters each delay by ±10 %', () => {
    expect(nextRetryDelay(0, () => 0)).toBe(4_500);
    expect(nextRetryDelay(0, () => 0.5)).toBe(5_000);
    expect(nextRetryDelay(0, () => 0.999999)).toBe(5_500);
    expect(nextRetryDelay(8, () => 0)).toBe(0.9 * 86_400_000);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates, caps at a day, ignores garbage', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(new Date(now.getTime() + 90_000).toUTCString(), now)).toBe(90_000);
    expect(parseRetryAfter(new Date(now.getTime() - 90_000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter('999999999', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('soon', now)).toBe(undefined);
    expect(parseRetryAfter(undefined, now)).toBe(undefined);
  });
});

describe('judging an attempt', () => {
  const half = () => 0.5;
  it('succeeds on 2xx only', () => {
    for (const code of [200, 201, 202, 204, 299]) {
      expect(judgeAttempt({ statusCode: code, errorCode: null }, 0, now, half)).toEqual({
        kind: 'succeeded',
      });
    }
    for (const code of [100, 301, 302, 307, 308, 400, 404, 500]) {
      expect(judgeAttempt({ statusCode: code, errorCode: 'http_error' }, 0, now, half).kind).toBe('retry');
    }
  });

  it('treats 410 as gone, and gives up after the last retry', () => {
    expect(judgeAttempt({ statusCode: 410, errorCode: 'http_error' }, 0, now)).toEqual({ kind: 'gone' });
    expect(judgeAttempt({ statusCode: 500, errorCode: 'http_error' }, 9, now)).toEqual({ kind: 'failed' });
    expect(judgeAttempt({ statusCode: null, errorCode: 'timeout' }, 8, now, half)).toEqual({
      kind: 'retry',
      at: new Date(now.getTime() + 86_400_000),
    });
  });

  it('honours Retry-After on 429, 502, 503, 504 when later than the schedule', () => {
    for (const code of [429, 502, 503, 504]) {
      expect(
        judgeAttempt({ statusCode: code, errorCode: 'http_error', retryAfterMs: 60_000 }, 0, now, half),
      ).toEqual({
        kind: 'retry',
        at: new Date(now.getTime() + 60_000),
      });
      expect(
        judgeAttempt({ statusCode: code, errorCode: 'http_error', retryAfterMs: 1_000 }, 0, now, half),
      ).toEqual({
        kind: 'retry',
        at: new Date(now.getTime() + 5_000),
      });
    }
    expect(
      judgeAttempt({ statusCode: 500, errorCode: 'http_error', retryAfterMs: 60_000 }, 0, now, half),
    ).toEqual({
      kind: 'retry',
      at: new Date(now.getTime() + 5_000),
    });
  });
});

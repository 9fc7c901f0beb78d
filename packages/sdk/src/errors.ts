import type { FieldError, Problem } from './types';

/** The base of every error the SDK throws (other than the caller's own abort). */
export class MujiangError extends Error {
  override name = 'MujiangError';
}

/**
 * The API answered with an error status (4xx or 5xx, after any retries). Carries the RFC 9457
 * problem document: a stable machine `code`, a `detail` for people, per-field `errors` for bad
 * input, and the `requestId` to quote when asking for help.
 */
export class ApiError extends MujiangError {
  override name = 'ApiError';
  /** HTTP status, e.g. 400, 404, 409, 422, 429. */
  readonly status: number;
  /** Stable machine-readable code, e.g. `invalid_request`, `resource_missing`, `rate_limited`. */
  readonly code: string;
  /** A sentence for people. */
  readonly detail: string;
  /** Per-field problems for invalid input (empty when there are none). */
  readonly errors: FieldError[];
  /** The problem type URI: `urn:mujiang:problem:<code>`. */
  readonly type: string;
  readonly title: string;
  /** The API's `request-id` (also in the problem body): quote it in support requests. */
  readonly requestId: string | undefined;
  /** The `Idempotency-Key` the request was sent with (POST only). */
  readonly idempotencyKey: string | undefined;
  /** Milliseconds the API asked to wait (`Retry-After`), on 429 and 503. */
  readonly retryAfterMs: number | undefined;
  /** The response headers. */
  readonly headers: Headers;
  /** The problem document as received (or a synthesized one when the body was not a problem). */
  readonly problem: Problem;
  /** The raw body when it was not JSON (a proxy's HTML page, for instance). */
  readonly rawBody: string | undefined;

  constructor(init: {
    status: number;
    problem: Problem;
    headers: Headers;
    idempotencyKey?: string | undefined;
    rawBody?: string | undefined;
  }) {
    const { status, problem, headers } = init;
    super(`${status} ${problem.code}: ${problem.detail}`);
    this.status = status;
    this.code = problem.code;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
    this.type = problem.type;
    this.title = problem.title;
    this.requestId = headers.get('request-id') ?? problem.request_id ?? undefined;
    this.idempotencyKey = init.idempotencyKey;
    this.retryAfterMs = parseRetryAfter(headers.get('retry-after'));
    this.headers = headers;
    this.problem = problem;
    this.rawBody = init.rawBody;
  }

  /** The field error for `field` (e.g. `body.name`), if the API named it. */
  fieldError(field: string): FieldError | undefined {
    return this.errors.find((e) => e.field === field);
  }
}

/** The request never got a complete answer: DNS, refused or reset connection, TLS, a lost body. */
export class ConnectionError extends MujiangError {
  override name = 'ConnectionError';
  /** How many attempts were made (1 + retries). */
  readonly attempts: number;
  readonly idempotencyKey: string | undefined;

  constructor(
    message: string,
    opts: { cause?: unknown; attempts: number; idempotencyKey?: string | undefined },
  ) {
    super(message, { cause: opts.cause });
    this.attempts = opts.attempts;
    this.idempotencyKey = opts.idempotencyKey;
  }
}

/** No complete answer within `timeoutMs` (on the last attempt). A `ConnectionError` too. */
export class TimeoutError extends ConnectionError {
  override name = 'TimeoutError';
  readonly timeoutMs: number;

  constructor(timeoutMs: number, opts: { attempts: number; idempotencyKey?: string | undefined }) {
    super(`No response within ${timeoutMs} ms (after ${opts.attempts} attempt(s)).`, opts);
    this.timeoutMs = timeoutMs;
  }
}

function isProblem(value: unknown): value is Problem {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.status === 'number';
}

/** Builds the `ApiError` of a response whose status is not 2xx; `body` is its parsed body. */
export function apiErrorFrom(response: Response, body: unknown, idempotencyKey?: string): ApiError {
  const rawBody = typeof body === 'string' ? body : undefined;
  const problem: Problem = isProblem(body)
    ? {
        ...body,
        type: body.type ?? `urn:mujiang:problem:${body.code}`,
        title: body.title ?? response.statusText,
        detail: body.detail ?? response.statusText,
      }
    : {
        type: 'about:blank',
        title: response.statusText || `HTTP ${response.status}`,
        status: response.status,
        code: response.status >= 500 ? 'server_error' : 'http_error',
        detail:
          `HTTP ${response.status} ${response.statusText}`.trim() +
          (rawBody ? `: ${rawBody.slice(0, 200)}` : ''),
      };
  return new ApiError({
    status: response.status,
    problem,
    headers: response.headers,
    idempotencyKey,
    rawBody,
  });
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. Undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

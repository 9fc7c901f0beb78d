import { ConnectionError, parseRetryAfter, TimeoutError } from './errors';
import { VERSION } from './version';

/**
 * The SDK's `fetch`: everything between openapi-fetch and the network. It authenticates, adds
 * the `Idempotency-Key` to POSTs, bounds each attempt with a timeout, and retries with
 * exponential backoff and full jitter. Only web-standard APIs (fetch, Request, Response,
 * AbortController, crypto.randomUUID, setTimeout), so it runs in Node 20+, browsers and edge
 * runtimes alike.
 */

/** Anything shaped like the global `fetch` for a `Request` (the global one fits). */
export type FetchLike = (request: Request) => Promise<Response>;

/** A key, or a function giving one per call (for short-lived promoter tokens, rotation). */
export type ApiKeySource = string | (() => string | Promise<string>);

export interface RetryOptions {
  /** Backoff ceiling of the first retry; it doubles each retry (full jitter: a random wait in [0, ceiling]). Default 500 ms. */
  initialDelayMs?: number;
  /** The largest backoff ceiling. Default 8 000 ms. */
  maxDelayMs?: number;
  /**
   * The longest `Retry-After` the SDK waits for; a longer one ends the retries with the
   * `ApiError` (its `retryAfterMs` says how long to wait). Default 60 000 ms.
   */
  maxRetryAfterMs?: number;
}

/** Per-call options, the last argument of every resource method. */
export interface RequestOptions {
  /** Your own `Idempotency-Key` for a POST (default: a random UUID, reused by the SDK's retries). */
  idempotencyKey?: string;
  /** Another key for this call only (a partner acting for one of its tenants, say). */
  apiKey?: string;
  /** Per-attempt timeout for this call. */
  timeoutMs?: number;
  /** Retries for this call (0 turns them off). */
  maxRetries?: number;
  /** Cancels the call, including its retries and backoff waits; the abort reason is thrown as is. */
  signal?: AbortSignal;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
}

export interface TransportConfig {
  apiKey: ApiKeySource;
  timeoutMs: number;
  maxRetries: number;
  retry: Required<RetryOptions>;
  fetch: FetchLike;
  userAgent: string | undefined;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** What the transport knows about a response beyond the response itself. */
export interface AttemptInfo {
  attempts: number;
  idempotencyKey: string | undefined;
}

/** Filled by the transport for every response it returns; read by `responseInfo()`. */
export const attemptInfo = new WeakMap<Response, AttemptInfo>();

export const DEFAULT_RETRY: Required<RetryOptions> = {
  initialDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};

/** Full-jitter exponential backoff: a random wait in [0, min(max, initial · 2^retry)]. */
export function backoffDelay(retry: number, opts: Required<RetryOptions>, random = Math.random): number {
  const ceiling = Math.min(opts.maxDelayMs, opts.initialDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

export function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A random UUID v4, from Web Crypto (also where `randomUUID` is missing: insecure browser contexts). */
export function randomKey(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const isBrowser = () => typeof (globalThis as { document?: unknown }).document !== 'undefined';

type Outcome =
  | { kind: 'response'; response: Response; body: ArrayBuffer | null }
  | { kind: 'timeout' }
  | { kind: 'network'; error: unknown };

/**
 * One attempt: the request and its whole body, within `timeoutMs`. The body is read here so a
 * stalled body counts against the timeout and the retry decision can read the problem `code`.
 * Races the fetch too, so a fetch that ignores its signal cannot hang the call.
 */
async function attemptOnce(
  fetchFn: FetchLike,
  request: Request,
  init: RequestInit,
  timeoutMs: number,
  callerSignal: AbortSignal,
): Promise<Outcome> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<Outcome>((resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({ kind: 'timeout' });
    }, timeoutMs);
    onAbort = () => {
      controller.abort(callerSignal.reason);
      reject(callerSignal.reason);
    };
    callerSignal.addEventListener('abort', onAbort, { once: true });
  });
  const work = (async (): Promise<Outcome> => {
    try {
      const res = await fetchFn(new Request(request, { ...init, signal: controller.signal }));
      const body =
        NULL_BODY_STATUS.has(res.status) || request.method === 'HEAD' ? null : await res.arrayBuffer();
      return { kind: 'response', response: res, body };
    } catch (error) {
      return { kind: 'network', error };
    }
  })();
  try {
    return await Promise.race([work, stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) callerSignal.removeEventListener('abort', onAbort);
  }
}

function problemCode(res: Response, body: ArrayBuffer | null): string | undefined {
  if (!body || !/json/i.test(res.headers.get('content-type') ?? '')) return undefined;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(body)) as { code?: unknown };
    return typeof parsed?.code === 'string' ? parsed.code : undefined;
  } catch {
    return undefined;
  }
}

/** Whether to retry a response, and after how long (undefined: the backoff). */
function retryDecision(
  res: Response,
  body: ArrayBuffer | null,
  retry: Required<RetryOptions>,
): { retry: false } | { retry: true; delayMs: number | undefined } {
  if (res.status === 429 || res.status >= 500) {
    const after = parseRetryAfter(res.headers.get('retry-after'));
    if (after === undefined) return { retry: true, delayMs: undefined };
    return after <= retry.maxRetryAfterMs ? { retry: true, delayMs: after } : { retry: false };
  }
  if (res.status === 409 && problemCode(res, body) === 'idempotency_key_in_use') {
    return { retry: true, delayMs: undefined };
  }
  return { retry: false };
}

async function resolveKey(source: ApiKeySource): Promise<string> {
  const key = typeof source === 'function' ? await source() : source;
  if (!key) throw new TypeError('@mujiang/sdk: apiKey is empty.');
  return key;
}

/** The `fetch` handed to openapi-fetch, with the client's config and one call's options. */
export function createTransport(config: TransportConfig, options: RequestOptions = {}): FetchLike {
  return async (request) => {
    const timeoutMs = options.timeoutMs ?? config.timeoutMs;
    const maxRetries = Math.max(0, options.maxRetries ?? config.maxRetries);
    const callerSignal = options.signal ?? request.signal;

    const headers = new Headers(request.headers);
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
    if (options.apiKey || !headers.has('authorization')) {
      headers.set('authorization', `Bearer ${await resolveKey(options.apiKey ?? config.apiKey)}`);
    }
    if (config.userAgent && !isBrowser()) headers.set('user-agent', config.userAgent);
    let idempotencyKey: string | undefined;
    if (request.method === 'POST') {
      idempotencyKey = options.idempotencyKey ?? headers.get('idempotency-key') ?? randomKey();
      headers.set('idempotency-key', idempotencyKey);
    }
    // Read the body once; every attempt sends the same bytes (and the same Idempotency-Key).
    const body = request.body === null ? undefined : await request.clone().arrayBuffer();
    const init: RequestInit = body === undefined ? { headers } : { headers, body };

    for (let attempt = 1; ; attempt++) {
      if (callerSignal.aborted) throw callerSignal.reason;
      const outcome = await attemptOnce(config.fetch, request, init, timeoutMs, callerSignal);
      const retriesLeft = attempt <= maxRetries;

      if (outcome.kind === 'response') {
        const { response, body: bytes } = outcome;
        const decision = retryDecision(response, bytes, config.retry);
        if (!decision.retry || !retriesLeft) {
          const buffered = new Response(bytes, {
            status: response.status,
            statusText: response.statusText,
            headers: response.headers,
          });
          attemptInfo.set(buffered, { attempts: attempt, idempotencyKey });
          return buffered;
        }
        await config.sleep(decision.delayMs ?? backoffDelay(attempt - 1, config.retry), callerSignal);
        continue;
      }

      if (callerSignal.aborted) throw callerSignal.reason;
      if (!retriesLeft) {
        if (outcome.kind === 'timeout')
          throw new TimeoutError(timeoutMs, { attempts: attempt, idempotencyKey });
        const cause = outcome.error;
        const reason = cause instanceof Error ? cause.message : String(cause);
        throw new ConnectionError(`Could not reach the API (${reason}) after ${attempt} attempt(s).`, {
          cause,
          attempts: attempt,
          idempotencyKey,
        });
      }
      await config.sleep(backoffDelay(attempt - 1, config.retry), callerSignal);
    }
  };
}

export const DEFAULT_USER_AGENT = `mujiang-sdk-js/${VERSION}`;

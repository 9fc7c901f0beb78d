import { ApiError, type FetchLike } from '../src/index';

/** Fast retries for tests: backoff waits of at most a few milliseconds. */
export const FAST_RETRY = { initialDelayMs: 1, maxDelayMs: 4 };

export interface SentRequest {
  method: string;
  path: string;
  headers: Headers;
}

/** A `fetch` that records what the SDK sends (each attempt), then calls `inner`. */
export function recordingFetch(inner: FetchLike = (request) => fetch(request)) {
  const sent: SentRequest[] = [];
  const wrapped: FetchLike = (request) => {
    sent.push({
      method: request.method,
      path: new URL(request.url).pathname,
      headers: new Headers(request.headers),
    });
    return inner(request);
  };
  return { fetch: wrapped, sent };
}

/** The `ApiError` a call rejects with (fails when it resolves or rejects with anything else). */
export async function apiErrorOf(call: PromiseLike<unknown>): Promise<ApiError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail with an ApiError');
}

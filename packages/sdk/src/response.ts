import { apiErrorFrom } from './errors';
import { attemptInfo } from './transport';
import type { Page } from './types';

/** What a response said besides its body: the request id above all. */
export interface ResponseInfo {
  status: number;
  headers: Headers;
  /** The API's `request-id` for the (last) attempt: quote it in support requests. */
  requestId: string | undefined;
  /** The `Idempotency-Key` sent (POST only). */
  idempotencyKey: string | undefined;
  /** True when the API replayed a stored response for the `Idempotency-Key` (`Idempotent-Replayed`). */
  idempotentReplayed: boolean;
  /** HTTP attempts made, 1 + retries. */
  attempts: number;
  /** The `RateLimit-*` headers, when the API sent them. */
  rateLimit: { limit: number; remaining: number; resetSeconds: number } | undefined;
}

/** A response and its parsed body. */
export interface WithResponse<T> {
  data: T;
  response: ResponseInfo;
}

const int = (v: string | null) => (v === null || v === '' || Number.isNaN(Number(v)) ? undefined : Number(v));

/** Reads the `ResponseInfo` of any response the client returned (also from the raw `GET`/`POST`/…). */
export function responseInfo(response: Response): ResponseInfo {
  const info = attemptInfo.get(response);
  const h = response.headers;
  const limit = int(h.get('ratelimit-limit'));
  const remaining = int(h.get('ratelimit-remaining'));
  const reset = int(h.get('ratelimit-reset'));
  return {
    status: response.status,
    headers: h,
    requestId: h.get('request-id') ?? undefined,
    idempotencyKey: info?.idempotencyKey,
    idempotentReplayed: h.get('idempotent-replayed') === 'true',
    attempts: info?.attempts ?? 1,
    rateLimit:
      limit !== undefined && remaining !== undefined && reset !== undefined
        ? { limit, remaining, resetSeconds: reset }
        : undefined,
  };
}

/**
 * The result of the raw `client.GET/POST/…` as data, or a thrown `ApiError`:
 * `const tenant = unwrap(await client.GET('/v1/tenant'))`.
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (!result.response.ok || result.error !== undefined) {
    throw apiErrorFrom(result.response, result.error, attemptInfo.get(result.response)?.idempotencyKey);
  }
  return result.data as T;
}

/**
 * What every resource method returns: a promise of the object (`await client.stores.create(…)`)
 * that can also give the response: `const { data, response } = await ….withResponse()`.
 * The request starts at once, like any promise.
 */
export class ApiPromise<T> implements Promise<T> {
  readonly #result: Promise<WithResponse<T>>;

  constructor(result: Promise<WithResponse<T>>) {
    this.#result = result;
  }

  /** The object and the `ResponseInfo` (request id, idempotency key, replayed, attempts, rate limit). */
  withResponse(): Promise<WithResponse<T>> {
    return this.#result;
  }

  // biome-ignore lint/suspicious/noThenProperty: it is a promise.
  then<A = T, B = never>(
    onfulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#result.then((r) => r.data).then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<T | B> {
    return this.then(undefined, onrejected);
  }

  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.then().finally(onfinally);
  }

  get [Symbol.toStringTag]() {
    return 'ApiPromise';
  }
}

/**
 * What every `list()` returns. Await it for one page (`{ data, has_more, next_cursor }`), or
 * iterate it for every item of every page, following `next_cursor`:
 *
 * ```ts
 * for await (const store of client.stores.list({ limit: 100 })) { … }
 * ```
 *
 * Nothing is fetched until you await or iterate it.
 */
export class ListPromise<T> implements PromiseLike<Page<T>>, AsyncIterable<T> {
  readonly #fetchPage: (startingAfter: string | undefined) => ApiPromise<Page<T>>;
  #first: ApiPromise<Page<T>> | undefined;

  constructor(fetchPage: (startingAfter: string | undefined) => ApiPromise<Page<T>>) {
    this.#fetchPage = fetchPage;
  }

  #firstPage(): ApiPromise<Page<T>> {
    this.#first ??= this.#fetchPage(undefined);
    return this.#first;
  }

  /** The first page and its `ResponseInfo`. */
  withResponse(): Promise<WithResponse<Page<T>>> {
    return this.#firstPage().withResponse();
  }

  // biome-ignore lint/suspicious/noThenProperty: it is a promise of the first page.
  then<A = Page<T>, B = never>(
    onfulfilled?: ((value: Page<T>) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#firstPage().then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<Page<T> | B> {
    return this.#firstPage().catch(onrejected);
  }

  /** Every page in turn, starting with the first. */
  async *pages(): AsyncGenerator<Page<T>, void, undefined> {
    let page = await this.#firstPage();
    for (;;) {
      yield page;
      if (!page.has_more || !page.next_cursor) return;
      page = await this.#fetchPage(page.next_cursor);
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) yield* page.data;
  }

  /** Calls `fn` for every item of every page; return `false` from it to stop early. */
  async autoPagingEach(fn: (item: T) => unknown): Promise<void> {
    for await (const item of this) {
      if ((await fn(item)) === false) return;
    }
  }

  /** Collects items of every page, at most `limit` (required, so a huge list cannot fill memory). */
  async autoPagingToArray(opts: { limit: number }): Promise<T[]> {
    const items: T[] = [];
    if (opts.limit <= 0) return items;
    for await (const item of this) {
      items.push(item);
      if (items.length >= opts.limit) break;
    }
    return items;
  }
}

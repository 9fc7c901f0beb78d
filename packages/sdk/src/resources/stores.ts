import { Resource } from '../core';
import type { RequestOptions } from '../transport';
import type { BodyOf, QueryOf } from '../types';

/** Storefronts and channels: `brand`, `white_label`, `shopkeeper`. Needs a secret key. */
export class Stores extends Resource {
  create(body: BodyOf<'/v1/stores', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/stores', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/stores/{id}', { params: { path: { id } } }, options);
  }

  /** Settings and metadata merge key by key; a key set to null is removed. */
  update(id: string, body: BodyOf<'/v1/stores/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request('patch', '/v1/stores/{id}', { params: { path: { id } }, body }, options);
  }

  /** Newest first. Await for a page; `for await` for every store. */
  list(query?: QueryOf<'/v1/stores', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/stores', query, options);
  }
}

import { Resource } from '../core';
import type { RequestOptions } from '../transport';
import type { BodyOf, QueryOf } from '../types';

/** Agencies that create and manage tenants. Platform token only. */
export class Partners extends Resource {
  /** The answer carries the partner token in `token`, shown this once. */
  create(body: BodyOf<'/v1/partners', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/partners', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/partners/{id}', { params: { path: { id } } }, options);
  }

  /** Rename, suspend, or `roll_token: true` (the new token is in `token` of the answer). */
  update(id: string, body: BodyOf<'/v1/partners/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request('patch', '/v1/partners/{id}', { params: { path: { id } }, body }, options);
  }

  list(query?: QueryOf<'/v1/partners', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/partners', query, options);
  }
}

import { Resource } from '../core';
import type { RequestOptions } from '../transport';
import type { BodyOf, QueryOf } from '../types';

/** The calling tenant's API keys. */
export class ApiKeys extends Resource {
  /** The key itself is in `secret` of the answer, shown this once. */
  create(body: BodyOf<'/v1/api_keys', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/api_keys', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/api_keys/{id}', { params: { path: { id } } }, options);
  }

  list(query?: QueryOf<'/v1/api_keys', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/api_keys', query, options);
  }

  revoke(id: string, options?: RequestOptions) {
    return this.core.request('post', '/v1/api_keys/{id}/revoke', { params: { path: { id } } }, options);
  }
}

import { Resource } from '../core';
import type { RequestOptions } from '../transport';
import type { BodyOf, QueryOf } from '../types';

/** Brands that supply and ship goods. A supplier key sees only its own supplier. */
export class Suppliers extends Resource {
  /** A tenant's first supplier becomes its default unless `is_default` is false. */
  create(body: BodyOf<'/v1/suppliers', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/suppliers', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/suppliers/{id}', { params: { path: { id } } }, options);
  }

  update(id: string, body: BodyOf<'/v1/suppliers/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request('patch', '/v1/suppliers/{id}', { params: { path: { id } }, body }, options);
  }

  list(query?: QueryOf<'/v1/suppliers', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/suppliers', query, options);
  }
}

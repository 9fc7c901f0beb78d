import { Resource } from '../core';
import type { RequestOptions } from '../transport';
import type { BodyOf, QueryOf } from '../types';

/** Buyers. With a promoter token: the customers bound to that promoter. */
export class Customers extends Resource {
  /** With a promoter token, also binds the customer to it (an existing free customer is bound instead). */
  create(body: BodyOf<'/v1/customers', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/customers', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/customers/{id}', { params: { path: { id } } }, options);
  }

  update(id: string, body: BodyOf<'/v1/customers/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request('patch', '/v1/customers/{id}', { params: { path: { id } }, body }, options);
  }

  list(query?: QueryOf<'/v1/customers', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/customers', query, options);
  }
}

/** Customer bindings (客户绑定): a customer protected for one promoter for a period. */
export class CustomerBindings extends Resource {
  create(body: BodyOf<'/v1/customer_bindings', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/customer_bindings', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/customer_bindings/{id}', { params: { path: { id } } }, options);
  }

  list(query?: QueryOf<'/v1/customer_bindings', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/customer_bindings', query, options);
  }

  release(id: string, options?: RequestOptions) {
    return this.core.request(
      'post',
      '/v1/customer_bindings/{id}/release',
      { params: { path: { id } } },
      options,
    );
  }
}

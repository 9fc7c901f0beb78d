import { Resource } from '../core';
import type { RequestOptions } from '../transport';
import type { BodyOf, QueryOf } from '../types';

/**
 * Tracking links (推广位). A promoter shares `share_url` (`/r/{tenant_id}/{code}`, no key): the
 * click is counted and the buyer lands in the store with `?mj_link=<code>`, which the storefront
 * passes to the cart or order as `link_code`. A promoter token manages only its own links.
 */
export class Links extends Resource {
  create(body: BodyOf<'/v1/links', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/links', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/links/{id}', { params: { path: { id } } }, options);
  }

  /** `{ status: 'disabled' }` stops the link: no redirect, no attribution. */
  update(id: string, body: BodyOf<'/v1/links/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request('patch', '/v1/links/{id}', { params: { path: { id } }, body }, options);
  }

  list(query?: QueryOf<'/v1/links', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/links', query, options);
  }
}

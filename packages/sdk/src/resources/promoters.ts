import { Resource } from '../core';
import type { RequestOptions } from '../transport';
import type { BodyOf, QueryOf } from '../types';

/** Shopkeepers (店主), guides (导购) and affiliates. A promoter token sees only its own promoter. */
export class Promoters extends Resource {
  create(body: BodyOf<'/v1/promoters', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/promoters', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/promoters/{id}', { params: { path: { id } } }, options);
  }

  /** Suspending or terminating revokes the promoter's tokens at once. */
  update(id: string, body: BodyOf<'/v1/promoters/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request('patch', '/v1/promoters/{id}', { params: { path: { id } }, body }, options);
  }

  list(query?: QueryOf<'/v1/promoters', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/promoters', query, options);
  }

  /** A short-lived token for a guide or shopkeeper app (`token`, shown once). Call from your backend. */
  createToken(id: string, body: BodyOf<'/v1/promoters/{id}/tokens', 'post'> = {}, options?: RequestOptions) {
    return this.core.request(
      'post',
      '/v1/promoters/{id}/tokens',
      { params: { path: { id } }, body },
      options,
    );
  }
}

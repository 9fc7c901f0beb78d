import { Resource } from '../core';
import type { RequestOptions } from '../transport';
import type { BodyOf, QueryOf } from '../types';

/** Tenants, for the platform token and for partners (on the tenants they created). */
export class Tenants extends Resource {
  /** The answer carries the tenant's first secret key in `api_key.secret`, shown this once. */
  create(body: BodyOf<'/v1/tenants', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/tenants', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/tenants/{id}', { params: { path: { id } } }, options);
  }

  update(id: string, body: BodyOf<'/v1/tenants/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request('patch', '/v1/tenants/{id}', { params: { path: { id } }, body }, options);
  }

  list(query?: QueryOf<'/v1/tenants', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/tenants', query, options);
  }

  /** Its keys are refused with 403 `tenant_suspended`; its data is kept. */
  suspend(id: string, options?: RequestOptions) {
    return this.core.request('post', '/v1/tenants/{id}/suspend', { params: { path: { id } } }, options);
  }

  reactivate(id: string, options?: RequestOptions) {
    return this.core.request('post', '/v1/tenants/{id}/reactivate', { params: { path: { id } } }, options);
  }

  /** Mints a key for the tenant; the key is in `secret` of the answer, shown this once. */
  createApiKey(id: string, body: BodyOf<'/v1/tenants/{id}/api_keys', 'post'>, options?: RequestOptions) {
    return this.core.request(
      'post',
      '/v1/tenants/{id}/api_keys',
      { params: { path: { id } }, body },
      options,
    );
  }
}

import { Resource } from '../core';
import type { RequestOptions } from '../transport';

/** The calling key's own tenant. */
export class CurrentTenant extends Resource {
  retrieve(options?: RequestOptions) {
    return this.core.request('get', '/v1/tenant', {}, options);
  }
}

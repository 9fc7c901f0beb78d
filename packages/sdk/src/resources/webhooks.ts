import { Resource } from '../core';
import type { RequestOptions } from '../transport';
import type { BodyOf, QueryOf } from '../types';

/** Where the API sends signed events. The signing secret is shown once (create, rotate). */
export class WebhookEndpoints extends Resource {
  create(body: BodyOf<'/v1/webhook_endpoints', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/webhook_endpoints', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/webhook_endpoints/{id}', { params: { path: { id } } }, options);
  }

  update(id: string, body: BodyOf<'/v1/webhook_endpoints/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request(
      'patch',
      '/v1/webhook_endpoints/{id}',
      { params: { path: { id } }, body },
      options,
    );
  }

  del(id: string, options?: RequestOptions) {
    return this.core.request('delete', '/v1/webhook_endpoints/{id}', { params: { path: { id } } }, options);
  }

  list(query?: QueryOf<'/v1/webhook_endpoints', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/webhook_endpoints', query, options);
  }

  /** A new secret (shown once); the old one keeps signing alongside it for 24 h. */
  rotateSecret(id: string, options?: RequestOptions) {
    return this.core.request(
      'post',
      '/v1/webhook_endpoints/{id}/rotate_secret',
      { params: { path: { id } } },
      options,
    );
  }

  /** Sends a `webhook_endpoint.tested` event to this endpoint. */
  sendTest(id: string, options?: RequestOptions) {
    return this.core.request(
      'post',
      '/v1/webhook_endpoints/{id}/test',
      { params: { path: { id } } },
      options,
    );
  }

  /** Re-queues every failed delivery of this endpoint since a time (default 30 days). */
  recover(
    id: string,
    body: BodyOf<'/v1/webhook_endpoints/{id}/recover', 'post'> = {},
    options?: RequestOptions,
  ) {
    return this.core.request(
      'post',
      '/v1/webhook_endpoints/{id}/recover',
      { params: { path: { id } }, body },
      options,
    );
  }
}

/** Each attempt to deliver an event to an endpoint. */
export class WebhookDeliveries extends Resource {
  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/webhook_deliveries/{id}', { params: { path: { id } } }, options);
  }

  list(query?: QueryOf<'/v1/webhook_deliveries', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/webhook_deliveries', query, options);
  }
}

/** What happened, newest first, kept at least 30 days. */
export class Events extends Resource {
  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/events/{id}', { params: { path: { id } } }, options);
  }

  list(query?: QueryOf<'/v1/events', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/events', query, options);
  }

  /** Delivers the event again, with the same webhook-id, to one endpoint or to every one that matches. */
  redeliver(id: string, body: BodyOf<'/v1/events/{id}/redeliver', 'post'> = {}, options?: RequestOptions) {
    return this.core.request(
      'post',
      '/v1/events/{id}/redeliver',
      { params: { path: { id } }, body },
      options,
    );
  }
}

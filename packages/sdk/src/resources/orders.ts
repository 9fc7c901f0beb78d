import { Resource } from '../core';
import type { RequestOptions } from '../transport';
import type { BodyOf, QueryOf } from '../types';

/** Carts: a publishable key shops in its store; checkout turns a cart into an order. */
export class Carts extends Resource {
  create(body: BodyOf<'/v1/carts', 'post'> = {}, options?: RequestOptions) {
    return this.core.request('post', '/v1/carts', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/carts/{id}', { params: { path: { id } } }, options);
  }

  update(id: string, body: BodyOf<'/v1/carts/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request('patch', '/v1/carts/{id}', { params: { path: { id } }, body }, options);
  }

  /** Adds units of a variant (to any already in the cart). */
  addLine(id: string, body: BodyOf<'/v1/carts/{id}/lines', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/carts/{id}/lines', { params: { path: { id } }, body }, options);
  }

  /** Sets a line's quantity; 0 removes it. */
  setLine(id: string, variantId: string, quantity: number, options?: RequestOptions) {
    return this.core.request(
      'patch',
      '/v1/carts/{id}/lines/{variant_id}',
      { params: { path: { id, variant_id: variantId } }, body: { quantity } },
      options,
    );
  }

  removeLine(id: string, variantId: string, options?: RequestOptions) {
    return this.core.request(
      'delete',
      '/v1/carts/{id}/lines/{variant_id}',
      { params: { path: { id, variant_id: variantId } } },
      options,
    );
  }

  /** The cart becomes an order (`pending_payment`), stock reserved; 409 `insufficient_stock` names short lines. */
  checkout(id: string, body: BodyOf<'/v1/carts/{id}/checkout', 'post'> = {}, options?: RequestOptions) {
    return this.core.request('post', '/v1/carts/{id}/checkout', { params: { path: { id } }, body }, options);
  }
}

export class Orders extends Resource {
  /** A direct order for integrations that keep their own cart (secret key). */
  create(body: BodyOf<'/v1/orders', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/orders', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/orders/{id}', { params: { path: { id } } }, options);
  }

  list(query?: QueryOf<'/v1/orders', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/orders', query, options);
  }

  /** Reports money your provider received; the same reference again is a replay. */
  pay(id: string, body: BodyOf<'/v1/orders/{id}/payments', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/orders/{id}/payments', { params: { path: { id } }, body }, options);
  }

  cancel(id: string, body: BodyOf<'/v1/orders/{id}/cancel', 'post'> = {}, options?: RequestOptions) {
    return this.core.request('post', '/v1/orders/{id}/cancel', { params: { path: { id } }, body }, options);
  }

  /** The buyer confirmed receipt (确认收货). */
  complete(id: string, options?: RequestOptions) {
    return this.core.request('post', '/v1/orders/{id}/complete', { params: { path: { id } } }, options);
  }

  refund(id: string, body: BodyOf<'/v1/orders/{id}/refunds', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/orders/{id}/refunds', { params: { path: { id } }, body }, options);
  }
}

/** What each supplier ships of an order (一件代发). A supplier key sees only its own. */
export class Fulfillments extends Resource {
  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/fulfillments/{id}', { params: { path: { id } } }, options);
  }

  list(query?: QueryOf<'/v1/fulfillments', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/fulfillments', query, options);
  }

  /** A parcel: carrier, tracking number, and which units (omit `lines` to ship all that is left). */
  ship(id: string, body: BodyOf<'/v1/fulfillments/{id}/shipments', 'post'>, options?: RequestOptions) {
    return this.core.request(
      'post',
      '/v1/fulfillments/{id}/shipments',
      { params: { path: { id } }, body },
      options,
    );
  }
}

export class Refunds extends Resource {
  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/refunds/{id}', { params: { path: { id } } }, options);
  }

  list(query?: QueryOf<'/v1/refunds', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/refunds', query, options);
  }

  succeed(id: string, body: BodyOf<'/v1/refunds/{id}/succeed', 'post'> = {}, options?: RequestOptions) {
    return this.core.request('post', '/v1/refunds/{id}/succeed', { params: { path: { id } }, body }, options);
  }

  cancel(id: string, body: BodyOf<'/v1/refunds/{id}/cancel', 'post'> = {}, options?: RequestOptions) {
    return this.core.request('post', '/v1/refunds/{id}/cancel', { params: { path: { id } }, body }, options);
  }
}

/** Time-boxed sales (限时特卖) with their own price and stock. */
export class FlashSales extends Resource {
  create(body: BodyOf<'/v1/flash_sales', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/flash_sales', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/flash_sales/{id}', { params: { path: { id } } }, options);
  }

  update(id: string, body: BodyOf<'/v1/flash_sales/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request('patch', '/v1/flash_sales/{id}', { params: { path: { id } }, body }, options);
  }

  list(query?: QueryOf<'/v1/flash_sales', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/flash_sales', query, options);
  }

  cancel(id: string, options?: RequestOptions) {
    return this.core.request('post', '/v1/flash_sales/{id}/cancel', { params: { path: { id } } }, options);
  }
}

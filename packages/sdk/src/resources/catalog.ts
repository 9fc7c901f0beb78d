import { Resource } from '../core';
import type { RequestOptions } from '../transport';
import type { BodyOf, QueryOf } from '../types';

/** Products with their variants (SKUs). A supplier key manages only its own. */
export class Products extends Resource {
  create(body: BodyOf<'/v1/products', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/products', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/products/{id}', { params: { path: { id } } }, options);
  }

  update(id: string, body: BodyOf<'/v1/products/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request('patch', '/v1/products/{id}', { params: { path: { id } }, body }, options);
  }

  list(query?: QueryOf<'/v1/products', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/products', query, options);
  }

  archive(id: string, options?: RequestOptions) {
    return this.core.request('post', '/v1/products/{id}/archive', { params: { path: { id } } }, options);
  }

  /** Creates or updates many products; each item has its own result. */
  bulk(body: BodyOf<'/v1/products/bulk', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/products/bulk', { body }, options);
  }
}

export class Variants extends Resource {
  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/variants/{id}', { params: { path: { id } } }, options);
  }

  update(id: string, body: BodyOf<'/v1/variants/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request('patch', '/v1/variants/{id}', { params: { path: { id } }, body }, options);
  }

  list(query?: QueryOf<'/v1/variants', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/variants', query, options);
  }

  /** Stock totals, per-location levels and the low-stock threshold. */
  inventory(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/variants/{id}/inventory', { params: { path: { id } } }, options);
  }

  updateInventory(
    id: string,
    body: BodyOf<'/v1/variants/{id}/inventory', 'patch'>,
    options?: RequestOptions,
  ) {
    return this.core.request(
      'patch',
      '/v1/variants/{id}/inventory',
      { params: { path: { id } }, body },
      options,
    );
  }
}

export class Categories extends Resource {
  create(body: BodyOf<'/v1/categories', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/categories', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/categories/{id}', { params: { path: { id } } }, options);
  }

  update(id: string, body: BodyOf<'/v1/categories/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request('patch', '/v1/categories/{id}', { params: { path: { id } }, body }, options);
  }

  list(query?: QueryOf<'/v1/categories', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/categories', query, options);
  }

  tree(options?: RequestOptions) {
    return this.core.request('get', '/v1/categories/tree', {}, options);
  }
}

export class Locations extends Resource {
  create(body: BodyOf<'/v1/locations', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/locations', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/locations/{id}', { params: { path: { id } } }, options);
  }

  update(id: string, body: BodyOf<'/v1/locations/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request('patch', '/v1/locations/{id}', { params: { path: { id } }, body }, options);
  }

  list(query?: QueryOf<'/v1/locations', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/locations', query, options);
  }
}

/** Stock: levels, the ERP bulk sync (absolute levels by SKU, a result per item), adjustments. */
export class Inventory extends Resource {
  levels(query?: QueryOf<'/v1/inventory_levels', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/inventory_levels', query, options);
  }

  sync(body: BodyOf<'/v1/inventory_levels/sync', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/inventory_levels/sync', { body }, options);
  }

  adjust(body: BodyOf<'/v1/inventory_adjustments', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/inventory_adjustments', { body }, options);
  }

  adjustments(query?: QueryOf<'/v1/inventory_adjustments', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/inventory_adjustments', query, options);
  }

  adjustment(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/inventory_adjustments/{id}', { params: { path: { id } } }, options);
  }
}

/** What a storefront (publishable key) reads: its store's published products and its theme. */
export class Storefront extends Resource {
  products(query?: QueryOf<'/v1/storefront/products', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/storefront/products', query, options);
  }

  product(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/storefront/products/{id}', { params: { path: { id } } }, options);
  }

  store(options?: RequestOptions) {
    return this.core.request('get', '/v1/storefront/store', {}, options);
  }
}

import { type InitOf, Resource } from '../core';
import { type ApiPromise, ListPromise } from '../response';
import type { RequestOptions } from '../transport';
import type { BodyOf, ItemOf, Page, QueryOf } from '../types';

type PickList = '/v1/stores/{id}/picks';

/**
 * A shopkeeper store's picks (选品): products it sells, at its own prices inside the supplier's
 * band, with a recommendation text. The tenant's secret key or the shopkeeper's promoter token.
 */
export class StorePicks extends Resource {
  create(storeId: string, body: BodyOf<PickList, 'post'>, options?: RequestOptions) {
    return this.core.request(
      'post',
      '/v1/stores/{id}/picks',
      { params: { path: { id: storeId } }, body },
      options,
    );
  }

  retrieve(storeId: string, pickId: string, options?: RequestOptions) {
    return this.core.request(
      'get',
      '/v1/stores/{id}/picks/{pick_id}',
      { params: { path: { id: storeId, pick_id: pickId } } },
      options,
    );
  }

  /** `prices` replaces the whole set; re-pricing a flagged pick inside the band makes it active again. */
  update(
    storeId: string,
    pickId: string,
    body: BodyOf<'/v1/stores/{id}/picks/{pick_id}', 'patch'>,
    options?: RequestOptions,
  ) {
    return this.core.request(
      'patch',
      '/v1/stores/{id}/picks/{pick_id}',
      { params: { path: { id: storeId, pick_id: pickId } }, body },
      options,
    );
  }

  delete(storeId: string, pickId: string, options?: RequestOptions) {
    return this.core.request(
      'delete',
      '/v1/stores/{id}/picks/{pick_id}',
      { params: { path: { id: storeId, pick_id: pickId } } },
      options,
    );
  }

  /** Newest first. Await for a page; `for await` for every pick. */
  list(storeId: string, query?: QueryOf<PickList, 'get'>, options?: RequestOptions) {
    return new ListPromise<ItemOf<PickList>>((startingAfter) => {
      const q = startingAfter === undefined ? query : { ...query, starting_after: startingAfter };
      return this.core.request(
        'get',
        '/v1/stores/{id}/picks',
        { params: { path: { id: storeId }, query: q } } as InitOf<PickList, 'get'>,
        options,
      ) as ApiPromise<Page<ItemOf<PickList>>>;
    });
  }
}

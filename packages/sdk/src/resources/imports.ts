import { Resource } from '../core';
import type { RequestOptions } from '../transport';
import type { QueryOf } from '../types';

/** What an import file may be given as. */
export type ImportFile = Blob | Uint8Array | ArrayBuffer | string;

export type ImportQuery = QueryOf<'/v1/imports', 'post'>;

const CONTENT_TYPES: Record<ImportQuery['format'], string> = {
  shopify_csv: 'text/csv',
  woocommerce_csv: 'text/csv',
  json: 'application/x-ndjson',
};

/**
 * Catalog migrations (一键搬家): upload a Shopify or WooCommerce product CSV, or JSON Lines, and
 * follow the background job. The SDK sends the file as the raw body (it holds it in memory to
 * retry safely; for very large files, stream it with your own `fetch`).
 *
 * ```ts
 * const job = await mujiang.imports.create(readFileSync('products.csv'), { format: 'shopify_csv' });
 * // later, or on the import.completed webhook:
 * const done = await mujiang.imports.retrieve(job.id);
 * ```
 */
export class Imports extends Resource {
  create(file: ImportFile, query: ImportQuery, options?: RequestOptions) {
    const type = file instanceof Blob && file.type ? file.type : CONTENT_TYPES[query.format];
    const init = {
      params: { query },
      body: file,
      bodySerializer: (body: unknown) => body,
      headers: { 'content-type': type },
    };
    // The generated types see the body as a string; any of ImportFile is sent as it is.
    return this.core.request('post', '/v1/imports', init as never, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/imports/{id}', { params: { path: { id } } }, options);
  }

  list(query?: QueryOf<'/v1/imports', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/imports', query, options);
  }
}

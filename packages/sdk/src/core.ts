import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './generated/api';
import { ApiPromise, ListPromise, responseInfo, unwrap } from './response';
import { createTransport, type RequestOptions, type TransportConfig } from './transport';
import type {
  BodyOf,
  HttpMethod,
  ItemOf,
  ListPaths,
  Page,
  PathParamsOf,
  PathsWith,
  QueryOf,
  ResponseOf,
} from './types';

/** The parameters and body of one call of `method path`, typed from the generated paths. */
export interface InitOf<P extends PathsWith<M>, M extends HttpMethod> {
  params?: { path?: PathParamsOf<P, M>; query?: QueryOf<P, M> };
  body?: BodyOf<P, M>;
}

type LooseClient = {
  request(
    method: string,
    url: string,
    init: object,
  ): Promise<{ data?: unknown; error?: unknown; response: Response }>;
};

/** The openapi-fetch client and the transport config; what resources call through. */
export class Core {
  readonly raw: Client<paths>;

  constructor(
    readonly baseUrl: string,
    readonly config: TransportConfig,
    headers: Record<string, string>,
  ) {
    this.raw = createClient<paths>({ baseUrl, headers, fetch: createTransport(config) });
  }

  /** One call; resolves to the success body, rejects with `ApiError` / `ConnectionError` / `TimeoutError`. */
  request<M extends HttpMethod, P extends PathsWith<M>>(
    method: M,
    path: P,
    init: InitOf<P, M>,
    options: RequestOptions = {},
  ): ApiPromise<ResponseOf<P, M>> {
    const raw = this.raw as unknown as LooseClient;
    return new ApiPromise(
      (async () => {
        const result = await raw.request(method, path, {
          ...init,
          fetch: createTransport(this.config, options),
        });
        return { data: unwrap(result) as ResponseOf<P, M>, response: responseInfo(result.response) };
      })(),
    );
  }

  /** A list call: one page when awaited, every item when iterated. */
  list<P extends ListPaths>(
    path: P,
    query: QueryOf<P, 'get'> | undefined,
    options?: RequestOptions,
  ): ListPromise<ItemOf<P>> {
    return new ListPromise<ItemOf<P>>((startingAfter) => {
      const q = startingAfter === undefined ? query : { ...query, starting_after: startingAfter };
      return this.request('get', path, { params: { query: q } } as InitOf<P, 'get'>, options) as ApiPromise<
        Page<ItemOf<P>>
      >;
    });
  }
}

/** The base of every resource: `client.stores`, `client.suppliers`, … */
export abstract class Resource {
  constructor(protected readonly core: Core) {}
}

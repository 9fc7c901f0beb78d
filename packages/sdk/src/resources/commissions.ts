import { Resource } from '../core';
import { ApiPromise, ListPromise, responseInfo, unwrap } from '../response';
import { createTransport, type RequestOptions } from '../transport';
import type { BodyOf, QueryOf, SettlementLine } from '../types';

/**
 * Commission rules: percentage, fixed per unit or shopkeeper margin; the most specific matching
 * rule wins (product > category > supplier > store > promoter level > promoter kind).
 */
export class CommissionRules extends Resource {
  create(body: BodyOf<'/v1/commission_rules', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/commission_rules', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/commission_rules/{id}', { params: { path: { id } } }, options);
  }

  /** Changes apply to orders paid afterwards. */
  update(id: string, body: BodyOf<'/v1/commission_rules/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request(
      'patch',
      '/v1/commission_rules/{id}',
      { params: { path: { id } }, body },
      options,
    );
  }

  delete(id: string, options?: RequestOptions) {
    return this.core.request('delete', '/v1/commission_rules/{id}', { params: { path: { id } } }, options);
  }

  list(query?: QueryOf<'/v1/commission_rules', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/commission_rules', query, options);
  }
}

/** The commission ledger (read-only): a promoter token sees only its own commissions. */
export class Commissions extends Resource {
  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/commissions/{id}', { params: { path: { id } } }, options);
  }

  list(query?: QueryOf<'/v1/commissions', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/commissions', query, options);
  }
}

/** Settlements (结算): payout batches of confirmed commissions and adjustments, one line per promoter. */
export class Settlements extends Resource {
  /** 409 `nothing_to_settle` when no promoter has a payable balance. */
  create(body: BodyOf<'/v1/settlements', 'post'> = {}, options?: RequestOptions) {
    return this.core.request('post', '/v1/settlements', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/settlements/{id}', { params: { path: { id } } }, options);
  }

  list(query?: QueryOf<'/v1/settlements', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/settlements', query, options);
  }

  /** Every line of a settlement (a promoter token: its own), page by page or iterated. */
  lines(id: string, query?: { limit?: number; starting_after?: string }, options?: RequestOptions) {
    return new ListPromise<SettlementLine>((startingAfter) =>
      this.core.request(
        'get',
        '/v1/settlements/{id}/lines',
        {
          params: {
            path: { id },
            query: startingAfter === undefined ? query : { ...query, starting_after: startingAfter },
          },
        },
        options,
      ),
    );
  }

  /** Records that you paid the promoters, with your payout reference. */
  pay(id: string, body: BodyOf<'/v1/settlements/{id}/pay', 'post'> = {}, options?: RequestOptions) {
    return this.core.request('post', '/v1/settlements/{id}/pay', { params: { path: { id } }, body }, options);
  }

  /** The lines as CSV text (header row; one row per promoter). */
  exportLinesCsv(id: string, options: RequestOptions = {}): ApiPromise<string> {
    const raw = this.core.raw as unknown as {
      request(
        method: string,
        url: string,
        init: object,
      ): Promise<{ data?: unknown; error?: unknown; response: Response }>;
    };
    return new ApiPromise(
      (async () => {
        const result = await raw.request('get', '/v1/settlements/{id}/lines.csv', {
          params: { path: { id } },
          parseAs: 'text',
          fetch: createTransport(this.core.config, options),
        });
        return { data: unwrap(result) as string, response: responseInfo(result.response) };
      })(),
    );
  }
}

/** Promoter levels with monthly sales thresholds, re-evaluated at the end of every month (保级). */
export class PromoterLevels extends Resource {
  create(body: BodyOf<'/v1/promoter_levels', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/promoter_levels', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/promoter_levels/{id}', { params: { path: { id } } }, options);
  }

  update(id: string, body: BodyOf<'/v1/promoter_levels/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request(
      'patch',
      '/v1/promoter_levels/{id}',
      { params: { path: { id } }, body },
      options,
    );
  }

  delete(id: string, options?: RequestOptions) {
    return this.core.request('delete', '/v1/promoter_levels/{id}', { params: { path: { id } } }, options);
  }

  /** All levels, lowest first. */
  list(options?: RequestOptions) {
    return this.core.request('get', '/v1/promoter_levels', {}, options);
  }

  /** Re-evaluates every promoter's level on a month's sales now (what the monthly job does). */
  evaluate(body: BodyOf<'/v1/promoter_levels/evaluate', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/promoter_levels/evaluate', { body }, options);
  }
}

/** Reports: the monthly shopkeeper distribution (生存指数 / 幸福指数), top promoters, sales by store. */
export class Reports extends Resource {
  distribution(query: QueryOf<'/v1/reports/distribution', 'get'>, options?: RequestOptions) {
    return this.core.request('get', '/v1/reports/distribution', { params: { query } }, options);
  }
}

import { Resource } from '../core';
import type { RequestOptions } from '../transport';
import type { BodyOf, QueryOf } from '../types';

/** Member tiers (会员等级): ordered by growth threshold; re-evaluated monthly (保级). */
export class MemberTiers extends Resource {
  create(body: BodyOf<'/v1/member_tiers', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/member_tiers', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/member_tiers/{id}', { params: { path: { id } } }, options);
  }

  update(id: string, body: BodyOf<'/v1/member_tiers/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request('patch', '/v1/member_tiers/{id}', { params: { path: { id } }, body }, options);
  }

  /** Every tier, lowest first. */
  list(options?: RequestOptions) {
    return this.core.list('/v1/member_tiers', undefined, options);
  }
}

/** One customer's member side: profile, growth value (成长值) and tier history. */
export class Members extends Resource {
  /** Growth value, tier and paid membership now. */
  profile(customerId: string, options?: RequestOptions) {
    return this.core.request(
      'get',
      '/v1/customers/{id}/member_profile',
      { params: { path: { id: customerId } } },
      options,
    );
  }

  /** A manual grant (or, negative, deduction) with a reason. */
  grantGrowth(
    customerId: string,
    body: BodyOf<'/v1/customers/{id}/growth_grants', 'post'>,
    options?: RequestOptions,
  ) {
    return this.core.request(
      'post',
      '/v1/customers/{id}/growth_grants',
      { params: { path: { id: customerId } }, body },
      options,
    );
  }

  /** One page of the growth ledger, newest first. */
  growthEntries(
    customerId: string,
    query?: QueryOf<'/v1/customers/{id}/growth_entries', 'get'>,
    options?: RequestOptions,
  ) {
    return this.core.request(
      'get',
      '/v1/customers/{id}/growth_entries',
      { params: { path: { id: customerId }, query } },
      options,
    );
  }

  /** One page of tier changes, newest first. */
  tierChanges(
    customerId: string,
    query?: QueryOf<'/v1/customers/{id}/tier_changes', 'get'>,
    options?: RequestOptions,
  ) {
    return this.core.request(
      'get',
      '/v1/customers/{id}/tier_changes',
      { params: { path: { id: customerId }, query } },
      options,
    );
  }
}

/** Paid membership plans (付费会员). */
export class MembershipPlans extends Resource {
  create(body: BodyOf<'/v1/membership_plans', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/membership_plans', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/membership_plans/{id}', { params: { path: { id } } }, options);
  }

  update(id: string, body: BodyOf<'/v1/membership_plans/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request(
      'patch',
      '/v1/membership_plans/{id}',
      { params: { path: { id } }, body },
      options,
    );
  }

  list(query?: QueryOf<'/v1/membership_plans', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/membership_plans', query, options);
  }
}

/** A customer's paid membership: pending until paid, then active until it expires. */
export class Memberships extends Resource {
  create(body: BodyOf<'/v1/memberships', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/memberships', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/memberships/{id}', { params: { path: { id } } }, options);
  }

  list(query?: QueryOf<'/v1/memberships', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/memberships', query, options);
  }

  /** Records a payment (amount = `amount_due`): starts or extends the membership; a repeated reference is a replay. */
  pay(id: string, body: BodyOf<'/v1/memberships/{id}/payments', 'post'>, options?: RequestOptions) {
    return this.core.request(
      'post',
      '/v1/memberships/{id}/payments',
      { params: { path: { id } }, body },
      options,
    );
  }

  /** Makes the plan's price due; its payment extends from the current end. */
  renew(id: string, options?: RequestOptions) {
    return this.core.request('post', '/v1/memberships/{id}/renew', { params: { path: { id } } }, options);
  }

  cancel(id: string, options?: RequestOptions) {
    return this.core.request('post', '/v1/memberships/{id}/cancel', { params: { path: { id } } }, options);
  }
}

/** Member prices (会员价) of variants, for a tier or for paid members. */
export class MemberPrices extends Resource {
  create(body: BodyOf<'/v1/member_prices', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/member_prices', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/member_prices/{id}', { params: { path: { id } } }, options);
  }

  update(id: string, body: BodyOf<'/v1/member_prices/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request('patch', '/v1/member_prices/{id}', { params: { path: { id } }, body }, options);
  }

  del(id: string, options?: RequestOptions) {
    return this.core.request('delete', '/v1/member_prices/{id}', { params: { path: { id } } }, options);
  }

  list(query?: QueryOf<'/v1/member_prices', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/member_prices', query, options);
  }
}

/** Coupons (优惠券): applied with `coupon_code` on carts, checkout and direct orders. */
export class Coupons extends Resource {
  create(body: BodyOf<'/v1/coupons', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/coupons', { body }, options);
  }

  retrieve(id: string, options?: RequestOptions) {
    return this.core.request('get', '/v1/coupons/{id}', { params: { path: { id } } }, options);
  }

  update(id: string, body: BodyOf<'/v1/coupons/{id}', 'patch'>, options?: RequestOptions) {
    return this.core.request('patch', '/v1/coupons/{id}', { params: { path: { id } }, body }, options);
  }

  list(query?: QueryOf<'/v1/coupons', 'get'>, options?: RequestOptions) {
    return this.core.list('/v1/coupons', query, options);
  }

  /** Generates single-use codes (一券一码) and returns them. */
  generateCodes(id: string, body: BodyOf<'/v1/coupons/{id}/codes', 'post'>, options?: RequestOptions) {
    return this.core.request('post', '/v1/coupons/{id}/codes', { params: { path: { id } }, body }, options);
  }
}

import type { components, paths } from './generated/api';

/**
 * Types derived from the generated OpenAPI types (`src/generated/api.ts`). Nothing here restates
 * a field: every request and response shape comes from the API's own document.
 */

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';

/** The paths of the API that have `method`. */
export type PathsWith<M extends HttpMethod> = {
  [P in keyof paths]: [NonNullable<paths[P][M]>] extends [never] ? never : P;
}[keyof paths];

/** The operation object behind `method path`. */
export type OperationOf<P extends PathsWith<M>, M extends HttpMethod> = NonNullable<paths[P][M]>;

type JsonContent<R> = R extends { content: { 'application/json': infer C } } ? C : never;

/** The JSON body of the success response (200 or 201) of `method path`. */
export type ResponseOf<P extends PathsWith<M>, M extends HttpMethod> =
  OperationOf<P, M> extends { responses: infer R }
    ? R extends { 200: infer S }
      ? JsonContent<S>
      : R extends { 201: infer S }
        ? JsonContent<S>
        : never
    : never;

/** The JSON request body of `method path`. */
export type BodyOf<P extends PathsWith<M>, M extends HttpMethod> =
  OperationOf<P, M> extends { requestBody?: infer B } ? JsonContent<NonNullable<B>> : never;

/** The query parameters of `method path`. */
export type QueryOf<P extends PathsWith<M>, M extends HttpMethod> =
  OperationOf<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** The path parameters of `method path`. */
export type PathParamsOf<P extends PathsWith<M>, M extends HttpMethod> =
  OperationOf<P, M> extends { parameters: { path?: infer Q } } ? NonNullable<Q> : never;

/** Any list response: `{ object: 'list', data, has_more, next_cursor }`. */
export interface Page<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

/** The GET paths that answer a page (a list). */
export type ListPaths = {
  [P in PathsWith<'get'>]: ResponseOf<P, 'get'> extends Page<unknown> ? P : never;
}[PathsWith<'get'>];

/** The item type of a list path. */
export type ItemOf<P extends ListPaths> = ResponseOf<P, 'get'> extends Page<infer T> ? T : never;

type Schemas = components['schemas'];

/** An RFC 9457 problem document, as the API sends it with every error. */
export type Problem = Schemas['Problem'];
/** One invalid input of a 400/409/422: `{ field, code, message }`. */
export type FieldError = NonNullable<Problem['errors']>[number];

export type Tenant = Schemas['Tenant'];
/** A new tenant, with its first secret key in `api_key.secret` (shown once). */
export type TenantWithApiKey = Schemas['TenantWithApiKey'];
export type Partner = Schemas['Partner'];
/** A new partner, with its token in `token` (shown once). */
export type PartnerWithToken = Schemas['PartnerWithToken'];
export type ApiKey = Schemas['ApiKey'];
/** A new API key, with the key itself in `secret` (shown once). */
export type ApiKeyWithSecret = Schemas['ApiKeyWithSecret'];
export type Store = Schemas['Store'];
/** A shopkeeper store's pick (选品). */
export type StorePick = Schemas['StorePick'];
/** A tracking link (推广位). */
export type Link = Schemas['Link'];
export type Supplier = Schemas['Supplier'];
/** A catalog migration job: status, progress and report. */
export type Import = Schemas['Import'];
export type Promoter = Schemas['Promoter'];
/** A promoter token (`token`, shown once) for a guide or shopkeeper app. */
export type PromoterToken = Schemas['PromoterToken'];
export type Customer = Schemas['Customer'];
export type Address = Schemas['Address'];
export type CustomerBinding = Schemas['CustomerBinding'];
export type Event = Schemas['Event'];
export type WebhookEndpoint = Schemas['WebhookEndpoint'];
/** A new or rotated endpoint, with its signing secret in `secret` (shown once). */
export type WebhookEndpointWithSecret = Schemas['WebhookEndpointWithSecret'];
export type WebhookDelivery = Schemas['WebhookDelivery'];
export type Cart = Schemas['Cart'];
export type Category = Schemas['Category'];
export type CategoryNode = Schemas['CategoryNode'];
export type FlashSale = Schemas['FlashSale'];
export type Fulfillment = Schemas['Fulfillment'];
export type InventoryAdjustment = Schemas['InventoryAdjustment'];
export type InventoryItem = Schemas['InventoryItem'];
export type InventoryLevel = Schemas['InventoryLevel'];
export type InventorySyncResult = Schemas['InventorySyncResult'];
export type Location = Schemas['Location'];
export type Order = Schemas['Order'];
export type Payment = Schemas['Payment'];
export type PaymentResult = Schemas['PaymentResult'];
export type Product = Schemas['Product'];
export type ProductBulkResult = Schemas['ProductBulkResult'];
export type Refund = Schemas['Refund'];
export type StorefrontProduct = Schemas['StorefrontProduct'];
export type StorefrontStore = Schemas['StorefrontStore'];
export type Variant = Schemas['Variant'];
export type CommissionRule = Schemas['CommissionRule'];
export type Commission = Schemas['Commission'];
export type CommissionAdjustment = Schemas['CommissionAdjustment'];
export type Settlement = Schemas['Settlement'];
export type SettlementLine = Schemas['SettlementLine'];
export type PromoterLevel = Schemas['PromoterLevel'];
export type PromoterLevelEvaluation = Schemas['PromoterLevelEvaluation'];
export type DistributionReport = Schemas['DistributionReport'];
export type MemberTier = Schemas['MemberTier'];
export type MemberProfile = Schemas['MemberProfile'];
export type GrowthEntry = Schemas['GrowthEntry'];
export type MemberTierChange = Schemas['MemberTierChange'];
export type MembershipPlan = Schemas['MembershipPlan'];
export type Membership = Schemas['Membership'];
export type MembershipPayment = Schemas['MembershipPayment'];
export type MemberPrice = Schemas['MemberPrice'];
export type Coupon = Schemas['Coupon'];
export type CouponCodeBatch = Schemas['CouponCodeBatch'];

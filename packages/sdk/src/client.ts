import type { Client } from 'openapi-fetch';
import { Core } from './core';
import type { paths } from './generated/api';
import { ApiKeys } from './resources/api-keys';
import { Categories, Inventory, Locations, Products, Storefront, Variants } from './resources/catalog';
import { CommissionRules, Commissions, PromoterLevels, Reports, Settlements } from './resources/commissions';
import { CustomerBindings, Customers } from './resources/customers';
import { Imports } from './resources/imports';
import { Links } from './resources/links';
import {
  Coupons,
  MemberPrices,
  Members,
  MembershipPlans,
  Memberships,
  MemberTiers,
} from './resources/members';
import { Carts, FlashSales, Fulfillments, Orders, Refunds } from './resources/orders';
import { Partners } from './resources/partners';
import { StorePicks } from './resources/picks';
import { Promoters } from './resources/promoters';
import { Stores } from './resources/stores';
import { Suppliers } from './resources/suppliers';
import { CurrentTenant } from './resources/tenant';
import { Tenants } from './resources/tenants';
import { Events, WebhookDeliveries, WebhookEndpoints } from './resources/webhooks';
import {
  type ApiKeySource,
  DEFAULT_RETRY,
  DEFAULT_USER_AGENT,
  defaultSleep,
  type FetchLike,
  type RetryOptions,
} from './transport';

export interface ClientOptions {
  /** Where the API is, e.g. `https://api.example.com` or `http://127.0.0.1:3000` (`pnpm start`). */
  baseUrl: string;
  /**
   * The bearer key: a tenant key (`sk_`, `pk_`, `spk_`), a partner token (`ptk_`), the platform
   * token, or a function giving one per call (short-lived promoter tokens).
   */
  apiKey: ApiKeySource;
  /** Timeout of one attempt, body included. Default 60 000 ms. */
  timeoutMs?: number;
  /** Retries after the first attempt (network errors, timeouts, 409 `idempotency_key_in_use`, 429, 5xx). Default 2. */
  maxRetries?: number;
  /** Backoff tuning. */
  retry?: RetryOptions;
  /** A `fetch` to use instead of the global one (a proxy agent, a test double, a platform's own). */
  fetch?: FetchLike;
  /** Your app, e.g. `my-shop/1.4`, appended to the `User-Agent` (not sent from browsers, which own that header). */
  userAgent?: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** How the SDK waits between retries; replace it in tests to observe or skip the waits. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

function checkOptions(o: ClientOptions) {
  if (!o || typeof o.baseUrl !== 'string' || !/^https?:\/\//.test(o.baseUrl)) {
    throw new TypeError('@mujiang/sdk: baseUrl must be an absolute http(s) URL.');
  }
  if (typeof o.apiKey !== 'function' && (typeof o.apiKey !== 'string' || o.apiKey === '')) {
    throw new TypeError('@mujiang/sdk: apiKey is required.');
  }
  if (o.timeoutMs !== undefined && !(o.timeoutMs > 0))
    throw new TypeError('@mujiang/sdk: timeoutMs must be > 0.');
  if (o.maxRetries !== undefined && !(Number.isInteger(o.maxRetries) && o.maxRetries >= 0)) {
    throw new TypeError('@mujiang/sdk: maxRetries must be an integer ≥ 0.');
  }
}

/**
 * The 木匠 storefront API client.
 *
 * ```ts
 * const mujiang = new Mujiang({ baseUrl: 'http://127.0.0.1:3000', apiKey: process.env.MUJIANG_KEY! });
 * const store = await mujiang.stores.create({ kind: 'brand', name: '木匠 旗舰店' });
 * for await (const s of mujiang.stores.list({ limit: 100 })) console.log(s.id);
 * ```
 *
 * Resource methods resolve to the object and reject with `ApiError`, `ConnectionError` or
 * `TimeoutError`. For any endpoint, the raw typed `GET`/`POST`/`PATCH`/… of openapi-fetch
 * answer `{ data, error, response }` (same retries, keys and timeouts; see `unwrap`).
 */
export class Mujiang {
  readonly options: Readonly<ClientOptions>;

  /** Tenants (platform token, partner tokens). */
  readonly tenants: Tenants;
  /** Partners / agencies (platform token). */
  readonly partners: Partners;
  /** The calling tenant's API keys. */
  readonly apiKeys: ApiKeys;
  readonly stores: Stores;
  readonly suppliers: Suppliers;
  /** The calling key's own tenant. */
  readonly tenant: CurrentTenant;
  readonly promoters: Promoters;
  readonly customers: Customers;
  readonly customerBindings: CustomerBindings;
  readonly webhookEndpoints: WebhookEndpoints;
  readonly webhookDeliveries: WebhookDeliveries;
  readonly events: Events;
  readonly products: Products;
  readonly variants: Variants;
  readonly categories: Categories;
  readonly locations: Locations;
  readonly inventory: Inventory;
  /** Publishable keys: the store's products and theme. */
  readonly storefront: Storefront;
  readonly carts: Carts;
  readonly orders: Orders;
  readonly fulfillments: Fulfillments;
  readonly refunds: Refunds;
  readonly flashSales: FlashSales;
  /** A shopkeeper store's picks (选品): `storePicks.create(storeId, …)`. */
  readonly storePicks: StorePicks;
  /** Tracking links (推广位) and their click counts. */
  readonly links: Links;
  /** Commission rules (secret key). */
  readonly commissionRules: CommissionRules;
  /** The commission ledger (secret key, or a promoter token for its own). */
  readonly commissions: Commissions;
  /** Settlements (secret key; a promoter token reads its own lines). */
  readonly settlements: Settlements;
  /** Promoter levels (secret key). */
  readonly promoterLevels: PromoterLevels;
  /** Reports (secret key). */
  readonly reports: Reports;
  /** Member tiers (会员等级). */
  readonly memberTiers: MemberTiers;
  /** A customer's growth value, tier and history. */
  readonly members: Members;
  readonly membershipPlans: MembershipPlans;
  readonly memberships: Memberships;
  readonly memberPrices: MemberPrices;
  readonly coupons: Coupons;
  /** Catalog migrations (一键搬家) from Shopify, WooCommerce or JSON Lines files. */
  readonly imports: Imports;

  /** openapi-fetch, typed from the API's OpenAPI document, through the SDK's transport. */
  readonly GET: Client<paths>['GET'];
  readonly POST: Client<paths>['POST'];
  readonly PUT: Client<paths>['PUT'];
  readonly PATCH: Client<paths>['PATCH'];
  readonly DELETE: Client<paths>['DELETE'];
  /** openapi-fetch's `request(method, path, init)`. */
  readonly request: Client<paths>['request'];
  /** Add openapi-fetch middleware (they see every request of the raw methods and the resources). */
  readonly use: Client<paths>['use'];

  constructor(options: ClientOptions) {
    checkOptions(options);
    this.options = Object.freeze({ ...options });
    const fetchFn: FetchLike = options.fetch ?? ((request) => globalThis.fetch(request));
    const core = new Core(
      options.baseUrl,
      {
        apiKey: options.apiKey,
        timeoutMs: options.timeoutMs ?? 60_000,
        maxRetries: options.maxRetries ?? 2,
        retry: { ...DEFAULT_RETRY, ...options.retry },
        fetch: fetchFn,
        userAgent: options.userAgent ? `${DEFAULT_USER_AGENT} ${options.userAgent}` : DEFAULT_USER_AGENT,
        sleep: options.sleep ?? defaultSleep,
      },
      options.headers ?? {},
    );
    this.tenants = new Tenants(core);
    this.partners = new Partners(core);
    this.apiKeys = new ApiKeys(core);
    this.stores = new Stores(core);
    this.suppliers = new Suppliers(core);
    this.tenant = new CurrentTenant(core);
    this.promoters = new Promoters(core);
    this.customers = new Customers(core);
    this.customerBindings = new CustomerBindings(core);
    this.webhookEndpoints = new WebhookEndpoints(core);
    this.webhookDeliveries = new WebhookDeliveries(core);
    this.events = new Events(core);
    this.products = new Products(core);
    this.variants = new Variants(core);
    this.categories = new Categories(core);
    this.locations = new Locations(core);
    this.inventory = new Inventory(core);
    this.storefront = new Storefront(core);
    this.carts = new Carts(core);
    this.orders = new Orders(core);
    this.fulfillments = new Fulfillments(core);
    this.refunds = new Refunds(core);
    this.flashSales = new FlashSales(core);
    this.storePicks = new StorePicks(core);
    this.links = new Links(core);
    this.commissionRules = new CommissionRules(core);
    this.commissions = new Commissions(core);
    this.settlements = new Settlements(core);
    this.promoterLevels = new PromoterLevels(core);
    this.reports = new Reports(core);
    this.memberTiers = new MemberTiers(core);
    this.members = new Members(core);
    this.membershipPlans = new MembershipPlans(core);
    this.memberships = new Memberships(core);
    this.memberPrices = new MemberPrices(core);
    this.coupons = new Coupons(core);
    this.imports = new Imports(core);
    const raw = core.raw;
    this.GET = raw.GET;
    this.POST = raw.POST;
    this.PUT = raw.PUT;
    this.PATCH = raw.PATCH;
    this.DELETE = raw.DELETE;
    this.request = raw.request;
    this.use = raw.use;
  }

  /** A new client with some options changed (another key, a shorter timeout, …). */
  withOptions(overrides: Partial<ClientOptions>): Mujiang {
    return new Mujiang({ ...this.options, ...overrides });
  }
}

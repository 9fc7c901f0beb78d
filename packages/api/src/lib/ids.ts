import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/**
 * Prefixed, time-ordered ids (`prod_01jf…`). Time order lets lists page by id alone,
 * and keeps new rows at the right edge of the primary-key index.
 */
export const ID_PREFIXES = {
  tenant: 'ten',
  partner: 'ptnr',
  apiKey: 'key',
  store: 'store',
  supplier: 'sup',
  product: 'prod',
  variant: 'var',
  category: 'cat',
  location: 'loc',
  inventoryAdjustment: 'iadj',
  event: 'evt',
  webhookEndpoint: 'we',
  webhookDelivery: 'whd',
  job: 'job',
  promoter: 'prm',
  promoterToken: 'ptok',
  customer: 'cus',
  binding: 'bnd',
  cart: 'cart',
  order: 'ord',
  orderLine: 'oli',
  payment: 'pay',
  fulfillment: 'ful',
  shipment: 'shp',
  refund: 're',
  flashSale: 'fs',
  flashSaleItem: 'fsi',
  memberTier: 'mt',
  growthEntry: 'mge',
  tierChange: 'mtc',
  membershipPlan: 'mplan',
  membership: 'mem',
  memberPrice: 'mpr',
  coupon: 'cpn',
  couponRedemption: 'cpr',
  import: 'imp',
  request: 'req',
  storePick: 'pick',
  link: 'link',
  linkClick: 'lclk',
  commissionRule: 'crule',
  commission: 'com',
  commissionAdjustment: 'cadj',
  settlement: 'stl',
  settlementLine: 'stll',
  promoterLevel: 'plvl',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${nextUlid().toLowerCase()}`;
}

const ULID_BODY = /^[0-9a-hjkmnp-tv-z]{26}$/;

/** True when `id` has the prefix of `kind` and a well-formed body. */
export function isId(kind: IdKind, id: string): boolean {
  const prefix = `${ID_PREFIXES[kind]}_`;
  return id.startsWith(prefix) && ULID_BODY.test(id.slice(prefix.length));
}

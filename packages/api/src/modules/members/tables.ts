import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { tenantIdColumn, timestampColumn, timestamps } from '../../db/columns';
import { variants } from '../catalog/tables';
import { customers } from '../customers/tables';

const money = (name: string) => bigint(name, { mode: 'number' });

// ---------------------------------------------------------------------------------------------
// Member tiers (会员等级) and growth value (成长值)

/**
 * A level of the tenant's member ladder. Tiers are ordered by `growth_threshold` (unique): a
 * customer whose growth value reaches it is promoted; at the monthly evaluation a customer who
 * held the tier for the whole month keeps it (保级) only with `keep_threshold` growth in that month.
 */
export const memberTiers = pgTable(
  'member_tiers',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    growthThreshold: integer('growth_threshold').notNull(),
    keepThreshold: integer('keep_threshold').notNull().default(0),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('member_tiers_threshold_key').on(t.tenantId, t.growthThreshold),
    check('member_tiers_threshold_check', sql`${t.growthThreshold} >= 0 and ${t.keepThreshold} >= 0`),
  ],
);

/** One customer's member state: growth balance and current tier (a row once anything happened). */
export const memberAccounts = pgTable(
  'member_accounts',
  {
    tenantId: tenantIdColumn(),
    customerId: text('customer_id').notNull(),
    growthValue: integer('growth_value').notNull().default(0),
    tierId: text('tier_id'),
    tierSince: timestampColumn('tier_since'),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.customerId] }),
    foreignKey({ columns: [t.tenantId, t.customerId], foreignColumns: [customers.tenantId, customers.id] }),
    foreignKey({ columns: [t.tenantId, t.tierId], foreignColumns: [memberTiers.tenantId, memberTiers.id] }),
    check('member_accounts_growth_check', sql`${t.growthValue} >= 0`),
  ],
);

export const GROWTH_SOURCES = ['order_paid', 'order_refunded', 'grant', 'keep_reset'] as const;
export type GrowthSource = (typeof GROWTH_SOURCES)[number];

/** The growth ledger: every change of a customer's growth value, signed. */
export const growthEntries = pgTable(
  'growth_entries',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    customerId: text('customer_id').notNull(),
    amount: integer('amount').notNull(),
    balance: integer('balance').notNull(),
    source: text('source', { enum: GROWTH_SOURCES }).notNull(),
    orderId: text('order_id'),
    refundId: text('refund_id'),
    reason: text('reason'),
    createdAt: timestampColumn('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({ columns: [t.tenantId, t.customerId], foreignColumns: [customers.tenantId, customers.id] }),
    index('growth_entries_customer_idx').on(t.tenantId, t.customerId, t.id),
    index('growth_entries_order_idx').on(t.tenantId, t.orderId),
    // An order accrues once, a refund reverses once.
    uniqueIndex('growth_entries_paid_key').on(t.tenantId, t.orderId).where(sql`source = 'order_paid'`),
    uniqueIndex('growth_entries_refund_key').on(t.tenantId, t.refundId).where(sql`source = 'order_refunded'`),
    check(
      'growth_entries_source_check',
      sql`${t.source} in ('order_paid', 'order_refunded', 'grant', 'keep_reset')`,
    ),
    check('growth_entries_balance_check', sql`${t.balance} >= 0`),
  ],
);

/** Tier history: every promotion and demotion of a customer. */
export const tierChanges = pgTable(
  'member_tier_changes',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    customerId: text('customer_id').notNull(),
    fromTierId: text('from_tier_id'),
    toTierId: text('to_tier_id'),
    reason: text('reason', { enum: ['growth', 'evaluation', 'keep_failed'] }).notNull(),
    growthValue: integer('growth_value').notNull(),
    createdAt: timestampColumn('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({ columns: [t.tenantId, t.customerId], foreignColumns: [customers.tenantId, customers.id] }),
    index('member_tier_changes_customer_idx').on(t.tenantId, t.customerId, t.id),
  ],
);

// ---------------------------------------------------------------------------------------------
// Paid membership (付费会员)

export const membershipPlans = pgTable(
  'membership_plans',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    price: money('price').notNull(),
    currency: text('currency').notNull(),
    durationDays: integer('duration_days').notNull(),
    active: boolean('active').notNull().default(true),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    check('membership_plans_check', sql`${t.price} > 0 and ${t.durationDays} > 0`),
  ],
);

export const MEMBERSHIP_STATUSES = ['pending', 'active', 'expired', 'canceled'] as const;
export type MembershipStatus = (typeof MEMBERSHIP_STATUSES)[number];

/**
 * A customer's paid membership. `amount_due` is what the next payment must be: the plan price
 * while pending, or after a renewal was requested; 0 otherwise. At most one pending or active
 * membership per customer (renew that one instead).
 */
export const memberships = pgTable(
  'memberships',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    customerId: text('customer_id').notNull(),
    planId: text('plan_id').notNull(),
    status: text('status', { enum: MEMBERSHIP_STATUSES }).notNull(),
    currency: text('currency').notNull(),
    amountDue: money('amount_due').notNull(),
    amountPaid: money('amount_paid').notNull().default(0),
    startedAt: timestampColumn('started_at'),
    endsAt: timestampColumn('ends_at'),
    expiredAt: timestampColumn('expired_at'),
    canceledAt: timestampColumn('canceled_at'),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    foreignKey({ columns: [t.tenantId, t.customerId], foreignColumns: [customers.tenantId, customers.id] }),
    foreignKey({
      columns: [t.tenantId, t.planId],
      foreignColumns: [membershipPlans.tenantId, membershipPlans.id],
    }),
    uniqueIndex('memberships_open_key')
      .on(t.tenantId, t.customerId)
      .where(sql`status in ('pending', 'active')`),
    check('memberships_status_check', sql`${t.status} in ('pending', 'active', 'expired', 'canceled')`),
    check('memberships_money_check', sql`${t.amountDue} >= 0 and ${t.amountPaid} >= 0`),
  ],
);

/** Payments of memberships: the same shape as order payments, one per provider reference. */
export const membershipPayments = pgTable(
  'membership_payments',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    membershipId: text('membership_id').notNull(),
    provider: text('provider').notNull(),
    reference: text('reference').notNull(),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    createdAt: timestampColumn('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('membership_payments_reference_key').on(t.tenantId, t.provider, t.reference),
    foreignKey({
      columns: [t.tenantId, t.membershipId],
      foreignColumns: [memberships.tenantId, memberships.id],
    }),
    check('membership_payments_amount_check', sql`${t.amount} > 0`),
  ],
);

// ---------------------------------------------------------------------------------------------
// Member prices (会员价)

/**
 * A variant's price for members: of a tier (and every higher tier), or for paid members
 * (`tier_id` null). `audience` is the tier id or `paid_members`, so each is set once per variant.
 */
export const memberPrices = pgTable(
  'member_prices',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    variantId: text('variant_id').notNull(),
    tierId: text('tier_id'),
    audience: text('audience').notNull(),
    price: money('price').notNull(),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('member_prices_audience_key').on(t.tenantId, t.variantId, t.audience),
    foreignKey({ columns: [t.tenantId, t.variantId], foreignColumns: [variants.tenantId, variants.id] }),
    foreignKey({ columns: [t.tenantId, t.tierId], foreignColumns: [memberTiers.tenantId, memberTiers.id] }),
    check('member_prices_price_check', sql`${t.price} >= 0`),
  ],
);

// ---------------------------------------------------------------------------------------------
// Coupons (优惠券)

export const COUPON_SCOPES = ['all', 'product', 'category', 'supplier', 'store'] as const;
export type CouponScope = (typeof COUPON_SCOPES)[number];

/**
 * A coupon: `amount_off` (fixed) or `percent_off`, on the lines in its scope. `redeemed` counts
 * live redemptions (a cancelled order gives its use back); the CHECK makes over-redeeming
 * impossible whatever the code does: a redemption is one conditional UPDATE.
 */
export const coupons = pgTable(
  'coupons',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['fixed', 'percentage'] }).notNull(),
    amountOff: money('amount_off'),
    percentOff: integer('percent_off'),
    maxDiscount: money('max_discount'),
    currency: text('currency').notNull(),
    minSpend: money('min_spend').notNull().default(0),
    scope: text('scope', { enum: COUPON_SCOPES }).notNull().default('all'),
    scopeIds: text('scope_ids').array().notNull().default(sql`'{}'::text[]`),
    membersOnly: boolean('members_only').notNull().default(false),
    startsAt: timestampColumn('starts_at'),
    endsAt: timestampColumn('ends_at'),
    usageLimit: integer('usage_limit'),
    perCustomerLimit: integer('per_customer_limit'),
    redeemed: integer('redeemed').notNull().default(0),
    active: boolean('active').notNull().default(true),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    check('coupons_kind_check', sql`${t.kind} in ('fixed', 'percentage')`),
    check(
      'coupons_value_check',
      sql`(${t.kind} = 'fixed' and ${t.amountOff} > 0) or (${t.kind} = 'percentage' and ${t.percentOff} between 1 and 100)`,
    ),
    check(
      'coupons_usage_check',
      sql`${t.redeemed} >= 0 and (${t.usageLimit} is null or ${t.redeemed} <= ${t.usageLimit})`,
    ),
  ],
);

/**
 * The codes that redeem a coupon: one shared code (many uses), or generated unique codes (one
 * use each: `order_id` holds the order that used it). Codes are unique in the tenant.
 */
export const couponCodes = pgTable(
  'coupon_codes',
  {
    tenantId: tenantIdColumn(),
    code: text('code').notNull(),
    couponId: text('coupon_id').notNull(),
    singleUse: boolean('single_use').notNull(),
    orderId: text('order_id'),
    createdAt: timestampColumn('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.code] }),
    foreignKey({ columns: [t.tenantId, t.couponId], foreignColumns: [coupons.tenantId, coupons.id] }),
    index('coupon_codes_coupon_idx').on(t.tenantId, t.couponId, t.code),
  ],
);

/** One use of a coupon by an order; `released_at` when the order was cancelled. */
export const couponRedemptions = pgTable(
  'coupon_redemptions',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    couponId: text('coupon_id').notNull(),
    code: text('code').notNull(),
    orderId: text('order_id').notNull(),
    customerId: text('customer_id'),
    discount: money('discount').notNull(),
    releasedAt: timestampColumn('released_at'),
    createdAt: timestampColumn('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('coupon_redemptions_order_key').on(t.tenantId, t.orderId),
    foreignKey({ columns: [t.tenantId, t.couponId], foreignColumns: [coupons.tenantId, coupons.id] }),
    index('coupon_redemptions_coupon_idx').on(t.tenantId, t.couponId, t.id),
  ],
);

/** Live uses of a coupon per customer, for the per-customer limit (one conditional upsert). */
export const couponCustomerUses = pgTable(
  'coupon_customer_uses',
  {
    tenantId: tenantIdColumn(),
    couponId: text('coupon_id').notNull(),
    customerId: text('customer_id').notNull(),
    uses: integer('uses').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.couponId, t.customerId] }),
    foreignKey({ columns: [t.tenantId, t.couponId], foreignColumns: [coupons.tenantId, coupons.id] }),
    check('coupon_customer_uses_check', sql`${t.uses} >= 0`),
  ],
);

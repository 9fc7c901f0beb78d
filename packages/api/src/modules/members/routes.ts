import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantCtx } from '../../http/context';
import { listOf, listQuerySchema } from '../../http/pagination';
import {
  idParams,
  metadataPatchSchema,
  metadataSchema,
  nameSchema,
  timestampInput,
  timestampSchema,
} from '../../http/schemas';
import { amountSchema } from '../../lib/money';
import { paymentInput } from '../orders/schemas';
import {
  createCoupon,
  generateCodes,
  getCoupon,
  listCoupons,
  MAX_CODES_PER_BATCH,
  updateCoupon,
} from './coupons';
import {
  cancelMembership,
  createMembership,
  createPlan,
  EXPIRE_MEMBERSHIP_JOB,
  expireMembershipJob,
  getMembership,
  getPlan,
  listMemberships,
  listPlans,
  recordMembershipPayment,
  renewMembership,
  updatePlan,
} from './memberships';
import {
  createMemberPrice,
  deleteMemberPrice,
  getMemberPrice,
  listMemberPrices,
  updateMemberPrice,
} from './prices';
import { COUPON_SCOPES, MEMBERSHIP_STATUSES } from './tables';
import {
  createTier,
  EVALUATE_TIERS_JOB,
  evaluateTiersJob,
  getMemberProfile,
  getTier,
  grantGrowth,
  listGrowthEntries,
  listTierChanges,
  listTiers,
  updateTier,
} from './tiers';

const SECRET = ['secret'] as const;
const growth = z.number().int().min(0).max(1_000_000_000);

const tierSchema = z
  .object({
    id: z.string(),
    object: z.literal('member_tier'),
    name: z.string(),
    growth_threshold: z.number().int().describe('Growth value that promotes a customer to this tier.'),
    keep_threshold: z
      .number()
      .int()
      .describe('Growth a customer must earn in a month to keep the tier at the monthly evaluation (保级).'),
    metadata: z.record(z.string(), z.string()),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'MemberTier' });

const growthEntrySchema = z
  .object({
    id: z.string(),
    object: z.literal('growth_entry'),
    customer_id: z.string(),
    amount: z.number().int().describe('Signed change of the growth value.'),
    balance: z.number().int().describe('The growth value after this entry.'),
    source: z.enum(['order_paid', 'order_refunded', 'grant', 'keep_reset']),
    order_id: z.string().nullable(),
    refund_id: z.string().nullable(),
    reason: z.string().nullable(),
    created_at: timestampSchema,
  })
  .meta({ id: 'GrowthEntry' });

const tierChangeSchema = z
  .object({
    id: z.string(),
    object: z.literal('member_tier_change'),
    customer_id: z.string(),
    from_tier_id: z.string().nullable(),
    to_tier_id: z.string().nullable(),
    reason: z.enum(['growth', 'evaluation', 'keep_failed']),
    growth_value: z.number().int(),
    created_at: timestampSchema,
  })
  .meta({ id: 'MemberTierChange' });

const profileSchema = z
  .object({
    object: z.literal('member_profile'),
    customer_id: z.string(),
    growth_value: z.number().int(),
    tier: tierSchema.nullable(),
    tier_since: timestampSchema.nullable(),
    paid_member: z.boolean(),
    membership_id: z.string().nullable(),
    membership_ends_at: timestampSchema.nullable(),
  })
  .meta({ id: 'MemberProfile' });

const planSchema = z
  .object({
    id: z.string(),
    object: z.literal('membership_plan'),
    name: z.string(),
    price: z.number().int(),
    currency: z.string(),
    duration_days: z.number().int(),
    active: z.boolean(),
    metadata: z.record(z.string(), z.string()),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'MembershipPlan' });

const membershipSchema = z
  .object({
    id: z.string(),
    object: z.literal('membership'),
    customer_id: z.string(),
    plan_id: z.string(),
    status: z.enum(MEMBERSHIP_STATUSES),
    currency: z.string(),
    amount_due: z.number().int().describe('What the next payment must be (0: nothing due).'),
    amount_paid: z.number().int(),
    started_at: timestampSchema.nullable(),
    ends_at: timestampSchema.nullable(),
    expired_at: timestampSchema.nullable(),
    canceled_at: timestampSchema.nullable(),
    metadata: z.record(z.string(), z.string()),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Membership' });

const membershipPaymentSchema = z
  .object({
    id: z.string(),
    object: z.literal('membership_payment'),
    membership_id: z.string(),
    provider: z.string(),
    reference: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    metadata: z.record(z.string(), z.string()),
    created_at: timestampSchema,
  })
  .meta({ id: 'MembershipPayment' });

const memberPriceSchema = z
  .object({
    id: z.string(),
    object: z.literal('member_price'),
    variant_id: z.string(),
    tier_id: z.string().nullable().describe('For customers of this tier or higher.'),
    paid_members: z.boolean().describe('For customers with an active paid membership (tier_id null).'),
    price: z.number().int(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'MemberPrice' });

const couponSchema = z
  .object({
    id: z.string(),
    object: z.literal('coupon'),
    name: z.string(),
    kind: z.enum(['fixed', 'percentage']),
    amount_off: z.number().int().nullable(),
    percent_off: z.number().int().nullable(),
    max_discount: z.number().int().nullable(),
    currency: z.string(),
    min_spend: z.number().int(),
    scope: z.enum(COUPON_SCOPES),
    scope_ids: z.array(z.string()),
    members_only: z.boolean(),
    code: z.string().nullable().describe('The shared code, if any.'),
    starts_at: timestampSchema.nullable(),
    ends_at: timestampSchema.nullable(),
    usage_limit: z.number().int().nullable(),
    per_customer_limit: z.number().int().nullable(),
    redeemed: z.number().int().describe('Uses by orders not cancelled.'),
    active: z.boolean(),
    metadata: z.record(z.string(), z.string()),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Coupon' });

const couponCodeInput = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{3,40}$/, 'Letters, digits, dash and underscore; 3–40');
const limit = z.number().int().min(1).max(10_000_000);

export const memberRoutes: FastifyPluginAsyncZod = async (app) => {
  app.jobs.register(EVALUATE_TIERS_JOB, evaluateTiersJob);
  app.jobs.register(EXPIRE_MEMBERSHIP_JOB, expireMembershipJob);

  // Member tiers ------------------------------------------------------------------------------
  app.post(
    '/v1/member_tiers',
    {
      schema: {
        operationId: 'createMemberTier',
        tags: ['Members'],
        summary: 'Create a member tier (会员等级)',
        description:
          'Tiers are ordered by growth_threshold. Customers are promoted as soon as their growth value reaches a tier; the monthly evaluation (00:00 Asia/Shanghai on the 1st) also demotes (保级).',
        body: z.strictObject({
          name: nameSchema,
          growth_threshold: growth,
          keep_threshold: growth.optional(),
          metadata: metadataSchema.optional(),
        }),
        response: { 201: tierSchema },
      },
      config: { auth: SECRET, scope: 'members:write' },
    },
    async (request, reply) => reply.code(201).send(await createTier(tenantCtx(request), request.body)),
  );

  app.get(
    '/v1/member_tiers',
    {
      schema: {
        operationId: 'listMemberTiers',
        tags: ['Members'],
        summary: 'List member tiers, lowest first',
        response: { 200: listOf(tierSchema) },
      },
      config: { auth: SECRET, scope: 'members:read' },
    },
    async (request) => listTiers(tenantCtx(request)),
  );

  app.get(
    '/v1/member_tiers/:id',
    {
      schema: {
        operationId: 'getMemberTier',
        tags: ['Members'],
        summary: 'Retrieve a member tier',
        params: idParams('mt'),
        response: { 200: tierSchema },
      },
      config: { auth: SECRET, scope: 'members:read' },
    },
    async (request) => getTier(tenantCtx(request), request.params.id),
  );

  app.patch(
    '/v1/member_tiers/:id',
    {
      schema: {
        operationId: 'updateMemberTier',
        tags: ['Members'],
        summary: 'Update a member tier',
        description: 'New thresholds apply from the next promotion or monthly evaluation.',
        params: idParams('mt'),
        body: z.strictObject({
          name: nameSchema.optional(),
          growth_threshold: growth.optional(),
          keep_threshold: growth.optional(),
          metadata: metadataPatchSchema.optional(),
        }),
        response: { 200: tierSchema },
      },
      config: { auth: SECRET, scope: 'members:write' },
    },
    async (request) => updateTier(tenantCtx(request), request.params.id, request.body),
  );

  // A customer's member side ------------------------------------------------------------------
  app.get(
    '/v1/customers/:id/member_profile',
    {
      schema: {
        operationId: 'getMemberProfile',
        tags: ['Members'],
        summary: "A customer's growth value, tier and paid membership",
        params: idParams('cus'),
        response: { 200: profileSchema },
      },
      config: { auth: SECRET, scope: 'members:read' },
    },
    async (request) => getMemberProfile(tenantCtx(request), request.params.id),
  );

  app.post(
    '/v1/customers/:id/growth_grants',
    {
      schema: {
        operationId: 'grantGrowth',
        tags: ['Members'],
        summary: 'Grant (or deduct) growth value by hand, with a reason',
        description:
          'A grant that reaches a higher tier promotes at once; a deduction never goes below zero.',
        params: idParams('cus'),
        body: z.strictObject({
          amount: z
            .number()
            .int()
            .min(-1_000_000_000)
            .max(1_000_000_000)
            .refine((n) => n !== 0, 'Must not be 0'),
          reason: z.string().trim().min(1).max(200),
        }),
        response: { 201: growthEntrySchema },
      },
      config: { auth: SECRET, scope: 'members:write' },
    },
    async (request, reply) =>
      reply.code(201).send(await grantGrowth(tenantCtx(request), request.params.id, request.body)),
  );

  app.get(
    '/v1/customers/:id/growth_entries',
    {
      schema: {
        operationId: 'listGrowthEntries',
        tags: ['Members'],
        summary: "A customer's growth ledger, newest first",
        params: idParams('cus'),
        querystring: listQuerySchema,
        response: { 200: listOf(growthEntrySchema) },
      },
      config: { auth: SECRET, scope: 'members:read' },
    },
    async (request) => listGrowthEntries(tenantCtx(request), request.params.id, request.query),
  );

  app.get(
    '/v1/customers/:id/tier_changes',
    {
      schema: {
        operationId: 'listTierChanges',
        tags: ['Members'],
        summary: "A customer's tier history, newest first",
        params: idParams('cus'),
        querystring: listQuerySchema,
        response: { 200: listOf(tierChangeSchema) },
      },
      config: { auth: SECRET, scope: 'members:read' },
    },
    async (request) => listTierChanges(tenantCtx(request), request.params.id, request.query),
  );

  // Membership plans --------------------------------------------------------------------------
  app.post(
    '/v1/membership_plans',
    {
      schema: {
        operationId: 'createMembershipPlan',
        tags: ['Members'],
        summary: 'Create a paid membership plan (付费会员)',
        body: z.strictObject({
          name: nameSchema,
          price: amountSchema.min(1),
          duration_days: z.number().int().min(1).max(3660),
          active: z.boolean().optional(),
          metadata: metadataSchema.optional(),
        }),
        response: { 201: planSchema },
      },
      config: { auth: SECRET, scope: 'members:write' },
    },
    async (request, reply) => reply.code(201).send(await createPlan(tenantCtx(request), request.body)),
  );

  app.get(
    '/v1/membership_plans',
    {
      schema: {
        operationId: 'listMembershipPlans',
        tags: ['Members'],
        summary: 'List membership plans',
        querystring: listQuerySchema.extend({
          active: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional(),
        }),
        response: { 200: listOf(planSchema) },
      },
      config: { auth: SECRET, scope: 'members:read' },
    },
    async (request) => listPlans(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/membership_plans/:id',
    {
      schema: {
        operationId: 'getMembershipPlan',
        tags: ['Members'],
        summary: 'Retrieve a membership plan',
        params: idParams('mplan'),
        response: { 200: planSchema },
      },
      config: { auth: SECRET, scope: 'members:read' },
    },
    async (request) => getPlan(tenantCtx(request), request.params.id),
  );

  app.patch(
    '/v1/membership_plans/:id',
    {
      schema: {
        operationId: 'updateMembershipPlan',
        tags: ['Members'],
        summary: 'Update a membership plan',
        description: 'A new price or duration applies to memberships created or renewed afterwards.',
        params: idParams('mplan'),
        body: z.strictObject({
          name: nameSchema.optional(),
          price: amountSchema.min(1).optional(),
          duration_days: z.number().int().min(1).max(3660).optional(),
          active: z.boolean().optional(),
          metadata: metadataPatchSchema.optional(),
        }),
        response: { 200: planSchema },
      },
      config: { auth: SECRET, scope: 'members:write' },
    },
    async (request) => updatePlan(tenantCtx(request), request.params.id, request.body),
  );

  // Memberships -------------------------------------------------------------------------------
  app.post(
    '/v1/memberships',
    {
      schema: {
        operationId: 'createMembership',
        tags: ['Members'],
        summary: 'Start a paid membership (pending until paid)',
        description:
          'At most one pending or active membership per customer (409 `membership_exists`: renew that one).',
        body: z.strictObject({
          customer_id: z.string().max(64),
          plan_id: z.string().max(64),
          metadata: metadataSchema.optional(),
        }),
        response: { 201: membershipSchema },
      },
      config: { auth: SECRET, scope: 'members:write' },
    },
    async (request, reply) => reply.code(201).send(await createMembership(tenantCtx(request), request.body)),
  );

  app.get(
    '/v1/memberships',
    {
      schema: {
        operationId: 'listMemberships',
        tags: ['Members'],
        summary: 'List memberships',
        querystring: listQuerySchema.extend({
          customer_id: z.string().max(64).optional(),
          status: z.enum(MEMBERSHIP_STATUSES).optional(),
        }),
        response: { 200: listOf(membershipSchema) },
      },
      config: { auth: SECRET, scope: 'members:read' },
    },
    async (request) => listMemberships(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/memberships/:id',
    {
      schema: {
        operationId: 'getMembership',
        tags: ['Members'],
        summary: 'Retrieve a membership',
        params: idParams('mem'),
        response: { 200: membershipSchema },
      },
      config: { auth: SECRET, scope: 'members:read' },
    },
    async (request) => getMembership(tenantCtx(request), request.params.id),
  );

  app.post(
    '/v1/memberships/:id/payments',
    {
      schema: {
        operationId: 'payMembership',
        tags: ['Members'],
        summary: 'Record a payment: starts (or renews) the membership',
        description:
          'The same rules as order payments: the amount must equal `amount_due` (422 `amount_mismatch`); the same provider reference again is a replay (200).',
        params: idParams('mem'),
        body: paymentInput,
        response: {
          200: z.object({ payment: membershipPaymentSchema, membership: membershipSchema }),
          201: z
            .object({ payment: membershipPaymentSchema, membership: membershipSchema })
            .meta({ id: 'MembershipPaymentResult' }),
        },
      },
      config: { auth: SECRET, scope: 'members:write' },
    },
    async (request, reply) => {
      const { payment, membership, replayed } = await recordMembershipPayment(
        tenantCtx(request),
        request.params.id,
        request.body,
      );
      return reply.code(replayed ? 200 : 201).send({ payment, membership });
    },
  );

  app.post(
    '/v1/memberships/:id/renew',
    {
      schema: {
        operationId: 'renewMembership',
        tags: ['Members'],
        summary: "Ask for the next period: the plan's price becomes due",
        description:
          'Its payment extends the membership from its current end (or from the payment, if expired).',
        params: idParams('mem'),
        response: { 200: membershipSchema },
      },
      config: { auth: SECRET, scope: 'members:write' },
    },
    async (request) => renewMembership(tenantCtx(request), request.params.id),
  );

  app.post(
    '/v1/memberships/:id/cancel',
    {
      schema: {
        operationId: 'cancelMembership',
        tags: ['Members'],
        summary: 'Cancel a membership that was never paid',
        params: idParams('mem'),
        response: { 200: membershipSchema },
      },
      config: { auth: SECRET, scope: 'members:write' },
    },
    async (request) => cancelMembership(tenantCtx(request), request.params.id),
  );

  // Member prices -----------------------------------------------------------------------------
  app.post(
    '/v1/member_prices',
    {
      schema: {
        operationId: 'createMemberPrice',
        tags: ['Members'],
        summary: 'Set a member price (会员价) for a variant',
        description:
          'For one tier (and every higher tier) or, with `paid_members: true`, for paid members. Never below the variant’s retail_floor (422 `below_retail_floor`). See docs/members.md for precedence.',
        body: z
          .strictObject({
            variant_id: z.string().max(64),
            tier_id: z.string().max(64).optional(),
            paid_members: z.literal(true).optional(),
            price: amountSchema,
          })
          .refine((b) => (b.tier_id === undefined) !== (b.paid_members === undefined), {
            message: 'Give exactly one of tier_id and paid_members',
            path: ['tier_id'],
          }),
        response: { 201: memberPriceSchema },
      },
      config: { auth: SECRET, scope: 'members:write' },
    },
    async (request, reply) => reply.code(201).send(await createMemberPrice(tenantCtx(request), request.body)),
  );

  app.get(
    '/v1/member_prices',
    {
      schema: {
        operationId: 'listMemberPrices',
        tags: ['Members'],
        summary: 'List member prices',
        querystring: listQuerySchema.extend({
          variant_id: z.string().max(64).optional(),
          tier_id: z.string().max(64).optional(),
        }),
        response: { 200: listOf(memberPriceSchema) },
      },
      config: { auth: SECRET, scope: 'members:read' },
    },
    async (request) => listMemberPrices(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/member_prices/:id',
    {
      schema: {
        operationId: 'getMemberPrice',
        tags: ['Members'],
        summary: 'Retrieve a member price',
        params: idParams('mpr'),
        response: { 200: memberPriceSchema },
      },
      config: { auth: SECRET, scope: 'members:read' },
    },
    async (request) => getMemberPrice(tenantCtx(request), request.params.id),
  );

  app.patch(
    '/v1/member_prices/:id',
    {
      schema: {
        operationId: 'updateMemberPrice',
        tags: ['Members'],
        summary: 'Change a member price',
        params: idParams('mpr'),
        body: z.strictObject({ price: amountSchema }),
        response: { 200: memberPriceSchema },
      },
      config: { auth: SECRET, scope: 'members:write' },
    },
    async (request) => updateMemberPrice(tenantCtx(request), request.params.id, request.body),
  );

  app.delete(
    '/v1/member_prices/:id',
    {
      schema: {
        operationId: 'deleteMemberPrice',
        tags: ['Members'],
        summary: 'Remove a member price',
        params: idParams('mpr'),
        response: {
          200: z
            .object({ id: z.string(), object: z.literal('member_price'), deleted: z.literal(true) })
            .meta({ id: 'DeletedMemberPrice' }),
        },
      },
      config: { auth: SECRET, scope: 'members:write' },
    },
    async (request) => deleteMemberPrice(tenantCtx(request), request.params.id),
  );

  // Coupons -----------------------------------------------------------------------------------
  app.post(
    '/v1/coupons',
    {
      schema: {
        operationId: 'createCoupon',
        tags: ['Coupons'],
        summary: 'Create a coupon (优惠券)',
        description:
          'Fixed (`amount_off`) or `percent_off` (with an optional `max_discount`), on the lines in its scope, once they reach `min_spend`. Redeem it with a shared `code`, or generate single-use codes (POST /v1/coupons/{id}/codes).',
        body: z.strictObject({
          name: nameSchema,
          kind: z.enum(['fixed', 'percentage']),
          amount_off: amountSchema.min(1).optional(),
          percent_off: z.number().int().min(1).max(100).optional(),
          max_discount: amountSchema.min(1).optional(),
          min_spend: amountSchema.optional(),
          scope: z.enum(COUPON_SCOPES).optional().describe('What it applies to (default all).'),
          scope_ids: z
            .array(z.string().max(64))
            .max(500)
            .optional()
            .describe('The products, categories, suppliers or stores of the scope.'),
          members_only: z
            .boolean()
            .optional()
            .describe('Only for customers (named by customer_id) with a tier or an active paid membership.'),
          code: couponCodeInput.optional().describe('A shared code many orders may use (case-insensitive).'),
          starts_at: timestampInput.optional(),
          ends_at: timestampInput.optional(),
          usage_limit: limit.optional().describe('Uses in total (by orders not cancelled).'),
          per_customer_limit: limit.optional(),
          active: z.boolean().optional(),
          metadata: metadataSchema.optional(),
        }),
        response: { 201: couponSchema },
      },
      config: { auth: SECRET, scope: 'coupons:write' },
    },
    async (request, reply) => reply.code(201).send(await createCoupon(tenantCtx(request), request.body)),
  );

  app.get(
    '/v1/coupons',
    {
      schema: {
        operationId: 'listCoupons',
        tags: ['Coupons'],
        summary: 'List coupons',
        querystring: listQuerySchema.extend({
          active: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional(),
        }),
        response: { 200: listOf(couponSchema) },
      },
      config: { auth: SECRET, scope: 'coupons:read' },
    },
    async (request) => listCoupons(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/coupons/:id',
    {
      schema: {
        operationId: 'getCoupon',
        tags: ['Coupons'],
        summary: 'Retrieve a coupon',
        params: idParams('cpn'),
        response: { 200: couponSchema },
      },
      config: { auth: SECRET, scope: 'coupons:read' },
    },
    async (request) => getCoupon(tenantCtx(request), request.params.id),
  );

  app.patch(
    '/v1/coupons/:id',
    {
      schema: {
        operationId: 'updateCoupon',
        tags: ['Coupons'],
        summary: "Change a coupon's name, window, limits or activity",
        params: idParams('cpn'),
        body: z.strictObject({
          name: nameSchema.optional(),
          starts_at: timestampInput.nullable().optional(),
          ends_at: timestampInput.nullable().optional(),
          usage_limit: limit.nullable().optional(),
          per_customer_limit: limit.nullable().optional(),
          active: z.boolean().optional(),
          metadata: metadataPatchSchema.optional(),
        }),
        response: { 200: couponSchema },
      },
      config: { auth: SECRET, scope: 'coupons:write' },
    },
    async (request) => updateCoupon(tenantCtx(request), request.params.id, request.body),
  );

  app.post(
    '/v1/coupons/:id/codes',
    {
      schema: {
        operationId: 'generateCouponCodes',
        tags: ['Coupons'],
        summary: 'Generate single-use codes (一券一码)',
        description: 'Returns the new codes; each redeems the coupon once.',
        params: idParams('cpn'),
        body: z.strictObject({
          count: z.number().int().min(1).max(MAX_CODES_PER_BATCH),
          prefix: z
            .string()
            .regex(/^[A-Za-z0-9]{1,10}$/)
            .optional(),
        }),
        response: {
          201: z
            .object({
              object: z.literal('coupon_code_batch'),
              coupon_id: z.string(),
              codes: z.array(z.string()),
            })
            .meta({ id: 'CouponCodeBatch' }),
        },
      },
      config: { auth: SECRET, scope: 'coupons:write' },
    },
    async (request, reply) =>
      reply.code(201).send(await generateCodes(tenantCtx(request), request.params.id, request.body)),
  );
};

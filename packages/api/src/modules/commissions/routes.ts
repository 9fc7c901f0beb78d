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
import { PROMOTER_KINDS } from '../promoters/tables';
import { COMMISSION_STATUSES, isMonth, SETTLEMENT_STATUSES } from './ledger';
import {
  createLevel,
  deleteLevel,
  EVALUATE_LEVELS_JOB,
  evaluateLevels,
  evaluateLevelsJob,
  getLevel,
  listLevels,
  updateLevel,
} from './levels';
import { distributionReport } from './reports';
import {
  CONFIRM_COMMISSIONS_JOB,
  confirmCommissionsJob,
  createRule,
  deleteRule,
  getCommission,
  getRule,
  listCommissions,
  listRules,
  updateRule,
} from './service';
import {
  createSettlement,
  getSettlement,
  listSettlementLines,
  listSettlements,
  markSettlementPaid,
  settlementLinesCsv,
} from './settlements';
import { COMMISSION_RULE_TYPES } from './tables';

const SECRET = { auth: ['secret'] as const };
const OWN = ['secret', 'promoter'] as const;
const idField = z.string().max(64);
const bpsSchema = z.number().int().min(0).max(10_000);
const levelSchema = z.number().int().min(0).max(100);
const monthSchema = z
  .string()
  .refine(isMonth, 'Use YYYY-MM')
  .describe('A month, YYYY-MM (China Standard Time, UTC+8).');

const ruleSchema = z
  .object({
    id: z.string(),
    object: z.literal('commission_rule'),
    name: z.string().nullable(),
    type: z.enum(COMMISSION_RULE_TYPES),
    rate_bps: z
      .number()
      .int()
      .nullable()
      .describe('For `percentage`: basis points of the line amount (1000 = 10%).'),
    amount: z.number().int().nullable().describe('For `fixed`: minor units per unit sold.'),
    product_id: z.string().nullable(),
    category_id: z.string().nullable(),
    supplier_id: z.string().nullable(),
    store_id: z.string().nullable(),
    promoter_kind: z.enum(PROMOTER_KINDS).nullable(),
    min_promoter_level: z.number().int().nullable().describe('Applies to promoters at this level or above.'),
    priority: z.number().int(),
    active: z.boolean(),
    metadata: z.record(z.string(), z.string()),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'CommissionRule' });

const ruleMatchFields = {
  name: z.string().trim().max(200).nullable().optional(),
  rate_bps: bpsSchema.nullable().optional().describe('Required for `percentage`: basis points (1000 = 10%).'),
  amount: amountSchema.nullable().optional().describe('Required for `fixed`: minor units per unit sold.'),
  product_id: idField.nullable().optional(),
  category_id: idField.nullable().optional(),
  supplier_id: idField.nullable().optional(),
  store_id: idField.nullable().optional(),
  promoter_kind: z.enum(PROMOTER_KINDS).nullable().optional(),
  min_promoter_level: levelSchema.nullable().optional(),
  priority: z
    .number()
    .int()
    .min(-1000)
    .max(1000)
    .optional()
    .describe('Breaks ties between equally specific rules.'),
  active: z.boolean().optional(),
};

const adjustmentSchema = z
  .object({
    id: z.string(),
    object: z.literal('commission_adjustment'),
    commission_id: z.string(),
    amount: z.number().int().describe('Negative for a refund after settlement.'),
    currency: z.string(),
    reason: z.string(),
    settlement_id: z.string().nullable().describe('The settlement that netted it; null until then.'),
    created_at: timestampSchema,
  })
  .meta({ id: 'CommissionAdjustment' });

const commissionSchema = z
  .object({
    id: z.string(),
    object: z.literal('commission'),
    status: z.enum(COMMISSION_STATUSES),
    promoter_id: z.string(),
    order_id: z.string(),
    order_line_id: z.string(),
    store_id: z.string(),
    rule_id: z.string().nullable().describe('The rule that priced it; null when no rule matched (amount 0).'),
    rule_type: z.enum(COMMISSION_RULE_TYPES).nullable(),
    currency: z.string(),
    line_amount: z.number().int().describe('What the buyer paid for the line.'),
    net_amount: z.number().int().describe('The line amount less succeeded refunds.'),
    estimated_amount: z.number().int().describe('The commission on the whole line when the order was paid.'),
    amount: z.number().int().describe('The commission on the net amount; frozen once settled.'),
    final_amount: z
      .number()
      .int()
      .nullable()
      .describe('amount + adjusted_amount once confirmed (null while pending).'),
    adjusted_amount: z.number().int().describe('Sum of the adjustments made after settlement.'),
    adjustments: z.array(adjustmentSchema),
    settlement_id: z.string().nullable(),
    order_paid_at: timestampSchema,
    confirm_after: timestampSchema
      .nullable()
      .describe('Completion + return window: when it can be confirmed.'),
    confirmed_at: timestampSchema.nullable(),
    settled_at: timestampSchema.nullable(),
    reversed_at: timestampSchema.nullable(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Commission' });

const settlementLineSchema = z
  .object({
    id: z.string(),
    object: z.literal('settlement_line'),
    settlement_id: z.string(),
    promoter_id: z.string(),
    currency: z.string(),
    commission_count: z.number().int(),
    commission_total: z.number().int(),
    adjustment_count: z.number().int(),
    adjustment_total: z.number().int(),
    amount: z.number().int().describe('commission_total + adjustment_total; never negative.'),
    created_at: timestampSchema,
  })
  .meta({ id: 'SettlementLine' });

const settlementSchema = z
  .object({
    id: z.string(),
    object: z.literal('settlement'),
    status: z.enum(SETTLEMENT_STATUSES),
    currency: z.string(),
    period_start: timestampSchema.nullable(),
    period_end: timestampSchema,
    commission_total: z
      .number()
      .int()
      .nullable()
      .describe('Null for a promoter token (it sees its own line).'),
    adjustment_total: z.number().int().nullable(),
    total: z.number().int().nullable().describe('The sum of the lines.'),
    line_count: z.number().int().nullable(),
    commission_count: z.number().int().nullable(),
    adjustment_count: z.number().int().nullable(),
    min_payout: z.number().int(),
    carried_over: z
      .array(
        z.object({
          promoter_id: z.string(),
          amount: z.number().int(),
          reason: z.enum(['below_min_payout', 'negative_balance']),
        }),
      )
      .describe('Balances left for the next settlement.'),
    lines: listOf(settlementLineSchema).describe(
      'The first 100 lines (a promoter token: its own); page through all with GET /v1/settlements/{id}/lines.',
    ),
    reference: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    paid_at: timestampSchema.nullable(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Settlement' });

const levelObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('promoter_level'),
    level: z.number().int(),
    name: z.string(),
    upgrade_threshold: z.number().int().describe('Monthly sales (minor units) that reach this level.'),
    keep_threshold: z.number().int().describe('Monthly sales that hold this level (保级).'),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'PromoterLevel' });

const evaluationSchema = z
  .object({
    object: z.literal('promoter_level_evaluation'),
    month: z.string(),
    evaluated: z
      .number()
      .int()
      .describe(
        'Active promoters looked at: those with a level or with sales in the month (the others stay at 0).',
      ),
    promoted: z.number().int(),
    demoted: z.number().int(),
    unchanged: z.number().int(),
    changes: z.array(
      z.object({
        promoter_id: z.string(),
        from: z.number().int(),
        to: z.number().int(),
        sales: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'PromoterLevelEvaluation' });

const reportSchema = z
  .object({
    object: z.literal('distribution_report'),
    month: z.string(),
    currency: z.string(),
    period_start: timestampSchema,
    period_end: timestampSchema,
    shopkeepers: z.object({
      total: z.number().int(),
      with_sales: z.number().int(),
      median_sales: z.number().int(),
      survival_index: z.object({ threshold: z.number().int(), count: z.number().int() }),
      happiness_index: z.object({ threshold: z.number().int(), count: z.number().int() }),
      histogram: z.array(
        z.object({ from: z.number().int(), to: z.number().int().nullable(), count: z.number().int() }),
      ),
    }),
    top_promoters: z.array(
      z.object({
        promoter_id: z.string(),
        name: z.string().nullable(),
        kind: z.enum(PROMOTER_KINDS).nullable(),
        level: z.number().int().nullable(),
        sales: z.number().int(),
        commission: z.number().int(),
        orders: z.number().int(),
      }),
    ),
    sales_by_store: z.array(
      z.object({
        store_id: z.string(),
        name: z.string(),
        kind: z.string(),
        orders: z.number().int(),
        sales: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'DistributionReport' });

export const commissionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.jobs.register(CONFIRM_COMMISSIONS_JOB, confirmCommissionsJob);
  app.jobs.register(EVALUATE_LEVELS_JOB, evaluateLevelsJob);

  // ---- Commission rules
  const ruleTags = ['Commission rules'];
  app.post(
    '/v1/commission_rules',
    {
      schema: {
        operationId: 'createCommissionRule',
        tags: ruleTags,
        summary: 'Create a commission rule',
        description:
          'Percentage (`rate_bps`), fixed amount per unit (`amount`), or `margin` (the shopkeeper earns the line amount less the supply price). The most specific matching rule wins: product > category > supplier > store > promoter level > promoter kind, then priority, then the newest. Every commission is capped at the tenant `commission_cap_bps` of its line (default 50%). Applies to orders paid afterwards.',
        body: z.strictObject({
          type: z.enum(COMMISSION_RULE_TYPES),
          ...ruleMatchFields,
          metadata: metadataSchema.optional(),
        }),
        response: { 201: ruleSchema },
      },
      config: { ...SECRET, scope: 'commissions:write' },
    },
    async (request, reply) => reply.code(201).send(await createRule(tenantCtx(request), request.body)),
  );
  app.get(
    '/v1/commission_rules',
    {
      schema: {
        operationId: 'listCommissionRules',
        tags: ruleTags,
        summary: 'List commission rules',
        querystring: listQuerySchema.extend({
          active: z
            .enum(['true', 'false'])
            .transform((v) => v === 'true')
            .optional(),
          type: z.enum(COMMISSION_RULE_TYPES).optional(),
        }),
        response: { 200: listOf(ruleSchema) },
      },
      config: { ...SECRET, scope: 'commissions:read' },
    },
    async (request) => listRules(tenantCtx(request), request.query),
  );
  app.get(
    '/v1/commission_rules/:id',
    {
      schema: {
        operationId: 'getCommissionRule',
        tags: ruleTags,
        summary: 'Retrieve a commission rule',
        params: idParams('crule'),
        response: { 200: ruleSchema },
      },
      config: { ...SECRET, scope: 'commissions:read' },
    },
    async (request) => getRule(tenantCtx(request), request.params.id),
  );
  app.patch(
    '/v1/commission_rules/:id',
    {
      schema: {
        operationId: 'updateCommissionRule',
        tags: ruleTags,
        summary: 'Update a commission rule',
        description: 'Changes apply to orders paid afterwards; the ledger keeps what it recorded.',
        params: idParams('crule'),
        body: z.strictObject({
          type: z.enum(COMMISSION_RULE_TYPES).optional(),
          ...ruleMatchFields,
          metadata: metadataPatchSchema.optional(),
        }),
        response: { 200: ruleSchema },
      },
      config: { ...SECRET, scope: 'commissions:write' },
    },
    async (request) => updateRule(tenantCtx(request), request.params.id, request.body),
  );
  app.delete(
    '/v1/commission_rules/:id',
    {
      schema: {
        operationId: 'deleteCommissionRule',
        tags: ruleTags,
        summary: 'Delete a commission rule',
        params: idParams('crule'),
        response: {
          200: z
            .object({ id: z.string(), object: z.literal('commission_rule'), deleted: z.literal(true) })
            .meta({ id: 'DeletedCommissionRule' }),
        },
      },
      config: { ...SECRET, scope: 'commissions:write' },
    },
    async (request) => deleteRule(tenantCtx(request), request.params.id),
  );

  // ---- Ledger
  const ledgerTags = ['Commissions'];
  app.get(
    '/v1/commissions',
    {
      schema: {
        operationId: 'listCommissions',
        tags: ledgerTags,
        summary: 'List commissions',
        description: 'The ledger, newest first. A promoter token lists only its own commissions.',
        querystring: listQuerySchema.extend({
          promoter_id: idField.optional(),
          status: z.enum(COMMISSION_STATUSES).optional(),
          order_id: idField.optional(),
          settlement_id: idField.optional(),
        }),
        response: { 200: listOf(commissionSchema) },
      },
      config: { auth: OWN, scope: 'commissions:read' },
    },
    async (request) => listCommissions(tenantCtx(request), request.query),
  );
  app.get(
    '/v1/commissions/:id',
    {
      schema: {
        operationId: 'getCommission',
        tags: ledgerTags,
        summary: 'Retrieve a commission',
        params: idParams('com'),
        response: { 200: commissionSchema },
      },
      config: { auth: OWN, scope: 'commissions:read' },
    },
    async (request) => getCommission(tenantCtx(request), request.params.id),
  );

  // ---- Settlements
  const settlementTags = ['Settlements'];
  app.post(
    '/v1/settlements',
    {
      schema: {
        operationId: 'createSettlement',
        tags: settlementTags,
        summary: 'Create a settlement',
        description:
          'Batches every confirmed, unsettled commission (confirmed by `period_end`, default now) and every unsettled adjustment, one line per promoter. Balances below the tenant `min_payout`, or negative, are carried over. 409 nothing_to_settle when no line results.',
        body: z
          .strictObject({
            period_start: timestampInput.optional(),
            period_end: timestampInput.optional(),
            metadata: metadataSchema.optional(),
          })
          .nullish(),
        response: { 201: settlementSchema },
      },
      config: { ...SECRET, scope: 'commissions:write' },
    },
    async (request, reply) =>
      reply.code(201).send(await createSettlement(tenantCtx(request), request.body ?? {})),
  );
  app.get(
    '/v1/settlements',
    {
      schema: {
        operationId: 'listSettlements',
        tags: settlementTags,
        summary: 'List settlements',
        description: 'A promoter token lists the settlements that pay it, with its own line only.',
        querystring: listQuerySchema.extend({ status: z.enum(SETTLEMENT_STATUSES).optional() }),
        response: { 200: listOf(settlementSchema) },
      },
      config: { auth: OWN, scope: 'commissions:read' },
    },
    async (request) => listSettlements(tenantCtx(request), request.query),
  );
  app.get(
    '/v1/settlements/:id',
    {
      schema: {
        operationId: 'getSettlement',
        tags: settlementTags,
        summary: 'Retrieve a settlement with its lines',
        params: idParams('stl'),
        response: { 200: settlementSchema },
      },
      config: { auth: OWN, scope: 'commissions:read' },
    },
    async (request) => getSettlement(tenantCtx(request), request.params.id),
  );
  app.get(
    '/v1/settlements/:id/lines',
    {
      schema: {
        operationId: 'listSettlementLines',
        tags: settlementTags,
        summary: "List a settlement's lines",
        description: 'One line per promoter, in promoter order. A promoter token sees its own line only.',
        params: idParams('stl'),
        querystring: listQuerySchema,
        response: { 200: listOf(settlementLineSchema) },
      },
      config: { auth: OWN, scope: 'commissions:read' },
    },
    async (request) => listSettlementLines(tenantCtx(request), request.params.id, request.query),
  );
  app.post(
    '/v1/settlements/:id/pay',
    {
      schema: {
        operationId: 'paySettlement',
        tags: settlementTags,
        summary: 'Mark a settlement paid',
        description:
          'Records that the promoters were paid (this API moves no money), with your payout reference.',
        params: idParams('stl'),
        body: z.strictObject({ reference: z.string().trim().min(1).max(200).optional() }).nullish(),
        response: { 200: settlementSchema },
      },
      config: { ...SECRET, scope: 'commissions:write' },
    },
    async (request) => markSettlementPaid(tenantCtx(request), request.params.id, request.body ?? {}),
  );
  app.get(
    '/v1/settlements/:id/lines.csv',
    {
      schema: {
        operationId: 'exportSettlementLines',
        tags: settlementTags,
        summary: 'Export the settlement lines as CSV',
        description:
          'text/csv (RFC 4180, header row): settlement_id, promoter_id, promoter_name, promoter_kind, promoter_external_id, currency, commission_count, commission_total, adjustment_count, adjustment_total, amount.',
        params: idParams('stl'),
        produces: ['text/csv'],
        response: { 200: z.string().describe('CSV text.') },
      },
      config: { ...SECRET, scope: 'commissions:read' },
    },
    async (request, reply) => {
      const csv = await settlementLinesCsv(tenantCtx(request), request.params.id);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${request.params.id}.csv"`)
        .send(csv);
    },
  );

  // ---- Levels
  const levelTags = ['Promoter levels'];
  app.post(
    '/v1/promoter_levels',
    {
      schema: {
        operationId: 'createPromoterLevel',
        tags: levelTags,
        summary: 'Define a promoter level',
        description:
          'Monthly sales thresholds: reaching `upgrade_threshold` in a month promotes to the level; `keep_threshold` (default the upgrade threshold) holds it (保级). Levels are re-evaluated at the end of every month (UTC+8) and match commission rules through `min_promoter_level`.',
        body: z.strictObject({
          level: z.number().int().min(1).max(100),
          name: nameSchema,
          upgrade_threshold: amountSchema,
          keep_threshold: amountSchema.optional(),
        }),
        response: { 201: levelObjectSchema },
      },
      config: { ...SECRET, scope: 'commissions:write' },
    },
    async (request, reply) => reply.code(201).send(await createLevel(tenantCtx(request), request.body)),
  );
  app.get(
    '/v1/promoter_levels',
    {
      schema: {
        operationId: 'listPromoterLevels',
        tags: levelTags,
        summary: 'List promoter levels (lowest first)',
        response: { 200: listOf(levelObjectSchema) },
      },
      config: { ...SECRET, scope: 'commissions:read' },
    },
    async (request) => listLevels(tenantCtx(request)),
  );
  app.get(
    '/v1/promoter_levels/:id',
    {
      schema: {
        operationId: 'getPromoterLevel',
        tags: levelTags,
        summary: 'Retrieve a promoter level',
        params: idParams('plvl'),
        response: { 200: levelObjectSchema },
      },
      config: { ...SECRET, scope: 'commissions:read' },
    },
    async (request) => getLevel(tenantCtx(request), request.params.id),
  );
  app.patch(
    '/v1/promoter_levels/:id',
    {
      schema: {
        operationId: 'updatePromoterLevel',
        tags: levelTags,
        summary: 'Update a promoter level',
        params: idParams('plvl'),
        body: z.strictObject({
          name: nameSchema.optional(),
          upgrade_threshold: amountSchema.optional(),
          keep_threshold: amountSchema.optional(),
        }),
        response: { 200: levelObjectSchema },
      },
      config: { ...SECRET, scope: 'commissions:write' },
    },
    async (request) => updateLevel(tenantCtx(request), request.params.id, request.body),
  );
  app.delete(
    '/v1/promoter_levels/:id',
    {
      schema: {
        operationId: 'deletePromoterLevel',
        tags: levelTags,
        summary: 'Delete a promoter level',
        description:
          'Promoters at the level keep it until the next evaluation, where it can no longer be held.',
        params: idParams('plvl'),
        response: {
          200: z
            .object({ id: z.string(), object: z.literal('promoter_level'), deleted: z.literal(true) })
            .meta({ id: 'DeletedPromoterLevel' }),
        },
      },
      config: { ...SECRET, scope: 'commissions:write' },
    },
    async (request) => deleteLevel(tenantCtx(request), request.params.id),
  );
  app.post(
    '/v1/promoter_levels/evaluate',
    {
      schema: {
        operationId: 'evaluatePromoterLevels',
        tags: levelTags,
        summary: 'Re-evaluate promoter levels on a month now',
        description:
          'What the monthly job does at the end of each month, for a month you name (e.g. after changing thresholds). Running it again for the same month changes nothing more.',
        body: z.strictObject({ month: monthSchema }),
        response: { 200: evaluationSchema },
      },
      config: { ...SECRET, scope: 'commissions:write' },
    },
    async (request) => evaluateLevels(tenantCtx(request), request.body.month),
  );

  // ---- Reports
  app.get(
    '/v1/reports/distribution',
    {
      schema: {
        operationId: 'getDistributionReport',
        tags: ['Reports'],
        summary: 'Monthly shopkeeper distribution (生存指数 / 幸福指数)',
        description:
          'How many shopkeepers pass the survival index (monthly sales ≥ ¥10,000) and the happiness index (≥ ¥50,000), a histogram of monthly sales, the top promoters and sales by store.',
        querystring: z.object({ month: monthSchema }),
        response: { 200: reportSchema },
      },
      config: { ...SECRET, scope: 'commissions:read' },
    },
    async (request) => distributionReport(tenantCtx(request), request.query.month),
  );
};

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
import { orderLines, orders } from '../orders/tables';
import { promoters } from '../promoters/tables';
import { COMMISSION_STATUSES, SETTLEMENT_STATUSES } from './ledger';

const money = (name: string) => bigint(name, { mode: 'number' });
const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

export const COMMISSION_RULE_TYPES = ['percentage', 'fixed', 'margin'] as const;

/**
 * What a promoter earns on an order line: a percentage (basis points of the line amount), a
 * fixed amount per unit, or the shopkeeper margin (retail price − supply price). Matched by
 * product, category, supplier, store, promoter kind and minimum promoter level; the most
 * specific matching rule wins (`math.ts`, docs/commissions.md).
 */
export const commissionRules = pgTable(
  'commission_rules',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    name: text('name'),
    type: text('type', { enum: COMMISSION_RULE_TYPES }).notNull(),
    rateBps: integer('rate_bps'),
    amount: money('amount'),
    productId: text('product_id'),
    categoryId: text('category_id'),
    supplierId: text('supplier_id'),
    storeId: text('store_id'),
    promoterKind: text('promoter_kind'),
    minPromoterLevel: integer('min_promoter_level'),
    priority: integer('priority').notNull().default(0),
    active: boolean('active').notNull().default(true),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('commission_rules_active_idx').on(t.tenantId, t.active),
    check('commission_rules_type_check', sql`${t.type} in (${inList(COMMISSION_RULE_TYPES)})`),
    check(
      'commission_rules_value_check',
      sql`(${t.type} = 'percentage' and ${t.rateBps} between 0 and 10000 and ${t.amount} is null)
        or (${t.type} = 'fixed' and ${t.amount} >= 0 and ${t.rateBps} is null)
        or (${t.type} = 'margin' and ${t.amount} is null and ${t.rateBps} is null)`,
    ),
  ],
);

export interface CarriedOver {
  promoter_id: string;
  amount: number;
  reason: 'below_min_payout' | 'negative_balance';
}

/** A payout batch: confirmed, unsettled commissions and adjustments, one line per promoter. */
export const settlements = pgTable(
  'settlements',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    status: text('status', { enum: SETTLEMENT_STATUSES }).notNull(),
    currency: text('currency').notNull(),
    periodStart: timestampColumn('period_start'),
    periodEnd: timestampColumn('period_end').notNull(),
    commissionTotal: money('commission_total').notNull(),
    adjustmentTotal: money('adjustment_total').notNull(),
    total: money('total').notNull(),
    lineCount: integer('line_count').notNull(),
    commissionCount: integer('commission_count').notNull(),
    adjustmentCount: integer('adjustment_count').notNull(),
    minPayout: money('min_payout').notNull(),
    carriedOver: jsonb('carried_over').$type<CarriedOver[]>().notNull().default([]),
    reference: text('reference'),
    paidAt: timestampColumn('paid_at'),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    check('settlements_status_check', sql`${t.status} in (${inList(SETTLEMENT_STATUSES)})`),
    check(
      'settlements_money_check',
      sql`${t.total} >= 0 and ${t.total} = ${t.commissionTotal} + ${t.adjustmentTotal}`,
    ),
  ],
);

/**
 * The commission ledger: one row per attributed order line, never two (the unique key on the
 * line is the database's guarantee of one payee per line, DESIGN.md §3). `estimated_amount` is
 * what the line earned when paid; `amount` follows refunds until the row is settled, after
 * which it is never edited again (later refunds add `commission_adjustments`).
 */
export const commissions = pgTable(
  'commissions',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    orderId: text('order_id').notNull(),
    orderLineId: text('order_line_id').notNull(),
    promoterId: text('promoter_id').notNull(),
    storeId: text('store_id').notNull(),
    ruleId: text('rule_id'),
    ruleType: text('rule_type', { enum: COMMISSION_RULE_TYPES }),
    status: text('status', { enum: COMMISSION_STATUSES }).notNull(),
    currency: text('currency').notNull(),
    /** The line's amount when paid (what the buyer paid for it). */
    lineAmount: money('line_amount').notNull(),
    /** The line's amount less succeeded refunds. */
    netAmount: money('net_amount').notNull(),
    /** The commission on the whole line, capped: the estimate shown when the order is paid. */
    estimatedAmount: money('estimated_amount').notNull(),
    /** The commission on the net amount (frozen once settled). */
    amount: money('amount').notNull(),
    /** Sum of the adjustments made after settlement (≤ 0 for refunds). */
    adjustedAmount: money('adjusted_amount').notNull().default(0),
    settlementId: text('settlement_id'),
    /** When the order was paid: the sales month of the line for levels and reports. */
    orderPaidAt: timestampColumn('order_paid_at').notNull(),
    /** Completion + the return window: the earliest moment it can be confirmed. */
    confirmAfter: timestampColumn('confirm_after'),
    confirmedAt: timestampColumn('confirmed_at'),
    settledAt: timestampColumn('settled_at'),
    reversedAt: timestampColumn('reversed_at'),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('commissions_order_line_key').on(t.tenantId, t.orderLineId),
    index('commissions_order_idx').on(t.tenantId, t.orderId),
    index('commissions_promoter_idx').on(t.tenantId, t.promoterId, t.id),
    index('commissions_status_idx').on(t.tenantId, t.status, t.id),
    index('commissions_paid_idx').on(t.tenantId, t.orderPaidAt),
    index('commissions_settlement_idx').on(t.tenantId, t.settlementId),
    foreignKey({ columns: [t.tenantId, t.orderId], foreignColumns: [orders.tenantId, orders.id] }),
    foreignKey({
      columns: [t.tenantId, t.orderLineId],
      foreignColumns: [orderLines.tenantId, orderLines.id],
    }),
    foreignKey({ columns: [t.tenantId, t.promoterId], foreignColumns: [promoters.tenantId, promoters.id] }),
    foreignKey({
      columns: [t.tenantId, t.settlementId],
      foreignColumns: [settlements.tenantId, settlements.id],
    }),
    check('commissions_status_check', sql`${t.status} in (${inList(COMMISSION_STATUSES)})`),
    check(
      'commissions_money_check',
      sql`${t.lineAmount} >= 0 and ${t.netAmount} between 0 and ${t.lineAmount}
        and ${t.amount} between 0 and ${t.estimatedAmount} and ${t.estimatedAmount} <= ${t.lineAmount}`,
    ),
    check('commissions_settled_check', sql`(${t.status} = 'settled') = (${t.settlementId} is not null)`),
  ],
);

/**
 * A change to a settled commission (a refund after settlement): never an edit of the settled
 * row, but an entry netted in the next settlement.
 */
export const commissionAdjustments = pgTable(
  'commission_adjustments',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    commissionId: text('commission_id').notNull(),
    promoterId: text('promoter_id').notNull(),
    orderId: text('order_id').notNull(),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    reason: text('reason').notNull(),
    settlementId: text('settlement_id'),
    createdAt: timestampColumn('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index('commission_adjustments_commission_idx').on(t.tenantId, t.commissionId),
    index('commission_adjustments_open_idx')
      .on(t.tenantId, t.promoterId)
      .where(sql`${t.settlementId} is null`),
    foreignKey({
      columns: [t.tenantId, t.commissionId],
      foreignColumns: [commissions.tenantId, commissions.id],
    }),
    foreignKey({ columns: [t.tenantId, t.promoterId], foreignColumns: [promoters.tenantId, promoters.id] }),
    foreignKey({
      columns: [t.tenantId, t.settlementId],
      foreignColumns: [settlements.tenantId, settlements.id],
    }),
    check('commission_adjustments_amount_check', sql`${t.amount} <> 0`),
  ],
);

/** What one promoter is paid in a settlement: never negative, and the sum of its parts. */
export const settlementLines = pgTable(
  'settlement_lines',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    settlementId: text('settlement_id').notNull(),
    promoterId: text('promoter_id').notNull(),
    currency: text('currency').notNull(),
    commissionCount: integer('commission_count').notNull(),
    commissionTotal: money('commission_total').notNull(),
    adjustmentCount: integer('adjustment_count').notNull(),
    adjustmentTotal: money('adjustment_total').notNull(),
    amount: money('amount').notNull(),
    createdAt: timestampColumn('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('settlement_lines_promoter_key').on(t.tenantId, t.settlementId, t.promoterId),
    index('settlement_lines_promoter_idx').on(t.tenantId, t.promoterId, t.id),
    foreignKey({
      columns: [t.tenantId, t.settlementId],
      foreignColumns: [settlements.tenantId, settlements.id],
    }),
    foreignKey({ columns: [t.tenantId, t.promoterId], foreignColumns: [promoters.tenantId, promoters.id] }),
    check(
      'settlement_lines_money_check',
      sql`${t.amount} >= 0 and ${t.amount} = ${t.commissionTotal} + ${t.adjustmentTotal}`,
    ),
  ],
);

/**
 * Promoter levels (推广者等级) with monthly sales thresholds: reaching `upgrade_threshold` in a
 * month promotes; `keep_threshold` holds the level (保级). Level 0 is the implicit base level.
 */
export const promoterLevels = pgTable(
  'promoter_levels',
  {
    tenantId: tenantIdColumn(),
    id: text('id').notNull(),
    level: integer('level').notNull(),
    name: text('name').notNull(),
    upgradeThreshold: money('upgrade_threshold').notNull(),
    keepThreshold: money('keep_threshold').notNull(),
    ...timestamps(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex('promoter_levels_level_key').on(t.tenantId, t.level),
    check(
      'promoter_levels_threshold_check',
      sql`${t.level} >= 1 and ${t.keepThreshold} >= 0 and ${t.keepThreshold} <= ${t.upgradeThreshold}`,
    ),
  ],
);

import { applyRate } from '../../lib/money';

/**
 * The commission rules of DESIGN.md §3, as pure functions: which rule applies to an order line,
 * what it earns, and how refunds claw it back. Amounts are integers in minor units.
 */

export type CommissionRuleType = 'percentage' | 'fixed' | 'margin';

export interface RuleMatch {
  product_id?: string | null;
  category_id?: string | null;
  supplier_id?: string | null;
  store_id?: string | null;
  promoter_kind?: string | null;
  /** The rule applies to promoters at this level or above. */
  min_promoter_level?: number | null;
}

export interface CommissionRule extends RuleMatch {
  id: string;
  type: CommissionRuleType;
  /** Basis points for `percentage` (1000 = 10%). */
  rate_bps?: number | null;
  /** Minor units per unit sold, for `fixed`. */
  amount?: number | null;
  /** Breaks ties between equally specific rules; higher wins. */
  priority: number;
  active: boolean;
}

export interface LineFacts {
  product_id: string;
  category_id: string | null;
  supplier_id: string;
  store_id: string;
  promoter_kind: string;
  promoter_level: number;
  quantity: number;
  /** What the buyer paid for the line, after discounts. */
  amount: number;
  /** The supplier's price per unit (what a shopkeeper pays), for the margin model. */
  supply_price: number | null;
}

/**
 * How specific a rule is. The most specific matching rule wins: product beats category beats
 * supplier beats store; within those, a promoter level beats a promoter kind. The weights are
 * powers of two so that one more specific dimension outweighs all less specific ones together.
 */
export const SPECIFICITY = {
  product_id: 32,
  category_id: 16,
  supplier_id: 8,
  store_id: 4,
  min_promoter_level: 2,
  promoter_kind: 1,
} as const;

export function specificity(rule: RuleMatch): number {
  let score = 0;
  for (const [field, weight] of Object.entries(SPECIFICITY)) {
    const v = rule[field as keyof RuleMatch];
    if (v !== null && v !== undefined) score += weight;
  }
  return score;
}

export function matches(rule: CommissionRule, line: LineFacts): boolean {
  if (!rule.active) return false;
  if (rule.product_id && rule.product_id !== line.product_id) return false;
  if (rule.category_id && rule.category_id !== line.category_id) return false;
  if (rule.supplier_id && rule.supplier_id !== line.supplier_id) return false;
  if (rule.store_id && rule.store_id !== line.store_id) return false;
  if (rule.promoter_kind && rule.promoter_kind !== line.promoter_kind) return false;
  if (rule.min_promoter_level != null && line.promoter_level < rule.min_promoter_level) return false;
  return true;
}

/** The rule that applies: most specific, then highest priority, then the newest id. */
export function selectRule(rules: readonly CommissionRule[], line: LineFacts): CommissionRule | undefined {
  let best: CommissionRule | undefined;
  let bestKey: [number, number, string] | undefined;
  for (const rule of rules) {
    if (!matches(rule, line)) continue;
    const key: [number, number, string] = [specificity(rule), rule.priority, rule.id];
    if (
      !bestKey ||
      key[0] > bestKey[0] ||
      (key[0] === bestKey[0] && (key[1] > bestKey[1] || (key[1] === bestKey[1] && key[2] > bestKey[2])))
    ) {
      best = rule;
      bestKey = key;
    }
  }
  return best;
}

/** The tenant cap: at most `capBps` of the line amount (default 50%). */
export function capFor(amount: number, capBps: number): number {
  return Math.floor((amount * capBps) / 10_000);
}

/** What a rule earns on a whole line (before refunds), capped. Never negative. */
export function baseCommission(rule: CommissionRule, line: LineFacts, capBps: number): number {
  let raw: number;
  switch (rule.type) {
    case 'percentage':
      raw = applyRate(line.amount, rule.rate_bps ?? 0);
      break;
    case 'fixed':
      raw = (rule.amount ?? 0) * line.quantity;
      break;
    case 'margin':
      // The shopkeeper earns its retail price minus the supply price (零售价 − 供货价).
      raw = line.supply_price === null ? 0 : line.amount - line.supply_price * line.quantity;
      break;
  }
  return Math.max(0, Math.min(raw, capFor(line.amount, capBps)));
}

/**
 * The commission on what is left of a line after refunds: the line's commission scaled by
 * the share of its amount still paid, rounded down (a refund never leaves more than its share).
 * Every adjustment moves the commission to this value, so commission plus adjustments always
 * equals the commission on the net amount, whatever the order of refunds.
 */
export function commissionOnNet(base: number, gross: number, net: number): number {
  if (gross <= 0 || net <= 0) return 0;
  if (net >= gross) return base;
  return Number((BigInt(base) * BigInt(net)) / BigInt(gross));
}

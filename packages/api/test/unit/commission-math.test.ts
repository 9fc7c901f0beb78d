import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  baseCommission,
  type CommissionRule,
  commissionOnNet,
  type LineFacts,
  selectRule,
} from '../../src/modules/commissions/math';

const line: LineFacts = {
  product_id: 'prod_1',
  category_id: 'cat_1',
  supplier_id: 'sup_1',
  store_id: 'store_1',
  promoter_kind: 'shopkeeper',
  promoter_level: 2,
  quantity: 3,
  amount: 29_700,
  supply_price: 6_000,
};

const rule = (id: string, over: Partial<CommissionRule>): CommissionRule => ({
  id,
  type: 'percentage',
  rate_bps: 1000,
  priority: 0,
  active: true,
  ...over,
});

describe('rule precedence: most specific wins', () => {
  it('prefers product over category over supplier over store over level over kind', () => {
    const rules = [
      rule('r_kind', { promoter_kind: 'shopkeeper' }),
      rule('r_level', { min_promoter_level: 1 }),
      rule('r_store', { store_id: 'store_1' }),
      rule('r_supplier', { supplier_id: 'sup_1' }),
      rule('r_category', { category_id: 'cat_1' }),
      rule('r_product', { product_id: 'prod_1' }),
      rule('r_all', {}),
    ];
    const order = ['r_product', 'r_category', 'r_supplier', 'r_store', 'r_level', 'r_kind', 'r_all'];
    for (let i = 0; i < order.length; i++) {
      const remaining = rules.filter((r) => order.slice(i).includes(r.id));
      expect(selectRule(remaining, line)?.id).toBe(order[i]);
    }
  });

  it('lets one more specific dimension outweigh several less specific ones', () => {
    const rules = [
      rule('store_kind_level', { store_id: 'store_1', promoter_kind: 'shopkeeper', min_promoter_level: 1 }),
      rule('supplier', { supplier_id: 'sup_1' }),
    ];
    expect(selectRule(rules, line)?.id).toBe('supplier');
  });

  it('breaks ties by priority, then by the newest rule, and skips inactive or non-matching rules', () => {
    expect(selectRule([rule('a', { priority: 1 }), rule('b', {})], line)?.id).toBe('a');
    expect(selectRule([rule('a', {}), rule('b', {})], line)?.id).toBe('b');
    expect(selectRule([rule('a', { active: false })], line)).toBeUndefined();
    expect(selectRule([rule('a', { product_id: 'prod_2' })], line)).toBeUndefined();
    expect(selectRule([rule('a', { min_promoter_level: 3 })], line)).toBeUndefined();
  });
});

describe('base commission', () => {
  it('computes percentage, fixed per unit and shopkeeper margin, capped at the tenant cap', () => {
    expect(baseCommission(rule('p', { rate_bps: 1000 }), line, 5000)).toBe(2_970);
    expect(baseCommission(rule('f', { type: 'fixed', amount: 500 }), line, 5000)).toBe(1_500);
    // Margin: 29,700 − 3 × 6,000 = 11,700 (under the cap of 14,850).
    expect(baseCommission(rule('m', { type: 'margin' }), line, 5000)).toBe(11_700);
    // Capped: 80% asked, 50% allowed.
    expect(baseCommission(rule('p', { rate_bps: 8000 }), line, 5000)).toBe(14_850);
    expect(baseCommission(rule('f', { type: 'fixed', amount: 20_000 }), line, 5000)).toBe(14_850);
    // A negative margin (sold under supply price) earns nothing.
    expect(baseCommission(rule('m', { type: 'margin' }), { ...line, supply_price: 20_000 }, 5000)).toBe(0);
  });
});

describe('clawback on refunds', () => {
  it('scales the commission to what is left of the line, rounding down', () => {
    expect(commissionOnNet(2_970, 29_700, 29_700)).toBe(2_970);
    expect(commissionOnNet(2_970, 29_700, 19_800)).toBe(1_980);
    expect(commissionOnNet(1_001, 3, 1)).toBe(333);
    expect(commissionOnNet(2_970, 29_700, 0)).toBe(0);
  });

  it('commission plus adjustments equals the commission on the net amount, never negative, for any refund sequence', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.array(fc.integer({ min: 1, max: 5_000_000 }), { maxLength: 8 }),
        (gross, bps, refunds) => {
          const base = Math.floor((gross * bps) / 10_000);
          let net = gross;
          let paid = base;
          for (const r of refunds) {
            const next = Math.max(0, net - r);
            const adjustment = commissionOnNet(base, gross, next) - commissionOnNet(base, gross, net);
            expect(adjustment).toBeLessThanOrEqual(0);
            paid += adjustment;
            net = next;
            expect(paid).toBe(commissionOnNet(base, gross, net));
            expect(paid).toBeGreaterThanOrEqual(0);
            expect(paid).toBeLessThanOrEqual(base);
          }
        },
      ),
      { numRuns: 10_000 },
    );
  });
});

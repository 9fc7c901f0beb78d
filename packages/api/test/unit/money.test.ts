import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, applyRate } from '../../src/lib/money';

describe('allocate (largest remainder)', () => {
  it('splits exactly and gives leftover units to the largest remainders', () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(10, [3, 3, 4])).toEqual([3, 3, 4]);
    expect(allocate(1, [1, 1])).toEqual([1, 0]);
    expect(allocate(-100, [1, 1, 1])).toEqual([-34, -33, -33]);
    expect(allocate(0, [0, 0])).toEqual([0, 0]);
    expect(allocate(999, [1999, 1, 0])).toEqual([999, 0, 0]);
    expect(allocate(5, [1, 1, 1, 1, 1, 1])).toEqual([1, 1, 1, 1, 1, 0]);
  });

  it('refuses what cannot be split', () => {
    expect(() => allocate(1, [0, 0])).toThrow(RangeError);
    expect(() => allocate(1.5, [1])).toThrow(RangeError);
    expect(() => allocate(1, [1.5])).toThrow(RangeError);
    expect(() => allocate(1, [-1, 2])).toThrow(RangeError);
  });

  it('always sums to the total, never moves a part by a unit or more from its exact share', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
        fc
          .array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 30 })
          .filter((w) => w.some((x) => x > 0)),
        (total, weights) => {
          const parts = allocate(total, weights);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          const sum = weights.reduce((a, b) => a + b, 0);
          parts.forEach((p, i) => {
            const exact = (total * weights[i]!) / sum;
            expect(Math.abs(p - exact)).toBeLessThan(1 + 1e-6);
            if (weights[i] === 0) expect(p).toBe(0);
          });
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('applyRate', () => {
  it('rounds half up in basis points', () => {
    expect(applyRate(1000, 1000)).toBe(100);
    expect(applyRate(15, 5000)).toBe(8); // 7.5 → 8
    expect(applyRate(14, 5000)).toBe(7);
    expect(applyRate(0, 5000)).toBe(0);
    expect(() => applyRate(-1, 100)).toThrow(RangeError);
  });
});

import { describe, expect, it } from 'vitest';
import { normalizeColumn, parsePrice } from '../../src/modules/imports/formats';

describe('import format helpers', () => {
  it('turns decimal prices into minor units, refusing what is not a price', () => {
    expect(parsePrice('19.99')).toBe(1999);
    expect(parsePrice('25')).toBe(2500);
    expect(parsePrice('0.5')).toBe(50);
    expect(parsePrice('1,299.00')).toBe(129900);
    for (const bad of ['', '12.5.0', '-1', '1.999', 'abc', '1e3'])
      expect(parsePrice(bad), bad).toBeUndefined();
  });

  it('matches header names trimmed, case-insensitively, with runs of spaces as one', () => {
    expect(normalizeColumn('  Variant  SKU ')).toBe('variant sku');
    expect(normalizeColumn('Body (HTML)')).toBe('body (html)');
  });
});

import { z } from 'zod';

/** Money is an integer count of minor units (分). The ceiling keeps sums far from 2^53. */
export const MAX_AMOUNT = 100_000_000_000; // ¥1,000,000,000.00

export const amountSchema = z.number().int().min(0).max(MAX_AMOUNT).describe('Amount in minor units (分).');
export const currencySchema = z
  .string()
  .regex(/^[A-Z]{3}$/, 'Use an ISO 4217 code such as CNY')
  .default('CNY')
  .describe('ISO 4217 currency code.');

/**
 * Splits `total` into parts proportional to integer `weights` by the largest-remainder method:
 * each part is floored, then the units left over go to the largest remainders (ties to the
 * earlier part). The parts always sum to `total`; a negative total splits like its absolute
 * value, negated.
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(total)) throw new RangeError('total must be a safe integer');
  if (weights.some((w) => !Number.isSafeInteger(w) || w < 0)) {
    throw new RangeError('weights must be non-negative integers');
  }
  const sum = weights.reduce((a, b) => a + BigInt(b), 0n);
  if (sum === 0n) {
    if (total === 0) return weights.map(() => 0);
    throw new RangeError('cannot allocate a non-zero total over zero weight');
  }
  const sign = total < 0 ? -1 : 1;
  const abs = BigInt(Math.abs(total));
  // BigInt keeps total × weight exact however large the numbers are.
  const shares = weights.map((w, index) => {
    const num = abs * BigInt(w);
    return { index, floor: num / sum, rem: num % sum };
  });
  let left = abs - shares.reduce((a, s) => a + s.floor, 0n);
  const byRemainder = [...shares].sort((a, b) =>
    b.rem > a.rem ? 1 : b.rem < a.rem ? -1 : a.index - b.index,
  );
  for (const share of byRemainder) {
    if (left === 0n) break;
    share.floor += 1n;
    left -= 1n;
  }
  return shares.map((s) => sign * Number(s.floor) + 0); // + 0 turns -0 into 0
}

/** `amount × bps / 10000` for a non-negative amount, rounded half up; 1% = 100 bps. */
export function applyRate(amount: number, bps: number): number {
  if (!Number.isSafeInteger(amount) || amount < 0)
    throw new RangeError('amount must be a non-negative integer');
  if (!Number.isSafeInteger(bps) || bps < 0) throw new RangeError('bps must be a non-negative integer');
  return Number((BigInt(amount) * BigInt(bps) * 2n + 10_000n) / 20_000n);
}

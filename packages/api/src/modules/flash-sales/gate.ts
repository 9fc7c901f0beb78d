/**
 * The in-process side of a flash sale: when a sale item runs out, the next buyers on this node
 * get their 409 without opening a transaction or queueing on the item's row lock (10,000
 * buyers for 100 units must not all wait for the database to tell them). The database stays
 * the judge: the mark expires after a moment, and a release on this node clears it at once.
 */
const SOLD_OUT_MS = 2_000;
const ITEM_TTL_MS = 1_000;

const soldOutUntil = new Map<string, number>();
const itemOfVariant = new Map<string, { itemId: string | null; until: number }>();

const key = (tenantId: string, id: string) => `${tenantId}:${id}`;

export function markSoldOut(tenantId: string, itemId: string, now = Date.now()) {
  soldOutUntil.set(key(tenantId, itemId), now + SOLD_OUT_MS);
}

export function clearSoldOut(tenantId: string, itemId: string) {
  soldOutUntil.delete(key(tenantId, itemId));
}

/** Remembers which sale item (if any) a variant is in right now, as pricing last found it. */
export function noteVariantItem(
  tenantId: string,
  variantId: string,
  itemId: string | null,
  now = Date.now(),
) {
  itemOfVariant.set(key(tenantId, variantId), { itemId, until: now + ITEM_TTL_MS });
  if (itemOfVariant.size > 100_000) itemOfVariant.clear();
}

/** The sold-out sale item among these variants, as far as this node knows; else undefined. */
export function knownSoldOut(tenantId: string, variantIds: string[], now = Date.now()): string | undefined {
  for (const variantId of variantIds) {
    const known = itemOfVariant.get(key(tenantId, variantId));
    if (!known?.itemId || known.until < now) continue;
    const until = soldOutUntil.get(key(tenantId, known.itemId));
    if (until !== undefined && until > now) return known.itemId;
  }
  return undefined;
}

import { ApiError, conflict } from '../../http/errors';

/**
 * The in-process side of a flash sale: when a sale item runs out, the next buyers on this node
 * get their 409 without opening a transaction or queueing on the item's row lock (10,000
 * buyers for 100 units must not all wait for the database to tell them). The database stays
 * the judge: the mark expires after a moment, and a release on this node clears it at once.
 */
const SOLD_OUT_MS = 2_000;
/**
 * How long this node trusts "variant V is in sale item I" without pricing it again. Longer than
 * SOLD_OUT_MS and refreshed while buyers keep coming: once the gate answers from memory nobody
 * prices the variant, and a mapping that lapsed first would send the whole crowd to the
 * database when the sold-out mark expires (a wrong mapping corrects itself at the next pricing).
 */
const ITEM_TTL_MS = 10_000;

const soldOutUntil = new Map<string, number>();
const itemOfVariant = new Map<string, { itemId: string | null; until: number }>();

const key = (tenantId: string, id: string) => `${tenantId}:${id}`;

export function markSoldOut(tenantId: string, itemId: string, now = Date.now()) {
  soldOutUntil.set(key(tenantId, itemId), now + SOLD_OUT_MS);
  // Everyone queued for the item is answered now, not after their turn at the database.
  const lane = lanes.get(key(tenantId, itemId));
  if (!lane) return;
  for (const waiter of lane.waiting.splice(0)) waiter.reject(soldOutError());
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

// ---------------------------------------------------------------------------------------------
// Admission: at most ITEM_CONCURRENCY checkouts of one sale item run at once on this node; the
// others wait here, in memory, holding neither a pool connection nor a row lock. A sale of 100
// units to 10,000 buyers is then 100 short transactions in a row plus 9,900 answers from
// memory, instead of 10,000 transactions queueing on one row.

const ITEM_CONCURRENCY = 4;
/** Beyond this many waiting buyers for one item, new ones are told to retry (429). */
const MAX_WAITING = 20_000;

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}
const lanes = new Map<string, { running: number; waiting: Waiter[] }>();

function soldOutError() {
  return conflict('flash_sale_sold_out', 'The flash sale has no units left for this item.');
}

/** Loads the tenant's live sale items (variant id → item id); see saleIndexLoader. */
export type SaleIndexLoader = () => Promise<Map<string, string>>;

/**
 * Live sale items per tenant, re-read at most every INDEX_TTL_MS, one read at a time. Without
 * it, the gate would learn of a sale only from the first priced order, and the opening crowd
 * (thousands of buyers in the first second) would all be past the gate by then.
 */
const INDEX_TTL_MS = 1_000;
const saleIndex = new Map<string, { until: number; items: Map<string, string> }>();
const indexLoads = new Map<string, Promise<Map<string, string>>>();

async function indexedItems(
  tenantId: string,
  load: SaleIndexLoader | undefined,
): Promise<Map<string, string>> {
  const cached = saleIndex.get(tenantId);
  if (cached && cached.until >= Date.now()) return cached.items;
  if (!load) return cached?.items ?? new Map();
  let pending = indexLoads.get(tenantId);
  if (!pending) {
    pending = load()
      .then((items) => {
        saleIndex.set(tenantId, { until: Date.now() + INDEX_TTL_MS, items });
        if (saleIndex.size > 10_000) saleIndex.clear();
        return items;
      })
      .finally(() => indexLoads.delete(tenantId));
    indexLoads.set(tenantId, pending);
  }
  return pending;
}

/** The sale items among these variants, as pricing last found them on this node. */
function knownItems(tenantId: string, variantIds: string[], now: number): string[] {
  const items = new Set<string>();
  for (const variantId of variantIds) {
    const known = itemOfVariant.get(key(tenantId, variantId));
    if (known?.itemId && known.until >= now) {
      items.add(known.itemId);
      known.until = now + ITEM_TTL_MS;
    }
  }
  return [...items].sort();
}

/** Whether the tenant has a live sale item (so a cart is worth reading before its checkout). */
export async function tenantHasSaleItems(
  tenantId: string,
  load?: SaleIndexLoader,
  now = Date.now(),
): Promise<boolean> {
  if ((await indexedItems(tenantId, load)).size > 0) return true;
  const prefix = `${tenantId}:`;
  for (const [k, v] of itemOfVariant) if (v.itemId && v.until >= now && k.startsWith(prefix)) return true;
  return false;
}

/**
 * Waits for a turn at every sale item among the variants (in item order, so two orders never
 * wait for each other), or fails at once when one is known to be sold out. Resolves to the
 * function that gives the turns back; call it when the order's transaction has ended.
 */
export async function admitToSale(
  tenantId: string,
  variantIds: string[],
  load?: SaleIndexLoader,
  now = Date.now(),
): Promise<() => void> {
  const held: string[] = [];
  const release = () => {
    for (const k of held.splice(0)) leave(k);
  };
  const indexed = await indexedItems(tenantId, load);
  const items = new Set(knownItems(tenantId, variantIds, now));
  for (const variantId of variantIds) {
    const itemId = indexed.get(variantId);
    if (itemId) items.add(itemId);
  }
  try {
    for (const itemId of [...items].sort()) {
      const k = key(tenantId, itemId);
      const until = soldOutUntil.get(k);
      if (until !== undefined && until > Date.now()) throw soldOutError();
      await enter(k);
      held.push(k);
    }
  } catch (err) {
    release();
    throw err;
  }
  return release;
}

function enter(k: string): Promise<void> {
  let lane = lanes.get(k);
  if (!lane) {
    lane = { running: 0, waiting: [] };
    lanes.set(k, lane);
  }
  if (lane.running < ITEM_CONCURRENCY) {
    lane.running++;
    return Promise.resolve();
  }
  if (lane.waiting.length >= MAX_WAITING) {
    return Promise.reject(
      new ApiError(429, 'flash_sale_busy', 'Too many buyers are waiting for this item; retry shortly.', [], {
        'retry-after': '1',
      }),
    );
  }
  const queued = lane;
  return new Promise<void>((resolve, reject) => {
    queued.waiting.push({ resolve, reject });
  });
}

function leave(k: string) {
  const lane = lanes.get(k);
  if (!lane) return;
  const until = soldOutUntil.get(k);
  if (until !== undefined && until > Date.now()) {
    for (const waiter of lane.waiting.splice(0)) waiter.reject(soldOutError());
  }
  const next = lane.waiting.shift();
  if (next) {
    next.resolve(); // the turn passes on: `running` stays the same
    return;
  }
  lane.running--;
  if (lane.running === 0) lanes.delete(k);
}

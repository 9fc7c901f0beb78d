import { randomInt } from 'node:crypto';
import { and, desc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import {
  type ApiError,
  badRequest,
  conflict,
  fieldError,
  invalidReference,
  notFound,
  unprocessable,
} from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { allocate, applyRate } from '../../lib/money';
import { mergeRecord } from '../../lib/records';
import { categories, products } from '../catalog/tables';
import { recordEvent } from '../events/service';
import type { PricedLine } from '../orders/pricing';
import { stores } from '../stores/tables';
import { suppliers } from '../suppliers/tables';
import { readTenantSettings } from '../tenants/service';
import { isMember, memberStanding } from './prices';
import { type CouponScope, couponCodes, couponCustomerUses, couponRedemptions, coupons } from './tables';

type Ctx = Pick<TenantCtx, 'tenantId' | 'clock'>;
type CouponRow = typeof coupons.$inferSelect;
type CodeRow = typeof couponCodes.$inferSelect;

export const MAX_CODES_PER_BATCH = 1000;
/** Codes compare case-insensitively: stored upper-case. */
export const normalizeCode = (code: string) => code.trim().toUpperCase();

export function presentCoupon(row: CouponRow, sharedCode: string | null) {
  return {
    id: row.id,
    object: 'coupon' as const,
    name: row.name,
    kind: row.kind,
    amount_off: row.amountOff,
    percent_off: row.percentOff,
    max_discount: row.maxDiscount,
    currency: row.currency,
    min_spend: row.minSpend,
    scope: row.scope,
    scope_ids: row.scopeIds,
    members_only: row.membersOnly,
    code: sharedCode,
    starts_at: iso(row.startsAt),
    ends_at: iso(row.endsAt),
    usage_limit: row.usageLimit,
    per_customer_limit: row.perCustomerLimit,
    redeemed: row.redeemed,
    active: row.active,
    metadata: row.metadata,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Coupon = ReturnType<typeof presentCoupon>;

// ---------------------------------------------------------------------------------------------
// Managing coupons

export interface CouponInput {
  name?: string | undefined;
  kind?: 'fixed' | 'percentage' | undefined;
  amount_off?: number | undefined;
  percent_off?: number | undefined;
  max_discount?: number | null | undefined;
  min_spend?: number | undefined;
  scope?: CouponScope | undefined;
  scope_ids?: string[] | undefined;
  members_only?: boolean | undefined;
  code?: string | undefined;
  starts_at?: Date | null | undefined;
  ends_at?: Date | null | undefined;
  usage_limit?: number | null | undefined;
  per_customer_limit?: number | null | undefined;
  active?: boolean | undefined;
  metadata?: Record<string, string | null> | undefined;
}

const SCOPE_TABLES = {
  product: products,
  category: categories,
  supplier: suppliers,
  store: stores,
} as const;

async function assertScope(tx: Tx, tenantId: string, scope: CouponScope, ids: string[]) {
  if (scope === 'all') {
    if (ids.length) {
      throw badRequest('invalid_coupon', 'A coupon for everything takes no scope_ids.', [
        fieldError('body.scope_ids', 'not_allowed', 'Leave empty with scope all'),
      ]);
    }
    return;
  }
  if (!ids.length) {
    throw badRequest('invalid_coupon', `Name the ${scope}s the coupon applies to.`, [
      fieldError('body.scope_ids', 'required', `At least one ${scope} id`),
    ]);
  }
  const table = SCOPE_TABLES[scope];
  const found = await tx
    .select({ id: table.id })
    .from(table)
    .where(and(eq(table.tenantId, tenantId), inArray(table.id, ids)));
  const known = new Set(found.map((r) => r.id));
  ids.forEach((id, i) => {
    if (!known.has(id)) throw invalidReference(scope, id, `body.scope_ids.${i}`);
  });
}

function assertWindow(startsAt: Date | null, endsAt: Date | null) {
  if (startsAt && endsAt && endsAt <= startsAt) {
    throw badRequest('invalid_window', 'ends_at must be after starts_at.', [
      fieldError('body.ends_at', 'before_start', 'Must be after starts_at'),
    ]);
  }
}

async function insertCodes(tx: Tx, ctx: Ctx, couponId: string, codes: string[], singleUse: boolean) {
  return tx
    .insert(couponCodes)
    .values(
      codes.map((code) => ({
        tenantId: ctx.tenantId,
        code,
        couponId,
        singleUse,
        createdAt: ctx.clock.now(),
      })),
    )
    .onConflictDoNothing()
    .returning({ code: couponCodes.code });
}

export async function createCoupon(
  ctx: TenantCtx,
  input: CouponInput & { name: string; kind: 'fixed' | 'percentage' },
) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    if (input.kind === 'fixed' && (input.amount_off === undefined || input.percent_off !== undefined)) {
      throw badRequest('invalid_coupon', 'A fixed coupon has amount_off (and no percent_off).', [
        fieldError('body.amount_off', 'required', 'Required for kind fixed'),
      ]);
    }
    if (input.kind === 'percentage' && (input.percent_off === undefined || input.amount_off !== undefined)) {
      throw badRequest('invalid_coupon', 'A percentage coupon has percent_off (and no amount_off).', [
        fieldError('body.percent_off', 'required', 'Required for kind percentage'),
      ]);
    }
    const scope = input.scope ?? 'all';
    const scopeIds = [...new Set(input.scope_ids ?? [])];
    await assertScope(tx, ctx.tenantId, scope, scopeIds);
    assertWindow(input.starts_at ?? null, input.ends_at ?? null);
    const { currency } = await readTenantSettings(tx, ctx.tenantId);
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(coupons)
      .values({
        tenantId: ctx.tenantId,
        id: newId('coupon'),
        name: input.name,
        kind: input.kind,
        amountOff: input.amount_off ?? null,
        percentOff: input.percent_off ?? null,
        maxDiscount: input.max_discount ?? null,
        currency,
        minSpend: input.min_spend ?? 0,
        scope,
        scopeIds,
        membersOnly: input.members_only ?? false,
        startsAt: input.starts_at ?? null,
        endsAt: input.ends_at ?? null,
        usageLimit: input.usage_limit ?? null,
        perCustomerLimit: input.per_customer_limit ?? null,
        active: input.active ?? true,
        metadata: mergeRecord({}, input.metadata ?? {}),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    let code: string | null = null;
    if (input.code) {
      code = normalizeCode(input.code);
      const inserted = await insertCodes(tx, ctx, row!.id, [code], false);
      if (!inserted.length) {
        throw conflict('coupon_code_taken', `The code '${code}' is already in use.`, [
          fieldError('body.code', 'taken', 'Another coupon has this code'),
        ]);
      }
    }
    const coupon = presentCoupon(row!, code);
    await recordEvent(tx, ctx, { type: 'coupon.created', object: coupon });
    return coupon;
  });
}

async function sharedCodeOf(tx: Tx, tenantId: string, couponId: string) {
  const [row] = await tx
    .select({ code: couponCodes.code })
    .from(couponCodes)
    .where(
      and(
        eq(couponCodes.tenantId, tenantId),
        eq(couponCodes.couponId, couponId),
        eq(couponCodes.singleUse, false),
      ),
    )
    .limit(1);
  return row?.code ?? null;
}

async function findCoupon(tx: Tx, tenantId: string, id: string, lock = false) {
  const q = tx
    .select()
    .from(coupons)
    .where(and(eq(coupons.tenantId, tenantId), eq(coupons.id, id)));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw notFound('coupon', id);
  return row;
}

export async function getCoupon(ctx: TenantCtx, id: string): Promise<Coupon> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const row = await findCoupon(tx, ctx.tenantId, id);
    return presentCoupon(row, await sharedCodeOf(tx, ctx.tenantId, id));
  });
}

export async function listCoupons(ctx: TenantCtx, query: ListQuery & { active?: boolean | undefined }) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(coupons)
      .where(
        and(
          eq(coupons.tenantId, ctx.tenantId),
          query.active === undefined ? undefined : eq(coupons.active, query.active),
          after ? lt(coupons.id, after) : undefined,
        ),
      )
      .orderBy(desc(coupons.id))
      .limit(query.limit + 1);
    const ids = rows.map((r) => r.id);
    const shared = ids.length
      ? await tx
          .select({ couponId: couponCodes.couponId, code: couponCodes.code })
          .from(couponCodes)
          .where(
            and(
              eq(couponCodes.tenantId, ctx.tenantId),
              inArray(couponCodes.couponId, ids),
              eq(couponCodes.singleUse, false),
            ),
          )
      : [];
    const codeOf = new Map(shared.map((s) => [s.couponId, s.code]));
    return pageOf(rows, query.limit, (r) => presentCoupon(r, codeOf.get(r.id) ?? null));
  });
}

/** Name, window, limits, activity and metadata can change; the discount itself cannot. */
export async function updateCoupon(ctx: TenantCtx, id: string, input: CouponInput): Promise<Coupon> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const current = await findCoupon(tx, ctx.tenantId, id, true);
    const startsAt = input.starts_at === undefined ? current.startsAt : input.starts_at;
    const endsAt = input.ends_at === undefined ? current.endsAt : input.ends_at;
    assertWindow(startsAt, endsAt);
    const usageLimit = input.usage_limit === undefined ? current.usageLimit : input.usage_limit;
    if (usageLimit !== null && usageLimit < current.redeemed) {
      throw conflict('usage_limit_below_redeemed', `The coupon was already used ${current.redeemed} times.`, [
        fieldError('body.usage_limit', 'too_small', `At least ${current.redeemed}`),
      ]);
    }
    const [row] = await tx
      .update(coupons)
      .set({
        name: input.name ?? current.name,
        startsAt,
        endsAt,
        usageLimit,
        perCustomerLimit:
          input.per_customer_limit === undefined ? current.perCustomerLimit : input.per_customer_limit,
        active: input.active ?? current.active,
        metadata: input.metadata ? mergeRecord(current.metadata, input.metadata) : current.metadata,
        updatedAt: ctx.clock.now(),
      })
      .where(and(eq(coupons.tenantId, ctx.tenantId), eq(coupons.id, id)))
      .returning();
    const coupon = presentCoupon(row!, await sharedCodeOf(tx, ctx.tenantId, id));
    await recordEvent(tx, ctx, { type: 'coupon.updated', object: coupon });
    return coupon;
  });
}

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O, 1/I
const randomCode = (prefix: string) =>
  prefix + Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

/** Generates `count` unique single-use codes (一券一码) and returns them (the only time all are listed). */
export async function generateCodes(
  ctx: TenantCtx,
  id: string,
  input: { count: number; prefix?: string | undefined },
) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    await findCoupon(tx, ctx.tenantId, id);
    const prefix = input.prefix ? normalizeCode(input.prefix) : '';
    const made: string[] = [];
    // A collision with an existing code is astronomically rare; draw again for the missing ones.
    for (let round = 0; made.length < input.count && round < 5; round++) {
      const wanted = new Set<string>();
      while (wanted.size < input.count - made.length) wanted.add(randomCode(prefix));
      const inserted = await insertCodes(tx, ctx, id, [...wanted], true);
      made.push(...inserted.map((r) => r.code));
    }
    return { object: 'coupon_code_batch' as const, coupon_id: id, codes: made };
  });
}

// ---------------------------------------------------------------------------------------------
// Applying a coupon (called by the pricing function, orders/pricing.ts)

export interface CouponOutcome {
  code: string;
  coupon_id: string | null;
  applied: boolean;
  discount: number;
  /** Why it does not apply: the problem `code` checkout would answer. */
  reason: string | null;
  message: string | null;
}

export interface CouponContext {
  code: string;
  storeId: string;
  /** The customer the order belongs to (also a guest found by phone): per-customer limits. */
  customerId: string | null;
  /** A customer the caller vouched for (`customer_id`): members-only coupons. */
  memberCustomerId: string | null;
  at: Date;
  /** A cart preview skips checks that need the customer checkout will find. */
  preview: boolean;
}

export interface CouponApplication {
  outcome: CouponOutcome;
  /** Set when the coupon applies: what placing the order must redeem. */
  redeem: { couponId: string; code: string; singleUse: boolean; perCustomerLimit: number | null } | null;
  /** The problem to answer at checkout when it does not apply. */
  error: ApiError | null;
}

const refused = (code: string, error: ApiError, couponId: string | null = null): CouponApplication => ({
  outcome: {
    code,
    coupon_id: couponId,
    applied: false,
    discount: 0,
    reason: error.code,
    message: error.message,
  },
  redeem: null,
  error,
});

function inScope(coupon: CouponRow, storeId: string, line: PricedLine) {
  const ids = coupon.scopeIds;
  switch (coupon.scope) {
    case 'all':
      return true;
    case 'store':
      return ids.includes(storeId);
    case 'product':
      return ids.includes(line.product_id);
    case 'category':
      return line.category_id !== null && ids.includes(line.category_id);
    case 'supplier':
      return ids.includes(line.supplier_id);
  }
}

/**
 * Checks the coupon against the priced lines and, when it applies, allocates its discount to the
 * lines in scope by their subtotals (largest remainder), writing each line's `discount` and
 * `total` in place. Every reason it does not apply has its own problem code.
 */
export async function applyCoupon(
  tx: Tx,
  ctx: Pick<TenantCtx, 'tenantId'>,
  lines: PricedLine[],
  input: CouponContext,
): Promise<CouponApplication> {
  const code = normalizeCode(input.code);
  const [found] = await tx
    .select({ coupon: coupons, codeRow: couponCodes })
    .from(couponCodes)
    .innerJoin(coupons, and(eq(coupons.tenantId, couponCodes.tenantId), eq(coupons.id, couponCodes.couponId)))
    .where(and(eq(couponCodes.tenantId, ctx.tenantId), eq(couponCodes.code, code)));
  if (!found) {
    return refused(
      code,
      unprocessable('coupon_unknown', `No coupon has the code '${code}'.`, [
        fieldError('body.coupon_code', 'coupon_unknown', 'Unknown code'),
      ]),
    );
  }
  const { coupon, codeRow } = found as { coupon: CouponRow; codeRow: CodeRow };
  const no = (error: ApiError) => refused(code, error, coupon.id);
  if (!coupon.active) return no(unprocessable('coupon_inactive', 'This coupon has been switched off.'));
  if (coupon.startsAt && input.at < coupon.startsAt) {
    return no(unprocessable('coupon_not_started', `This coupon starts at ${coupon.startsAt.toISOString()}.`));
  }
  if (coupon.endsAt && input.at >= coupon.endsAt) {
    return no(unprocessable('coupon_expired', `This coupon ended at ${coupon.endsAt.toISOString()}.`));
  }
  if (codeRow.singleUse && codeRow.orderId) {
    return no(conflict('coupon_code_used', 'This code has already been used.'));
  }
  if (coupon.usageLimit !== null && coupon.redeemed >= coupon.usageLimit) {
    return no(conflict('coupon_usage_limit_reached', 'This coupon has been used up.'));
  }
  if (coupon.membersOnly) {
    if (!input.memberCustomerId) {
      return no(
        unprocessable('coupon_customer_required', 'This coupon is for members: give the customer_id.'),
      );
    }
    if (!isMember(await memberStanding(tx, ctx.tenantId, input.memberCustomerId, input.at))) {
      return no(unprocessable('coupon_members_only', 'This coupon is for members only.'));
    }
  }
  if (coupon.perCustomerLimit !== null) {
    if (!input.customerId) {
      if (!input.preview) {
        return no(
          unprocessable(
            'coupon_customer_required',
            'This coupon needs a customer (its use is counted per customer).',
          ),
        );
      }
    } else {
      const [uses] = await tx
        .select({ uses: couponCustomerUses.uses })
        .from(couponCustomerUses)
        .where(
          and(
            eq(couponCustomerUses.tenantId, ctx.tenantId),
            eq(couponCustomerUses.couponId, coupon.id),
            eq(couponCustomerUses.customerId, input.customerId),
          ),
        );
      if ((uses?.uses ?? 0) >= coupon.perCustomerLimit) {
        return no(
          conflict(
            'coupon_per_customer_limit_reached',
            'This customer has used this coupon as often as allowed.',
          ),
        );
      }
    }
  }
  const eligible = lines.map((l) => l.sellable && inScope(coupon, input.storeId, l));
  const base = lines.reduce((a, l, i) => a + (eligible[i] ? l.subtotal : 0), 0);
  if (base === 0) {
    return no(unprocessable('coupon_out_of_scope', 'Nothing in the order is covered by this coupon.'));
  }
  if (base < coupon.minSpend) {
    return no(
      unprocessable(
        'coupon_min_spend_not_met',
        `Spend at least ${coupon.minSpend} on covered items (now ${base}).`,
      ),
    );
  }
  let discount = coupon.kind === 'fixed' ? coupon.amountOff! : applyRate(base, coupon.percentOff! * 100);
  if (coupon.maxDiscount !== null) discount = Math.min(discount, coupon.maxDiscount);
  discount = Math.min(discount, base);
  const parts = allocate(
    discount,
    lines.map((l, i) => (eligible[i] ? l.subtotal : 0)),
  );
  lines.forEach((l, i) => {
    l.discount += parts[i]!;
    l.total = l.subtotal - l.discount;
  });
  return {
    outcome: { code, coupon_id: coupon.id, applied: true, discount, reason: null, message: null },
    redeem: {
      couponId: coupon.id,
      code,
      singleUse: codeRow.singleUse,
      perCustomerLimit: coupon.perCustomerLimit,
    },
    error: null,
  };
}

/**
 * Counts the coupon's use for an order, exactly once even when checkouts race: each limit is one
 * conditional UPDATE (the coupon's total, the code's single use, the customer's uses), so the
 * losers of a race get the same 409 a late buyer would.
 */
export async function redeemCoupon(
  tx: Tx,
  ctx: Ctx,
  redeem: NonNullable<CouponApplication['redeem']>,
  order: { id: string; customerId: string | null; discount: number },
) {
  const now = ctx.clock.now();
  const [counted] = await tx
    .update(coupons)
    .set({ redeemed: sql`${coupons.redeemed} + 1`, updatedAt: now })
    .where(
      and(
        eq(coupons.tenantId, ctx.tenantId),
        eq(coupons.id, redeem.couponId),
        sql`(${coupons.usageLimit} is null or ${coupons.redeemed} < ${coupons.usageLimit})`,
      ),
    )
    .returning({ id: coupons.id });
  if (!counted) throw conflict('coupon_usage_limit_reached', 'This coupon has been used up.');
  if (redeem.singleUse) {
    const [claimed] = await tx
      .update(couponCodes)
      .set({ orderId: order.id })
      .where(
        and(
          eq(couponCodes.tenantId, ctx.tenantId),
          eq(couponCodes.code, redeem.code),
          isNull(couponCodes.orderId),
        ),
      )
      .returning({ code: couponCodes.code });
    if (!claimed) throw conflict('coupon_code_used', 'This code has already been used.');
  }
  if (redeem.perCustomerLimit !== null && order.customerId) {
    const [used] = await tx
      .insert(couponCustomerUses)
      .values({ tenantId: ctx.tenantId, couponId: redeem.couponId, customerId: order.customerId, uses: 1 })
      .onConflictDoUpdate({
        target: [couponCustomerUses.tenantId, couponCustomerUses.couponId, couponCustomerUses.customerId],
        set: { uses: sql`${couponCustomerUses.uses} + 1` },
        setWhere: sql`${couponCustomerUses.uses} < ${redeem.perCustomerLimit}`,
      })
      .returning({ uses: couponCustomerUses.uses });
    if (!used) {
      throw conflict(
        'coupon_per_customer_limit_reached',
        'This customer has used this coupon as often as allowed.',
      );
    }
  }
  await tx.insert(couponRedemptions).values({
    tenantId: ctx.tenantId,
    id: newId('couponRedemption'),
    couponId: redeem.couponId,
    code: redeem.code,
    orderId: order.id,
    customerId: order.customerId,
    discount: order.discount,
    createdAt: now,
  });
}

/** Hook for orders: a cancelled (or expired unpaid) order gives its coupon use back. */
export async function releaseOrderCoupon(tx: Tx, ctx: Ctx, orderId: string) {
  const now = ctx.clock.now();
  const [released] = await tx
    .update(couponRedemptions)
    .set({ releasedAt: now })
    .where(
      and(
        eq(couponRedemptions.tenantId, ctx.tenantId),
        eq(couponRedemptions.orderId, orderId),
        isNull(couponRedemptions.releasedAt),
      ),
    )
    .returning();
  if (!released) return;
  await tx
    .update(coupons)
    .set({ redeemed: sql`${coupons.redeemed} - 1`, updatedAt: now })
    .where(and(eq(coupons.tenantId, ctx.tenantId), eq(coupons.id, released.couponId)));
  await tx
    .update(couponCodes)
    .set({ orderId: null })
    .where(
      and(
        eq(couponCodes.tenantId, ctx.tenantId),
        eq(couponCodes.code, released.code),
        eq(couponCodes.orderId, orderId),
      ),
    );
  if (released.customerId) {
    await tx
      .update(couponCustomerUses)
      .set({ uses: sql`${couponCustomerUses.uses} - 1` })
      .where(
        and(
          eq(couponCustomerUses.tenantId, ctx.tenantId),
          eq(couponCustomerUses.couponId, released.couponId),
          eq(couponCustomerUses.customerId, released.customerId),
          sql`${couponCustomerUses.uses} > 0`,
        ),
      );
  }
}

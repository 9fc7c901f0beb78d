import { and, desc, eq, gt, inArray, lt, lte } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import { conflict, fieldError, invalidReference, notFound, unprocessable } from '../../http/errors';
import { cursorId, type ListQuery, pageOf } from '../../http/pagination';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { variants } from '../catalog/tables';
import { memberAccounts, memberPrices, memberships, memberTiers } from './tables';

type PriceRow = typeof memberPrices.$inferSelect;
export const PAID_MEMBERS = 'paid_members';

export function presentMemberPrice(row: PriceRow) {
  return {
    id: row.id,
    object: 'member_price' as const,
    variant_id: row.variantId,
    tier_id: row.tierId,
    paid_members: row.tierId === null,
    price: row.price,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type MemberPrice = ReturnType<typeof presentMemberPrice>;

async function variantFloor(tx: Tx, tenantId: string, variantId: string, field: string) {
  const [v] = await tx
    .select({ id: variants.id, retailFloor: variants.retailFloor })
    .from(variants)
    .where(and(eq(variants.tenantId, tenantId), eq(variants.id, variantId)));
  if (!v) throw invalidReference('variant', variantId, field);
  return v.retailFloor;
}

function assertAboveFloor(price: number, floor: number | null) {
  if (floor !== null && price < floor) {
    throw unprocessable('below_retail_floor', `The variant may not sell below ${floor} (控价).`, [
      fieldError('body.price', 'below_retail_floor', `At least ${floor}`),
    ]);
  }
}

export async function createMemberPrice(
  ctx: TenantCtx,
  input: {
    variant_id: string;
    tier_id?: string | undefined;
    paid_members?: boolean | undefined;
    price: number;
  },
): Promise<MemberPrice> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const floor = await variantFloor(tx, ctx.tenantId, input.variant_id, 'body.variant_id');
    assertAboveFloor(input.price, floor);
    if (input.tier_id) {
      const [tier] = await tx
        .select({ id: memberTiers.id })
        .from(memberTiers)
        .where(and(eq(memberTiers.tenantId, ctx.tenantId), eq(memberTiers.id, input.tier_id)));
      if (!tier) throw invalidReference('member_tier', input.tier_id, 'body.tier_id');
    }
    const audience = input.tier_id ?? PAID_MEMBERS;
    const now = ctx.clock.now();
    const [row] = await tx
      .insert(memberPrices)
      .values({
        tenantId: ctx.tenantId,
        id: newId('memberPrice'),
        variantId: input.variant_id,
        tierId: input.tier_id ?? null,
        audience,
        price: input.price,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) {
      throw conflict(
        'member_price_exists',
        'This variant already has a price for this audience; update that one.',
      );
    }
    return presentMemberPrice(row);
  });
}

async function findPrice(tx: Tx, tenantId: string, id: string) {
  const [row] = await tx
    .select()
    .from(memberPrices)
    .where(and(eq(memberPrices.tenantId, tenantId), eq(memberPrices.id, id)));
  if (!row) throw notFound('member_price', id);
  return row;
}

export async function getMemberPrice(ctx: TenantCtx, id: string): Promise<MemberPrice> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) =>
    presentMemberPrice(await findPrice(tx, ctx.tenantId, id)),
  );
}

export async function updateMemberPrice(ctx: TenantCtx, id: string, input: { price: number }) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const current = await findPrice(tx, ctx.tenantId, id);
    assertAboveFloor(input.price, await variantFloor(tx, ctx.tenantId, current.variantId, 'variant_id'));
    const [row] = await tx
      .update(memberPrices)
      .set({ price: input.price, updatedAt: ctx.clock.now() })
      .where(and(eq(memberPrices.tenantId, ctx.tenantId), eq(memberPrices.id, id)))
      .returning();
    return presentMemberPrice(row!);
  });
}

export async function deleteMemberPrice(ctx: TenantCtx, id: string) {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    await findPrice(tx, ctx.tenantId, id);
    await tx
      .delete(memberPrices)
      .where(and(eq(memberPrices.tenantId, ctx.tenantId), eq(memberPrices.id, id)));
    return { id, object: 'member_price' as const, deleted: true as const };
  });
}

export async function listMemberPrices(
  ctx: TenantCtx,
  query: ListQuery & { variant_id?: string | undefined; tier_id?: string | undefined },
) {
  const after = cursorId(query);
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const rows = await tx
      .select()
      .from(memberPrices)
      .where(
        and(
          eq(memberPrices.tenantId, ctx.tenantId),
          query.variant_id ? eq(memberPrices.variantId, query.variant_id) : undefined,
          query.tier_id ? eq(memberPrices.tierId, query.tier_id) : undefined,
          after ? lt(memberPrices.id, after) : undefined,
        ),
      )
      .orderBy(desc(memberPrices.id))
      .limit(query.limit + 1);
    return pageOf(rows, query.limit, presentMemberPrice);
  });
}

// ---------------------------------------------------------------------------------------------
// For the pricing function

export interface MemberStanding {
  tierId: string | null;
  tierThreshold: number | null;
  paid: boolean;
}

/** What the customer is now: their tier, and whether a paid membership is active. */
export async function memberStanding(
  tx: Tx,
  tenantId: string,
  customerId: string,
  at: Date,
): Promise<MemberStanding> {
  const [account] = await tx
    .select({ tierId: memberAccounts.tierId, threshold: memberTiers.growthThreshold })
    .from(memberAccounts)
    .leftJoin(
      memberTiers,
      and(eq(memberTiers.tenantId, memberAccounts.tenantId), eq(memberTiers.id, memberAccounts.tierId)),
    )
    .where(and(eq(memberAccounts.tenantId, tenantId), eq(memberAccounts.customerId, customerId)));
  const [paid] = await tx
    .select({ id: memberships.id })
    .from(memberships)
    .where(
      and(
        eq(memberships.tenantId, tenantId),
        eq(memberships.customerId, customerId),
        eq(memberships.status, 'active'),
        gt(memberships.endsAt, at),
      ),
    );
  return { tierId: account?.tierId ?? null, tierThreshold: account?.threshold ?? null, paid: Boolean(paid) };
}

export const isMember = (s: MemberStanding) => s.paid || s.tierId !== null;

/**
 * The lowest member price of each variant the customer qualifies for: prices of their tier and
 * of every lower tier, and the paid-member price while their membership is active.
 */
export async function memberPricesFor(
  tx: Tx,
  tenantId: string,
  customerId: string,
  variantIds: string[],
  at: Date,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!variantIds.length) return out;
  const standing = await memberStanding(tx, tenantId, customerId, at);
  if (!isMember(standing)) return out;
  const audiences: string[] = standing.paid ? [PAID_MEMBERS] : [];
  if (standing.tierThreshold !== null) {
    const tiers = await tx
      .select({ id: memberTiers.id })
      .from(memberTiers)
      .where(
        and(eq(memberTiers.tenantId, tenantId), lte(memberTiers.growthThreshold, standing.tierThreshold)),
      );
    audiences.push(...tiers.map((t) => t.id));
  }
  if (!audiences.length) return out;
  const rows = await tx
    .select({ variantId: memberPrices.variantId, price: memberPrices.price })
    .from(memberPrices)
    .where(
      and(
        eq(memberPrices.tenantId, tenantId),
        inArray(memberPrices.variantId, variantIds),
        inArray(memberPrices.audience, audiences),
      ),
    );
  for (const r of rows) out.set(r.variantId, Math.min(r.price, out.get(r.variantId) ?? r.price));
  return out;
}

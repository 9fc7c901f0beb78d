import { and, asc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withTenant } from '../../db/tenancy';
import {
  badRequest,
  conflict,
  fieldError,
  forbidden,
  invalidReference,
  notFound,
  unprocessable,
} from '../../http/errors';
import { iso } from '../../http/schemas';
import type { TenantCtx } from '../../lib/context';
import { newId } from '../../lib/ids';
import { mergeRecord } from '../../lib/records';
import { variantRefs } from '../catalog/service';
import type { Address } from '../customers/tables';
import { admitToSale, tenantHasSaleItems } from '../flash-sales/gate';
import { saleIndexLoader } from '../flash-sales/service';
import type { CouponOutcome } from '../members/coupons';
import { requireStore } from '../stores/service';
import { readTenantSettings } from '../tenants/service';
import { type PricedLine, priceOrder, totalsOf } from './pricing';
import { MAX_ORDER_LINES, type Order, placeOrder, precheckFlashSale } from './service';
import { cartLines, carts } from './tables';

type CartRow = typeof carts.$inferSelect;
type CartLineRow = typeof cartLines.$inferSelect;

export const MAX_LINE_QUANTITY = 9_999;

export function presentCart(
  row: CartRow,
  priced: PricedLine[],
  now: Date,
  coupon: CouponOutcome | null = null,
) {
  const totals = totalsOf(priced);
  return {
    id: row.id,
    object: 'cart' as const,
    store_id: row.storeId,
    status: row.status === 'active' && row.expiresAt <= now ? ('expired' as const) : row.status,
    customer_id: row.customerId,
    email: row.email,
    phone: row.phone,
    shipping_address: row.shippingAddress,
    link_code: row.linkCode,
    coupon_code: row.couponCode,
    coupon,
    order_id: row.orderId,
    currency: priced[0]?.currency ?? null,
    lines: priced.map((l) => ({
      variant_id: l.variant_id,
      quantity: l.quantity,
      sellable: l.sellable,
      unsellable_reason: l.unsellable_reason,
      sku: l.sku,
      title: l.title,
      options: l.options,
      unit_price: l.unit_price,
      list_price: l.list_price,
      price_source: l.price_source,
      subtotal: l.subtotal,
      discount: l.discount,
      total: l.total,
    })),
    ...totals,
    metadata: row.metadata,
    expires_at: iso(row.expiresAt)!,
    created_at: iso(row.createdAt)!,
    updated_at: iso(row.updatedAt)!,
  };
}
export type Cart = ReturnType<typeof presentCart>;

export interface CartInput {
  store_id?: string | undefined;
  customer_id?: string | null | undefined;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  shipping_address?: Address | null | undefined;
  link_code?: string | null | undefined;
  coupon_code?: string | null | undefined;
  lines?: Array<{ variant_id: string; quantity: number }> | undefined;
  metadata?: Record<string, string | null> | undefined;
}

/** A publishable key shops in its own store only; another store's cart is "not found". */
function storeOf(ctx: TenantCtx, requested: string | undefined): string {
  if (ctx.actor.kind === 'publishable') return ctx.actor.storeId;
  if (!requested) {
    throw badRequest('store_required', 'store_id is required with a secret key.', [
      fieldError('body.store_id', 'required', 'Required'),
    ]);
  }
  return requested;
}

async function findCart(tx: Tx, ctx: TenantCtx, id: string, lock = false): Promise<CartRow> {
  const q = tx
    .select()
    .from(carts)
    .where(
      and(
        eq(carts.tenantId, ctx.tenantId),
        eq(carts.id, id),
        ctx.actor.kind === 'publishable' ? eq(carts.storeId, ctx.actor.storeId) : undefined,
      ),
    );
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw notFound('cart', id);
  return row;
}

async function cartLinesOf(tx: Tx, tenantId: string, cartId: string): Promise<CartLineRow[]> {
  return tx
    .select()
    .from(cartLines)
    .where(and(eq(cartLines.tenantId, tenantId), eq(cartLines.cartId, cartId)))
    .orderBy(asc(cartLines.position), asc(cartLines.variantId));
}

async function presentLoaded(tx: Tx, ctx: TenantCtx, row: CartRow): Promise<Cart> {
  const lines = await cartLinesOf(tx, ctx.tenantId, row.id);
  const store = await requireStore(tx, ctx.tenantId, row.storeId, 'store_id');
  const { currency } = await readTenantSettings(tx, ctx.tenantId);
  const now = ctx.clock.now();
  const { lines: priced, coupon } = await priceOrder(tx, ctx, {
    store,
    lines: lines.map((l) => ({ variant_id: l.variantId, quantity: l.quantity })),
    currency,
    at: now,
    customerId: row.customerId,
    coupon: row.couponCode
      ? { code: row.couponCode, customerId: row.customerId, memberCustomerId: row.customerId, preview: true }
      : null,
  });
  return presentCart(row, priced, now, coupon?.outcome ?? null);
}

/** A code nobody has is refused when it is entered; other reasons show on the cart (`coupon`). */
function assertKnownCoupon(cart: Cart) {
  if (cart.coupon?.reason === 'coupon_unknown') {
    throw unprocessable('coupon_unknown', `No coupon has the code '${cart.coupon.code}'.`, [
      fieldError('body.coupon_code', 'coupon_unknown', 'Unknown code'),
    ]);
  }
  return cart;
}

/** An open cart that can still change: not checked out, not expired. */
function assertOpen(row: CartRow, now: Date) {
  if (row.status === 'completed')
    throw conflict('cart_completed', `This cart became order '${row.orderId}'.`);
  if (row.expiresAt <= now) throw conflict('cart_expired', 'This cart has expired; start a new one.');
}

async function touch(tx: Tx, ctx: TenantCtx, row: CartRow, set: Partial<typeof carts.$inferInsert> = {}) {
  const now = ctx.clock.now();
  const { cart_ttl_days } = await readTenantSettings(tx, ctx.tenantId);
  const [updated] = await tx
    .update(carts)
    .set({ ...set, expiresAt: new Date(now.getTime() + cart_ttl_days * 86_400_000), updatedAt: now })
    .where(and(eq(carts.tenantId, ctx.tenantId), eq(carts.id, row.id)))
    .returning();
  return updated!;
}

function contactFields(ctx: TenantCtx, input: CartInput) {
  // A storefront (publishable key, used by anyone) cannot claim to be a given customer: the
  // order finds its customer by phone or email instead.
  if (ctx.actor.kind === 'publishable' && input.customer_id !== undefined) {
    throw forbidden(
      'field_not_allowed',
      'customer_id needs a secret key; a storefront sends phone or email.',
    );
  }
  const out: Partial<typeof carts.$inferInsert> = {};
  if (input.customer_id !== undefined) out.customerId = input.customer_id;
  if (input.email !== undefined) out.email = input.email;
  if (input.phone !== undefined) out.phone = input.phone;
  if (input.shipping_address !== undefined) out.shippingAddress = input.shipping_address;
  if (input.link_code !== undefined) out.linkCode = input.link_code;
  if (input.coupon_code !== undefined) out.couponCode = input.coupon_code;
  return out;
}

/** A line must name one of this tenant's variants (whether it can be sold is priced later). */
async function assertVariantsExist(
  tx: Tx,
  tenantId: string,
  variantIds: string[],
  field: (i: number) => string,
) {
  const known = await variantRefs(tx, tenantId, 'id', variantIds);
  variantIds.forEach((id, i) => {
    if (!known.has(id)) throw invalidReference('variant', id, field(i));
  });
}

async function setLineQuantity(
  tx: Tx,
  tenantId: string,
  cartId: string,
  variantId: string,
  quantity: number,
) {
  if (quantity <= 0) {
    await tx
      .delete(cartLines)
      .where(
        and(
          eq(cartLines.tenantId, tenantId),
          eq(cartLines.cartId, cartId),
          eq(cartLines.variantId, variantId),
        ),
      );
    return;
  }
  await tx
    .insert(cartLines)
    .values({
      tenantId,
      cartId,
      variantId,
      quantity,
      position: sql`(select coalesce(max(position), -1) + 1 from cart_lines where tenant_id = ${tenantId} and cart_id = ${cartId})`,
    })
    .onConflictDoUpdate({
      target: [cartLines.tenantId, cartLines.cartId, cartLines.variantId],
      set: { quantity },
    });
}

async function assertLineCount(tx: Tx, tenantId: string, cartId: string) {
  const lines = await cartLinesOf(tx, tenantId, cartId);
  if (lines.length > MAX_ORDER_LINES) {
    throw conflict('too_many_lines', `A cart holds at most ${MAX_ORDER_LINES} different variants.`);
  }
  return lines;
}

export async function createCart(ctx: TenantCtx, input: CartInput): Promise<Cart> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const store = await requireStore(tx, ctx.tenantId, storeOf(ctx, input.store_id), 'body.store_id');
    if (store.status !== 'active') throw conflict('store_closed', 'This store is closed.');
    const now = ctx.clock.now();
    const { cart_ttl_days } = await readTenantSettings(tx, ctx.tenantId);
    const [row] = await tx
      .insert(carts)
      .values({
        tenantId: ctx.tenantId,
        id: newId('cart'),
        storeId: store.id,
        ...contactFields(ctx, input),
        metadata: mergeRecord({}, input.metadata ?? {}),
        expiresAt: new Date(now.getTime() + cart_ttl_days * 86_400_000),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    await assertVariantsExist(
      tx,
      ctx.tenantId,
      (input.lines ?? []).map((l) => l.variant_id),
      (i) => `body.lines.${i}.variant_id`,
    );
    const merged = new Map<string, number>();
    for (const l of input.lines ?? []) merged.set(l.variant_id, (merged.get(l.variant_id) ?? 0) + l.quantity);
    for (const [variantId, quantity] of merged) {
      await setLineQuantity(tx, ctx.tenantId, row!.id, variantId, Math.min(quantity, MAX_LINE_QUANTITY));
    }
    await assertLineCount(tx, ctx.tenantId, row!.id);
    return assertKnownCoupon(await presentLoaded(tx, ctx, row!));
  });
}

export async function getCart(ctx: TenantCtx, id: string): Promise<Cart> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => presentLoaded(tx, ctx, await findCart(tx, ctx, id)));
}

export async function updateCart(ctx: TenantCtx, id: string, input: CartInput): Promise<Cart> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const row = await findCart(tx, ctx, id, true);
    assertOpen(row, ctx.clock.now());
    const updated = await touch(tx, ctx, row, {
      ...contactFields(ctx, input),
      ...(input.metadata ? { metadata: mergeRecord(row.metadata, input.metadata) } : {}),
    });
    return assertKnownCoupon(await presentLoaded(tx, ctx, updated));
  });
}

/** Adds units of a variant (to any already there), or sets its quantity (0 removes it). */
export async function changeCartLine(
  ctx: TenantCtx,
  id: string,
  variantId: string,
  change: { add: number } | { set: number },
): Promise<Cart> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const row = await findCart(tx, ctx, id, true);
    assertOpen(row, ctx.clock.now());
    const current = (await cartLinesOf(tx, ctx.tenantId, id)).find((l) => l.variantId === variantId);
    // Setting a line that is not there adds it; removing one that is not there is a 404.
    if ('set' in change && !current && change.set <= 0) throw notFound('cart_line', variantId);
    if (!current) await assertVariantsExist(tx, ctx.tenantId, [variantId], () => 'body.variant_id');
    const quantity = 'add' in change ? (current?.quantity ?? 0) + change.add : change.set;
    if (quantity > MAX_LINE_QUANTITY) {
      throw badRequest('quantity_too_large', `At most ${MAX_LINE_QUANTITY} units of one variant.`, [
        fieldError('body.quantity', 'too_large', `At most ${MAX_LINE_QUANTITY}`),
      ]);
    }
    await setLineQuantity(tx, ctx.tenantId, id, variantId, quantity);
    await assertLineCount(tx, ctx.tenantId, id);
    return presentLoaded(tx, ctx, await touch(tx, ctx, row));
  });
}

export interface CheckoutInput {
  customer_id?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
  shipping_address?: Address | undefined;
  link_code?: string | undefined;
  coupon_code?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

/**
 * Turns the cart into an order in one transaction (placeOrder): the cart is locked, so two
 * checkouts of one cart make one order; the cart then points at its order.
 */
export async function checkoutCart(ctx: TenantCtx, id: string, input: CheckoutInput): Promise<Order> {
  // During a flash sale the buyer first waits for a turn at the sale items (in memory, see
  // flash-sales/gate.ts); that needs the cart's variants before the checkout transaction.
  const saleIndex = saleIndexLoader(ctx.db, ctx.tenantId, () => ctx.clock.now());
  const release = (await tenantHasSaleItems(ctx.tenantId, saleIndex))
    ? await admitToSale(
        ctx.tenantId,
        await withTenant(ctx.db, ctx.tenantId, async (tx) =>
          (await cartLinesOf(tx, ctx.tenantId, id)).map((l) => l.variantId),
        ),
        saleIndex,
      )
    : () => {};
  try {
    return await checkoutCartNow(ctx, id, input);
  } finally {
    release();
  }
}

function checkoutCartNow(ctx: TenantCtx, id: string, input: CheckoutInput): Promise<Order> {
  return withTenant(ctx.db, ctx.tenantId, async (tx) => {
    const row = await findCart(tx, ctx, id, true);
    assertOpen(row, ctx.clock.now());
    const lines = await cartLinesOf(tx, ctx.tenantId, id);
    if (!lines.length) throw conflict('cart_empty', 'The cart has no lines.');
    const requests = lines.map((l) => ({ variant_id: l.variantId, quantity: l.quantity }));
    precheckFlashSale(ctx.tenantId, requests);
    const shippingAddress = input.shipping_address ?? row.shippingAddress;
    if (!shippingAddress) {
      throw badRequest('shipping_address_required', 'Give a shipping address to check out.', [
        fieldError('body.shipping_address', 'required', 'Required (here or on the cart)'),
      ]);
    }
    if (ctx.actor.kind === 'publishable' && input.customer_id !== undefined) contactFields(ctx, input);
    const customerId = input.customer_id ?? row.customerId ?? undefined;
    const store = await requireStore(tx, ctx.tenantId, row.storeId, 'store_id');
    const order = await placeOrder(tx, ctx, {
      store,
      lines: requests,
      customerId,
      email: input.email ?? row.email ?? undefined,
      phone: input.phone ?? row.phone ?? undefined,
      shippingAddress,
      linkCode: input.link_code ?? row.linkCode ?? undefined,
      cartId: id,
      couponCode: input.coupon_code ?? row.couponCode ?? undefined,
      metadata: { ...row.metadata, ...(input.metadata ?? {}) },
    });
    await tx
      .update(carts)
      .set({ status: 'completed', orderId: order.id, updatedAt: ctx.clock.now() })
      .where(and(eq(carts.tenantId, ctx.tenantId), eq(carts.id, id)));
    return order;
  });
}

import { and, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import type { TenantCtx } from '../../lib/context';
import { products, variants } from '../catalog/tables';
import { noteVariantItem } from '../flash-sales/gate';
import { activeSaleItems } from '../flash-sales/service';
import { applyCoupon, type CouponApplication, type CouponContext } from '../members/coupons';
import { memberPricesFor } from '../members/prices';
import { picksOf } from '../picks/service';
import { storefrontPrice } from '../storefront/service';
import type { Store } from '../stores/service';

/**
 * THE pricing function (DESIGN.md: one pricing function that later modules extend, never fork).
 * Carts, checkout and direct orders all price through it, so what a shopper sees is what an
 * order charges. The unit price, highest precedence first:
 *   1. flash sale price, while the variant's sale is active (限时特卖): it wins even over a
 *      lower member price (the sale's stock is sold at the sale price);
 *   2. member price (会员价, members module), when the order names a customer (`customerId`, a
 *      customer the caller vouches for) who qualifies: the lowest price of their tier or any lower
 *      tier, or the paid-member price while their membership is active. It replaces the store
 *      price only when lower (a member never pays more than anyone else), and never goes below
 *      the variant's retail_floor (控价);
 *   3. the store's price (storefrontPrice: the store's own price for a pick, else list price).
 * Then, on the result, a coupon (priceOrder): its discount is allocated to the lines in its
 * scope by their subtotals (largest remainder) into each line's `discount` and `total`, which
 * is what commissions and refunds use.
 */

export interface LineRequest {
  variant_id: string;
  quantity: number;
}

export type Unsellable =
  | 'unknown_variant'
  | 'not_published'
  | 'currency_mismatch'
  /** A shopkeeper store sells only the products it picked. */
  | 'not_in_store'
  /** The store's pick is flagged (its price left the supplier's band) until re-priced. */
  | 'pick_flagged';

export interface PricedLine {
  variant_id: string;
  quantity: number;
  sellable: boolean;
  unsellable_reason: Unsellable | null;
  product_id: string;
  supplier_id: string;
  category_id: string | null;
  sku: string;
  title: string;
  options: Array<{ name: string; value: string }>;
  currency: string;
  list_price: number;
  supply_price: number | null;
  unit_price: number;
  price_source: 'store' | 'flash_sale' | 'member';
  flash_sale_item_id: string | null;
  /** The sale's per-customer limit, when the line is at the sale price. */
  flash_sale_limit: number | null;
  subtotal: number;
  discount: number;
  total: number;
}

export interface PricingInput {
  store: Store;
  lines: LineRequest[];
  currency: string;
  at: Date;
  /** A customer the caller vouches for (a `customer_id`, secret keys): member prices apply. */
  customerId?: string | null | undefined;
}

export async function priceLines(
  tx: Tx,
  ctx: Pick<TenantCtx, 'tenantId'>,
  input: PricingInput,
): Promise<PricedLine[]> {
  const ids = [...new Set(input.lines.map((l) => l.variant_id))];
  // Both reads go out together (pipelined on the transaction's connection).
  const [rows, sale, member] = await Promise.all([
    ids.length
      ? tx
          .select({ variant: variants, product: products })
          .from(variants)
          .innerJoin(
            products,
            and(eq(products.tenantId, variants.tenantId), eq(products.id, variants.productId)),
          )
          .where(and(eq(variants.tenantId, ctx.tenantId), inArray(variants.id, ids)))
      : Promise.resolve([]),
    activeSaleItems(tx, ctx.tenantId, ids, input.at),
    // Member prices only for a customer the caller named (no query otherwise).
    input.customerId
      ? memberPricesFor(tx, ctx.tenantId, input.customerId, ids, input.at)
      : Promise.resolve(undefined),
  ]);
  const byId = new Map(rows.map((r) => [r.variant.id, r]));
  // A shopkeeper store sells only its picks, at the pick's own prices (no query for other stores).
  const picks =
    input.store.kind === 'shopkeeper'
      ? await picksOf(
          tx,
          ctx.tenantId,
          input.store.id,
          rows.map((r) => r.product.id),
        )
      : undefined;
  for (const id of ids) noteVariantItem(ctx.tenantId, id, sale.get(id)?.id ?? null);

  return input.lines.map((line) => {
    const row = byId.get(line.variant_id);
    if (!row) return unsellable(line, 'unknown_variant', input.currency);
    const { variant, product } = row;
    const pick = picks?.get(product.id);
    const storePrice = storefrontPrice(input.store, variant, pick);
    const item = sale.get(variant.id);
    const memberPrice = member?.get(variant.id);
    const memberUnit =
      memberPrice === undefined ? undefined : Math.max(memberPrice, variant.retailFloor ?? 0);
    const byMember = !item && memberUnit !== undefined && memberUnit < storePrice.amount;
    const unit = item ? item.salePrice : byMember ? memberUnit! : storePrice.amount;
    const reason: Unsellable | null =
      product.status !== 'published'
        ? 'not_published'
        : picks && !pick
          ? 'not_in_store'
          : pick?.status === 'flagged'
            ? 'pick_flagged'
            : variant.currency !== input.currency
              ? 'currency_mismatch'
              : null;
    return {
      variant_id: variant.id,
      quantity: line.quantity,
      sellable: reason === null,
      unsellable_reason: reason,
      product_id: product.id,
      supplier_id: product.supplierId,
      category_id: product.categoryId,
      sku: variant.sku,
      title: product.title,
      options: variant.options,
      currency: variant.currency,
      list_price: variant.listPrice,
      supply_price: variant.supplyPrice,
      unit_price: unit,
      price_source: item ? 'flash_sale' : byMember ? 'member' : 'store',
      flash_sale_item_id: item?.id ?? null,
      flash_sale_limit: item?.perCustomerLimit ?? null,
      subtotal: unit * line.quantity,
      discount: 0,
      total: unit * line.quantity,
    };
  });
}

/**
 * The lines priced by priceLines, then the coupon (if any) applied on the result. The coupon's
 * outcome says whether it applies and, if not, why (the problem checkout answers).
 */
export async function priceOrder(
  tx: Tx,
  ctx: Pick<TenantCtx, 'tenantId'>,
  input: PricingInput & { coupon?: Omit<CouponContext, 'at' | 'storeId'> | null | undefined },
): Promise<{ lines: PricedLine[]; coupon: CouponApplication | null }> {
  const lines = await priceLines(tx, ctx, input);
  if (!input.coupon) return { lines, coupon: null };
  const coupon = await applyCoupon(tx, ctx, lines, {
    ...input.coupon,
    storeId: input.store.id,
    at: input.at,
  });
  return { lines, coupon };
}

function unsellable(line: LineRequest, reason: Unsellable, currency: string): PricedLine {
  return {
    variant_id: line.variant_id,
    quantity: line.quantity,
    sellable: false,
    unsellable_reason: reason,
    product_id: '',
    supplier_id: '',
    category_id: null,
    sku: '',
    title: '',
    options: [],
    currency,
    list_price: 0,
    supply_price: null,
    unit_price: 0,
    price_source: 'store',
    flash_sale_item_id: null,
    flash_sale_limit: null,
    subtotal: 0,
    discount: 0,
    total: 0,
  };
}

export function totalsOf(lines: PricedLine[], shippingTotal = 0) {
  const priced = lines.filter((l) => l.sellable);
  const subtotal = priced.reduce((a, l) => a + l.subtotal, 0);
  const discountTotal = priced.reduce((a, l) => a + l.discount, 0);
  return {
    subtotal,
    discount_total: discountTotal,
    shipping_total: shippingTotal,
    total: subtotal - discountTotal + shippingTotal,
  };
}

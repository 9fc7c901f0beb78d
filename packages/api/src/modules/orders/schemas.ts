import { z } from 'zod';
import { metadataPatchSchema, metadataSchema, timestampSchema } from '../../http/schemas';
import { amountSchema, currencySchema } from '../../lib/money';
import { FULFILLMENT_STATUSES, ORDER_STATUSES, REFUND_STATUSES } from './states';

const idRef = z.string().min(1).max(64);
const phone = z.string().regex(/^\+?[0-9][0-9 -]{4,19}$/, 'Use digits, optionally with + and spaces');
const optionSchema = z.object({ name: z.string(), value: z.string() });

export const addressInput = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    phone,
    province: z.string().trim().min(1).max(50),
    city: z.string().trim().min(1).max(50),
    district: z.string().trim().max(50).optional(),
    line1: z.string().trim().min(1).max(200),
    line2: z.string().trim().max(200).optional(),
    postal_code: z
      .string()
      .regex(/^[0-9A-Za-z -]{3,10}$/)
      .optional(),
  })
  .describe('Where to ship (收货地址).');

/** The address as orders and carts show it (the input's fields; non-strict for reading). */
const addressOutput = z.object({
  name: z.string(),
  phone: z.string(),
  province: z.string(),
  city: z.string(),
  district: z.string().optional(),
  line1: z.string(),
  line2: z.string().optional(),
  postal_code: z.string().optional(),
  is_default: z.boolean().optional(),
});

export const lineInput = z.strictObject({
  variant_id: idRef,
  quantity: z.number().int().min(1).max(9_999),
});

export const linkCode = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'A tracking code')
  .describe('The tracking link code (推广位) the shopper came with; attributes the order.');

export const couponCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{3,40}$/, 'A coupon code')
  .describe('A coupon code (优惠码), case-insensitive; checked again at checkout.');

export const cartInputFields = {
  customer_id: idRef.nullable().optional().describe('Secret keys only; a storefront sends phone or email.'),
  email: z.email().max(254).nullable().optional(),
  phone: phone.nullable().optional(),
  shipping_address: addressInput.nullable().optional(),
  link_code: linkCode.nullable().optional(),
  coupon_code: couponCode.nullable().optional(),
};

const pricedLine = z.object({
  variant_id: z.string(),
  quantity: z.number().int(),
  sellable: z.boolean(),
  unsellable_reason: z
    .enum(['unknown_variant', 'not_published', 'currency_mismatch', 'not_in_store', 'pick_flagged'])
    .nullable(),
  sku: z.string(),
  title: z.string(),
  options: z.array(optionSchema),
  unit_price: z.number().int(),
  list_price: z.number().int(),
  price_source: z.enum(['store', 'flash_sale', 'member']),
  subtotal: z.number().int(),
  discount: z.number().int(),
  total: z.number().int(),
});

export const cartSchema = z
  .object({
    id: z.string(),
    object: z.literal('cart'),
    store_id: z.string(),
    status: z.enum(['active', 'completed', 'expired']),
    customer_id: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    shipping_address: addressOutput.nullable(),
    link_code: z.string().nullable(),
    coupon_code: z.string().nullable(),
    coupon: z
      .object({
        code: z.string(),
        coupon_id: z.string().nullable(),
        applied: z.boolean(),
        discount: z.number().int(),
        reason: z
          .string()
          .nullable()
          .describe('Why it does not apply: the problem code checkout would answer.'),
        message: z.string().nullable(),
      })
      .nullable()
      .describe('How the cart’s coupon_code applies now.'),
    order_id: z.string().nullable(),
    currency: z.string().nullable(),
    lines: z.array(pricedLine),
    subtotal: z.number().int(),
    discount_total: z.number().int(),
    shipping_total: z.number().int(),
    total: z.number().int(),
    metadata: z.record(z.string(), z.string()),
    expires_at: timestampSchema,
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Cart' });

const orderLineSchema = z.object({
  id: z.string(),
  object: z.literal('order_line'),
  variant_id: z.string(),
  product_id: z.string(),
  supplier_id: z.string(),
  sku: z.string(),
  title: z.string(),
  options: z.array(optionSchema),
  quantity: z.number().int(),
  unit_price: z.number().int(),
  list_price: z.number().int(),
  subtotal: z.number().int(),
  discount: z.number().int(),
  total: z.number().int().describe('What the buyer pays for the line; commissions and refunds use it.'),
  flash_sale_item_id: z.string().nullable(),
  quantity_shipped: z.number().int(),
  quantity_refunded: z.number().int(),
  amount_refunded: z.number().int(),
});

const attributionSchema = z
  .object({
    promoter_id: z.string().nullable(),
    rule: z.enum(['shopkeeper_store', 'link', 'binding', 'none']),
    candidates: z.array(
      z.object({
        rule: z.enum(['shopkeeper_store', 'link', 'binding']),
        promoter_id: z.string(),
        detail: z.string(),
      }),
    ),
  })
  .describe('Who earns on the order, every candidate, and the rule that won (store > link > binding).');

export const orderSchema = z
  .object({
    id: z.string(),
    object: z.literal('order'),
    store_id: z.string(),
    customer_id: z.string().nullable(),
    cart_id: z.string().nullable(),
    status: z.enum(ORDER_STATUSES),
    currency: z.string(),
    subtotal: z.number().int(),
    discount_total: z.number().int(),
    shipping_total: z.number().int(),
    total: z.number().int(),
    amount_paid: z.number().int(),
    amount_refunded: z.number().int(),
    refund_pending: z.number().int(),
    amount_refundable: z.number().int(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    shipping_address: addressOutput.nullable(),
    link_code: z.string().nullable(),
    coupon_code: z
      .string()
      .nullable()
      .describe('The coupon the order redeemed; its discount is in the lines.'),
    promoter_id: z.string().nullable(),
    attribution: attributionSchema,
    lines: z.array(orderLineSchema),
    fulfillments: z.array(
      z.object({
        id: z.string(),
        supplier_id: z.string(),
        status: z.enum(FULFILLMENT_STATUSES),
        shipped_at: timestampSchema.nullable(),
      }),
    ),
    metadata: z.record(z.string(), z.string()),
    payment_due_at: timestampSchema,
    paid_at: timestampSchema.nullable(),
    shipped_at: timestampSchema.nullable(),
    completed_at: timestampSchema.nullable(),
    canceled_at: timestampSchema.nullable(),
    cancel_reason: z.string().nullable(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Order' });

export const paymentSchema = z
  .object({
    id: z.string(),
    object: z.literal('payment'),
    order_id: z.string(),
    provider: z.string(),
    reference: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    metadata: z.record(z.string(), z.string()),
    created_at: timestampSchema,
  })
  .meta({ id: 'Payment' });

export const paymentInput = z.strictObject({
  provider: z
    .string()
    .regex(/^[a-z][a-z0-9_]{1,31}$/, 'e.g. wechat_pay, alipay, unionpay')
    .describe('Who took the money, e.g. wechat_pay, alipay.'),
  reference: z
    .string()
    .trim()
    .min(1)
    .max(128)
    .describe("The provider's transaction id; a repeat is a replay."),
  amount: amountSchema.min(1).describe('Must equal the amount due, in minor units.'),
  currency: currencySchema.optional(),
  metadata: metadataSchema.optional(),
});

export const fulfillmentSchema = z
  .object({
    id: z.string(),
    object: z.literal('fulfillment'),
    order_id: z.string(),
    supplier_id: z.string(),
    status: z.enum(FULFILLMENT_STATUSES),
    shipping_address: addressOutput.nullable(),
    lines: z.array(orderLineSchema.extend({ quantity_to_ship: z.number().int() })),
    shipments: z.array(
      z.object({
        id: z.string(),
        object: z.literal('shipment'),
        fulfillment_id: z.string(),
        carrier: z.string(),
        tracking_number: z.string(),
        lines: z.array(z.object({ order_line_id: z.string(), quantity: z.number().int() })),
        created_at: timestampSchema,
      }),
    ),
    shipped_at: timestampSchema.nullable(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Fulfillment' });

export const shipmentInput = z.strictObject({
  carrier: z.string().trim().min(1).max(50).describe('e.g. SF, ZTO, YTO, JD'),
  tracking_number: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9-]{4,40}$/, 'Letters, digits and dashes'),
  lines: z
    .array(z.strictObject({ order_line_id: idRef, quantity: z.number().int().min(1).max(9_999) }))
    .min(1)
    .max(100)
    .optional()
    .describe('The units in this parcel; omit to ship everything left.'),
});

export const refundSchema = z
  .object({
    id: z.string(),
    object: z.literal('refund'),
    order_id: z.string(),
    status: z.enum(REFUND_STATUSES),
    amount: z.number().int(),
    currency: z.string(),
    lines: z.array(
      z.object({ order_line_id: z.string(), quantity: z.number().int(), amount: z.number().int() }),
    ),
    restock: z.boolean(),
    reason: z.string().nullable(),
    reference: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    succeeded_at: timestampSchema.nullable(),
    canceled_at: timestampSchema.nullable(),
    created_at: timestampSchema,
    updated_at: timestampSchema,
  })
  .meta({ id: 'Refund' });

export const refundInput = z.strictObject({
  lines: z
    .array(
      z.strictObject({
        order_line_id: idRef,
        quantity: z.number().int().min(0).max(9_999).optional(),
        amount: amountSchema.optional(),
      }),
    )
    .min(1)
    .max(100)
    .optional()
    .describe('Per line: units (the amount follows pro rata), an amount, or both.'),
  amount: amountSchema
    .min(1)
    .optional()
    .describe('Or one amount, spread over the lines by what each has left.'),
  restock: z.boolean().optional().describe('Put the refunded units back on hand when the refund succeeds.'),
  reason: z.string().trim().max(200).optional(),
  reference: z.string().trim().max(128).optional(),
  status: z
    .enum(['pending', 'succeeded'])
    .optional()
    .describe('`succeeded` (default): the money went back; `pending`: an open after-sale (售后中).'),
  metadata: metadataSchema.optional(),
});

export { metadataPatchSchema };

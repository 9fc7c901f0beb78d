import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { tenantCtx } from '../../http/context';
import { listOf, listQuerySchema } from '../../http/pagination';
import { idParams, metadataPatchSchema, metadataSchema } from '../../http/schemas';
import { amountSchema } from '../../lib/money';
import { changeCartLine, checkoutCart, createCart, getCart, updateCart } from './carts';
import { getFulfillment, listFulfillments, shipFulfillment } from './fulfillments';
import { createRefund, getRefund, listRefunds, settleRefund } from './refunds';
import {
  addressInput,
  cartInputFields,
  cartSchema,
  couponCode,
  fulfillmentSchema,
  lineInput,
  linkCode,
  orderSchema,
  paymentInput,
  paymentSchema,
  refundInput,
  refundSchema,
  shipmentInput,
} from './schemas';
import {
  AUTO_COMPLETE_JOB,
  autoCompleteJob,
  cancelOrder,
  completeOrder,
  createOrder,
  EXPIRE_ORDER_JOB,
  expireOrderJob,
  getOrder,
  listOrders,
  MAX_ORDER_LINES,
  recordPayment,
} from './service';
import { FULFILLMENT_STATUSES, ORDER_STATUSES, REFUND_STATUSES } from './states';

const CART_KEYS = ['secret', 'publishable'] as const;
const paymentResult = z.object({ payment: paymentSchema, order: orderSchema }).meta({ id: 'PaymentResult' });
const cartLineParams = z.object({ id: z.string().max(64), variant_id: z.string().max(64) });

export const orderRoutes: FastifyPluginAsyncZod = async (app) => {
  app.jobs.register(EXPIRE_ORDER_JOB, expireOrderJob);
  app.jobs.register(AUTO_COMPLETE_JOB, autoCompleteJob);

  // Carts ------------------------------------------------------------------------------------
  app.post(
    '/v1/carts',
    {
      schema: {
        operationId: 'createCart',
        tags: ['Carts'],
        summary: 'Create a cart',
        description: "A publishable key's cart is in its store; a secret key names the store.",
        body: z.strictObject({
          store_id: z
            .string()
            .max(64)
            .optional()
            .describe('Secret keys only (a publishable key has its store).'),
          ...cartInputFields,
          lines: z.array(lineInput).max(MAX_ORDER_LINES).optional(),
          metadata: metadataSchema.optional(),
        }),
        response: { 201: cartSchema },
      },
      config: { auth: CART_KEYS, scope: 'orders:write' },
    },
    async (request, reply) => reply.code(201).send(await createCart(tenantCtx(request), request.body)),
  );

  app.get(
    '/v1/carts/:id',
    {
      schema: {
        operationId: 'getCart',
        tags: ['Carts'],
        summary: 'Retrieve a cart, priced now',
        params: idParams('cart'),
        response: { 200: cartSchema },
      },
      config: { auth: CART_KEYS, scope: 'orders:read' },
    },
    async (request) => getCart(tenantCtx(request), request.params.id),
  );

  app.patch(
    '/v1/carts/:id',
    {
      schema: {
        operationId: 'updateCart',
        tags: ['Carts'],
        summary: 'Update contact, address or link code',
        params: idParams('cart'),
        body: z.strictObject({ ...cartInputFields, metadata: metadataPatchSchema.optional() }),
        response: { 200: cartSchema },
      },
      config: { auth: CART_KEYS, scope: 'orders:write' },
    },
    async (request) => updateCart(tenantCtx(request), request.params.id, request.body),
  );

  app.post(
    '/v1/carts/:id/lines',
    {
      schema: {
        operationId: 'addCartLine',
        tags: ['Carts'],
        summary: 'Add units of a variant',
        params: idParams('cart'),
        body: lineInput,
        response: { 200: cartSchema },
      },
      config: { auth: CART_KEYS, scope: 'orders:write' },
    },
    async (request) =>
      changeCartLine(tenantCtx(request), request.params.id, request.body.variant_id, {
        add: request.body.quantity,
      }),
  );

  app.patch(
    '/v1/carts/:id/lines/:variant_id',
    {
      schema: {
        operationId: 'setCartLine',
        tags: ['Carts'],
        summary: "Set a line's quantity (0 removes it)",
        params: cartLineParams,
        body: z.strictObject({ quantity: z.number().int().min(0).max(9_999) }),
        response: { 200: cartSchema },
      },
      config: { auth: CART_KEYS, scope: 'orders:write' },
    },
    async (request) =>
      changeCartLine(tenantCtx(request), request.params.id, request.params.variant_id, {
        set: request.body.quantity,
      }),
  );

  app.delete(
    '/v1/carts/:id/lines/:variant_id',
    {
      schema: {
        operationId: 'removeCartLine',
        tags: ['Carts'],
        summary: 'Remove a line',
        params: cartLineParams,
        response: { 200: cartSchema },
      },
      config: { auth: CART_KEYS, scope: 'orders:write' },
    },
    async (request) =>
      changeCartLine(tenantCtx(request), request.params.id, request.params.variant_id, { set: 0 }),
  );

  app.post(
    '/v1/carts/:id/checkout',
    {
      schema: {
        operationId: 'checkoutCart',
        tags: ['Carts'],
        summary: 'Check out: the cart becomes an order',
        description:
          'One transaction prices the lines, reserves stock (any shortfall: 409 `insufficient_stock` naming the lines, nothing reserved) and creates the order in `pending_payment`. Unpaid orders are cancelled after the tenant’s payment timeout.',
        params: idParams('cart'),
        body: z
          .strictObject({
            customer_id: z.string().max(64).optional().describe('Secret keys only.'),
            email: z.email().max(254).optional(),
            phone: z
              .string()
              .regex(/^\+?[0-9][0-9 -]{4,19}$/)
              .optional(),
            shipping_address: addressInput.optional(),
            link_code: linkCode.optional(),
            coupon_code: couponCode.optional().describe("Overrides the cart's coupon_code."),
            metadata: metadataSchema.optional(),
          })
          .nullish(),
        response: { 201: orderSchema },
      },
      config: { auth: CART_KEYS, scope: 'orders:write' },
    },
    async (request, reply) =>
      reply.code(201).send(await checkoutCart(tenantCtx(request), request.params.id, request.body ?? {})),
  );

  // Orders -----------------------------------------------------------------------------------
  app.post(
    '/v1/orders',
    {
      schema: {
        operationId: 'createOrder',
        tags: ['Orders'],
        summary: 'Create an order directly (your own cart)',
        description: 'Prices through the same function as carts; reserves stock in the same transaction.',
        body: z.strictObject({
          store_id: z.string().max(64),
          lines: z.array(lineInput).min(1).max(MAX_ORDER_LINES),
          customer_id: z.string().max(64).optional(),
          email: z.email().max(254).optional(),
          phone: z
            .string()
            .regex(/^\+?[0-9][0-9 -]{4,19}$/)
            .optional(),
          name: z.string().trim().min(1).max(100).optional(),
          shipping_address: addressInput,
          link_code: linkCode.optional(),
          coupon_code: couponCode.optional(),
          shipping_total: amountSchema.optional().describe('Shipping charged, in minor units (default 0).'),
          metadata: metadataSchema.optional(),
        }),
        response: { 201: orderSchema },
      },
      config: { auth: ['secret'], scope: 'orders:write' },
    },
    async (request, reply) => {
      const b = request.body;
      const order = await createOrder(tenantCtx(request), {
        store_id: b.store_id,
        lines: b.lines,
        customerId: b.customer_id,
        email: b.email,
        phone: b.phone,
        name: b.name,
        shippingAddress: b.shipping_address,
        linkCode: b.link_code,
        couponCode: b.coupon_code,
        shippingTotal: b.shipping_total,
        metadata: b.metadata,
      });
      return reply.code(201).send(order);
    },
  );

  app.get(
    '/v1/orders',
    {
      schema: {
        operationId: 'listOrders',
        tags: ['Orders'],
        summary: 'List orders',
        description: 'With a promoter token: the orders attributed to that promoter.',
        querystring: listQuerySchema.extend({
          status: z.enum(ORDER_STATUSES).optional(),
          store_id: z.string().max(64).optional(),
          customer_id: z.string().max(64).optional(),
          promoter_id: z.string().max(64).optional(),
        }),
        response: { 200: listOf(orderSchema) },
      },
      config: { auth: ['secret', 'promoter'], scope: 'orders:read' },
    },
    async (request) => listOrders(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/orders/:id',
    {
      schema: {
        operationId: 'getOrder',
        tags: ['Orders'],
        summary: 'Retrieve an order',
        params: idParams('ord'),
        response: { 200: orderSchema },
      },
      config: { auth: ['secret', 'promoter'], scope: 'orders:read' },
    },
    async (request) => getOrder(tenantCtx(request), request.params.id),
  );

  app.post(
    '/v1/orders/:id/payments',
    {
      schema: {
        operationId: 'createPayment',
        tags: ['Orders'],
        summary: 'Report a payment (the order becomes paid)',
        description:
          'We do not move money: report what your payment provider received. The amount must equal the amount due; the same provider reference again is a replay (200). The reservation becomes a deduction and the order splits into one fulfillment per supplier.',
        params: idParams('ord'),
        body: paymentInput,
        response: { 200: paymentResult, 201: paymentResult },
      },
      config: { auth: ['secret'], scope: 'orders:write' },
    },
    async (request, reply) => {
      const { replayed, ...result } = await recordPayment(
        tenantCtx(request),
        request.params.id,
        request.body,
      );
      return reply.code(replayed ? 200 : 201).send(result);
    },
  );

  app.post(
    '/v1/orders/:id/cancel',
    {
      schema: {
        operationId: 'cancelOrder',
        tags: ['Orders'],
        summary: 'Cancel an order before it ships',
        description:
          'Unpaid: the reservation is released. Paid: stock is put back and the paid amount is refunded in full. Once anything shipped, use refunds.',
        params: idParams('ord'),
        body: z.strictObject({ reason: z.string().trim().min(1).max(200).optional() }).nullish(),
        response: { 200: orderSchema },
      },
      config: { auth: ['secret'], scope: 'orders:write' },
    },
    async (request) => cancelOrder(tenantCtx(request), request.params.id, request.body?.reason),
  );

  app.post(
    '/v1/orders/:id/complete',
    {
      schema: {
        operationId: 'completeOrder',
        tags: ['Orders'],
        summary: 'Confirm receipt (确认收货): a shipped order completes',
        description: "Shipped orders also complete by themselves after the tenant's auto_complete_days.",
        params: idParams('ord'),
        response: { 200: orderSchema },
      },
      config: { auth: ['secret'], scope: 'orders:write' },
    },
    async (request) => completeOrder(tenantCtx(request), request.params.id),
  );

  // Fulfillments ------------------------------------------------------------------------------
  app.get(
    '/v1/fulfillments',
    {
      schema: {
        operationId: 'listFulfillments',
        tags: ['Fulfillments'],
        summary: 'List fulfillments',
        description: 'A supplier key lists only its own (一件代发: each supplier ships its own lines).',
        querystring: listQuerySchema.extend({
          status: z.enum(FULFILLMENT_STATUSES).optional(),
          order_id: z.string().max(64).optional(),
          supplier_id: z.string().max(64).optional(),
        }),
        response: { 200: listOf(fulfillmentSchema) },
      },
      config: { auth: ['secret', 'supplier'], scope: 'orders:read' },
    },
    async (request) => listFulfillments(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/fulfillments/:id',
    {
      schema: {
        operationId: 'getFulfillment',
        tags: ['Fulfillments'],
        summary: 'Retrieve a fulfillment',
        params: idParams('ful'),
        response: { 200: fulfillmentSchema },
      },
      config: { auth: ['secret', 'supplier'], scope: 'orders:read' },
    },
    async (request) => getFulfillment(tenantCtx(request), request.params.id),
  );

  app.post(
    '/v1/fulfillments/:id/shipments',
    {
      schema: {
        operationId: 'createShipment',
        tags: ['Fulfillments'],
        summary: 'Ship a parcel (all or part of a fulfillment)',
        params: idParams('ful'),
        body: shipmentInput,
        response: { 201: fulfillmentSchema },
      },
      config: { auth: ['secret', 'supplier'], scope: 'orders:write' },
    },
    async (request, reply) =>
      reply.code(201).send(await shipFulfillment(tenantCtx(request), request.params.id, request.body)),
  );

  // Refunds -------------------------------------------------------------------------------------
  app.post(
    '/v1/orders/:id/refunds',
    {
      schema: {
        operationId: 'createRefund',
        tags: ['Refunds'],
        summary: 'Refund part or all of an order',
        description:
          'Per line by quantity or amount, or one amount spread over the lines. An order can never refund more than was paid (422 `refund_exceeds_remainder`).',
        params: idParams('ord'),
        body: refundInput,
        response: { 201: refundSchema },
      },
      config: { auth: ['secret'], scope: 'orders:write' },
    },
    async (request, reply) =>
      reply.code(201).send(await createRefund(tenantCtx(request), request.params.id, request.body)),
  );

  app.get(
    '/v1/refunds',
    {
      schema: {
        operationId: 'listRefunds',
        tags: ['Refunds'],
        summary: 'List refunds',
        querystring: listQuerySchema.extend({
          order_id: z.string().max(64).optional(),
          status: z.enum(REFUND_STATUSES).optional(),
        }),
        response: { 200: listOf(refundSchema) },
      },
      config: { auth: ['secret'], scope: 'orders:read' },
    },
    async (request) => listRefunds(tenantCtx(request), request.query),
  );

  app.get(
    '/v1/refunds/:id',
    {
      schema: {
        operationId: 'getRefund',
        tags: ['Refunds'],
        summary: 'Retrieve a refund',
        params: idParams('re'),
        response: { 200: refundSchema },
      },
      config: { auth: ['secret'], scope: 'orders:read' },
    },
    async (request) => getRefund(tenantCtx(request), request.params.id),
  );

  for (const [action, event, summary] of [
    ['succeed', 'succeed', 'Mark a pending refund as paid back'],
    ['cancel', 'cancel', 'Cancel a pending refund'],
  ] as const) {
    app.post(
      `/v1/refunds/:id/${action}`,
      {
        schema: {
          operationId: `${action}Refund`,
          tags: ['Refunds'],
          summary,
          params: idParams('re'),
          body: z.strictObject({ reference: z.string().trim().max(128).optional() }).nullish(),
          response: { 200: refundSchema },
        },
        config: { auth: ['secret'], scope: 'orders:write' },
      },
      async (request) => settleRefund(tenantCtx(request), request.params.id, event, request.body ?? {}),
    );
  }
};

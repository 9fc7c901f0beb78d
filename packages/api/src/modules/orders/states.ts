import { stateMachine } from '../../lib/state-machine';

/**
 * The three state machines of an order's life (DESIGN.md §3, issue 4). Every legal transition
 * is listed; everything else is refused with 409 `invalid_<machine>_transition`.
 */

export const ORDER_STATUSES = [
  'pending_payment',
  'paid',
  'partially_shipped',
  'shipped',
  'completed',
  'canceled',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export type OrderEvent = 'pay' | 'ship_part' | 'ship_all' | 'complete' | 'cancel' | 'expire';

export const orderMachine = stateMachine<OrderStatus, OrderEvent>('order', {
  pending_payment: { pay: 'paid', cancel: 'canceled', expire: 'canceled' },
  // Cancelling is only possible before anything ships (after that it is a refund).
  paid: { ship_part: 'partially_shipped', ship_all: 'shipped', cancel: 'canceled' },
  partially_shipped: { ship_part: 'partially_shipped', ship_all: 'shipped' },
  shipped: { complete: 'completed' },
  completed: {},
  canceled: {},
});

export const FULFILLMENT_STATUSES = ['pending', 'partially_shipped', 'shipped', 'canceled'] as const;
export type FulfillmentStatus = (typeof FULFILLMENT_STATUSES)[number];
export type FulfillmentEvent = 'ship_part' | 'ship_all' | 'cancel';

export const fulfillmentMachine = stateMachine<FulfillmentStatus, FulfillmentEvent>('fulfillment', {
  pending: { ship_part: 'partially_shipped', ship_all: 'shipped', cancel: 'canceled' },
  partially_shipped: { ship_part: 'partially_shipped', ship_all: 'shipped' },
  shipped: {},
  canceled: {},
});

/**
 * A refund is an after-sale (售后): `pending` while open (it already holds its amount against the
 * order's refundable remainder, so two refunds can never exceed it), then `succeeded` when the
 * money went back, or `canceled` (the amount returns to the remainder).
 */
export const REFUND_STATUSES = ['pending', 'succeeded', 'canceled'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];
export type RefundEvent = 'succeed' | 'cancel';

export const refundMachine = stateMachine<RefundStatus, RefundEvent>('refund', {
  pending: { succeed: 'succeeded', cancel: 'canceled' },
  succeeded: {},
  canceled: {},
});

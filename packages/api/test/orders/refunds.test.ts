import { beforeAll, describe, expect, it } from 'vitest';
import { eventTypesOf, expectStatus, type TestApp, testApp } from '../helpers';
import { freshVariant, openShop, order, pay, type Shop, stockOf } from './fixtures';

let t: TestApp;
let shop: Shop;

beforeAll(async () => {
  t = await testApp();
  shop = await openShop(t);
});

/** A paid order: 3 units of a ¥3.33 variant (line total 999) and 1 of a ¥10.00 variant. */
async function paidOrder(stock = 10) {
  const odd = await freshVariant(t, shop, stock, 333);
  const even = await freshVariant(t, shop, stock, 1000);
  const o = await order(t, shop, [
    { variant_id: odd, quantity: 3 },
    { variant_id: even, quantity: 1 },
  ]);
  const paid = await pay(t, shop, o.body);
  expectStatus(paid, 201);
  const lines = paid.body.order.lines;
  return {
    order: paid.body.order,
    odd,
    even,
    lineOdd: lines[0].id as string,
    lineEven: lines[1].id as string,
  };
}

const refund = (orderId: string, body: unknown) =>
  t.request({ method: 'POST', url: `/v1/orders/${orderId}/refunds`, key: shop.sk, body });
const getOrder = async (id: string) =>
  (await t.request({ method: 'GET', url: `/v1/orders/${id}`, key: shop.sk })).body;

describe('refunds', () => {
  it('refunds units pro rata, the last unit taking the remainder, so the parts sum to the line', async () => {
    const { order: o, lineOdd } = await paidOrder();
    const amounts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await refund(o.id, { lines: [{ order_line_id: lineOdd, quantity: 1 }] });
      expectStatus(r, 201);
      amounts.push(r.body.amount);
    }
    expect(amounts).toEqual([333, 333, 333]);
    const after = await getOrder(o.id);
    expect(after.lines[0]).toMatchObject({ quantity_refunded: 3, amount_refunded: 999 });
    expect(after.amount_refunded).toBe(999);
    const more = await refund(o.id, { lines: [{ order_line_id: lineOdd, quantity: 1 }] });
    expect(more.status).toBe(422);
    expect(more.body.code).toBe('refund_exceeds_remainder');
  });

  it('spreads an order-level amount over the lines by largest remainder, and never beyond what was paid', async () => {
    const { order: o } = await paidOrder();
    const r = await refund(o.id, { amount: 1000 });
    expectStatus(r, 201);
    // Remaining 999 and 1000: 1000 splits 500 / 500 (ties to the first), summing exactly.
    expect(r.body.lines.map((l: any) => l.amount)).toEqual([500, 500]);
    expect(r.body.lines.reduce((a: number, l: any) => a + l.amount, 0)).toBe(1000);
    const tooMuch = await refund(o.id, { amount: 1000 });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.errors[0].field).toBe('body.amount');
    const rest = await refund(o.id, { amount: 999 });
    expectStatus(rest, 201);
    expect((await getOrder(o.id)).amount_refundable).toBe(0);
    const both = await refund(o.id, { amount: 1, lines: [] });
    expect(both.status).toBe(400);
  });

  it('holds a pending refund against the remainder until it succeeds or is cancelled', async () => {
    const { order: o, lineEven, even } = await paidOrder();
    const before = await stockOf(t, shop, even);
    const pending = await refund(o.id, {
      lines: [{ order_line_id: lineEven, quantity: 1 }],
      status: 'pending',
      restock: true,
      reason: '尺码不合适',
    });
    expectStatus(pending, 201);
    expect(pending.body).toMatchObject({ status: 'pending', amount: 1000 });
    expect((await getOrder(o.id)).refund_pending).toBe(1000);
    const second = await refund(o.id, { lines: [{ order_line_id: lineEven, amount: 1 }] });
    expect(second.status).toBe(422);
    // Not restocked while pending: the goods are not back yet.
    expect(await stockOf(t, shop, even)).toEqual(before);
    const canceled = await t.request({
      method: 'POST',
      url: `/v1/refunds/${pending.body.id}/cancel`,
      key: shop.sk,
    });
    expect(canceled.body.status).toBe('canceled');
    expect((await getOrder(o.id)).refund_pending).toBe(0);
    expect(
      (await t.request({ method: 'POST', url: `/v1/refunds/${pending.body.id}/succeed`, key: shop.sk }))
        .status,
    ).toBe(409);

    const again = await refund(o.id, {
      lines: [{ order_line_id: lineEven, quantity: 1 }],
      status: 'pending',
      restock: true,
    });
    const done = await t.request({
      method: 'POST',
      url: `/v1/refunds/${again.body.id}/succeed`,
      key: shop.sk,
      body: { reference: 'wx-refund-1' },
    });
    expect(done.body).toMatchObject({ status: 'succeeded', reference: 'wx-refund-1' });
    expect(await getOrder(o.id)).toMatchObject({ refund_pending: 0, amount_refunded: 1000 });
    expect(await stockOf(t, shop, even)).toEqual({
      ...before,
      on_hand: before.on_hand + 1,
      available: before.available + 1,
    });
    expect(await eventTypesOf(t, shop.tenantId, again.body.id)).toEqual([
      'refund.created',
      'refund.succeeded',
    ]);
  });

  it('cancels a paid order whose every unit is refunded before anything shipped', async () => {
    const { order: o, lineOdd, lineEven } = await paidOrder();
    await refund(o.id, {
      lines: [
        { order_line_id: lineOdd, quantity: 3 },
        { order_line_id: lineEven, quantity: 1 },
      ],
      restock: true,
    });
    const after = await getOrder(o.id);
    expect(after).toMatchObject({
      status: 'canceled',
      cancel_reason: 'fully_refunded',
      amount_refunded: o.total,
    });
    expect(after.fulfillments.every((f: any) => f.status === 'canceled')).toBe(true);
  });

  it('refuses refunds on unpaid orders and unknown lines', async () => {
    const unpaid = await order(t, shop, [{ variant_id: shop.v.a, quantity: 1 }]);
    const r = await refund(unpaid.body.id, { amount: 100 });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('order_not_refundable');
    const { order: o } = await paidOrder();
    const unknown = await refund(o.id, { lines: [{ order_line_id: 'oli_nope', quantity: 1 }] });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0].field).toBe('body.lines.0.order_line_id');
  });

  it('lets a shipped unit be refunded and returned (退货退款) after shipping', async () => {
    const { order: o, lineOdd, odd } = await paidOrder();
    for (const f of o.fulfillments) {
      expectStatus(
        await t.request({
          method: 'POST',
          url: `/v1/fulfillments/${f.id}/shipments`,
          key: shop.sk,
          body: { carrier: 'SF', tracking_number: 'SF9000' },
        }),
        201,
      );
    }
    const before = await stockOf(t, shop, odd);
    const r = await refund(o.id, { lines: [{ order_line_id: lineOdd, quantity: 1 }], restock: true });
    expectStatus(r, 201);
    expect(await getOrder(o.id)).toMatchObject({ status: 'shipped', amount_refunded: 333 });
    expect((await stockOf(t, shop, odd)).on_hand).toBe(before.on_hand + 1);
  });
});

describe('cancelling', () => {
  it('cancels a paid, unshipped order: stock back, full refund, fulfillments cancelled', async () => {
    const { order: o, odd, even } = await paidOrder();
    const s0 = await stockOf(t, shop, odd);
    const s1 = await stockOf(t, shop, even);
    const res = await t.request({
      method: 'POST',
      url: `/v1/orders/${o.id}/cancel`,
      key: shop.sk,
      body: { reason: '买家不想要了' },
    });
    expectStatus(res, 200);
    expect(res.body).toMatchObject({
      status: 'canceled',
      cancel_reason: '买家不想要了',
      amount_refunded: o.total,
      amount_refundable: 0,
    });
    expect(res.body.fulfillments.every((f: any) => f.status === 'canceled')).toBe(true);
    expect((await stockOf(t, shop, odd)).on_hand).toBe(s0.on_hand + 3);
    expect((await stockOf(t, shop, even)).on_hand).toBe(s1.on_hand + 1);
    const refunds = await t.request({ method: 'GET', url: `/v1/refunds?order_id=${o.id}`, key: shop.sk });
    expect(refunds.body.data).toEqual([
      expect.objectContaining({ status: 'succeeded', amount: o.total, reason: 'order_canceled' }),
    ]);
    expect(await eventTypesOf(t, shop.tenantId, o.id)).toEqual([
      'order.created',
      'order.paid',
      'order.canceled',
    ]);
  });

  it('refuses to cancel once anything shipped, and cancels an unpaid order by releasing its reservation', async () => {
    const { order: o } = await paidOrder();
    await t.request({
      method: 'POST',
      url: `/v1/fulfillments/${o.fulfillments[0].id}/shipments`,
      key: shop.sk,
      body: { carrier: 'SF', tracking_number: 'SF9100' },
    });
    const res = await t.request({ method: 'POST', url: `/v1/orders/${o.id}/cancel`, key: shop.sk });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('invalid_order_transition');

    const v = await freshVariant(t, shop, 4);
    const unpaid = await order(t, shop, [{ variant_id: v, quantity: 4 }]);
    expect((await stockOf(t, shop, v)).available).toBe(0);
    expectStatus(
      await t.request({ method: 'POST', url: `/v1/orders/${unpaid.body.id}/cancel`, key: shop.sk }),
      200,
    );
    expect(await stockOf(t, shop, v)).toEqual({ on_hand: 4, reserved: 0, available: 4 });
  });
});

import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/http/errors';
import type { StateMachine } from '../../src/lib/state-machine';
import { fulfillmentMachine, orderMachine, refundMachine } from '../../src/modules/orders/states';

/** Every (state, event) pair: the listed ones lead where the table says, all others are 409. */
function checkExhaustively<S extends string, E extends string>(
  m: StateMachine<S, E>,
  events: E[],
  legal: Array<[S, E, S]>,
) {
  const expected = new Map(legal.map(([from, event, to]) => [`${from}:${event}`, to]));
  for (const from of m.states) {
    for (const event of events) {
      const to = expected.get(`${from}:${event}`);
      if (to) {
        expect(m.next(from, event), `${from} --${event}-->`).toBe(to);
        expect(m.can(from, event)).toBe(true);
      } else {
        expect(m.can(from, event), `${from} --${event}--> must be illegal`).toBe(false);
        try {
          m.next(from, event);
          expect.unreachable(`${from} --${event}--> should throw`);
        } catch (err) {
          expect(err).toBeInstanceOf(ApiError);
          expect((err as ApiError).status).toBe(409);
          expect((err as ApiError).code).toBe(`invalid_${m.name}_transition`);
        }
      }
    }
  }
}

describe('state machines', () => {
  it('orders', () => {
    checkExhaustively(
      orderMachine,
      ['pay', 'ship_part', 'ship_all', 'complete', 'cancel', 'expire'],
      [
        ['pending_payment', 'pay', 'paid'],
        ['pending_payment', 'cancel', 'canceled'],
        ['pending_payment', 'expire', 'canceled'],
        ['paid', 'ship_part', 'partially_shipped'],
        ['paid', 'ship_all', 'shipped'],
        ['paid', 'cancel', 'canceled'],
        ['partially_shipped', 'ship_part', 'partially_shipped'],
        ['partially_shipped', 'ship_all', 'shipped'],
        ['shipped', 'complete', 'completed'],
      ],
    );
  });

  it('fulfillments', () => {
    checkExhaustively(
      fulfillmentMachine,
      ['ship_part', 'ship_all', 'cancel'],
      [
        ['pending', 'ship_part', 'partially_shipped'],
        ['pending', 'ship_all', 'shipped'],
        ['pending', 'cancel', 'canceled'],
        ['partially_shipped', 'ship_part', 'partially_shipped'],
        ['partially_shipped', 'ship_all', 'shipped'],
      ],
    );
  });

  it('refunds', () => {
    checkExhaustively(
      refundMachine,
      ['succeed', 'cancel'],
      [
        ['pending', 'succeed', 'succeeded'],
        ['pending', 'cancel', 'canceled'],
      ],
    );
  });

  it('names the state and the event in the error', () => {
    expect(() => orderMachine.next('shipped', 'cancel')).toThrow('Cannot cancel a shipped order.');
  });
});

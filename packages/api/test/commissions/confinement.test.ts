import { beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, type TestApp, testApp } from '../helpers';
import { ADDRESS } from '../orders/fixtures';
import {
  api,
  commissionsOf,
  DAY,
  type Distribution,
  newShopkeeper,
  openDistribution,
  paidOrder,
  settle,
  shipAndComplete,
  variant,
} from './fixtures';

const clock = new FakeClock();
let t: TestApp;
let d: Distribution;
let sk: ReturnType<typeof api>;

beforeAll(async () => {
  t = await testApp({ clock });
  d = await openDistribution(t);
  sk = api(t, d.sk);
  await sk.ok('POST', '/v1/commission_rules', { type: 'percentage', rate_bps: 1000 });
});

async function tokenOf(promoterId: string) {
  return (await sk.ok('POST', `/v1/promoters/${promoterId}/tokens`, {})).token as string;
}

describe('promoter tokens', () => {
  it('list and read only their own commissions and settlement lines', async () => {
    const other = await newShopkeeper(t, d, '邻居店主');
    const v = await variant(t, d, 2_000);
    const mine = await paidOrder(t, d, d.shopkeeperStoreId, [{ variant_id: v.variantId, quantity: 1 }]);
    const theirs = await paidOrder(t, d, other.storeId, [{ variant_id: v.variantId, quantity: 1 }], {
      shipping_address: { ...ADDRESS, phone: '13811112222' },
    });
    await shipAndComplete(t, d, mine.id);
    await shipAndComplete(t, d, theirs.id);
    clock.advance(7 * DAY);
    await t.app.jobs.drain();
    const s = await settle(t, d);
    expect(s.lines.data).toHaveLength(2);
    const [myCommission] = await commissionsOf(t, d, mine.id);
    const [theirCommission] = await commissionsOf(t, d, theirs.id);

    let me = api(t, await tokenOf(d.shopkeeperId));
    const list = await me.ok('GET', '/v1/commissions');
    expect(list.data.map((c: any) => c.id)).toEqual([myCommission.id]);
    // Asking for another promoter's ledger by filter still shows only its own (nothing).
    const filtered = await me.ok('GET', `/v1/commissions?promoter_id=${other.promoterId}`);
    expect(filtered.data).toEqual([]);
    expect((await me.ok('GET', `/v1/commissions/${myCommission.id}`)).amount).toBe(200);
    const foreign = await me.call('GET', `/v1/commissions/${theirCommission.id}`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('resource_missing');

    const settlements = await me.ok('GET', '/v1/settlements');
    expect(settlements.data).toHaveLength(1);
    const own = await me.ok('GET', `/v1/settlements/${s.id}`);
    expect(own.lines.data.map((l: any) => l.promoter_id)).toEqual([d.shopkeeperId]);
    expect(own.total).toBeNull();
    const ownLines = await me.ok('GET', `/v1/settlements/${s.id}/lines`);
    expect(ownLines.data.map((l: any) => l.promoter_id)).toEqual([d.shopkeeperId]);
    // The backend pages through every line.
    const first = await sk.ok('GET', `/v1/settlements/${s.id}/lines?limit=1`);
    expect(first.has_more).toBe(true);
    const second = await sk.ok(
      'GET',
      `/v1/settlements/${s.id}/lines?limit=1&starting_after=${first.next_cursor}`,
    );
    expect(second.has_more).toBe(false);
    expect([...first.data, ...second.data].map((l: any) => l.id)).toEqual(s.lines.data.map((l: any) => l.id));
    expect(own.carried_over).toEqual([]);

    // A settlement that does not pay it is invisible.
    const later = await paidOrder(t, d, other.storeId, [{ variant_id: v.variantId, quantity: 1 }], {
      shipping_address: { ...ADDRESS, phone: '13811112222' },
    });
    await shipAndComplete(t, d, later.id);
    clock.advance(7 * DAY);
    await t.app.jobs.drain();
    const onlyTheirs = await settle(t, d);
    // Tokens are short-lived: a fresh one after the week that passed.
    me = api(t, await tokenOf(d.shopkeeperId));
    expect(onlyTheirs.lines.data.map((l: any) => l.promoter_id)).toEqual([other.promoterId]);
    expect((await me.call('GET', `/v1/settlements/${onlyTheirs.id}`)).status).toBe(404);
    expect((await me.ok('GET', '/v1/settlements')).data.map((x: any) => x.id)).toEqual([s.id]);

    // Writes and exports are for the tenant's backend only.
    for (const [method, url] of [
      ['POST', '/v1/settlements'],
      ['POST', `/v1/settlements/${s.id}/pay`],
      ['GET', `/v1/settlements/${s.id}/lines.csv`],
      ['GET', '/v1/commission_rules'],
      ['GET', '/v1/reports/distribution?month=2026-11'],
    ] as const) {
      const res = await me.call(method, url, method === 'POST' ? {} : undefined);
      expect(res.status, url).toBe(403);
    }
  });
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Mujiang } from '@mujiang/sdk';
import type { MujiangEvent } from '@mujiang/sdk/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../src/receiver';
import { earningsOf, ShopStore } from '../src/store';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cps-store-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const ME = 'prm_me';
// Commission events never call the API; settlements are covered by the end-to-end test.
const client = {} as Mujiang;

function commissionEvent(id: string, seq: number, status: string, amount: number, promoter = ME) {
  return {
    id,
    object: 'event',
    type: `commission.${status === 'pending' ? 'created' : status}`,
    created_at: new Date(Date.UTC(2026, 10, 22, 8, seq)).toISOString(),
    object_seq: seq,
    data: {
      object: {
        id: 'com_1',
        object: 'commission',
        status,
        promoter_id: promoter,
        order_id: 'ord_1',
        amount,
        adjusted_amount: 0,
        final_amount: status === 'confirmed' ? amount : null,
        line_amount: amount * 10,
        currency: 'CNY',
        settlement_id: null,
        updated_at: new Date(Date.UTC(2026, 10, 22, 8, seq)).toISOString(),
      },
    },
  } as unknown as MujiangEvent;
}

async function freshStore(name: string) {
  const store = new ShopStore(join(dir, `${name}.json`));
  await store.update((s) => {
    s.promoter_id = ME;
  });
  return store;
}

describe('recording events', () => {
  it('keeps the newest snapshot by object_seq when events arrive out of order', async () => {
    const store = await freshStore('order');
    const created = commissionEvent('evt_1', 1, 'pending', 500);
    const adjusted = commissionEvent('evt_2', 2, 'pending', 300);
    const confirmed = commissionEvent('evt_3', 3, 'confirmed', 300);
    expect(await recordEvent(confirmed, { store, client })).toBe('recorded');
    expect(await recordEvent(created, { store, client })).toBe('stale');
    expect(await recordEvent(adjusted, { store, client })).toBe('stale');
    expect(store.current.commissions.com_1).toMatchObject({ status: 'confirmed', amount: 300, seq: 3 });
    expect(earningsOf(store.current)).toMatchObject({ pending: 0, confirmed: 300 });
    // Every event id is remembered, applied or not; a repeat is a duplicate.
    expect(Object.keys(store.current.events).sort()).toEqual(['evt_1', 'evt_2', 'evt_3']);
    expect(await recordEvent(created, { store, client })).toBe('duplicate');
  });

  it('records concurrent deliveries without losing any, and survives a restart', async () => {
    const store = await freshStore('concurrent');
    const events = Array.from({ length: 20 }, (_, i) => {
      const e = commissionEvent(`evt_c${i}`, 1, 'pending', 100) as { data: { object: { id: string } } };
      e.data.object.id = `com_c${i}`;
      return e as unknown as MujiangEvent;
    });
    // Each event twice, all at once.
    const outcomes = await Promise.all([...events, ...events].map((e) => recordEvent(e, { store, client })));
    expect(outcomes.filter((o) => o === 'recorded')).toHaveLength(20);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(20);
    const reopened = new ShopStore(store.file);
    expect(Object.keys(reopened.current.commissions)).toHaveLength(20);
    expect(earningsOf(reopened.current).pending).toBe(2_000);
    expect(JSON.parse(await readFile(store.file, 'utf8')).events.evt_c7).toMatchObject({ applied: true });
  });

  it("ignores another promoter's commissions", async () => {
    const store = await freshStore('others');
    expect(
      await recordEvent(commissionEvent('evt_o', 1, 'pending', 100, 'prm_other'), { store, client }),
    ).toBe('ignored');
    expect(store.current.commissions).toEqual({});
    expect(store.current.events.evt_o).toMatchObject({ applied: false });
  });
});

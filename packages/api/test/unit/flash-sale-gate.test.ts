import { describe, expect, it } from 'vitest';
import type { ApiError } from '../../src/http/errors';
import {
  admitToSale,
  markSoldOut,
  noteVariantItem,
  tenantHasSaleItems,
} from '../../src/modules/flash-sales/gate';

/** Lets every settled promise callback run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('flash sale admission gate', () => {
  it('lets a variant outside any known sale straight through', async () => {
    const release = await admitToSale('ten_gate_a', ['var_plain']);
    release();
    expect(await tenantHasSaleItems('ten_gate_a')).toBe(false);
  });

  it('runs at most four checkouts of one item at once and queues the rest in order', async () => {
    noteVariantItem('ten_gate_b', 'var_hot', 'fsi_hot');
    expect(await tenantHasSaleItems('ten_gate_b')).toBe(true);
    const admitted: number[] = [];
    const releases: Array<() => void> = [];
    const buyers = Array.from({ length: 6 }, (_, i) =>
      admitToSale('ten_gate_b', ['var_hot']).then((release) => {
        admitted.push(i);
        releases.push(release);
      }),
    );
    await settle();
    expect(admitted).toEqual([0, 1, 2, 3]);
    releases[0]!();
    await settle();
    expect(admitted).toEqual([0, 1, 2, 3, 4]);
    for (const r of releases.splice(1)) r();
    await Promise.all(buyers);
    expect(admitted).toEqual([0, 1, 2, 3, 4, 5]);
    for (const r of releases) r();
  });

  it('answers every queued buyer "sold out" the moment the item sells out, and later ones at once', async () => {
    noteVariantItem('ten_gate_c', 'var_hot', 'fsi_hot');
    const running = await Promise.all(
      Array.from({ length: 4 }, () => admitToSale('ten_gate_c', ['var_hot'])),
    );
    const queued = Array.from({ length: 50 }, () =>
      admitToSale('ten_gate_c', ['var_hot']).then(
        () => 'admitted',
        (err: ApiError) => err.code,
      ),
    );
    markSoldOut('ten_gate_c', 'fsi_hot');
    expect(new Set(await Promise.all(queued))).toEqual(new Set(['flash_sale_sold_out']));
    await expect(admitToSale('ten_gate_c', ['var_hot'])).rejects.toMatchObject({
      status: 409,
      code: 'flash_sale_sold_out',
    });
    for (const release of running) release();
  });

  it('learns the live sale items of a tenant from one shared read, before any order is priced', async () => {
    let reads = 0;
    const load = async () => {
      reads++;
      return new Map([['var_opening', 'fsi_opening']]);
    };
    const admitted = await Promise.all(
      Array.from({ length: 4 }, () => admitToSale('ten_gate_f', ['var_opening'], load)),
    );
    // The fifth buyer of the opening second waits for a turn: the gate knew the item at once.
    let fifth = false;
    const waiting = admitToSale('ten_gate_f', ['var_opening'], load).then((release) => {
      fifth = true;
      return release;
    });
    await settle();
    expect(reads).toBe(1);
    expect(fifth).toBe(false);
    admitted[0]!();
    (await waiting)();
    for (const release of admitted.slice(1)) release();
    expect(await tenantHasSaleItems('ten_gate_f', load)).toBe(true);
  });

  it('keeps tenants apart', async () => {
    noteVariantItem('ten_gate_d', 'var_x', 'fsi_x');
    markSoldOut('ten_gate_d', 'fsi_x');
    noteVariantItem('ten_gate_e', 'var_x', 'fsi_x');
    const release = await admitToSale('ten_gate_e', ['var_x']);
    release();
  });
});

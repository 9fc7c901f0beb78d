import { describe, expect, it } from 'vitest';
import { etagMatches, etagOf, StorefrontCache } from '../../src/modules/storefront/cache';

/** A tenant's data as a fake database: a version, and a count of page builds. */
function source(version = 1) {
  const db = { version, loads: 0, versionReads: 0 };
  return {
    db,
    load: async () => {
      db.loads++;
      return { version: db.version, body: { version: db.version, load: db.loads } };
    },
    readVersion: async () => {
      db.versionReads++;
      return db.version;
    },
  };
}

describe('storefront cache', () => {
  it('serves a page from memory until this node commits a change, then rebuilds it once', async () => {
    const cache = new StorefrontCache();
    const s = source();
    const get = () => cache.page('ten_a', 'products', s.load, s.readVersion);
    const first = await get();
    expect(await get()).toBe(first);
    expect(s.db).toMatchObject({ loads: 1, versionReads: 1 });

    s.db.version = 2;
    cache.changed({ tenantId: 'ten_a', version: 2 });
    const second = await get();
    expect(JSON.parse(second.body.toString())).toEqual({ version: 2, load: 2 });
    expect(second.etag).not.toBe(first.etag);

    // A stock change on the order path bumps no version, but still drops this node's pages.
    cache.changed({ tenantId: 'ten_a' });
    expect(JSON.parse((await get()).body.toString()).load).toBe(3);
    // Another tenant's change does not.
    cache.changed({ tenantId: 'ten_b', version: 9 });
    expect(JSON.parse((await get()).body.toString()).load).toBe(3);
  });

  it('shares one build among concurrent misses', async () => {
    const cache = new StorefrontCache();
    const s = source();
    const pages = await Promise.all(
      Array.from({ length: 20 }, () => cache.page('ten_a', 'k', s.load, s.readVersion)),
    );
    expect(new Set(pages).size).toBe(1);
    expect(s.db).toMatchObject({ loads: 1, versionReads: 1 });
  });

  it('sees another node’s change when it re-reads the version', async () => {
    const cache = new StorefrontCache({ versionCheckMs: 0 });
    const s = source();
    await cache.page('ten_a', 'k', s.load, s.readVersion);
    await cache.page('ten_a', 'k', s.load, s.readVersion);
    expect(s.db.loads).toBe(1);
    s.db.version = 5; // committed elsewhere: no local notice
    const page = await cache.page('ten_a', 'k', s.load, s.readVersion);
    expect(JSON.parse(page.body.toString())).toEqual({ version: 5, load: 2 });
  });

  it('rebuilds pages older than the maximum age', async () => {
    const cache = new StorefrontCache({ maxAgeMs: 0 });
    const s = source();
    await cache.page('ten_a', 'k', s.load, s.readVersion);
    await cache.page('ten_a', 'k', s.load, s.readVersion);
    expect(s.db.loads).toBe(2);
  });

  it('does not keep a failed build', async () => {
    const cache = new StorefrontCache();
    const s = source();
    let fail = true;
    const load = () => (fail ? Promise.reject(new Error('boom')) : s.load());
    await expect(cache.page('ten_a', 'k', load, s.readVersion)).rejects.toThrow('boom');
    fail = false;
    expect(JSON.parse((await cache.page('ten_a', 'k', load, s.readVersion)).body.toString()).load).toBe(1);
  });

  it("drops one store's pages on a change of that store, and every store's on a change of the tenant", async () => {
    const cache = new StorefrontCache();
    const shop = source();
    const brand = source();
    const get = (store: 'shop' | 'brand') =>
      cache.page(
        'ten_a',
        'products',
        store === 'shop' ? shop.load : brand.load,
        store === 'shop' ? shop.readVersion : brand.readVersion,
        store,
      );
    const loads = async (store: 'shop' | 'brand') => JSON.parse((await get(store)).body.toString()).load;
    expect([await loads('shop'), await loads('brand')]).toEqual([1, 1]);
    expect([await loads('shop'), await loads('brand')]).toEqual([1, 1]);

    // A shopkeeper's pick: its store's version goes up, the tenant's does not.
    shop.db.version = 2;
    cache.changed({ tenantId: 'ten_a', storeId: 'shop' });
    expect([await loads('shop'), await loads('brand')]).toEqual([2, 1]);
    // Another tenant's store of the same id is another scope.
    cache.changed({ tenantId: 'ten_b', storeId: 'brand' });
    expect(await loads('brand')).toBe(1);

    // A catalog change reaches every store of the tenant, whatever its scope.
    shop.db.version = 3;
    brand.db.version = 2;
    cache.changed({ tenantId: 'ten_a', version: 2 });
    expect([await loads('shop'), await loads('brand')]).toEqual([3, 2]);
    expect([await loads('shop'), await loads('brand')]).toEqual([3, 2]);
    // So does a stock change on the order path (no version).
    cache.changed({ tenantId: 'ten_a' });
    expect([await loads('shop'), await loads('brand')]).toEqual([4, 3]);
  });

  it("sees another node's change of one store when it re-reads that store's version", async () => {
    const cache = new StorefrontCache({ versionCheckMs: 0 });
    const shop = source();
    await cache.page('ten_a', 'k', shop.load, shop.readVersion, 'shop');
    shop.db.version = 7; // a pick committed elsewhere: no local notice
    const page = await cache.page('ten_a', 'k', shop.load, shop.readVersion, 'shop');
    expect(JSON.parse(page.body.toString())).toEqual({ version: 7, load: 2 });
  });
});

describe('ETags', () => {
  it('are strong, equal for equal bodies, and matched weakly by If-None-Match', () => {
    const tag = etagOf('{"a":1}');
    expect(tag).toBe(etagOf('{"a":1}'));
    expect(tag).not.toBe(etagOf('{"a":2}'));
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{32}"$/);
    expect(etagMatches(tag, tag)).toBe(true);
    expect(etagMatches(`W/${tag}`, tag)).toBe(true);
    expect(etagMatches(`"x", ${tag}`, tag)).toBe(true);
    expect(etagMatches('*', tag)).toBe(true);
    expect(etagMatches('"x"', tag)).toBe(false);
    expect(etagMatches(undefined, tag)).toBe(false);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../helpers';
import { ACCESS, SAMPLE_BODIES } from './access-table';
import { buildWorld, KINDS, type World } from './world';

let t: TestApp;
let world: World;
let operations: Array<{ key: string; method: string; path: string; kinds: string[]; hasBody: boolean }>;

beforeAll(async () => {
  t = await testApp();
  world = await buildWorld(t);
  const doc = (await t.request({ method: 'GET', url: '/openapi.json' })).body;
  operations = [];
  for (const [path, methods] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        kinds: op['x-key-kinds'] ?? [],
        hasBody: Boolean(op.requestBody),
      });
    }
  }
});

/** The collection path a by-id route hangs off: `/v1/stores/{id}/x` → `/v1/stores`. */
const collectionOf = (path: string) => path.slice(0, path.indexOf('/{id}'));

/** A path with `{id}` replaced; ids that do not exist keep mutations free of side effects. */
const urlFor = (path: string, id = 'x_doesnotexist') => path.replace('{id}', id);

describe('access matrix (from the OpenAPI document)', () => {
  it('declares every operation, and only existing ones', () => {
    const documented = operations.map((o) => o.key).sort();
    expect(
      documented.filter((k) => !(k in ACCESS)),
      'operations without a row in access-table.ts',
    ).toEqual([]);
    expect(
      Object.keys(ACCESS).filter((k) => !documented.includes(k)),
      'rows for missing operations',
    ).toEqual([]);
  });

  it('documents exactly the declared key kinds on each operation', () => {
    for (const op of operations)
      expect([...op.kinds].sort(), op.key).toEqual([...(ACCESS[op.key] ?? [])].sort());
  });

  it('refuses every undeclared key kind with 403 and lets every declared one past authorisation', async () => {
    for (const op of operations) {
      const allowed = ACCESS[op.key] ?? [];
      if (allowed.length === 0) continue; // public
      for (const kind of KINDS) {
        // A body with an unknown field fails validation after authorisation: no side effects.
        const body = op.hasBody ? { __probe: true } : undefined;
        const res = await t.request({
          method: op.method as any,
          url: urlFor(op.path),
          key: world.keysA[kind],
          body,
        });
        const where = `${op.key} as ${kind}: ${res.status} ${res.raw.slice(0, 200)}`;
        if (allowed.includes(kind)) {
          expect([401, 403], where).not.toContain(res.status);
          expect(res.status, where).toBeLessThan(500);
        } else {
          expect(res.status, where).toBe(403);
          expect(res.body.code, where).toBe('wrong_key_kind');
        }
      }
      const anonymous = await t.request({ method: op.method as any, url: urlFor(op.path) });
      expect(anonymous.status, `${op.key} without a key`).toBe(401);
    }
  });

  it("answers 404 to the other tenant (and the other partner) for every by-id operation on A's objects", async () => {
    for (const op of operations.filter((o) => o.path.includes('{id}'))) {
      const id = world.a.objects[collectionOf(op.path)];
      expect(id, `no fixture object for ${op.path}: add one in world.ts`).toBeDefined();
      for (const kind of ACCESS[op.key] ?? []) {
        if (kind === 'platform') continue; // the operator sees every tenant by design
        const body = op.method === 'GET' ? undefined : (SAMPLE_BODIES[op.key] ?? {});
        const res = await t.request({
          method: op.method as any,
          url: urlFor(op.path, id),
          key: world.keysB[kind],
          body,
        });
        expect(res.status, `${op.key} as tenant B's ${kind}: ${res.raw.slice(0, 200)}`).toBe(404);
        expect(res.body.code).toBe('resource_missing');
      }
    }
  });

  it("never lists tenant A's objects to tenant B's keys", async () => {
    const aIds = new Set(Object.values(world.a.objects));
    for (const op of operations.filter((o) => o.method === 'GET' && !o.path.includes('{'))) {
      for (const kind of ACCESS[op.key] ?? []) {
        if (kind === 'platform') continue;
        const res = await t.request({ method: 'GET', url: op.path, key: world.keysB[kind] });
        const items: any[] = res.body?.data ?? (res.body?.id ? [res.body] : []);
        for (const item of items)
          expect(aIds.has(item.id), `${op.key} as B's ${kind} shows ${item.id}`).toBe(false);
      }
    }
  });
});

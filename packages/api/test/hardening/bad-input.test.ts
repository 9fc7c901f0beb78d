import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client';
import { type TestApp, testApp } from '../helpers';
import { ACCESS } from './access-table';
import { invalidBody } from './malformed';
import { buildWorld, type Kind, type World } from './world';

let t: TestApp;
let world: World;
let operations: Array<{ key: string; method: string; path: string; op: any }>;

/** Everything in every table, except columns that legitimately move on reads. */
async function snapshot(): Promise<string> {
  const tables = rowsOf<{ tablename: string }>(
    await t.app.db.execute(
      sql`select tablename from pg_tables where schemaname = 'public' order by tablename`,
    ),
  );
  const out: Record<string, unknown> = {};
  for (const { tablename } of tables) {
    // The test connects as the owner/superuser, which row-level security does not restrict.
    const rows = rowsOf<Record<string, unknown>>(
      await t.app.db.execute(sql`select * from ${sql.identifier(tablename)}`),
    );
    out[tablename] = rows
      .map((r) => {
        const { last_used_at: _used, ...rest } = r;
        return JSON.stringify(rest);
      })
      .sort();
  }
  return JSON.stringify(out);
}

function expectRefused(res: { status: number; headers: Record<string, any>; raw: string }, where: string) {
  expect(res.status, `${where}: ${res.raw.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(res.status, `${where}: ${res.raw.slice(0, 300)}`).toBeLessThan(500);
  expect(res.headers['content-type'], where).toMatch(/^application\/problem\+json/);
}

beforeAll(async () => {
  t = await testApp({ bodyLimitBytes: 256 * 1024 });
  world = await buildWorld(t);
  const doc = (await t.request({ method: 'GET', url: '/openapi.json' })).body;
  operations = Object.entries<any>(doc.paths).flatMap(([path, methods]) =>
    Object.entries<any>(methods).map(([method, op]) => ({
      key: `${method.toUpperCase()} ${path}`,
      method: method.toUpperCase(),
      path,
      op,
    })),
  );
});

const keyFor = (opKey: string) => {
  const kind = (ACCESS[opKey] ?? [])[0] as Kind | undefined;
  return kind ? world.keysA[kind] : undefined;
};
const realUrl = (path: string) =>
  path.replace('{id}', world.a.objects[path.slice(0, path.indexOf('/{id}'))] ?? 'x');

describe('malformed input never gets a 5xx and never writes', () => {
  it('refuses schema-violating bodies on every operation with a body (property-based)', async () => {
    const before = await snapshot();
    let sent = 0;
    for (const { key, method, path, op } of operations) {
      const schema = op.requestBody?.content?.['application/json']?.schema;
      if (!schema) continue;
      await fc.assert(
        fc.asyncProperty(invalidBody(schema, op.requestBody?.required === true), async (body) => {
          const res = await t.request({
            method: method as any,
            url: realUrl(path),
            key: keyFor(key),
            body: JSON.stringify(body),
          });
          sent++;
          expectRefused(res, `${key} ${JSON.stringify(body).slice(0, 120)}`);
        }),
        { numRuns: 40 },
      );
    }
    expect(sent).toBeGreaterThan(100);
    expect(await snapshot()).toBe(before);
  });

  it('refuses broken JSON, wrong content types and oversized bodies on every operation with a body', async () => {
    const before = await snapshot();
    for (const { key, method, path, op } of operations) {
      if (!op.requestBody) continue;
      const url = realUrl(path);
      const k = keyFor(key);
      const cases: Array<{ body: string; headers: Record<string, string> }> = [
        { body: '{"name": "x",', headers: {} },
        { body: '', headers: { 'content-type': 'application/json' } },
        { body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
        { body: '<a/>', headers: { 'content-type': 'text/xml' } },
        { body: JSON.stringify({ name: 'x'.repeat(300 * 1024) }), headers: {} },
      ];
      for (const c of cases) {
        const res = await t.request({ method: method as any, url, key: k, body: c.body, headers: c.headers });
        expectRefused(res, `${key} with ${c.body.slice(0, 20)}`);
      }
    }
    expect(await snapshot()).toBe(before);
  });

  it('answers invalid ids with 4xx on every by-id operation', async () => {
    const before = await snapshot();
    const ids = fc.oneof(
      fc.string({ minLength: 1, maxLength: 60 }),
      // '.' is a dot segment: the path normalises to an empty id, which once matched any product.
      fc.constantFrom('.', '..%2F..%2Fetc', '%00', 'store_', "x' or '1'='1", '😀', 'a'.repeat(2000)),
    );
    for (const { key, method, path } of operations.filter((o) => o.path.includes('{id}'))) {
      await fc.assert(
        fc.asyncProperty(ids, async (id) => {
          const url = path.replace('{id}', encodeURIComponent(id));
          const res = await t.request({
            method: method as any,
            url,
            key: keyFor(key),
            body: method === 'GET' ? undefined : {},
          });
          expectRefused(res, `${key} id=${id.slice(0, 40)}`);
        }),
        { numRuns: 25 },
      );
    }
    expect(await snapshot()).toBe(before);
    // 25 ids × every by-id operation: this grows with the API, and the machine is shared.
  }, 120_000);

  it('never answers 5xx to junk query parameters on list operations', async () => {
    for (const { key, path, op } of operations.filter((o) => o.method === 'GET')) {
      const params: string[] = (op.parameters ?? [])
        .filter((p: any) => p.in === 'query')
        .map((p: any) => p.name);
      if (params.length === 0) continue;
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...params), fc.string({ maxLength: 300 }), async (name, value) => {
          const res = await t.request({
            method: 'GET',
            url: `${realUrl(path)}?${name}=${encodeURIComponent(value)}`,
            key: keyFor(key),
          });
          expect(res.status, `${key}?${name}=${value.slice(0, 40)}: ${res.raw.slice(0, 200)}`).toBeLessThan(
            500,
          );
          if (res.status >= 400) expectRefused(res, key);
        }),
        { numRuns: 25 },
      );
    }
  });
});

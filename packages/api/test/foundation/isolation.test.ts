import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client';
import { APP_ROLE } from '../../src/db/tenancy';
import {
  createTestTenant,
  expectStatus,
  type TestApp,
  type TestTenant,
  testApp,
  testDatabase,
} from '../helpers';

// Every operation × key kind × two tenants is checked through the API in
// test/hardening/access-matrix.test.ts; this file proves the database itself holds the boundary.
let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let storeOfA: string;

beforeAll(async () => {
  t = await testApp();
  a = await createTestTenant(t, 'Tenant A');
  b = await createTestTenant(t, 'Tenant B');
  const store = await t.request({
    method: 'POST',
    url: '/v1/stores',
    key: a.secretKey,
    body: { kind: 'brand', name: 'A store' },
  });
  expectStatus(store, 201);
  storeOfA = store.body.id;
});

describe('tenant isolation through the API', () => {
  it("refuses to bind a key of tenant B to tenant A's store", async () => {
    const res = await t.request({
      method: 'POST',
      url: '/v1/api_keys',
      key: b.secretKey,
      body: { kind: 'publishable', store_id: storeOfA },
    });
    expect(res.status).toBe(422);
  });
});

describe('row-level security in the database', () => {
  it('returns no rows of any tenant to the app role without a tenant, and only its own with one', async () => {
    const { db } = await testDatabase();
    const count = (result: unknown) => Number(rowsOf<{ n: string }>(result)[0]!.n);
    // A query with no tenant filter at all, as a forgotten WHERE would run.
    const unscoped = await db.transaction(async (tx) => {
      await tx.execute(sql`select set_config('role', ${APP_ROLE}, true)`);
      return count(await tx.execute(sql`select count(*) as n from stores`));
    });
    expect(unscoped).toBe(0);
    const asB = await db.transaction(async (tx) => {
      await tx.execute(
        sql`select set_config('role', ${APP_ROLE}, true), set_config('app.tenant_id', ${b.id}, true)`,
      );
      return {
        foreign: count(await tx.execute(sql`select count(*) as n from stores where tenant_id = ${a.id}`)),
        tenants: count(await tx.execute(sql`select count(*) as n from tenants where id <> ${b.id}`)),
      };
    });
    expect(asB).toEqual({ foreign: 0, tenants: 0 });
    // Writing a row for another tenant is refused by the policy's WITH CHECK.
    await expect(
      db.transaction(async (tx) => {
        await tx.execute(
          sql`select set_config('role', ${APP_ROLE}, true), set_config('app.tenant_id', ${b.id}, true)`,
        );
        await tx.execute(
          sql`insert into stores (tenant_id, id, kind, name) values (${a.id}, 'store_x', 'brand', 'x')`,
        );
      }),
    ).rejects.toThrow();
  });

  it('runs the app role as neither owner, superuser nor BYPASSRLS, on tables with forced RLS', async () => {
    const { db } = await testDatabase();
    const res = await db.execute(
      sql`select rolsuper, rolbypassrls, rolcanlogin from pg_roles where rolname = ${APP_ROLE}`,
    );
    expect(rowsOf(res)[0]).toEqual({ rolsuper: false, rolbypassrls: false, rolcanlogin: false });
    const owned = await db.execute(
      sql`select count(*) as n from pg_tables where schemaname = 'public' and tableowner = ${APP_ROLE}`,
    );
    expect(Number(rowsOf<{ n: string }>(owned)[0]!.n)).toBe(0);
  });
});

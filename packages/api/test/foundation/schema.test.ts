import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Database, rowsOf } from '../../src/db/client';
import { testDatabase } from '../helpers';

let db: Database;
beforeAll(async () => {
  db = (await testDatabase()).db;
});

/** The platform tables; every other table must be a tenant table. */
const PLATFORM_TABLES = ['partners', 'tenants'];

async function query<T>(q: ReturnType<typeof sql>) {
  return rowsOf<T>(await db.execute(q));
}

describe('schema: every table is tenant-scoped and Citus-ready', () => {
  it('gives every non-platform table a tenant_id with forced row-level security', async () => {
    const tables = await query<{ relname: string; has_tenant: boolean; rls: boolean; forced: boolean }>(sql`
      select c.relname,
             exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped) as has_tenant,
             c.relrowsecurity as rls, c.relforcerowsecurity as forced
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p')`);
    expect(tables.length).toBeGreaterThan(PLATFORM_TABLES.length);
    for (const t of tables) {
      expect({ table: t.relname, rls: t.rls, forced: t.forced }).toEqual({
        table: t.relname,
        rls: true,
        forced: true,
      });
      if (!PLATFORM_TABLES.includes(t.relname)) expect(t.has_tenant, `${t.relname} has tenant_id`).toBe(true);
    }
  });

  it('leads every primary key and unique index of a tenant table with tenant_id', async () => {
    const indexes = await query<{ table: string; index: string; first_column: string }>(sql`
      select t.relname as table, i.relname as index, a.attname as first_column
      from pg_index x
      join pg_class i on i.oid = x.indexrelid
      join pg_class t on t.oid = x.indrelid
      join pg_namespace n on n.oid = t.relnamespace
      join pg_attribute a on a.attrelid = t.oid and a.attnum = x.indkey[0]
      where n.nspname = 'public' and (x.indisunique or x.indisprimary)`);
    for (const ix of indexes) {
      if (PLATFORM_TABLES.includes(ix.table)) continue;
      expect(ix.first_column, `${ix.table}.${ix.index}`).toBe('tenant_id');
    }
  });

  it('includes tenant_id in every foreign key between tenant tables', async () => {
    const fks = await query<{ table: string; name: string; columns: string[]; target: string }>(sql`
      select t.relname as table, c.conname as name, f.relname as target,
             array(select a.attname::text from unnest(c.conkey) k join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k) as columns
      from pg_constraint c
      join pg_class t on t.oid = c.conrelid
      join pg_class f on f.oid = c.confrelid
      join pg_namespace n on n.oid = t.relnamespace
      where n.nspname = 'public' and c.contype = 'f'`);
    for (const fk of fks) {
      if (PLATFORM_TABLES.includes(fk.table)) continue;
      expect(fk.columns, `${fk.table}.${fk.name}`).toContain('tenant_id');
    }
  });

  it('has the tenant policy on every tenant table', async () => {
    const missing = await query<{ relname: string }>(sql`
      select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r'
        and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id')
        and not exists (select 1 from pg_policies p where p.tablename = c.relname and p.policyname = 'tenant_isolation')`);
    expect(missing).toEqual([]);
  });
});

import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { type ExtractTablesWithRelations, type SQL, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { PostgresJsSession } from 'drizzle-orm/postgres-js/session';
import postgres from 'postgres';
import * as schema from './schema';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** Applies pending migrations, then secures every tenant table (see migrations/0001). */
  migrate(): Promise<void>;
  /**
   * LISTEN on a channel (a dedicated connection on PostgreSQL, re-subscribed after reconnects);
   * resolves to the function that stops listening.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; unset → PGlite. */
  url?: string | undefined;
  /** PGlite data folder, or `memory://`. */
  dataDir?: string;
  poolMax?: number;
  migrationsDir?: string;
  /**
   * Named prepared statements on PostgreSQL (default on). Turn off behind a pooler in
   * transaction mode (PgBouncer), where a statement prepared on one server connection is
   * missing on the next.
   */
  preparedStatements?: boolean;
}

/**
 * drizzle sends a query as a named prepared statement only when it is given a name, so every
 * other query is parsed, described and planned by PostgreSQL on every call: on a checkout of
 * fifteen statements that is most of the database's work. Giving every query an (empty) name
 * makes postgres.js prepare it once per connection and reuse it by its text. Process-wide, as
 * drizzle's session class is.
 */
let statementsPrepared = false;
function prepareEveryStatement() {
  if (statementsPrepared) return;
  statementsPrepared = true;
  const proto = PostgresJsSession.prototype as unknown as {
    prepareQuery: (query: unknown, fields: unknown, name: string | undefined, ...rest: unknown[]) => unknown;
  };
  const unnamed = proto.prepareQuery;
  proto.prepareQuery = function (query, fields, name, ...rest) {
    return unnamed.call(this, query, fields, name ?? '', ...rest);
  };
}

/** The repository's migrations folder, found upwards from this file (works from src/ and dist/). */
function findMigrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'migrations');
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('migrations folder not found; set migrationsDir');
}

// Any constant works; it only has to be the same for every process migrating this database.
const MIGRATION_LOCK_ID = 0x6d756a69;

export function openDatabase(options: DatabaseOptions): DatabaseHandle {
  const migrationsFolder = options.migrationsDir ?? findMigrationsDir();
  if (options.url) {
    const url = options.url;
    if (options.preparedStatements !== false) prepareEveryStatement();
    const client = postgres(url, {
      max: options.poolMax ?? 20,
      onnotice: () => {},
      // A stuck query or an abandoned transaction must not hold locks for ever.
      connection: { statement_timeout: 15_000, idle_in_transaction_session_timeout: 30_000 },
    });
    const db = drizzlePostgres(client, { schema }) as unknown as Database;
    return {
      db,
      kind: 'postgres',
      async migrate() {
        // One connection, so the session-level advisory lock serialises concurrent starters.
        const single = postgres(url, { max: 1, onnotice: () => {} });
        try {
          await single`select pg_advisory_lock(${MIGRATION_LOCK_ID})`;
          const mdb = drizzlePostgres(single);
          await migratePostgres(mdb, { migrationsFolder });
          await single`select mujiang_secure_tenant_tables()`;
          await single`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`;
        } finally {
          await single.end();
        }
      },
      async listen(channel, onNotify) {
        const { unlisten } = await client.listen(channel, () => onNotify());
        return unlisten;
      },
      close: () => client.end({ timeout: 5 }),
    };
  }

  const dataDir = options.dataDir ?? 'memory://';
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(dataDir);
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    async migrate() {
      await migratePglite(drizzlePglite(client), { migrationsFolder });
      await db.execute(sql`select mujiang_secure_tenant_tables()`);
    },
    async listen(channel, onNotify) {
      const unlisten = await client.listen(channel, () => onNotify());
      return () => unlisten();
    },
    close: () => client.close(),
  };
}

/** Rows of a raw `db.execute()` result, whichever driver produced it. */
export function rowsOf<T = Record<string, unknown>>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * Rows sent as one JSON parameter, read back as the relation `alias(columns)` (cheaper to send,
 * parse and plan than a parameter per value, and no nesting limit). The LIMIT, the row count
 * rounded up to a power of two, is what the planner needs: `jsonb_to_recordset` alone is
 * estimated at 100 rows, so updating one stock level hash-joined the whole table (a sequential
 * scan of every level). Rounding keeps the number of distinct prepared statements small.
 */
export function jsonRecordset(rows: readonly unknown[], alias: string, columns: string): SQL {
  const bound = 2 ** Math.ceil(Math.log2(Math.max(rows.length, 1)));
  return sql`(select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(${sql.raw(columns)}) limit ${sql.raw(String(bound))}) as ${sql.raw(alias)}`;
}

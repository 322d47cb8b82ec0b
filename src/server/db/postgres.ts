// PostgreSQL mode (DATABASE_URL=postgres://…, docs/adr/0014): drizzle's node-postgres driver over a
// connection pool, with the tables db/schema.pg.ts derives from db/schema.ts. The data layer is
// written once against the SQLite tables and an async database (client.ts); this module makes a
// node-postgres database answer the way that code expects:
//  - bigint and numeric values (counts, sums, every integer column) arrive as JavaScript numbers,
//    as they do from SQLite, instead of node-postgres' strings;
//  - the result of an insert/update/delete without RETURNING carries `changes` (SQLite's name for
//    node-postgres' `rowCount`);
//  - inside a transaction, `db` runs on the transaction too (as on SQLite, client.ts): a statement the
//    code sends through `db` while its own transaction is open must not take a second connection,
//    where it would wait for the transaction's locks while the transaction waits for it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { is, sql, type SQL } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import * as postgresSchema from '../../../db/schema.pg';

// Integers beyond 2^53 do not occur in Ringi (milliseconds, yen, counts). Set process-wide: drizzle's
// node-postgres driver falls back to pg's global parsers for these types.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value: string) => Number(value));

/** One key for every Ringi instance on the database: whoever holds it migrates, the others wait. */
export const MIGRATION_LOCK_KEY = 0x52494e47; // 'RING'

export type PostgresDb = NodePgDatabase<typeof postgresSchema> & { $client: pg.Pool };

/** Where a Postgres database lives, without its credentials (never log a DATABASE_URL). */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `postgres://${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
  } catch {
    return 'postgres://(unreadable DATABASE_URL)';
  }
}

type QueryResultWithChanges = pg.QueryResult & { changes?: number };

function withChanges<T>(result: T): T {
  for (const one of Array.isArray(result) ? result : [result]) {
    const counted = one as QueryResultWithChanges | undefined;
    if (counted && typeof counted === 'object' && 'rowCount' in counted) counted.changes = counted.rowCount ?? 0;
  }
  return result;
}

/** Adds `changes` to every result a pooled client returns (callback and promise styles: pg.Pool uses the first). */
function countChanges(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (error: unknown, result: unknown) => callback(error, error ? result : withChanges(result));
      return query(...args);
    }
    const returned = query(...args);
    return returned instanceof Promise ? returned.then(withChanges) : returned;
  };
}

interface OpenTransaction {
  client: pg.PoolClient;
  /** Set once committed or rolled back: work the transaction left behind (a timer) goes to the pool. */
  closed: boolean;
  transaction: (run: (tx: unknown) => Promise<unknown>) => Promise<unknown>;
}

/** A pool on `url`; connections are opened on first use. Does not migrate (see migratePostgres). */
export function openPostgres(url: string, options: { max?: number } = {}): PostgresDb {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    // A database that does not answer fails requests (and the health check) instead of hanging them.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('connect', countChanges);
  // Statements sent through `db` (the pool) from inside an open transaction run on its connection.
  const open = new AsyncLocalStorage<OpenTransaction>();
  const poolQuery = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const transaction = open.getStore();
    if (!transaction || transaction.closed) return poolQuery(...args);
    return (transaction.client.query as (...a: unknown[]) => unknown).apply(transaction.client, args);
  };
  // An idle connection the server drops (restart, failover) must not crash the process: the pool
  // discards it and the next query opens a new one.
  pool.on('error', (error) => console.error(`postgres: idle connection lost (${error.message})`));
  const db = drizzle(pool, { schema: postgresSchema }) as PostgresDb;
  const session = (db as unknown as { session: { transaction: (run: (tx: unknown) => Promise<unknown>, config?: unknown) => Promise<unknown> } }).session;
  const begin = session.transaction.bind(session);
  session.transaction = (run, config) => {
    const current = open.getStore();
    if (current && !current.closed) return current.transaction(run); // db.transaction() inside a transaction: a savepoint
    return begin((tx) => {
      const client = (tx as { session: { client: pg.PoolClient } }).session.client;
      const state: OpenTransaction = { client, closed: false, transaction: (tx as { transaction: OpenTransaction['transaction'] }).transaction.bind(tx) };
      return open.run(state, () => run(tx)).finally(() => (state.closed = true)); // before COMMIT/ROLLBACK
    }, config);
  };
  return db;
}

/** Whether a database or transaction handle (typed as the SQLite one everywhere) is PostgreSQL's. */
export function isPostgres(db: unknown): db is PostgresDb {
  return typeof db === 'object' && db !== null && is((db as { dialect?: unknown }).dialect, PgDialect);
}

/**
 * Applies db/migrations-pg/ under a session-level advisory lock, on one connection: instances that
 * start together queue on the lock, the first migrates, the others then find nothing left to do.
 */
export async function migratePostgres(db: PostgresDb, migrationsFolder: string): Promise<void> {
  const client = await db.$client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await migrate(drizzle(client), { migrationsFolder });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

/** Rows of a raw query as objects keyed by column name (unquoted names come back lower-case). */
export async function postgresRows<T extends Record<string, unknown>>(db: { execute(query: SQL): Promise<pg.QueryResult> }, query: SQL): Promise<T[]> {
  return (await db.execute(query)).rows as T[];
}

/** Resolves when the database answers a trivial query, rejects otherwise (health check). */
export async function pingPostgres(db: PostgresDb): Promise<void> {
  await db.execute(sql`select 1`);
}

export async function closePostgres(db: PostgresDb): Promise<void> {
  await db.$client.end();
}

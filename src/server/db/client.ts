// One asynchronous data layer (docs/adr/0015): the code is written against drizzle's SQLite query
// builder typed as an ASYNC database and only ever awaits builders (`await db.select()…`), so the same
// code path can run on PostgreSQL. On SQLite the handle is drizzle's sqlite-proxy over one
// better-sqlite3 connection: statements run synchronously underneath, and transactions are
// serialised on that connection (see `transactionGate`).
import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { ExtractTablesWithRelations, SQL } from 'drizzle-orm';
import { drizzle as drizzleBetterSqlite } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { BaseSQLiteDatabase, SQLiteTransaction } from 'drizzle-orm/sqlite-core';
import { drizzle as drizzleProxy } from 'drizzle-orm/sqlite-proxy';
import * as schema from '../../../db/schema';
import { config } from '../config';
import { closePostgres, isPostgres, migratePostgres, openPostgres, postgresRows } from './postgres';

type Schema = typeof schema;
/** The database handle every module receives: awaited builders only, never `.get()/.all()/.run()`. */
export type RingiDb = BaseSQLiteDatabase<'async', unknown, Schema>;
/** A transaction handle: what functions that must join the caller's transaction accept. */
export type RingiTx = SQLiteTransaction<'async', unknown, Schema, ExtractTablesWithRelations<Schema>>;
export type Queryable = RingiDb | RingiTx;
/** A SQLite handle opened from a file, with its raw connection for SQLite-only tools (backup, tests, benchmarks). */
export type SqliteDb = RingiDb & { $client: Database.Database };

interface OpenTransaction {
  /** Settles when the transaction has committed or rolled back. */
  done: Promise<void>;
  tx?: RingiTx;
}

/**
 * How long a chain of statements may hold the event loop before it lets the loop turn. better-sqlite3
 * runs each statement synchronously and an awaited statement resumes as a microtask, so a page that
 * runs thirty statements would otherwise hold the loop (every prospect page, beacon and timer of the
 * process) for all of them at once (issue 16: no work holds the loop longer than 50 ms).
 */
export const STATEMENT_SLICE_MS = 10;

/** One better-sqlite3 connection shared by every async context of the process. */
class Connection {
  private readonly statements = new Map<string, Database.Statement>();
  /** When statements started running since the event loop last turned (undefined: it has turned since). */
  private sliceStartedAt: number | undefined;
  /** The transaction open on this connection, if any; only its own async context may use the connection meanwhile. */
  active: OpenTransaction | undefined;
  readonly owner = new AsyncLocalStorage<OpenTransaction>();

  constructor(readonly client: Database.Database) {}

  /** Resolves once this context may run a statement: no transaction is open, or it is this context's own. */
  async turn(): Promise<void> {
    while (this.active && this.owner.getStore() !== this.active) await this.active.done;
  }

  /**
   * Lets the event loop turn first when statements have held it for a slice already; marks the start
   * of a slice otherwise. Never inside a transaction: the loop would turn while the write lock is held.
   */
  yieldAfterSlice(): Promise<void> | undefined {
    if (this.active) return undefined;
    const now = performance.now();
    if (this.sliceStartedAt === undefined) {
      this.sliceStartedAt = now;
      setImmediate(() => (this.sliceStartedAt = undefined));
      return undefined;
    }
    if (now - this.sliceStartedAt < STATEMENT_SLICE_MS) return undefined; // no promise on the hot path
    // One immediate: the chain resumes after the I/O callbacks of this turn (other requests' work),
    // and a chain that goes on holds the loop again only until the next turn's timers and I/O. (Two,
    // to skip to the next turn, also pushed requests that merely came late in a busy turn to the next
    // one: the prospect page's p99 under load rose.) A transaction may have begun meanwhile: wait for
    // it as any statement would.
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.turn());
  }

  statement(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      // Statements built with inArray() vary with the list's length: keep the cache bounded.
      if (this.statements.size >= 1000) this.statements.clear();
      statement = this.client.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Runs one statement the way sqlite-proxy expects: rows as arrays, one row for `get`. */
  execute(text: string, params: unknown[], method: 'run' | 'all' | 'values' | 'get'): { rows: unknown[] } {
    // SQLite ends a transaction by itself on some errors (SQLITE_FULL, SQLITE_IOERR): the rollback
    // that follows must not replace the error that caused it.
    if (text === 'rollback' && !this.client.inTransaction) return { rows: [] };
    const statement = this.statement(text);
    if (!statement.reader) {
      statement.run(...params);
      return { rows: [] };
    }
    statement.raw(true);
    // sqlite-proxy's `get` takes the one row itself (an array of values, or undefined) as `rows`.
    if (method === 'get') return { rows: statement.get(...params) as unknown[] };
    return { rows: statement.all(...params) };
  }

  /** Rows as objects keyed by column name, for raw SQL (`queryRows`). */
  objects(text: string, params: unknown[]): Record<string, unknown>[] {
    const statement = this.statement(text);
    if (!statement.reader) {
      statement.run(...params);
      return [];
    }
    statement.raw(false);
    return statement.all(...params) as Record<string, unknown>[];
  }
}

const connections = new WeakMap<object, Connection>();

function sessionOf(db: Queryable): object {
  return (db as unknown as { session: object }).session;
}

function connectionOf(db: Queryable): Connection {
  const connection = connections.get(sessionOf(db));
  if (!connection) throw new Error('not a Ringi database handle');
  return connection;
}

/**
 * Wraps a raw better-sqlite3 connection in the asynchronous handle. A transaction takes the
 * connection for itself (BEGIN IMMEDIATE): while it is open, statements from any OTHER async context
 * wait until it has committed or rolled back, so another request's write can never join (and be
 * rolled back with) it. Inside it, `db` and `tx` both run on the transaction; `db.transaction()` or
 * `tx.transaction()` there opens a savepoint.
 */
function asyncHandle(connection: Connection): SqliteDb {
  const db = drizzleProxy(
    async (text, params, method) => {
      // Most statements meet no open transaction: skip the wait (a promise per statement on the hot path).
      if (connection.active) await connection.turn();
      else {
        const pause = connection.yieldAfterSlice();
        if (pause) await pause;
      }
      return connection.execute(text, params, method);
    },
    { schema },
  ) as unknown as SqliteDb;
  const session = sessionOf(db) as {
    transaction: (run: (tx: RingiTx) => Promise<unknown>, config?: { behavior?: string }) => Promise<unknown>;
  };
  const begin = session.transaction.bind(session);
  session.transaction = async (run, options) => {
    const store = connection.owner.getStore();
    if (store?.tx && store === connection.active) return store.tx.transaction(run);
    while (connection.active) await connection.active.done;
    let finish!: () => void;
    const open: OpenTransaction = { done: new Promise<void>((resolve) => (finish = resolve)) };
    connection.active = open;
    try {
      return await connection.owner.run(open, () =>
        begin(
          (tx) => {
            open.tx = tx;
            return run(tx);
          },
          // A writer takes the file's write lock up front: upgrading a read later could fail with SQLITE_BUSY.
          { behavior: options?.behavior ?? 'immediate' },
        ),
      );
    } finally {
      connection.active = undefined;
      finish();
    }
  };
  connections.set(session, connection);
  Object.defineProperty(db, '$client', { value: connection.client, enumerable: false });
  return db;
}

/** Opens (creating if needed) a SQLite file in WAL mode and brings it to the latest migration. */
export function openDatabase(file: string, migrationsDir = config.migrationsDir): SqliteDb {
  return asyncHandle(new Connection(openConnection(file, migrationsDir)));
}

function openConnection(file: string, migrationsDir: string): Database.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  let sqlite: Database.Database;
  try {
    sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // A file SQLite could only open for reading would start fine and fail every write later: check now.
    sqlite.exec('BEGIN IMMEDIATE; ROLLBACK');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^SQLITE_(?:READONLY|CANTOPEN|PERM|AUTH)/.test(code)) {
      throw new Error(`the database ${file} cannot be written (${code}): give the server's user write access to the file and its folder (SQLite adds -wal and -shm files beside it)`);
    }
    throw error;
  }
  // Migrations run synchronously on the raw connection before anything else can use it.
  migrate(drizzleBetterSqlite(sqlite), { migrationsFolder: migrationsDir });
  return sqlite;
}

/**
 * Rows of a raw SQL query as objects keyed by the column names the query gives. Map them
 * explicitly: engines differ in the case of unquoted names and in the types of computed columns.
 */
export async function queryRows<T extends Record<string, unknown>>(db: Queryable, query: SQL): Promise<T[]> {
  if (isPostgres(db)) return postgresRows<T>(db, query);
  const connection = connectionOf(db);
  const built = (db as unknown as { dialect: { sqlToQuery(sql: SQL): { sql: string; params: unknown[] } } }).dialect.sqlToQuery(query);
  await connection.turn();
  const pause = connection.yieldAfterSlice();
  if (pause) await pause;
  return connection.objects(built.sql, built.params) as T[];
}

/** Closes the handle's connection (the CLI, scripts and tests; the server keeps its one for its life). */
export async function closeDatabase(db: Queryable): Promise<void> {
  if (isPostgres(db)) {
    if (shared === db) shared = undefined;
    return closePostgres(db);
  }
  const connection = connectionOf(db);
  if (shared && !isPostgres(shared) && connectionOf(shared) === connection) shared = undefined;
  connection.client.close();
}

let shared: RingiDb | undefined;

/**
 * The server's one connection, opened and migrated on first use. Every module of the server process
 * uses it (one bundle, docs/adr/0016), so a transaction holds back the other requests' statements
 * instead of meeting a locked file (a synchronous busy wait would stall the very transaction it waits for).
 */
export function getDb(): RingiDb {
  // PostgreSQL (docs/adr/0014): a pool; prepareDatabase() migrates.
  if (!shared && config.databaseUrl) shared = openPostgres(config.databaseUrl) as unknown as RingiDb;
  shared ??= asyncHandle(new Connection(openConnection(path.resolve(config.databasePath), config.migrationsDir)));
  return shared;
}

/** Opens and migrates the server's database; the server entry and the CLI await it before serving. */
export async function prepareDatabase(): Promise<RingiDb> {
  const db = getDb();
  if (isPostgres(db)) await migratePostgres(db, config.postgresMigrationsDir);
  return db;
}


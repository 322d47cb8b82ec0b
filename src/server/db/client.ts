import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from '../../../db/schema';
import { config } from '../config';

export type RingiDb = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
/** A transaction handle: what functions that must join the caller's transaction accept. */
export type RingiTx = Parameters<Parameters<RingiDb['transaction']>[0]>[0];
export type Queryable = RingiDb | RingiTx;

/** Opens (creating if needed) a SQLite file in WAL mode and brings it to the latest migration. */
export function openDatabase(file: string, migrationsDir = config.migrationsDir): RingiDb {
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
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: migrationsDir });
  return db;
}

let shared: RingiDb | undefined;

/** The server's one connection, opened and migrated on first use. */
export function getDb(): RingiDb {
  shared ??= openDatabase(config.databasePath);
  return shared;
}

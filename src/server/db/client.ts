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
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
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

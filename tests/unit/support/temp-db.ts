// A fresh, migrated database per test file: a temp SQLite file removed afterwards, or, in the
// `postgres` project, the PostgreSQL database tests/unit/support/postgres-database.ts made for the file
// (typed as the SQLite handle: `$client` is SQLite's alone, so files that use it run on SQLite only).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { openDatabase, type RingiDb, type SqliteDb } from '../../../src/server/db/client';
import { closePostgres, openPostgres } from '../../../src/server/db/postgres';
import { createPostgresDatabase, newDatabaseName, postgresDatabaseUrl } from './postgres-admin';

let fileDatabaseTaken = false;

export function useTempDatabase(): SqliteDb {
  if (process.env.DATABASE_URL) {
    // The file's database first; a second call gets a fresh one of its own, created before its tests.
    let url = process.env.DATABASE_URL;
    if (fileDatabaseTaken) {
      const name = newDatabaseName();
      url = postgresDatabaseUrl(url, name);
      let drop: (() => Promise<void>) | undefined;
      beforeAll(async () => void ({ drop } = await createPostgresDatabase({ fromTemplate: true, name })));
      afterAll(async () => drop?.());
    }
    fileDatabaseTaken = true;
    const db = openPostgres(url);
    afterAll(() => closePostgres(db));
    return db as unknown as SqliteDb;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringi-test-'));
  const db = openDatabase(path.join(dir, 'test.db'), path.resolve('db/migrations'));
  afterAll(() => {
    db.$client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return db;
}

/** A second connection to `db`'s database, as the server's second bundled copy (or another instance) has; close it with closeDatabase(). */
export function openSecondConnection(db: SqliteDb): RingiDb {
  if (process.env.DATABASE_URL) return openPostgres(process.env.DATABASE_URL) as unknown as RingiDb;
  return openDatabase(db.$client.name, path.resolve('db/migrations'));
}

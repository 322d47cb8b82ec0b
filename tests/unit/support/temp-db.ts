// A fresh, migrated SQLite file per test file, removed afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { openDatabase, type SqliteDb } from '../../../src/server/db/client';

export function useTempDatabase(): SqliteDb {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringi-test-'));
  const db = openDatabase(path.join(dir, 'test.db'), path.resolve('db/migrations'));
  afterAll(() => {
    db.$client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return db;
}

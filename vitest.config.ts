import fs from 'node:fs';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Database-layer tests run twice: on SQLite (a temp file per test file) and on PostgreSQL (a fresh
// database per test file on a real server the run starts: tests/unit/support/postgres-*.ts). A test
// file is a database-layer test when it uses useTempDatabase(); `*.pg.test.ts` files run on
// PostgreSQL only (several instances, migrations under a lock).
const SQLITE_ONLY = new Set([
  // SQLite's own tools: the online backup (VACUUM INTO) and a full disk (SQLITE_FULL).
  'backup.test.ts',
  'database-faults.test.ts',
  // How transactions share the one SQLite connection (PostgreSQL's: postgres-driver.pg.test.ts).
  'db-transactions.test.ts',
]);

const unitDir = path.resolve('tests/unit');
const postgresTests = fs
  .readdirSync(unitDir)
  .filter((file) => file.endsWith('.pg.test.ts') || (file.endsWith('.test.ts') && !SQLITE_ONLY.has(file) && fs.readFileSync(path.join(unitDir, file), 'utf8').includes('useTempDatabase(')))
  .map((file) => `tests/unit/${file}`);

export default defineConfig({
  test: {
    environment: 'node',
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['tests/unit/**/*.test.ts'], exclude: ['tests/unit/**/*.pg.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: postgresTests,
          // Every statement is a round trip to a server process (SQLite runs in ours): the tests that
          // write thousands of rows take seconds longer.
          testTimeout: 120_000,
          globalSetup: ['tests/unit/support/postgres-server.ts'],
          setupFiles: ['tests/unit/support/postgres-database.ts'],
        },
      },
    ],
  },
});

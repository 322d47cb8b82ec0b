// Shared by the benchmark fixtures bench/support/prepare-db.ts and bench/support/beacon-fixture.ts
// (run with tsx, never by the app): the SQL drizzle prepares while the project's own code runs, so a
// raw node:http baseline can prepare exactly the same statements.
import type BetterSqlite3 from 'better-sqlite3';

/**
 * Runs `run` while recording the SQL of every statement prepared on `client`; prepare is restored
 * after. Use a freshly opened handle: the data layer prepares each statement text once per
 * connection. Transaction control (BEGIN IMMEDIATE, COMMIT) is left out: the baseline runs its own.
 */
export async function recordPreparedSql<T>(client: BetterSqlite3.Database, run: () => Promise<T>): Promise<{ statements: string[]; result: T }> {
  const statements: string[] = [];
  const prepare = client.prepare.bind(client);
  (client as unknown as { prepare: (sql: string) => unknown }).prepare = (sql: string) => {
    if (!/^(begin|commit|rollback)\b/i.test(sql)) statements.push(sql);
    return prepare(sql);
  };
  try {
    return { statements, result: await run() };
  } finally {
    (client as unknown as { prepare: unknown }).prepare = prepare;
  }
}

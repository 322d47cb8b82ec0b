// Serialising a read-then-write across server instances. On SQLite every write transaction already
// runs alone (BEGIN IMMEDIATE, client.ts). On PostgreSQL transactions run side by side (READ
// COMMITTED): two instances can both read "4 failures" and both let a fifth guess through. A
// transaction-scoped advisory lock per name makes them queue instead; it is released at COMMIT or
// ROLLBACK, and taking several names in sorted order keeps two transactions from waiting on each other.
import { sql } from 'drizzle-orm';
import type { Queryable } from './client';
import { isPostgres } from './postgres';

/** Within `tx`, waits until no other transaction holds any of `names`, and holds them until it ends. */
export async function serialiseOn(tx: Queryable, names: readonly string[]): Promise<void> {
  if (!isPostgres(tx)) return;
  for (const name of [...new Set(names)].sort()) {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${name}, 0))`);
  }
}

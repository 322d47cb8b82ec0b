// The node-postgres database answers the way the data layer (written once, against the SQLite tables
// and an async database) expects: numbers as numbers, `changes` on writes, and `db` inside a
// transaction running on that transaction (src/server/db/postgres.ts).
import { count, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { accounts, contacts } from '../../src/server/db/tables';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();

describe('PostgreSQL driver', () => {
  it('gives counts, sums and bigint columns as numbers, and `changes` for writes without RETURNING', async () => {
    const inserted = (await db.insert(accounts).values([{ id: 'a-1', name: '甲' }, { id: 'a-2', name: '乙' }])) as unknown as { changes: number };
    expect(inserted.changes).toBe(2);
    const [{ n }] = (await db.select({ n: count() }).from(accounts)) as [{ n: number }];
    expect(n).toBe(2);
    const [row] = await db.select({ total: sql<number>`sum(length(${accounts.name}))`, createdAt: accounts.createdAt }).from(accounts).where(eq(accounts.id, 'a-1')).groupBy(accounts.createdAt);
    expect(row!.total).toBe(1);
    expect(row!.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(row!.createdAt.getTime() - Date.now())).toBeLessThan(60_000); // the "now" default, in milliseconds
    const updated = (await db.update(accounts).set({ industry: 'SaaS' }).where(eq(accounts.id, 'nobody'))) as unknown as { changes: number };
    expect(updated.changes).toBe(0);
  });

  it('runs `db` inside a transaction on that transaction: it sees the uncommitted row and is rolled back with it', async () => {
    const failure = new Error('roll back');
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(accounts).values({ id: 'a-tx', name: '取引中' });
        // Through `db`, not `tx`: on another connection this insert would wait for the account row's
        // lock (its foreign key) while the transaction waits for it.
        await db.insert(contacts).values({ id: 'c-tx', accountId: 'a-tx', name: '担当' });
        expect(await db.select({ id: contacts.id }).from(contacts).where(eq(contacts.accountId, 'a-tx'))).toEqual([{ id: 'c-tx' }]);
        // A nested transaction is a savepoint of the same one.
        await db.transaction(async (inner) => {
          await inner.update(contacts).set({ department: '経理' }).where(eq(contacts.id, 'c-tx'));
        });
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await db.select().from(accounts).where(eq(accounts.id, 'a-tx'))).toEqual([]);
    expect(await db.select().from(contacts).where(eq(contacts.id, 'c-tx'))).toEqual([]);
  });

  it('keeps other callers out of an open transaction', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    const transaction = db.transaction(async (tx) => {
      await tx.insert(accounts).values({ id: 'a-open', name: '未確定' });
      inside();
      await held;
    });
    await entered;
    // Another request (another async context) does not see the uncommitted row.
    expect(await db.select().from(accounts).where(eq(accounts.id, 'a-open'))).toEqual([]);
    release();
    await transaction;
    expect(await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, 'a-open'))).toEqual([{ id: 'a-open' }]);
  });
});

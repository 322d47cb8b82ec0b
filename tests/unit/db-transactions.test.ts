// The asynchronous data layer on SQLite: one connection, transactions serialised on it. While a
// transaction is open, statements from other async contexts wait for it, so another request's write
// never joins (and is never rolled back with) someone else's transaction.
import { eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { STATEMENT_SLICE_MS, queryRows } from '../../src/server/db/client';
import { accounts } from '../../src/server/db/tables';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();

const names = async () => (await db.select({ name: accounts.name }).from(accounts).orderBy(accounts.name)).map((r) => r.name);
const clear = () => db.delete(accounts);

/** Resolves after other pending callbacks and I/O have had a turn: lets a concurrent context run. */
const otherContextsRun = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('transactions on the shared SQLite connection', () => {
  it('keeps a concurrent write out of a transaction that rolls back', async () => {
    await clear();
    let inside!: () => void;
    const opened = new Promise<void>((resolve) => (inside = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));

    const failing = db.transaction(async (tx) => {
      await tx.insert(accounts).values({ id: 'rolled-back', name: 'rolled back' });
      inside();
      await held; // another context writes meanwhile
      throw new Error('abort');
    });
    await opened;
    // Another request writes while the transaction is open: it waits instead of joining it.
    let written = false;
    const concurrent = db
      .insert(accounts)
      .values({ id: 'concurrent', name: 'concurrent' })
      .then(() => {
        written = true;
      });
    await otherContextsRun();
    expect(written).toBe(false);
    release();
    await expect(failing).rejects.toThrow('abort');
    await concurrent;
    expect(written).toBe(true);
    expect(await names()).toEqual(['concurrent']);
  });

  it('lets a concurrent reader see only committed data, after the commit', async () => {
    await clear();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inside!: () => void;
    const opened = new Promise<void>((resolve) => (inside = resolve));
    const writer = db.transaction(async (tx) => {
      await tx.insert(accounts).values({ id: 'a', name: 'a' });
      inside();
      await held;
      await tx.insert(accounts).values({ id: 'b', name: 'b' });
    });
    await opened;
    const reader = names();
    await otherContextsRun();
    release();
    await writer;
    expect(await reader).toEqual(['a', 'b']);
  });

  it('rolls back everything when the callback throws, and the connection stays usable', async () => {
    await clear();
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(accounts).values({ id: 'x', name: 'x' });
        await tx.update(accounts).set({ name: 'y' }).where(eq(accounts.id, 'x'));
        throw new Error('nope');
      }),
    ).rejects.toThrow('nope');
    expect(await names()).toEqual([]);
    await db.insert(accounts).values({ id: 'after', name: 'after' });
    expect(await names()).toEqual(['after']);
  });

  it('rolls back a failing statement with the rest of its transaction', async () => {
    await clear();
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(accounts).values({ id: 'dup', name: 'first' });
        await tx.insert(accounts).values({ id: 'dup', name: 'second' }); // primary key clash
      }),
    ).rejects.toThrow();
    expect(await names()).toEqual([]);
  });

  it('nests: an inner transaction is a savepoint, and `db` inside the callback is the transaction', async () => {
    await clear();
    await db.transaction(async (tx) => {
      await tx.insert(accounts).values({ id: 'outer', name: 'outer' });
      await expect(
        tx.transaction(async (inner) => {
          await inner.insert(accounts).values({ id: 'inner', name: 'inner' });
          throw new Error('inner fails');
        }),
      ).rejects.toThrow('inner fails');
      // A module that receives `db` while its caller holds a transaction joins it (as with one connection before).
      await db.transaction(async (again) => {
        await again.insert(accounts).values({ id: 'nested-db', name: 'nested db' });
      });
      await db.insert(accounts).values({ id: 'plain-db', name: 'plain db' });
      expect((await queryRows<{ n: number }>(tx, sqlCount())).at(0)?.n).toBe(3);
    });
    expect(await names()).toEqual(['nested db', 'outer', 'plain db']);
  });

  it('runs transactions of concurrent contexts one after the other, never interleaved', async () => {
    await clear();
    const log: string[] = [];
    const run = (name: string) =>
      db.transaction(async (tx) => {
        log.push(`${name} begin`);
        await tx.insert(accounts).values({ id: name, name });
        await otherContextsRun();
        await tx.update(accounts).set({ name: `${name}!` }).where(eq(accounts.id, name));
        log.push(`${name} end`);
      });
    await Promise.all([run('p'), run('q'), run('r')]);
    expect(log).toEqual(['p begin', 'p end', 'q begin', 'q end', 'r begin', 'r end']);
    expect(await names()).toEqual(['p!', 'q!', 'r!']);
  });
});

describe('long chains of statements and the event loop', () => {
  // Each statement "takes" a quarter of a slice on this clock, whatever the machine: the test counts
  // statements, not milliseconds.
  const step = STATEMENT_SLICE_MS / 4;
  const slowClock = () => {
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => (now += step));
  };
  afterEach(() => vi.restoreAllMocks());

  /** Runs `count` statements one after the other; returns how many had run when a callback queued before them ran. */
  async function statementsBeforeTheLoopTurned(count: number, inTransaction: boolean): Promise<number> {
    let done = 0;
    let seen = -1;
    setImmediate(() => (seen = done));
    const chain = async (q: typeof db) => {
      for (let i = 0; i < count; i++) {
        await q.select({ id: accounts.id }).from(accounts).limit(1);
        done += 1;
      }
    };
    if (inTransaction) await db.transaction((tx) => chain(tx as unknown as typeof db));
    else await chain(db);
    await otherContextsRun();
    return seen;
  }

  it('lets the loop turn once statements have held it for a slice (a page of many statements does not stall the others)', async () => {
    await otherContextsRun();
    slowClock();
    const seen = await statementsBeforeTheLoopTurned(40, false);
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThanOrEqual(6);
  });

  it('does not let it turn inside a transaction, where the write lock is held', async () => {
    await otherContextsRun();
    slowClock();
    expect(await statementsBeforeTheLoopTurned(40, true)).toBe(40);
  });
});

function sqlCount() {
  return sql`select count(*) as n from ${accounts}`;
}

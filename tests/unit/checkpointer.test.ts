// WAL checkpoints in a worker thread (src/server/db/checkpointer.ts, ADR 0021): the server's own
// connection stops checkpointing on its commits while the worker runs, the worker copies the log
// back, and the connection checkpoints by itself again when the worker stops or fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../src/server/db/checkpointer';
import { closeDatabase, openDatabase } from '../../src/server/db/client';
import { accounts } from '../../src/server/db/tables';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringi-checkpointer-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const autocheckpoint = (db: ReturnType<typeof openDatabase>) => db.$client.pragma('wal_autocheckpoint', { simple: true });

describe('WAL checkpoints off the event loop', () => {
  it('copies the log back from the worker while the connection commits without checkpointing', async () => {
    const db = openDatabase(path.join(dir, 'worker.db'));
    const seen: Array<[number, number]> = [];
    let checkpointed!: () => void;
    const copiedBack = new Promise<void>((resolve) => (checkpointed = resolve));
    const checkpointer = startCheckpointer(db.$client, {
      intervalMs: 20,
      onCheckpoint: (pages, done) => {
        seen.push([pages, done]);
        if (pages > 0 && done === pages) checkpointed();
      },
    });
    try {
      expect(autocheckpoint(db)).toBe(0);
      // Enough pages that SQLite would have checkpointed on a commit by itself (over 1,000).
      for (let i = 0; i < 40; i++) {
        await db.transaction(async (tx) => {
          await tx.insert(accounts).values(Array.from({ length: 50 }, (_, j) => ({ id: `a${i}-${j}`, name: `株式会社${'あ'.repeat(300)}${i}-${j}` })));
        });
      }
      await copiedBack;
      expect(seen.some(([pages, done]) => pages > 0 && done === pages)).toBe(true);
    } finally {
      await checkpointer.stop();
    }
    expect(autocheckpoint(db)).toBe(1000);
    await closeDatabase(db);
  });

  it('gives the checkpoints back to the connection when the worker cannot open the database', async () => {
    const db = openDatabase(path.join(dir, 'failing.db'));
    // The worker opens the file by name: a connection whose file is gone makes it fail.
    const client = db.$client;
    const errors: Error[] = [];
    let failed!: () => void;
    const gone = new Promise<void>((resolve) => (failed = resolve));
    const fake = new Proxy(client, { get: (target, key) => (key === 'name' ? path.join(dir, 'no-such-folder', 'x.db') : Reflect.get(target, key, target)) });
    const checkpointer = startCheckpointer(fake, {
      onError: (error) => {
        errors.push(error);
        failed();
      },
    });
    await gone;
    await checkpointer.stop();
    expect(errors[0]!.message).toMatch(/directory does not exist|unable to open|no such file/i);
    expect(autocheckpoint(db)).toBe(1000);
    await closeDatabase(db);
  });
});

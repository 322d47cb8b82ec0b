// WAL checkpoints off the event loop (docs/adr/0021). SQLite copies the write-ahead log back into
// the database file (a checkpoint) on the commit that takes the log past 1,000 pages, synchronously,
// with an fsync: on the server's one connection that held the event loop, and the write lock's
// holder, 60–190 ms about once in a hundred purge transactions (20 ms at most without it, measured on
// the 1 M-view benchmark database). Here a worker thread with its own connection checkpoints instead
// (PASSIVE: it never waits for, nor blocks, a writer), and the server's connection does not.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** SQLite's own threshold, put back on the server's connection whenever the worker is not running. */
const AUTOCHECKPOINT_PAGES = 1000;

// CommonJS run by the worker: one connection, one passive checkpoint per interval.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 0');
const timer = setInterval(() => {
  const [result] = db.pragma('wal_checkpoint(PASSIVE)');
  parentPort.postMessage({ pages: result.log, checkpointed: result.checkpointed });
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/**
 * Checkpoints `connection`'s database every `intervalMs` from a worker thread and turns the
 * connection's own checkpoints off while the worker runs. If the worker fails, the connection
 * checkpoints by itself again (and `onError` hears why), so the log never grows without bound.
 */
export function startCheckpointer(
  connection: Database.Database,
  options: { intervalMs?: number; onCheckpoint?: (pages: number, checkpointed: number) => void; onError?: (error: Error) => void } = {},
): Checkpointer {
  const restore = () => {
    if (connection.open) connection.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  };
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { driver, file: connection.name, intervalMs: options.intervalMs ?? 1000 } });
  worker.unref();
  connection.pragma('wal_autocheckpoint = 0');
  worker.on('message', (m: { pages: number; checkpointed: number }) => options.onCheckpoint?.(m.pages, m.checkpointed));
  worker.on('error', (error) => {
    restore();
    options.onError?.(error);
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.once('exit', restore);
  return {
    async stop() {
      worker.postMessage('stop');
      await exited;
    },
  };
}

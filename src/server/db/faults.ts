// Database faults the server must survive without a flood of 500s and log lines: a full disk
// (SQLITE_FULL) makes writes fail while reads go on, so reading beacons answer 503 with Retry-After
// (the page script keeps its state and retries), prospect pages keep being served, and the log gets
// one line a minute with how many writes were refused meanwhile.
import { jsonError } from '../http/json';

/** What a writer is told to wait before retrying while the disk is full, and why. */
export const STORAGE_FULL_RETRY_AFTER_SECONDS = 60;
export const STORAGE_FULL_MESSAGE = 'The server cannot store this right now; retry later.';

export function isStorageFull(error: unknown): boolean {
  // drizzle wraps the driver's error ("Failed query: …") and keeps it as the cause.
  for (let e = error; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === 'SQLITE_FULL') return true;
  }
  return false;
}

/** Logs a recurring fault at most once per interval, counting the occurrences in between. */
export class FaultLog {
  private lastLoggedAt = Number.NEGATIVE_INFINITY;
  private unlogged = 0;

  constructor(
    private readonly message: string,
    private readonly log: (line: string) => void = (line) => console.error(line),
    private readonly intervalMs = 60_000,
  ) {}

  report(nowMs: number = Date.now()): void {
    this.unlogged += 1;
    if (nowMs - this.lastLoggedAt < this.intervalMs) return;
    this.log(`${this.message} (${this.unlogged} time${this.unlogged === 1 ? '' : 's'} since the last report)`);
    this.lastLoggedAt = nowMs;
    this.unlogged = 0;
  }
}

export const storageFullLog = new FaultLog('database full (SQLITE_FULL): tracking writes are refused with 503 until space is freed');

/** Wraps an endpoint that writes: a full disk becomes 503 with Retry-After and the JSON error shape. */
export function answerStorageFull<A extends unknown[]>(handler: (...args: A) => Promise<Response>, faults: FaultLog = storageFullLog) {
  return async (...args: A): Promise<Response> => {
    try {
      return await handler(...args);
    } catch (error) {
      if (!isStorageFull(error)) throw error;
      faults.report();
      const response = jsonError(503, 'unavailable', STORAGE_FULL_MESSAGE);
      response.headers.set('Retry-After', String(STORAGE_FULL_RETRY_AFTER_SECONDS));
      return response;
    }
  };
}

// Background jobs that must run once per interval however many server instances share the database
// (docs/adr/0014): every instance ticks, and the one whose conditional UPDATE moves the job's
// `next_run_at` past now runs it. The claim is one statement, atomic on SQLite and on PostgreSQL
// (a second instance's UPDATE waits for the first and then no longer matches), and it lives in the
// database, so a restart does not run a daily job again either.
import os from 'node:os';
import { and, eq, lte } from 'drizzle-orm';
import type { Queryable } from './client';
import { jobLeases } from './tables';

/** This process, as shown in job_leases.claimed_by. */
export const INSTANCE_NAME = `${os.hostname()}:${process.pid}`;

/** Claims the run of `name` due at `now`; true for exactly one caller per interval. */
export async function claimJobRun(db: Queryable, name: string, intervalMs: number, now: Date, holder = INSTANCE_NAME): Promise<boolean> {
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new RangeError('intervalMs must be > 0');
  await db.insert(jobLeases).values({ name, nextRunAt: new Date(0) }).onConflictDoNothing({ target: jobLeases.name });
  const claimed = await db
    .update(jobLeases)
    .set({ nextRunAt: new Date(now.getTime() + intervalMs), claimedAt: now, claimedBy: holder })
    .where(and(eq(jobLeases.name, name), lte(jobLeases.nextRunAt, now)))
    .returning({ name: jobLeases.name });
  return claimed.length === 1;
}

export interface LeasedJob {
  name: string;
  /** How often the job runs across all instances. */
  intervalMs: number;
  /** How often each instance asks whether it is due (a small fraction of the interval). */
  checkEveryMs: number;
  /** First check after start. */
  firstCheckAfterMs?: number;
  run: (now: Date) => Promise<void>;
}

/** Ticks `job` on this instance until stopped; it runs only when this instance wins the claim. */
export function startLeasedJob(db: Queryable, job: LeasedJob, clock: () => Date = () => new Date()): { stop: () => Promise<void> } {
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    const now = clock();
    running = claimJobRun(db, job.name, job.intervalMs, now)
      .then((mine) => (mine ? job.run(now) : undefined))
      .catch((error: unknown) => console.error(`${job.name} failed:`, error instanceof Error ? error.message : error))
      .finally(() => {
        running = null;
      });
  };
  const first = setTimeout(tick, job.firstCheckAfterMs ?? 0);
  const timer = setInterval(tick, job.checkEveryMs);
  first.unref();
  timer.unref();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}

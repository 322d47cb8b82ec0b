// Background jobs run once per interval however many instances tick (src/server/db/job-leases.ts).
// Runs on SQLite and on PostgreSQL, where the concurrent claims below go over separate connections.
import { eq } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { closeDatabase } from '../../src/server/db/client';
import { claimJobRun, startLeasedJob } from '../../src/server/db/job-leases';
import { jobLeases } from '../../src/server/db/tables';
import { openSecondConnection, useTempDatabase } from './support/temp-db';

const db = useTempDatabase();
const HOUR = 60 * 60 * 1000;

describe('job leases', () => {
  it('give a run to exactly one of many claims made at once, then none until the interval has passed', async () => {
    const now = new Date('2026-12-03T10:00:00Z');
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => claimJobRun(db, 'purge', HOUR, now, `instance-${i}`)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    const [lease] = await db.select().from(jobLeases).where(eq(jobLeases.name, 'purge'));
    expect(lease!.claimedBy).toBe(`instance-${claims.indexOf(true)}`);
    expect(lease!.nextRunAt).toEqual(new Date(now.getTime() + HOUR));

    expect(await claimJobRun(db, 'purge', HOUR, new Date(now.getTime() + HOUR - 1), 'late')).toBe(false);
    expect(await claimJobRun(db, 'purge', HOUR, new Date(now.getTime() + HOUR), 'next')).toBe(true);
    expect(await claimJobRun(db, 'other-job', HOUR, now, 'next')).toBe(true); // jobs are independent
  });

  it('runs a ticking job once per interval when two instances (two connections) tick it', async () => {
    const other = openSecondConnection(db);
    const now = new Date('2026-12-04T03:00:00Z');
    const checks = [0, 0];
    const runs: number[] = [];
    const job = (instance: number) => ({ name: 'daily-report', intervalMs: 24 * HOUR, checkEveryMs: 10, run: async () => void runs.push(instance) });
    const jobs = [
      startLeasedJob(db, job(0), () => (checks[0]++, now)),
      startLeasedJob(other, job(1), () => (checks[1]++, now)),
    ];
    try {
      await vi.waitFor(() => expect(Math.min(...checks)).toBeGreaterThanOrEqual(5), { timeout: 10_000 });
    } finally {
      await Promise.all(jobs.map((j) => j.stop()));
      await closeDatabase(other);
    }
    expect(runs).toHaveLength(1);
  });

  it('refuses a non-positive interval', async () => {
    await expect(claimJobRun(db, 'purge', 0, new Date())).rejects.toThrow(RangeError);
  });
});

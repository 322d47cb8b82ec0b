// Background jobs run once per interval however many instances tick (src/server/db/job-leases.ts).
// Runs on SQLite and on PostgreSQL, where the concurrent claims below go over separate connections.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { claimJobRun } from '../../src/server/db/job-leases';
import { jobLeases } from '../../src/server/db/tables';
import { useTempDatabase } from './support/temp-db';

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

  it('refuses a non-positive interval', async () => {
    await expect(claimJobRun(db, 'purge', 0, new Date())).rejects.toThrow(RangeError);
  });
});

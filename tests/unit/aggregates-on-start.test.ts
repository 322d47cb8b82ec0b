// An existing database (raw history and running totals, no aggregates: from before ADR 0020, or
// before the current AGGREGATES_VERSION) gets the dashboard's aggregates on start, built once however
// many instances start, with no command to run.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { accounts, documentPerformance, jobLeases, opportunities, opportunityEngagement, readingTotals, roomDocuments, rooms, users } from '../../src/server/db/tables';
import { claimJobRun } from '../../src/server/db/job-leases';
import { startAggregatesBuild } from '../../src/server/http/main';
import { AGGREGATES_VERSION, buildAggregatesOnce } from '../../src/server/tracking/aggregates';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();
const lease = `aggregates-build:v${AGGREGATES_VERSION}`;
const at = new Date('2026-11-20T10:00:00Z');

/** History written before the aggregates existed: an opportunity, its room and its running totals only. */
async function historyWithoutAggregates(n: number) {
  await db.insert(users).values({ id: `u${n}`, email: `rep${n}@example.com`, displayName: '営業' });
  await db.insert(accounts).values({ id: `a${n}`, name: `株式会社${n}` });
  await db.insert(opportunities).values({ id: `o${n}`, accountId: `a${n}`, name: '商談', stage: 7, channel: 'ads', ownerUserId: `u${n}` });
  await db.insert(rooms).values({ id: `r${n}`, opportunityId: `o${n}` });
  await db.insert(roomDocuments).values({ roomId: `r${n}`, documentSlug: 'pricing', position: 0 });
  await db.insert(readingTotals).values({ opportunityId: `o${n}`, accountId: `a${n}`, contactId: `c${n}`, documentSlug: 'pricing', views: 3, activeSeconds: 95, firstSeenAt: at, lastSeenAt: at });
}

describe('building the aggregates on start', { timeout: 60_000 }, () => {
  it('fills them once for several instances starting together, then never again', async () => {
    await historyWithoutAggregates(1);
    expect(await db.select().from(documentPerformance)).toEqual([]);

    const outcomes = await Promise.all([buildAggregatesOnce(db, { batchSize: 1 }), buildAggregatesOnce(db, { batchSize: 1 })]);
    expect(outcomes.sort()).toEqual(['built', 'busy']);
    const [engagement] = await db.select().from(opportunityEngagement).where(eq(opportunityEngagement.opportunityId, 'o1'));
    expect(engagement).toMatchObject({ stage: 7, channel: 'ads', ownerUserId: 'u1', documentsInRoom: 1, documentsRead: 1, contactsReading: 1, activeSeconds: 95 });
    expect(engagement!.hotKey).not.toBeNull();
    expect((await db.select().from(documentPerformance)).map((r) => [r.documentSlug, r.stage, r.views, r.rooms, r.roomsRead])).toEqual([['pricing', 7, 3, 1, 1]]);

    // Built for this version: later starts leave the (now incrementally kept) rows alone.
    await historyWithoutAggregates(2);
    expect(await buildAggregatesOnce(db)).toBe('done-before');
    expect(await db.select().from(opportunityEngagement).where(eq(opportunityEngagement.opportunityId, 'o2'))).toEqual([]);
  });

  it('is taken over at start when the instance that was building died', async () => {
    await db.delete(jobLeases).where(eq(jobLeases.name, lease));
    // Another instance claimed the build and stopped answering: its lease ran out a minute ago.
    expect(await claimJobRun(db, lease, 60_000, new Date(Date.now() - 120_000), 'dead-instance')).toBe(true);
    const done = new Promise<string>((resolve) => {
      const build = startAggregatesBuild(db, { onDone: (outcome) => void build.stop().then(() => resolve(outcome)) });
    });
    expect(await done).toBe('built');
    const [engagement] = await db.select().from(opportunityEngagement).where(eq(opportunityEngagement.opportunityId, 'o2'));
    expect(engagement).toMatchObject({ stage: 7, ownerUserId: 'u2', documentsRead: 1 });
    const table = (await db.select().from(documentPerformance)).map((r) => [r.ownerUserId, r.documentSlug, r.views, r.rooms]).sort();
    expect(table).toEqual([
      ['u1', 'pricing', 3, 1],
      ['u2', 'pricing', 3, 1],
    ]);
  });
});

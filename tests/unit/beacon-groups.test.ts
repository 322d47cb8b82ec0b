// Beacons applied together (src/server/tracking/ingest.ts: recordHeartbeats, queueHeartbeat): the same
// answers and the same stored rows as one by one; on SQLite one commit per group, and a beacon that
// fails inside a group fails alone.
import { asc, desc, eq } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { documentPerformance, documentViews, opportunityDocuments, opportunityEngagement, readingTotals } from '../../src/server/db/tables';
import { isPostgres } from '../../src/server/db/postgres';
import { heartbeatPayload } from '../../src/server/tracking/beacon-payloads';
import { queueHeartbeat, recordHeartbeat, recordHeartbeats, startView, type Heartbeat } from '../../src/server/tracking/ingest';
import type { LinkScope } from '../../src/server/tracking/link-scope';
import { useTempDatabase } from './support/temp-db';
import { seedTrackingFixture, type TrackingFixture } from './support/tracking-fixture';

const db = useTempDatabase();
const t0 = new Date('2026-11-22T10:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const beacon = (seq: number, activeSeconds: number, extra: Record<string, unknown> = {}) =>
  heartbeatPayload.parse({ seq, activeSeconds, maxScrollPercent: Math.min(100, activeSeconds * 2), sections: {}, ...extra });

async function startOn(scope: LinkScope, deviceId: string) {
  const { viewId } = await startView(db, { scope, documentSlug: 'pricing', sectionIds: ['plans'], deviceId: deviceId.padEnd(26, '0'), deviceLabel: 'Chrome / Windows', networkHash: null, now: t0 });
  return viewId;
}

/** A fixture's world with two readers' views, and a group of beacons covering every answer. */
async function world(prefix: string) {
  const fixture: TrackingFixture = await seedTrackingFixture(db, prefix);
  const { yamada, suzuki } = fixture;
  const a = await startOn(yamada.scope, `${prefix}a`);
  const b = await startOn(suzuki.scope, `${prefix}b`);
  const group: Heartbeat[] = [
    { scope: yamada.scope, viewId: a, beacon: beacon(1, 10, { sections: { plans: 10 } }), now: at(11) },
    { scope: yamada.scope, viewId: a, beacon: beacon(3, 40), now: at(41) },
    // Older than the one before it in the same group: a replay.
    { scope: yamada.scope, viewId: a, beacon: beacon(2, 20), now: at(41) },
    { scope: suzuki.scope, viewId: b, beacon: beacon(1, 15), now: at(16) },
    // A view presented with another link, and a section the document does not have.
    { scope: suzuki.scope, viewId: a, beacon: beacon(4, 50), now: at(51) },
    { scope: yamada.scope, viewId: a, beacon: beacon(4, 50, { sections: { invented: 1 } }), now: at(51) },
    { scope: suzuki.scope, viewId: b, beacon: beacon(2, 35), now: at(36) },
  ];
  return { fixture, a, b, group, opportunityId: yamada.scope.opportunityId };
}

/** What one world stored, without its ids: views, running totals and every aggregate. */
async function storedOf(prefix: string, opportunityId: string) {
  const strip = (value: string) => value.replace(new RegExp(`^${prefix}-`), '');
  const views = (await db.select().from(documentViews).where(eq(documentViews.opportunityId, opportunityId)).orderBy(asc(documentViews.contactId), desc(documentViews.activeSeconds))).map((v) => ({
    contact: strip(v.contactId),
    activeSeconds: v.activeSeconds,
    maxScrollPercent: v.maxScrollPercent,
    sectionSeconds: JSON.parse(v.sectionSeconds) as unknown,
    lastSequence: v.lastSequence,
    lastBeaconAt: v.lastBeaconAt,
  }));
  const totals = (await db.select().from(readingTotals).where(eq(readingTotals.opportunityId, opportunityId)).orderBy(asc(readingTotals.contactId))).map(
    ({ opportunityId: _o, accountId: _a, contactId, ...rest }) => ({ ...rest, contact: strip(contactId) }),
  );
  // (unreadShareAt: when the fixture created its links, after this reading.)
  const [{ opportunityId: _o, accountId: _a, ownerUserId: _u, unreadShareAt: _s, ...engagement }] = await db.select().from(opportunityEngagement).where(eq(opportunityEngagement.opportunityId, opportunityId));
  const documents = (await db.select().from(opportunityDocuments).where(eq(opportunityDocuments.opportunityId, opportunityId))).map(({ opportunityId: _id, ...rest }) => rest);
  const table = (await db.select().from(documentPerformance).where(eq(documentPerformance.ownerUserId, `${prefix}-u1`))).map(({ ownerUserId: _id, ...rest }) => rest);
  return { views, totals, engagement, documents, table };
}

const fulfilled = (value: string) => ({ status: 'fulfilled', value });

/** Counts the COMMITs the SQLite connection runs meanwhile (better-sqlite3 statements share one prototype); null on PostgreSQL. */
async function commitsDuring(run: () => Promise<unknown>): Promise<number | null> {
  if (isPostgres(db)) {
    await run();
    return null;
  }
  const statementRun = vi.spyOn(Object.getPrototypeOf(db.$client.prepare('select 1')) as { run: () => unknown }, 'run');
  try {
    await run();
    return statementRun.mock.contexts.filter((statement) => (statement as { source: string }).source === 'commit').length;
  } finally {
    statementRun.mockRestore();
  }
}

describe('beacons applied together', () => {
  it('give every beacon the answer, and store the rows, that applying them one by one does', async () => {
    const together = await world('g');
    const alone = await world('s');
    expect(await recordHeartbeats(db, together.group)).toEqual(
      ['applied', 'applied', 'replay', 'applied', 'not-found', 'unknown-section', 'applied'].map(fulfilled),
    );
    for (const { scope, viewId, beacon: payload, now } of alone.group) await recordHeartbeat(db, scope, viewId, payload, now);

    const stored = await storedOf('g', together.opportunityId);
    expect(stored).toEqual(await storedOf('s', alone.opportunityId));
    // Not trivially equal: both readers' seconds reached the views, the totals and the aggregates.
    expect(stored.views.map((v) => [v.contact, v.activeSeconds, v.lastSequence])).toEqual([
      ['c1', 40, 3],
      ['c2', 35, 2],
    ]);
    expect(stored.engagement).toMatchObject({ activeSeconds: 75, contactsReading: 2 });
    expect(stored.documents).toEqual([expect.objectContaining({ documentSlug: 'pricing', activeSeconds: 75, views: 2 })]);
  });

  it('are queued by the endpoint within one turn of the event loop: one commit for the group on SQLite', async () => {
    const { fixture, a, b } = await world('q');
    const c = await startOn(fixture.yamada.scope, 'qc');
    const d = await startOn(fixture.suzuki.scope, 'qd');
    // One beacon per view: PostgreSQL applies them side by side, where a view's beacons could overtake each other.
    const heartbeats = [a, c, b, d].map((viewId, i) => ({ scope: i < 2 ? fixture.yamada.scope : fixture.suzuki.scope, viewId, beacon: beacon(1, 10 + i), now: at(20) }));
    let answers: string[] = [];
    const commits = await commitsDuring(async () => (answers = await Promise.all(heartbeats.map((h) => queueHeartbeat(db, h)))));
    expect(answers).toEqual(Array(4).fill('applied'));
    // PostgreSQL applies each at once, in its own transaction, on its pool.
    expect(commits).toBe(isPostgres(db) ? null : 1);
    const stored = await storedOf('q', fixture.yamada.scope.opportunityId);
    expect(stored.views.map((v) => [v.contact, v.activeSeconds, v.lastSequence])).toEqual([
      ['c1', 11, 1],
      ['c1', 10, 1],
      ['c2', 13, 1],
      ['c2', 12, 1],
    ]);
    expect(stored.engagement.activeSeconds).toBe(46);
  });

  it.skipIf(isPostgres(db))('let a beacon that fails inside a group fail alone: the others are applied once, the failing one not at all', async () => {
    const { fixture, a, b } = await world('f');
    const broken = await startOn(fixture.yamada.scope, 'fc');
    // A write that fails for one view only, as a constraint or a disk error would.
    db.$client.exec(`create trigger beacon_groups_fail before update on document_views when new.id = '${broken}' begin select raise(abort, 'this view cannot be written'); end`);
    try {
      const heartbeats = [
        { scope: fixture.yamada.scope, viewId: a, beacon: beacon(1, 20), now: at(21) },
        { scope: fixture.yamada.scope, viewId: broken, beacon: beacon(1, 30), now: at(31) },
        { scope: fixture.suzuki.scope, viewId: b, beacon: beacon(1, 10), now: at(11) },
      ];
      const answers = await Promise.allSettled(heartbeats.map((h) => queueHeartbeat(db, h)));
      expect(answers.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(String(((answers[1] as PromiseRejectedResult).reason as Error).cause)).toContain('this view cannot be written');
    } finally {
      db.$client.exec('drop trigger beacon_groups_fail');
    }
    const stored = await storedOf('f', fixture.yamada.scope.opportunityId);
    expect(stored.views.map((v) => [v.activeSeconds, v.lastSequence])).toEqual([
      [20, 1],
      [0, 0],
      [10, 1],
    ]);
    // Counted once, though the group ran them before it was rolled back.
    expect(stored.engagement.activeSeconds).toBe(30);
    expect(stored.totals.map((t) => t.activeSeconds)).toEqual([20, 10]);
  });
});

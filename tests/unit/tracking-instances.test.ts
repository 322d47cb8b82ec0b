// Beacons of one reader reaching several instances at once (PostgreSQL behind a load balancer): each
// read-then-write of the ingest must come out as if the requests had arrived one after the other.
// On SQLite the same calls run through the one writer; on PostgreSQL through two connection pools.
import { and, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { closeDatabase } from '../../src/server/db/client';
import { documentViews, linkEvents, opportunityEngagement, readingTotals, slackOutbox, visits } from '../../src/server/db/tables';
import { heartbeatPayload } from '../../src/server/tracking/beacon-payloads';
import { recordHeartbeat, recordRoomPrint, startView } from '../../src/server/tracking/ingest';
import type { LinkScope } from '../../src/server/tracking/link-scope';
import { openSecondConnection, useTempDatabase } from './support/temp-db';
import { seedTrackingFixture } from './support/tracking-fixture';

const db = useTempDatabase();
const instances = [db, process.env.DATABASE_URL ? openSecondConnection(db) : db] as const;
afterAll(async () => {
  if (instances[1] !== db) await closeDatabase(instances[1]);
});

// A race shows only when both transactions read before either writes: several rounds, each on an
// opportunity of its own, make a missing lock fail reliably.
const ROUNDS = 6;
const worlds = await Promise.all(Array.from({ length: ROUNDS }, (_, i) => seedTrackingFixture(db, `race${i}`)));
const t0 = new Date('2026-11-22T10:00:00Z');

const start = (instance: (typeof instances)[number], scope: LinkScope, deviceId: string) =>
  startView(instance, { scope, documentSlug: 'pricing', sectionIds: ['plans'], deviceId, deviceLabel: 'Chrome / Windows', networkHash: null, now: t0 }, { delayMs: 60_000 });
const engagement = async (scope: LinkScope) =>
  (await db.select().from(opportunityEngagement).where(eq(opportunityEngagement.opportunityId, scope.opportunityId)).limit(1))[0];
const visitsOf = async (scope: LinkScope) => await db.select().from(visits).where(eq(visits.accessLinkId, scope.accessLinkId));

describe('two instances ingesting one reader at once', () => {
  it('open one visit for one browser, count it once and queue one alert', async () => {
    for (const { yamada } of worlds) {
      const both = await Promise.all(instances.map((instance) => start(instance, yamada.scope, 'a'.repeat(26))));
      expect(both.map((s) => s.newVisit).sort()).toEqual([false, true]);
      expect(new Set(both.map((s) => s.visitId)).size).toBe(1);
      expect(await visitsOf(yamada.scope)).toHaveLength(1);
      expect(await engagement(yamada.scope)).toMatchObject({ visits: 1, devices: 1, newDevices: 0 });
      expect(await db.select().from(slackOutbox).where(eq(slackOutbox.opportunityId, yamada.scope.opportunityId))).toHaveLength(1);
    }
  });

  it('take the first of two new browsers on a link as its contact and the other as one new reader', async () => {
    for (const { suzuki } of worlds) {
      const both = await Promise.all(instances.map((instance, i) => start(instance, suzuki.scope, String(i).repeat(26))));
      expect(both.map((s) => s.newVisit)).toEqual([true, true]);
      expect(both.map((s) => s.newDevice).sort()).toEqual([false, true]);
      expect((await visitsOf(suzuki.scope)).filter((v) => v.newDevice)).toHaveLength(1);
      // 山田's browser of the test before plus these two; one of them new on its link.
      expect(await engagement(suzuki.scope)).toMatchObject({ visits: 3, devices: 3, newDevices: 1 });
    }
  });

  it('apply a beacon delivered twice (pagehide and visibilitychange) once, print included', async () => {
    const beacon = heartbeatPayload.parse({ seq: 1, activeSeconds: 12, maxScrollPercent: 40, sections: { plans: 12 }, printed: true });
    for (const { yamada } of worlds) {
      const [view] = await db.select().from(documentViews).where(eq(documentViews.accessLinkId, yamada.scope.accessLinkId)).limit(1);
      const results = await Promise.all(instances.map((instance) => recordHeartbeat(instance, yamada.scope, view!.id, beacon, new Date(t0.getTime() + 12_000))));
      expect(results.sort()).toEqual(['applied', 'replay']);
      const totals = await db.select().from(readingTotals).where(eq(readingTotals.contactId, yamada.scope.contactId));
      // Two views of 山田 (both instances started one in the visit), the seconds and the print of this one counted once.
      expect(totals).toEqual([expect.objectContaining({ views: 2, activeSeconds: 12, prints: 1 })]);
      expect(await engagement(yamada.scope)).toMatchObject({ activeSeconds: 12 });
      const prints = await db.select().from(linkEvents).where(and(eq(linkEvents.accessLinkId, yamada.scope.accessLinkId), eq(linkEvents.kind, 'print')));
      expect(prints).toHaveLength(1);
    }
  });

  it('record a printed room once when its print reaches both', async () => {
    for (const { yamada } of worlds) {
      const results = await Promise.all(
        instances.map((instance) => recordRoomPrint(instance, yamada.scope, ['pricing', 'security-check-sheet'], 'a'.repeat(26), new Date(t0.getTime() + 20_000))),
      );
      // pricing was printed in this visit already (the beacon above): only the other document is new.
      expect(results.flatMap((r) => r.printed)).toEqual(['security-check-sheet']);
      const prints = await db.select().from(linkEvents).where(and(eq(linkEvents.accessLinkId, yamada.scope.accessLinkId), eq(linkEvents.kind, 'print')));
      expect(prints.map((e) => e.documentSlug).sort()).toEqual(['pricing', 'security-check-sheet']);
    }
  });
});

import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { documentViews, linkEvents, opportunityEngagement, readingTotals, visits } from '../../src/server/db/tables';
import { revokeAccessLink } from '../../src/server/access-links/access-links';
import { heartbeatPayload } from '../../src/server/tracking/beacon-payloads';
import { recordAutomatedOpen, recordDownload, recordHeartbeat, recordRoomPrint, startView } from '../../src/server/tracking/ingest';
import { activeLinkScope, type LinkScope } from '../../src/server/tracking/link-scope';
import { useTempDatabase } from './support/temp-db';
import { seedTrackingFixture } from './support/tracking-fixture';

const db = useTempDatabase();
const world = await seedTrackingFixture(db);
const t0 = new Date('2026-11-22T10:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const beacon = (seq: number, activeSeconds: number, extra: Record<string, unknown> = {}) =>
  heartbeatPayload.parse({ seq, activeSeconds, maxScrollPercent: 50, sections: {}, ...extra });

async function start(scope: LinkScope, deviceId: string, when: Date) {
  return await startView(db, { scope, documentSlug: 'pricing', sectionIds: ['plans', 'options'], deviceId, deviceLabel: 'Chrome / Windows', networkHash: null, now: when });
}
const totals = async () => await db.select().from(readingTotals).where(eq(readingTotals.opportunityId, world.yamada.scope.opportunityId));
const engagement = async () => (await db.select().from(opportunityEngagement).where(eq(opportunityEngagement.opportunityId, world.yamada.scope.opportunityId)).limit(1))[0];

describe('view ingestion', () => {
  const deviceA = 'aaaaaaaaaaaaaaaaaaaaaaaaaa';
  const deviceB = 'bbbbbbbbbbbbbbbbbbbbbbbbbb';

  it('starts a visit and a view, and counts beacons exactly once', async () => {
    const started = await start(world.yamada.scope, deviceA, t0);
    expect(started).toMatchObject({ newVisit: true, newDevice: false });
    expect(await recordHeartbeat(db, world.yamada.scope, started.viewId, beacon(1, 10, { sections: { plans: 10 } }), at(11))).toBe('applied');
    expect(await recordHeartbeat(db, world.yamada.scope, started.viewId, beacon(2, 20, { sections: { plans: 15, options: 5 } }), at(21))).toBe('applied');
    // pagehide and visibilitychange both deliver the last beacon; a reload replays an old one
    expect(await recordHeartbeat(db, world.yamada.scope, started.viewId, beacon(2, 20), at(22))).toBe('replay');
    expect(await recordHeartbeat(db, world.yamada.scope, started.viewId, beacon(1, 10), at(23))).toBe('replay');

    const view = (await db.select().from(documentViews).where(eq(documentViews.id, started.viewId)).limit(1))[0]!;
    expect(view).toMatchObject({ activeSeconds: 20, maxScrollPercent: 50, lastSequence: 2 });
    expect(JSON.parse(view.sectionSeconds)).toEqual({ plans: 15, options: 5 });
    expect(await totals()).toEqual([expect.objectContaining({ contactId: world.yamada.scope.contactId, views: 1, activeSeconds: 20 })]);
    expect(await engagement()).toMatchObject({ visits: 1, devices: 1, newDevices: 0, activeSeconds: 20 });
  });

  it('keeps activity within 30 minutes in one visit, and a later return is a new visit', async () => {
    const again = await start(world.yamada.scope, deviceA, at(25 * 60));
    expect(again.newVisit).toBe(false);
    const later = await start(world.yamada.scope, deviceA, at(25 * 60 + 31 * 60));
    expect(later).toMatchObject({ newVisit: true, newDevice: false });
    expect(await engagement()).toMatchObject({ visits: 2, devices: 1 });
  });

  it('flags the same link opened in another browser as a possible new reader', async () => {
    const forwarded = await start(world.yamada.scope, deviceB, at(3600));
    expect(forwarded).toMatchObject({ newVisit: true, newDevice: true });
    const visit = (await db.select().from(visits).where(eq(visits.id, forwarded.visitId)).limit(1))[0]!;
    expect(visit.newDevice).toBe(true);
    expect(await engagement()).toMatchObject({ visits: 3, devices: 2, newDevices: 1 });
  });

  it('refuses a beacon presented with another link, and changes nothing', async () => {
    const theirs = await start(world.suzuki.scope, deviceA, at(4000));
    const [before] = await db.select().from(documentViews).where(eq(documentViews.id, theirs.viewId)).limit(1);
    expect(await recordHeartbeat(db, world.yamada.scope, theirs.viewId, beacon(1, 5), at(4010))).toBe('not-found');
    expect((await db.select().from(documentViews).where(eq(documentViews.id, theirs.viewId)).limit(1))[0]).toEqual(before);
  });

  it('rejects unknown sections without applying anything', async () => {
    const view = await start(world.suzuki.scope, deviceA, at(5000));
    expect(await recordHeartbeat(db, world.suzuki.scope, view.viewId, beacon(1, 5, { sections: { invented: 5 } }), at(5010))).toBe('unknown-section');
    expect((await db.select().from(documentViews).where(eq(documentViews.id, view.viewId)).limit(1))[0]).toMatchObject({ activeSeconds: 0, lastSequence: 0 });
  });

  it('records a print once per view and downloads against the current visit', async () => {
    const view = await start(world.suzuki.scope, deviceB, at(6000));
    await recordHeartbeat(db, world.suzuki.scope, view.viewId, beacon(1, 5, { printed: true }), at(6005));
    await recordHeartbeat(db, world.suzuki.scope, view.viewId, beacon(2, 9, { printed: true }), at(6009));
    await recordDownload(db, world.suzuki.scope, 'pricing', 'pricing-2026.pdf', deviceB, at(6010));
    const events = await db.select().from(linkEvents).where(eq(linkEvents.accessLinkId, world.suzuki.scope.accessLinkId));
    expect(events.map((e) => [e.kind, e.visitId, e.detail])).toEqual([
      ['print', view.visitId, null],
      ['download', view.visitId, 'pricing-2026.pdf'],
    ]);
    const suzukiTotals = (await totals()).find((row) => row.contactId === world.suzuki.scope.contactId)!;
    expect(suzukiTotals).toMatchObject({ prints: 1, downloads: 1 });
  });

  it('moves the opportunity last-seen time with every reading activity, never backwards', async () => {
    await recordDownload(db, world.suzuki.scope, 'pricing', 'pricing-2026.pdf', deviceB, at(6500));
    expect((await engagement())!.lastSeenAt).toEqual(at(6500));
    await start(world.suzuki.scope, deviceB, at(6600)); // a second view in the same visit
    expect((await engagement())!.lastSeenAt).toEqual(at(6600));
    await recordDownload(db, world.suzuki.scope, 'pricing', 'pricing-2026.pdf', deviceB, at(6550)); // a late, older event
    expect((await engagement())!.lastSeenAt).toEqual(at(6600));
  });

  it('counts a download only from a browser that showed a person on that link; others are unconfirmed, listed, not counted', async () => {
    const stranger = 's'.repeat(26);
    const otherLinkOnly = 'o'.repeat(26);
    await start(world.suzuki.scope, otherLinkOnly, at(6690));
    const before = { totals: (await totals()).find((row) => row.contactId === world.yamada.scope.contactId), engagement: await engagement() };
    // A scanner following the link without cookies, a browser that never read on this link, and
    // a browser that read on 鈴木's link only: all unconfirmed on 山田's link.
    expect(await recordDownload(db, world.yamada.scope, 'pricing', 'pricing-2026.pdf', null, at(6700))).toBe('unconfirmed_download');
    expect(await recordDownload(db, world.yamada.scope, 'pricing', 'pricing-2026.pdf', stranger, at(6701))).toBe('unconfirmed_download');
    expect(await recordDownload(db, world.yamada.scope, 'pricing', 'pricing-2026.pdf', otherLinkOnly, at(6702))).toBe('unconfirmed_download');
    expect((await totals()).find((row) => row.contactId === world.yamada.scope.contactId)).toEqual(before.totals);
    expect(await engagement()).toEqual(before.engagement);
    const apart = (await db.select().from(linkEvents).where(eq(linkEvents.accessLinkId, world.yamada.scope.accessLinkId))).filter((e) => e.occurredAt >= at(6700));
    expect(apart.map((e) => [e.kind, e.visitId, e.detail])).toEqual([
      ['unconfirmed_download', null, 'pricing-2026.pdf'],
      ['unconfirmed_download', null, 'pricing-2026.pdf'],
      ['unconfirmed_download', null, 'pricing-2026.pdf'],
    ]);
    // The same stranger browser after it showed a person on 山田's link (a started view): counted.
    const view = await start(world.yamada.scope, stranger, at(6800));
    expect(await recordDownload(db, world.yamada.scope, 'pricing', 'pricing-2026.pdf', stranger, at(6810))).toBe('download');
    const counted = (await db.select().from(linkEvents).where(eq(linkEvents.accessLinkId, world.yamada.scope.accessLinkId))).at(-1)!;
    expect([counted.kind, counted.visitId]).toEqual(['download', view.visitId]);
    expect((await totals()).find((row) => row.contactId === world.yamada.scope.contactId)!.downloads).toBe((before.totals?.downloads ?? 0) + 1);
  });

  it('files automated opens apart from visits and readers', async () => {
    const visitsBefore = (await engagement())!.visits;
    await recordAutomatedOpen(db, world.yamada.scope, 'pricing', 'Microsoft Safe Links', at(7000));
    expect(await engagement()).toMatchObject({ visits: visitsBefore, automatedOpens: 1 });
  });

  it('counts a printed room as a print of each document, only from a browser that showed a person on the link, once per visit', async () => {
    const room = ['pricing', 'security-check-sheet'];
    const prints = async () => (await db.select().from(linkEvents).where(eq(linkEvents.accessLinkId, world.yamada.scope.accessLinkId))).filter((e) => e.kind === 'print');
    const printTotals = async () => Object.fromEntries((await totals()).filter((row) => row.contactId === world.yamada.scope.contactId).map((row) => [row.documentSlug, row.prints]));
    const before = { prints: (await prints()).length, totals: await printTotals() };

    // No cookie, or a browser that never started a view on this link: nothing recorded.
    expect(await recordRoomPrint(db, world.yamada.scope, room, null, at(9000))).toEqual({ counted: false, printed: [] });
    expect(await recordRoomPrint(db, world.yamada.scope, room, 'p'.repeat(26), at(9001))).toEqual({ counted: false, printed: [] });
    expect(await prints()).toHaveLength(before.prints);

    const reader = 'q'.repeat(26);
    const view = await start(world.yamada.scope, reader, at(9100));
    expect(await recordRoomPrint(db, world.yamada.scope, room, reader, at(9110))).toEqual({ counted: true, printed: room });
    const recorded = (await prints()).slice(before.prints);
    expect(recorded.map((e) => [e.documentSlug, e.visitId, e.viewId])).toEqual([
      ['pricing', view.visitId, null],
      ['security-check-sheet', view.visitId, null],
    ]);
    expect(await printTotals()).toEqual({ ...before.totals, pricing: (before.totals.pricing ?? 0) + 1, 'security-check-sheet': 1 });
    // The print dialog opened again in the same visit: the same print.
    expect(await recordRoomPrint(db, world.yamada.scope, room, reader, at(9200))).toEqual({ counted: true, printed: [] });
    expect(await prints()).toHaveLength(before.prints + 2);
    expect((await db.select().from(visits).where(eq(visits.id, view.visitId)).limit(1))[0]!.lastActivityAt).toEqual(at(9200));
  });

  it('stops accepting a link as soon as it is revoked', async () => {
    await revokeAccessLink(db, world.suzuki.scope.accessLinkId, at(8000));
    expect(await activeLinkScope(db, world.suzuki.token, at(8001))).toBeNull();
    expect(await activeLinkScope(db, world.yamada.token, at(8001))).not.toBeNull();
  });
});

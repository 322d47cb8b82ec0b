// The dashboard's aggregates (src/server/tracking/aggregates.ts, ADR 0020): kept by every beacon and
// every change of an opportunity, its room or its links, they must equal a rebuild from the running
// totals after any sequence of such changes; and the dashboard must read what the raw rows say.
import crypto from 'node:crypto';
import { asc } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { accounts, contacts, documentPerformance, opportunityDocuments, opportunityEngagement, users } from '../../src/server/db/tables';
import { createAccessLink, revokeAccessLink } from '../../src/server/access-links/access-links';
import { createOpportunity, setOpportunityArchived, updateOpportunity } from '../../src/server/crm/opportunities';
import { documentPerformance as documentTable } from '../../src/server/dashboard/dashboard';
import { ensureRoom, setRoomDocuments } from '../../src/server/rooms/room-builder';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { rebuildAllAggregates, rebuildOpportunityAggregates, scoreAt } from '../../src/server/tracking/aggregates';
import { heartbeatPayload } from '../../src/server/tracking/beacon-payloads';
import { hottestOpportunities, opportunityEngagementSummary } from '../../src/server/tracking/read-model';
import { recordDownload, recordHeartbeats, startView, type Heartbeat } from '../../src/server/tracking/ingest';
import { activeLinkScope, type LinkScope } from '../../src/server/tracking/link-scope';
import { useTempDatabase } from './support/temp-db';
import { prng } from '../../bench/support/prng.mjs';

const db = useTempDatabase();
const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));
const admin = { id: 'u-admin', role: 'admin' as const };
const SLUGS = ['pricing', 'security', 'case', 'overview', 'roi'];
const CATEGORY: Record<string, string> = { pricing: 'pricing', security: 'security', case: 'case-study', overview: 'overview', roi: 'roi' };
const CHANNELS = ['ads', 'event', 'partner'] as const;
const START = new Date('2026-11-01T09:00:00Z').getTime();
const SEC = 1000;

/** Every aggregate row, in a fixed order; hot keys rounded (they are moved by additions in SQL). */
async function snapshot() {
  const engagement = (await db.select().from(opportunityEngagement).orderBy(asc(opportunityEngagement.opportunityId))).map((r) => ({
    ...r,
    hotKey: r.hotKey === null ? null : Math.round(r.hotKey),
  }));
  const documents = await db.select().from(opportunityDocuments).orderBy(asc(opportunityDocuments.opportunityId), asc(opportunityDocuments.documentSlug));
  const table = await db
    .select()
    .from(documentPerformance)
    .orderBy(asc(documentPerformance.documentSlug), asc(documentPerformance.stage), asc(documentPerformance.channel), asc(documentPerformance.ownerUserId));
  return { engagement, documents, table };
}

describe('incrementally kept aggregates', () => {
  it('equal a rebuild from the running totals after a random sequence of reading, stage, owner, room and link changes', async () => {
    const random = prng(16);
    const pick = <T,>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    await db.insert(users).values([
      { id: admin.id, email: 'admin@example.com', displayName: '管理者', role: 'admin' },
      { id: 'u-rep', email: 'rep@example.com', displayName: '営業', role: 'rep' },
    ]);
    const opportunityIds: string[] = [];
    const links: Array<{ opportunityId: string; id: string; scope: LinkScope }> = [];
    const roomOf = new Map<string, string>();
    for (let o = 0; o < 6; o++) {
      await db.insert(accounts).values({ id: `acc-${o}`, name: `株式会社${o}` });
      for (let c = 0; c < 3; c++) await db.insert(contacts).values({ id: `con-${o}-${c}`, accountId: `acc-${o}`, name: `担当 ${o}-${c}` });
      const created = await createOpportunity(db, admin, { name: `商談 ${o}`, accountId: `acc-${o}`, stage: String(1 + (o % 6)), amountJpy: '0', channel: CHANNELS[o % 3], salesCycle: 'short' });
      if (!created.ok) throw new Error('opportunity not created');
      const id = created.value.id;
      opportunityIds.push(id);
      const room = await ensureRoom(db, id);
      roomOf.set(id, room.id);
      await setRoomDocuments(db, room.id, SLUGS.slice(0, 2 + (o % 3)), SLUGS);
    }

    const views: Array<{ scope: LinkScope; viewId: string; seq: number; active: number; scroll: number }> = [];
    // Consecutive beacons are applied together, as the endpoint groups them (ingest.ts, recordHeartbeats).
    const beacons: Heartbeat[] = [];
    const applyBeacons = async () => {
      for (const result of await recordHeartbeats(db, beacons.splice(0))) expect(result).toEqual({ status: 'fulfilled', value: 'applied' });
    };
    let clock = START;
    for (let step = 0; step < 160; step++) {
      clock += Math.floor(random() * 3600) * SEC;
      const now = new Date(clock);
      const action = random();
      const beaconStep = action >= 0.4 && action < 0.75 && views.length > 0;
      if (!beaconStep) await applyBeacons();
      if (action < 0.12 || links.length === 0) {
        const opportunityId = pick(opportunityIds);
        const contactId = `con-${opportunityIds.indexOf(opportunityId)}-${Math.floor(random() * 3)}`;
        const { id, token } = await createAccessLink(db, key, { roomId: roomOf.get(opportunityId)!, contactId });
        links.push({ opportunityId, id, scope: (await activeLinkScope(db, token, new Date()))! });
      } else if (action < 0.4) {
        const { scope } = pick(links);
        const slug = pick(SLUGS);
        const { viewId } = await startView(db, {
          scope,
          documentSlug: slug,
          documentCategory: CATEGORY[slug],
          sectionIds: [],
          deviceId: `device-${scope.contactId}-${Math.floor(random() * 2)}`.padEnd(26, '0'),
          deviceLabel: 'Chrome / Windows',
          networkHash: null,
          now,
        });
        views.push({ scope, viewId, seq: 0, active: 0, scroll: 0 });
      } else if (beaconStep) {
        const view = pick(views);
        view.seq += 1;
        view.active += Math.floor(random() * 40);
        view.scroll = Math.min(100, view.scroll + Math.floor(random() * 50));
        beacons.push({ scope: view.scope, viewId: view.viewId, beacon: heartbeatPayload.parse({ seq: view.seq, activeSeconds: view.active, maxScrollPercent: view.scroll }), now });
      } else if (action < 0.8 && views.length > 0) {
        const view = pick(views);
        await recordDownload(db, view.scope, pick(SLUGS), 'file.pdf', `device-${view.scope.contactId}-0`.padEnd(26, '0'), now);
      } else if (action < 0.9) {
        // Stage, channel or owner: the dashboard's filters.
        const o = pick(opportunityIds);
        const result = await updateOpportunity(db, admin, o, {
          name: `商談 ${o}`,
          accountId: `acc-${opportunityIds.indexOf(o)}`,
          stage: String(1 + Math.floor(random() * 8)),
          amountJpy: '0',
          channel: pick(CHANNELS),
          ownerUserId: pick([admin.id, 'u-rep']),
          salesCycle: 'short',
        });
        expect(result.ok).toBe(true);
      } else if (action < 0.94) {
        const o = pick(opportunityIds);
        await setRoomDocuments(db, roomOf.get(o)!, SLUGS.filter(() => random() < 0.5), SLUGS);
      } else if (action < 0.97 && links.length > 1) {
        await revokeAccessLink(db, pick(links).id, now);
      } else {
        await setOpportunityArchived(db, admin, pick(opportunityIds), random() < 0.5, now);
      }
    }
    await applyBeacons();

    const incremental = await snapshot();
    // The case is not trivial: reading, documents read, scores and several groups of the table.
    expect(incremental.engagement.filter((e) => e.hotKey !== null).length).toBeGreaterThan(2);
    expect(incremental.engagement.some((e) => e.documentsRead > 0 && e.contactsReading > 1)).toBe(true);
    expect(new Set(incremental.table.map((r) => `${r.stage}/${r.channel}/${r.ownerUserId}`)).size).toBeGreaterThan(3);

    await rebuildAllAggregates(db, { batchSize: 4 });
    expect(await snapshot()).toEqual(incremental);
    // The build on start moves each batch's share of the document table instead of regrouping it:
    // from nothing (a database from before the aggregates) to the same rows, and from them to themselves.
    await db.delete(opportunityDocuments);
    await db.delete(documentPerformance);
    await rebuildAllAggregates(db, { batchSize: 3, regroup: false });
    expect(await snapshot()).toEqual(incremental);
    await rebuildAllAggregates(db, { batchSize: 5, regroup: false });
    expect(await snapshot()).toEqual(incremental);
    // A per-opportunity rebuild (what re-attributing views between contacts calls) changes nothing either.
    for (const id of opportunityIds) await rebuildOpportunityAggregates(db, id);
    expect(await snapshot()).toEqual(incremental);

    // What the dashboard shows from them equals the running totals' own summaries.
    const now = new Date(clock);
    for (const hot of await hottestOpportunities(db, now, { limit: 20, includeArchived: true })) {
      const summary = (await opportunityEngagementSummary(db, hot.opportunityId, now, { documentCategories: CATEGORY }))!;
      expect([hot.score, hot.readers, hot.documentsRead, hot.keyDocumentsRead, hot.activeSeconds]).toEqual([
        summary.score,
        summary.readers,
        summary.documentsRead,
        summary.keyDocumentsRead,
        summary.activeSeconds,
      ]);
    }
    const table = await documentTable(db);
    expect(table.reduce((sum, r) => sum + r.views, 0)).toBe(views.length);
  }, 180_000); // a few hundred transactions; on PostgreSQL a round trip per statement

  it('the hot key stands for the score at any moment: a larger key is a larger score', () => {
    const now = new Date('2026-12-01T00:00:00Z');
    const week = 7 * 24 * 3600 * SEC;
    // Seen a week ago with base 80 = 40 now; seen now with base 40 = 40 now.
    expect(scoreAt(now.getTime() - week + week * Math.log2(80), now)).toBeCloseTo(40, 9);
    expect(scoreAt(now.getTime() + week * Math.log2(40), now)).toBeCloseTo(40, 9);
  });
});

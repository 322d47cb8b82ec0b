// `npm run demo` may run again on a machine where reps have already worked: it adds what is missing
// and leaves everything else alone.
import crypto from 'node:crypto';
import path from 'node:path';
import { count, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  accessLinks,
  accounts,
  contacts,
  documentViews,
  linkEvents,
  opportunities,
  opportunityEngagement,
  pipelineStages,
  readingTotals,
  roomDocuments,
  rooms,
  slackOutbox,
  users,
  visits,
  workspaceSettings,
} from '../../src/server/db/tables';
import { loadDashboard } from '../../src/server/dashboard/dashboard';
import { hotReasons, hotSignals } from '../../src/server/slack/hot-alerts';
import { runSlackRound } from '../../src/server/slack/worker';
import { defaultAlertPolicy } from '../../src/server/slack/policy';
import { opportunityEngagementSummary, opportunityTimeline } from '../../src/server/tracking/read-model';
import { isCompleted } from '../../src/server/tracking/rules';
import { unknownReaders } from '../../src/server/tracking/link-browsers';
import { loadDemoCatalog, sectionIdsOf } from '../../src/server/demo/content';
import { demoAdmin, demoRoomDocuments, demoVendorName, seedDemo } from '../../src/server/demo/seed';
import { verifyPassword } from '../../src/server/auth/passwords';
import { getSettingValues } from '../../src/server/settings/settings';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { useTempDatabase } from './support/temp-db';
import { SLOW_BY_NATURE } from './support/slow-by-nature';

const db = useTempDatabase();
const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));
const catalog = loadDemoCatalog(path.resolve('content'));
const demoLinkCount = 10;
const now = new Date('2026-11-20T01:00:00Z');

async function counts() {
  const n = async (table: typeof users | typeof accounts | typeof contacts | typeof opportunities | typeof rooms | typeof roomDocuments | typeof accessLinks) =>
    (await db.select({ n: count() }).from(table).limit(1))[0]!.n;
  return { users: await n(users), accounts: await n(accounts), contacts: await n(contacts), opportunities: await n(opportunities), rooms: await n(rooms), roomDocuments: await n(roomDocuments), accessLinks: await n(accessLinks) };
}

// These tests seed the demo (the admin's argon2id hash; on a fresh database, weeks of reading played
// through the real ingestion) or read all of it back.
describe('the demo seed', SLOW_BY_NATURE, () => {
  it('creates a signed-in admin, the vendor name and one working link per demo contact', async () => {
    const { links } = await seedDemo(db, key, catalog, now);
    expect(links).toHaveLength(demoLinkCount);
    expect(new Set(links.map((l) => l.path)).size).toBe(demoLinkCount);
    for (const link of links) expect(link.path).toMatch(/^\/r\/[a-z2-7]{16}\.[a-z2-7]{32}$/);
    const admin = (await db.select().from(users).where(eq(users.email, demoAdmin.email)).limit(1))[0]!;
    expect(admin.role).toBe('admin');
    expect(await verifyPassword(admin.passwordHash!, demoAdmin.password)).toBe(true);
    expect((await getSettingValues(db)).organisationName).toBe(demoVendorName);
    expect((await db.select({ slug: roomDocuments.documentSlug }).from(roomDocuments).where(eq(roomDocuments.roomId, 'demo-room-sakura')).orderBy(roomDocuments.position)).map((r) => r.slug)).toEqual(demoRoomDocuments['demo-room-sakura']);
  });

  it('run again, duplicates nothing, prints the same links and keeps what reps and admins changed', async () => {
    const { links: first } = await seedDemo(db, key, catalog, now);
    const before = await counts();
    await db.delete(roomDocuments).where(eq(roomDocuments.roomId, 'demo-room-sakura'));
    await db.insert(roomDocuments).values({ roomId: 'demo-room-sakura', documentSlug: 'roi-model', position: 0 });
    await db.update(rooms).set({ message: '担当者が書き直したメッセージ' }).where(eq(rooms.id, 'demo-room-sakura'));
    await db.update(workspaceSettings).set({ value: JSON.stringify('株式会社リネーム') }).where(eq(workspaceSettings.key, 'organisationName'));

    const { links: again } = await seedDemo(db, key, catalog, new Date(now.getTime() + 86_400_000));
    expect(again.map((l) => l.path)).toEqual(first.map((l) => l.path));
    expect(await counts()).toEqual({ ...before, roomDocuments: before.roomDocuments - demoRoomDocuments['demo-room-sakura']!.length + 1 });
    expect(await db.select({ slug: roomDocuments.documentSlug }).from(roomDocuments).where(eq(roomDocuments.roomId, 'demo-room-sakura'))).toEqual([{ slug: 'roi-model' }]);
    expect((await db.select({ message: rooms.message }).from(rooms).where(eq(rooms.id, 'demo-room-sakura')).limit(1))[0]!.message).toBe('担当者が書き直したメッセージ');
    expect((await getSettingValues(db)).organisationName).toBe('株式会社リネーム');
  });

  it('replaces a demo link an admin revoked with a new one, keeping the revoked one on record', async () => {
    const { links: before } = await seedDemo(db, key, catalog, now);
    const yamada = (await db.select().from(accessLinks).where(eq(accessLinks.contactId, 'demo-contact-yamada')).limit(1))[0]!;
    await db.update(accessLinks).set({ revokedAt: now }).where(eq(accessLinks.id, yamada.id));
    const { links: after } = await seedDemo(db, key, catalog, now);
    expect(after[0]!.path).not.toBe(before[0]!.path);
    expect(after.slice(1).map((l) => l.path)).toEqual(before.slice(1).map((l) => l.path));
    expect((await db.select({ n: count() }).from(accessLinks).where(eq(accessLinks.contactId, 'demo-contact-yamada')).limit(1))[0]!.n).toBe(2);
  });
});

// The reading history on a fresh install: played through the real ingestion, so every screen agrees.
describe('the demo reading history', SLOW_BY_NATURE, () => {
  const fresh = useTempDatabase();
  const seededAt = new Date();
  const categories = new Map([...catalog.values()].map((d) => [d.slug, d.category]));
  const hot = 'demo-opp-sakura';
  const rows = async () => ({
    visits: (await fresh.select({ n: count() }).from(visits).limit(1))[0]!.n,
    views: (await fresh.select({ n: count() }).from(documentViews).limit(1))[0]!.n,
    events: (await fresh.select({ n: count() }).from(linkEvents).limit(1))[0]!.n,
    totals: await fresh.select().from(readingTotals).orderBy(readingTotals.opportunityId, readingTotals.contactId, readingTotals.documentSlug),
    engagement: await fresh.select().from(opportunityEngagement).orderBy(opportunityEngagement.opportunityId),
    outbox: await fresh.select().from(slackOutbox).orderBy(slackOutbox.id),
  });

  it('is seeded once, relative to the time of seeding, and never again', async () => {
    const first = await seedDemo(fresh, key, catalog, seededAt);
    expect(first.historySeeded).toHaveLength(8);
    const once = await rows();
    expect(once.views).toBeGreaterThan(30);
    const times = await fresh.select({ started: documentViews.startedAt, last: documentViews.lastBeaconAt }).from(documentViews);
    const newest = Math.max(...times.map((t) => t.last.getTime()));
    expect(newest).toBeLessThanOrEqual(seededAt.getTime());
    expect(newest).toBeGreaterThan(seededAt.getTime() - 60_000);
    expect(Math.min(...times.map((t) => t.started.getTime()))).toBeGreaterThan(seededAt.getTime() - 50 * 86_400_000);

    const again = await seedDemo(fresh, key, catalog, new Date(seededAt.getTime() + 3_600_000));
    expect(again.historySeeded).toEqual([]);
    expect(again.links.map((l) => l.path)).toEqual(first.links.map((l) => l.path));
    expect(await rows()).toEqual(once);
  });

  it('keeps running totals equal to a rebuild from the raw visits, views and events', async () => {
    const rebuilt = new Map<string, { views: number; activeSeconds: number; maxScrollPercent: number; completedViews: number; downloads: number; prints: number }>();
    const entry = (o: string, c: string, d: string) => {
      const k = `${o}|${c}|${d}`;
      if (!rebuilt.has(k)) rebuilt.set(k, { views: 0, activeSeconds: 0, maxScrollPercent: 0, completedViews: 0, downloads: 0, prints: 0 });
      return rebuilt.get(k)!;
    };
    for (const v of await fresh.select().from(documentViews)) {
      const t = entry(v.opportunityId, v.contactId, v.documentSlug);
      t.views += 1;
      t.activeSeconds += v.activeSeconds;
      t.maxScrollPercent = Math.max(t.maxScrollPercent, v.maxScrollPercent);
      if (isCompleted(v.activeSeconds, v.maxScrollPercent)) t.completedViews += 1;
    }
    const events = await fresh.select().from(linkEvents);
    for (const e of events) {
      if (e.kind === 'download') entry(e.opportunityId, e.contactId, e.documentSlug!).downloads += 1;
      if (e.kind === 'print') entry(e.opportunityId, e.contactId, e.documentSlug!).prints += 1;
    }
    const stored = await fresh.select().from(readingTotals);
    expect(new Map(stored.map((t) => [`${t.opportunityId}|${t.contactId}|${t.documentSlug}`, { views: t.views, activeSeconds: t.activeSeconds, maxScrollPercent: t.maxScrollPercent, completedViews: t.completedViews, downloads: t.downloads, prints: t.prints }]))).toEqual(rebuilt);

    const allVisits = await fresh.select().from(visits);
    const allViews = await fresh.select().from(documentViews);
    for (const e of await fresh.select().from(opportunityEngagement)) {
      const mine = allVisits.filter((v) => v.opportunityId === e.opportunityId);
      expect(e).toMatchObject({
        visits: mine.length,
        devices: new Set(mine.map((v) => `${v.accessLinkId}|${v.deviceId}`)).size,
        newDevices: mine.filter((v) => v.newDevice).length,
        activeSeconds: allViews.filter((v) => v.opportunityId === e.opportunityId).reduce((sum, v) => sum + v.activeSeconds, 0),
        automatedOpens: events.filter((ev) => ev.opportunityId === e.opportunityId && ev.kind === 'automated_open').length,
      });
      if (mine.length > 0) expect(e.lastSeenAt!.getTime()).toBe(Math.max(...mine.map((v) => v.lastActivityAt.getTime())));
    }
  });

  it('fills every dashboard section, with the hot deal on top and its score as the read model computes it', async () => {
    const dashboard = await loadDashboard(fresh, seededAt, {});
    expect(dashboard.liveActivity.readingNow.map((v) => v.opportunityId)).toEqual([hot]);
    expect(dashboard.liveActivity.recentVisits.length).toBeGreaterThan(3);
    expect(dashboard.liveActivity.recentVisits.some((v) => v.newDevice)).toBe(true);
    expect(dashboard.unopened.rows.map((r) => r.opportunityId)).toEqual(['demo-opp-hayate']);
    const pricing = dashboard.documentPerformance.find((d) => d.slug === 'pricing')!;
    expect(pricing.wonReadRate).toBe(1);
    expect(pricing.lostReadRate).toBe(0);

    const summary = (await opportunityEngagementSummary(fresh, hot, seededAt, { documentCategories: categories }))!;
    expect(summary.score).toBeGreaterThan(60);
    expect(dashboard.hottest[0]).toMatchObject({ opportunityId: hot, score: summary.score, readers: summary.readers, activeSeconds: summary.activeSeconds });
    expect(dashboard.hottest[0]!.score).toBeGreaterThan(dashboard.hottest[1]!.score);
    // 山田さん's forwarded link on a phone is a possible reader until the rep says who it is (issue 19).
    expect(summary).toMatchObject({ readers: 2, possibleReaders: 1, contactsReading: 2, newDevices: 1, documentsRead: 7, documentsInRoom: 7 });
    expect(summary.downloads).toBeGreaterThan(0);
    expect(summary.prints).toBe(1);
    expect(summary.automatedOpens).toBe(2);

    const timeline = await opportunityTimeline(fresh, hot, { limit: 50 });
    expect(timeline.visits).toHaveLength(8);
    expect(timeline.automatedOpens.map((e) => e.detail)).toEqual(['Microsoft Safe Links', 'Microsoft Safe Links']);
    expect(timeline.visits.flatMap((v) => v.views).some((view) => Object.values(view.sectionSeconds).some((s) => s > 0))).toBe(true);
  });

  it('has won and lost deals with amounts and past close dates', async () => {
    const closed = (await fresh
      .select({ id: opportunities.id, outcome: pipelineStages.outcome, amount: opportunities.amountJpy, closedOn: opportunities.expectedCloseDate })
      .from(opportunities)
      .innerJoin(pipelineStages, eq(pipelineStages.number, opportunities.stage)))
      .filter((o) => o.outcome !== 'open');
    expect(closed.filter((o) => o.outcome === 'won').length).toBeGreaterThanOrEqual(2);
    expect(closed.filter((o) => o.outcome === 'lost').length).toBeGreaterThanOrEqual(2);
    for (const o of closed) {
      expect(o.amount).toBeGreaterThan(1_000_000);
      expect(o.closedOn! < seededAt.toISOString().slice(0, 10)).toBe(true);
    }
    const channelsUsed = new Set((await fresh.select({ channel: opportunities.channel }).from(opportunities)).map((o) => o.channel));
    expect(channelsUsed.size).toBeGreaterThanOrEqual(6);
  });

  it('shows a forwarded link: a second browser on one contact\'s link, from another network', async () => {
    const byLink = new Map<string, (typeof visits.$inferSelect)[]>();
    for (const v of await fresh.select().from(visits).orderBy(visits.startedAt)) byLink.set(v.accessLinkId, [...(byLink.get(v.accessLinkId) ?? []), v]);
    const forwarded = [...byLink.values()].filter((list) => new Set(list.map((v) => v.deviceId)).size > 1);
    expect(forwarded).toHaveLength(1);
    const [link] = forwarded;
    const phone = link!.find((v) => v.newDevice)!;
    expect(phone).toMatchObject({ contactId: 'demo-contact-yamada', deviceLabel: 'Safari / iPhone' });
    expect(link!.filter((v) => v.deviceId !== phone.deviceId).every((v) => v.networkHash !== phone.networkHash && v.newDevice === false)).toBe(true);
    // On the opportunity it is an unknown reader on 山田さん's link, with what it read.
    const [unknown, ...others] = await unknownReaders(fresh, 'demo-opp-sakura');
    expect(others).toEqual([]);
    expect(unknown).toMatchObject({ linkContactName: '山田 太郎', deviceLabel: 'Safari / iPhone', distinctReader: false });
    expect(unknown!.documents.map((d) => d.slug)).toEqual(['pricing', 'product-overview']);
  });

  it('gives its contacts the functions they sign off for', async () => {
    const roles = Object.fromEntries((await fresh.select({ id: contacts.id, role: contacts.buyingRole }).from(contacts)).map((c) => [c.id, c.role]));
    expect(roles).toMatchObject({ 'demo-contact-yamada': 'champion', 'demo-contact-suzuki': 'it-security', 'demo-contact-smith': 'decision-maker', 'demo-contact-takahashi': 'finance-purchasing' });
    expect(Object.values(roles)).not.toContain('unknown');
  });

  it('records downloads only in visits that have views, and automated opens apart from reading', async () => {
    const events = await fresh.select().from(linkEvents);
    const downloads = events.filter((e) => e.kind === 'download');
    expect(downloads.length).toBeGreaterThanOrEqual(4);
    const viewedVisits = new Set((await fresh.select({ visitId: documentViews.visitId }).from(documentViews)).map((v) => v.visitId));
    for (const d of downloads) expect(viewedVisits.has(d.visitId!)).toBe(true);
    const automated = events.filter((e) => e.kind === 'automated_open');
    expect(automated.length).toBeGreaterThanOrEqual(5);
    expect(automated.every((e) => e.visitId === null)).toBe(true);
    const hayate = (await opportunityEngagementSummary(fresh, 'demo-opp-hayate', seededAt))!;
    expect(hayate).toMatchObject({ automatedOpens: 1, visits: 0, readers: 0, score: 0, lastSeenAt: null });
  });

  it('queues no Slack alert for the seeded reading, today or after a restart tomorrow', async () => {
    expect((await fresh.select().from(slackOutbox)).every((row) => row.status === 'skipped' && row.kind === 'hot')).toBe(true);
    const scoreOf = async (id: string, when: Date) => (await opportunityEngagementSummary(fresh, id, when, { documentCategories: categories }))?.score ?? null;
    for (const when of [seededAt, new Date(seededAt.getTime() + 23 * 3_600_000)]) {
      // The hot deal does cross the thresholds: only the seeded skipped alerts keep the worker quiet.
      expect(hotReasons(await hotSignals(fresh, hot, when, await scoreOf(hot, when)), defaultAlertPolicy).length).toBeGreaterThan(0);
      // A worker (re)started then looks back a day, as startSlackWorker does.
      await runSlackRound(
        {
          db: fresh,
          now: () => when,
          policy: () => defaultAlertPolicy,
          webhookFor: () => null,
          deliver: () => Promise.reject(new Error('nothing may be sent')),
          publicBaseUrl: 'http://127.0.0.1:4416',
          scoreOf,
        },
        new Date(when.getTime() - 86_400_000),
      );
    }
    expect((await fresh.select().from(slackOutbox)).filter((row) => row.status !== 'skipped')).toEqual([]);
  });
});

describe('demo document sections', () => {
  it('are the heading ids the build gives h2-h4 (github-slugger over every heading, fenced code skipped)', () => {
    const markdown = '# 表題\n\n## 料金プラン\n\n```md\n## コード内\n```\n\n### よくあるご質問\n\n## 可用性と事業継続（BCP）\n\n## 料金プラン\n\n##### 小見出し\n';
    expect(sectionIdsOf(markdown)).toEqual(['料金プラン', 'よくあるご質問', '可用性と事業継続bcp', '料金プラン-1']);
    expect(catalog.get('pricing')!.sectionIds).toContain('お見積り例');
    expect(catalog.get('pricing')!.attachments).toEqual(['pricing-2026.pdf']);
  });
});

// The home dashboard: live feed, hottest, shared-but-unopened and document performance, over a
// small world built with real rows and reading driven through the real ingest functions.
import crypto from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { accessLinks, accounts, contacts, opportunities, roomDocuments, rooms, users } from '../../src/server/db/tables';
import { createAccessLink, revokeAccessLink } from '../../src/server/access-links/access-links';
import { rebuildOpportunityAggregates } from '../../src/server/tracking/aggregates';
import { documentPerformance, liveActivity, loadDashboard, unopenedOpportunities, type Channel } from '../../src/server/dashboard/dashboard';
import { filtersQuery, parseDashboardFilters } from '../../src/server/dashboard/filters';
import { feedEntries, formatAgo, formatDuration, formatRate, reasonText } from '../../src/server/dashboard/present';
import { documentRates, isUnopened, liveSince, topReasons, unopenedCutoff, wholeDaysSince } from '../../src/server/dashboard/rules';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { updateSettings } from '../../src/server/settings/settings';
import { heartbeatPayload } from '../../src/server/tracking/beacon-payloads';
import type { ScoreReason } from '../../src/server/tracking/engagement-score';
import { recordAutomatedOpen, recordHeartbeat, startView } from '../../src/server/tracking/ingest';
import { activeLinkScope, type LinkScope } from '../../src/server/tracking/link-scope';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();
const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));
const MIN = 60 * 1000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
// Links get their created_at from the database clock: the world is built around the real time.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
const ago = (ms: number) => new Date(NOW.getTime() - ms);

const catalog = new Map([
  ['pricing', 'pricing'],
  ['security', 'security'],
  ['case', 'case-study'],
  ['overview', 'overview'],
  ['old-whitepaper', 'overview'],
]);

// --- World ---

await db.insert(users).values({ id: 'u1', email: 'sato@example.com', displayName: '佐藤 健太' });

async function account(id: string, name: string, people: Record<string, string>) {
  await db.insert(accounts).values({ id, name });
  for (const [contactId, contactName] of Object.entries(people)) await db.insert(contacts).values({ id: contactId, accountId: id, name: contactName });
}

async function opportunity(id: string, accountId: string, stage: number, channel: Channel, slugs: string[], archived = false) {
  await db.insert(opportunities)
    .values({ id, accountId, name: `商談 ${id}`, stage, channel, ownerUserId: 'u1', archivedAt: archived ? ago(DAY) : null });
  await db.insert(rooms).values({ id: `room-${id}`, opportunityId: id });
  for (const [position, documentSlug] of slugs.entries()) await db.insert(roomDocuments).values({ roomId: `room-${id}`, documentSlug, position });
  // Written around the CRM and room code, which keep the aggregates themselves.
  await rebuildOpportunityAggregates(db, id);
}

/** A link shared `sharedAgo` before NOW (the rep created it then). */
async function link(opportunityId: string, contactId: string, sharedAgo = 30 * DAY): Promise<{ id: string; scope: LinkScope }> {
  const { id, token } = await createAccessLink(db, key, { roomId: `room-${opportunityId}`, contactId });
  await db.update(accessLinks).set({ createdAt: ago(sharedAgo) }).where(eq(accessLinks.id, id));
  await rebuildOpportunityAggregates(db, opportunityId);
  return { id, scope: (await activeLinkScope(db, token, NOW))! };
}

/** One view of `seconds` active reading, its last beacon at `end`. */
async function read(scope: LinkScope, slug: string, device: string, end: Date, seconds: number, scroll = 50) {
  const start = new Date(end.getTime() - seconds * 1000);
  const v = await startView(db, {
    scope,
    documentSlug: slug,
    documentCategory: catalog.get(slug) ?? null,
    documentTitle: `${slug} (as seen)`,
    sectionIds: [],
    deviceId: device.padEnd(26, '0'),
    deviceLabel: 'Chrome / Windows',
    networkHash: null,
    now: start,
  });
  if (seconds > 0) {
    const result = await recordHeartbeat(db, scope, v.viewId, heartbeatPayload.parse({ seq: 1, activeSeconds: seconds, maxScrollPercent: scroll }), end);
    expect(result).toBe('applied');
  }
  return v;
}

const ids: Record<string, string> = {};

// Building the world is a few hundred statements: on PostgreSQL at load, more than the default 10 s.
beforeAll(async () => {
  await account('acc-a', '株式会社アルファ', { yamada: '山田 太郎', suzuki: '鈴木 一郎' });
  await account('acc-b', '株式会社ベータ', { kobayashi: '小林 恵' });
  await account('acc-c', '株式会社ガンマ', { tanaka: '田中 花子', ito: '伊藤 健' });
  await account('acc-d', '株式会社デルタ', { kato: '加藤 翔', sasaki: '佐々木 舞' });

  // Reading: an event-sourced proposal being read right now, a won and a lost deal.
  await opportunity('hot', 'acc-a', 3, 'event', ['pricing', 'security', 'case']);
  await opportunity('won', 'acc-b', 7, 'referral', ['pricing', 'case']);
  await opportunity('lost', 'acc-c', 8, 'event', ['pricing', 'case']);
  await opportunity('won-unread', 'acc-b', 7, 'event', ['pricing']);

  const yamada = (await link('hot', 'yamada')).scope;
  const suzuki = (await link('hot', 'suzuki')).scope;
  const kobayashi = (await link('won', 'kobayashi')).scope;
  const tanaka = (await link('lost', 'tanaka')).scope;
  await link('won-unread', 'kobayashi');

  // 山田 is reading the price list now: 4 minutes, last beacon 10 s ago.
  ids.liveView = (await read(yamada, 'pricing', 'dev-yamada', ago(10 * 1000), 240)).viewId;
  // 鈴木 read the security sheet to the end yesterday (2 minutes), then glanced at the case study.
  const security = await read(suzuki, 'security', 'dev-suzuki', ago(DAY), 120, 100);
  ids.suzukiVisit = security.visitId;
  await read(suzuki, 'case', 'dev-suzuki', ago(DAY - 20 * 1000), 10);
  // 小林 (won deal) read the price list for a minute three days ago.
  ids.kobayashiVisit = (await read(kobayashi, 'pricing', 'dev-kobayashi', ago(3 * DAY), 60)).visitId;
  // 田中 (lost deal), ten days ago: the case study read 40 s, the price list only 10 s, and a
  // whitepaper that has since been removed from the room, read to the end.
  await read(tanaka, 'case', 'dev-tanaka', ago(10 * DAY), 40);
  await read(tanaka, 'pricing', 'dev-tanaka', ago(10 * DAY - MIN), 10);
  await read(tanaka, 'old-whitepaper', 'dev-tanaka', ago(10 * DAY - 2 * MIN), 45, 100);

  // Shared and waiting (the workspace setting says 3 days by default).
  await opportunity('waiting', 'acc-d', 2, 'email', ['overview']);
  const waitingOld = await link('waiting', 'kato', 5 * DAY);
  await link('waiting', 'sasaki', 4 * DAY);
  // A mail scanner opened it: not reading.
  await recordAutomatedOpen(db, waitingOld.scope, null, 'Microsoft Safe Links', ago(HOUR));
  await opportunity('fresh', 'acc-d', 2, 'email', ['overview']);
  await link('fresh', 'kato', 1 * DAY);
  // Read once 8 days ago, then a new link 4 days ago with nothing since: waiting again.
  await opportunity('again', 'acc-d', 4, 'event', ['overview']);
  const againFirst = (await link('again', 'kato', 10 * DAY)).scope;
  await read(againFirst, 'overview', 'dev-kato', ago(8 * DAY), 30);
  await link('again', 'sasaki', 4 * DAY + HOUR);
  // Shared 6 days ago and read 2 days ago: not waiting.
  await opportunity('answered', 'acc-d', 2, 'email', ['overview']);
  await read((await link('answered', 'kato', 6 * DAY)).scope, 'overview', 'dev-kato-2', ago(2 * DAY), 20);
  // Revoked, closed (lost) and archived deals with old links are not follow-ups.
  await opportunity('revoked', 'acc-d', 2, 'email', ['overview']);
  await revokeAccessLink(db, (await link('revoked', 'kato', 5 * DAY)).id, ago(DAY));
  await opportunity('closed', 'acc-d', 8, 'email', ['overview']);
  await link('closed', 'kato', 5 * DAY);
  await opportunity('archived', 'acc-d', 2, 'email', ['overview'], true);
  await link('archived', 'kato', 5 * DAY);
  // A room with no link at all.
  await opportunity('unshared', 'acc-d', 2, 'email', ['overview']);
}, 60_000);

// --- Pure rules ---

describe('rules', () => {
  it('reading now means a beacon within the last three heartbeats (30 s), not minutes after the reader idled out or left', () => {
    expect(liveSince(NOW).getTime()).toBe(NOW.getTime() - 30 * 1000);
  });

  it('a room is overdue exactly N days after the share, and only without reading since', () => {
    const shared = ago(3 * DAY);
    expect(isUnopened(shared, null, NOW, 3)).toBe(true);
    expect(isUnopened(new Date(shared.getTime() + 1), null, NOW, 3)).toBe(false);
    expect(isUnopened(shared, new Date(shared.getTime() - 1), NOW, 3)).toBe(true);
    expect(isUnopened(shared, shared, NOW, 3)).toBe(false);
    expect(unopenedCutoff(NOW, 3).getTime()).toBe(shared.getTime());
    expect(() => unopenedCutoff(NOW, 1.5)).toThrow(RangeError);
    expect(wholeDaysSince(ago(3 * DAY - 1), NOW)).toBe(2);
    expect(wholeDaysSince(new Date(NOW.getTime() + DAY), NOW)).toBe(0);
  });

  it('rates are null without a denominator and stay within 0-1', () => {
    const counts = { views: 4, activeSeconds: 250, completedViews: 1, rooms: 3, roomsRead: 2, wonRooms: 0, wonRoomsRead: 0, lostRooms: 2, lostRoomsRead: 1 };
    expect(documentRates(counts)).toEqual({ averageActiveSeconds: 63, completionRate: 0.25, readShare: 2 / 3, wonReadRate: null, lostReadRate: 0.5 });
    expect(documentRates({ ...counts, views: 0, rooms: 0 })).toMatchObject({ averageActiveSeconds: null, completionRate: null, readShare: null });
  });

  it('the why of a score: components that add points, strongest first, never recency', () => {
    const reasons: ScoreReason[] = [
      { code: 'active_time', points: 5, max: 25, value: 60 },
      { code: 'coverage', points: 0, max: 15, value: 0, of: 3 },
      { code: 'key_documents', points: 10, max: 20, value: 1 },
      { code: 'readers', points: 12, max: 20, value: 2 },
      { code: 'completions', points: 5, max: 10, value: 1 },
      { code: 'downloads_prints', points: 0, max: 10, value: 0 },
      { code: 'recency', points: -3, max: 0, value: 2 },
    ];
    expect(topReasons(reasons).map((r) => r.code)).toEqual(['readers', 'key_documents', 'active_time']);
    expect(topReasons(reasons, 5).map((r) => r.code)).toEqual(['readers', 'key_documents', 'active_time', 'completions']);
  });
});

describe('filters from the query string', () => {
  const stages = [1, 2, 3, 7, 8];
  const admin = { id: 'u-admin', role: 'admin' as const };
  const parse = (query: string, viewer: { id: string; role: 'admin' | 'rep' } = admin) => parseDashboardFilters(new URLSearchParams(query), stages, viewer);

  it('shows a rep their own deals by default, an admin everyone\'s; either can switch', () => {
    const rep = { id: 'u-rep', role: 'rep' as const };
    expect(parse('', rep)).toEqual({ ok: true, filters: { ownerUserId: 'u-rep' } });
    expect(parse('deals=all', rep)).toEqual({ ok: true, filters: {} });
    expect(parse('deals=mine')).toEqual({ ok: true, filters: { ownerUserId: 'u-admin' } });
    expect(parse('deals=theirs')).toEqual({ ok: false, field: 'deals' });
  });

  it('accepts a known channel and stage, and blanks as "all"', () => {
    expect(parse('channel=event&stage=3')).toEqual({ ok: true, filters: { channel: 'event', stageNumber: 3 } });
    expect(parse('channel=&stage=')).toEqual({ ok: true, filters: {} });
    expect(parse('')).toEqual({ ok: true, filters: {} });
  });

  it('refuses unknown values, repeated or unknown parameters', () => {
    expect(parse('channel=fax')).toEqual({ ok: false, field: 'channel' });
    expect(parse('stage=4')).toEqual({ ok: false, field: 'stage' });
    expect(parse('stage=3.5')).toEqual({ ok: false, field: 'stage' });
    expect(parse('stage=-1')).toEqual({ ok: false, field: 'stage' });
    expect(parse('stage=1&stage=2')).toEqual({ ok: false, field: 'stage' });
    expect(parse('owner=me')).toEqual({ ok: false, field: 'query' });
  });

  it('round-trips into a query string', () => {
    expect(filtersQuery({ channel: 'event', stageNumber: 3 })).toBe('?channel=event&stage=3&deals=all');
    expect(filtersQuery({ ownerUserId: 'u-rep' })).toBe('?deals=mine');
    expect(parse(filtersQuery({ channel: 'event', ownerUserId: 'u-admin' }).slice(1))).toEqual({ ok: true, filters: { channel: 'event', ownerUserId: 'u-admin' } });
  });
});

describe('wording', () => {
  it('durations, times ago and rates', () => {
    expect(formatDuration('ja', 45)).toBe('45秒');
    expect(formatDuration('ja', 240)).toBe('4分');
    expect(formatDuration('en', 3900)).toBe('1 h 5 min');
    expect(formatAgo('ja', ago(30 * 1000), NOW)).toBe('たった今');
    expect(formatAgo('ja', ago(5 * MIN), NOW)).toBe('5分前');
    expect(formatAgo('en', ago(3 * HOUR), NOW)).toBe('3 h ago');
    expect(formatAgo('en', ago(2 * DAY), NOW)).toBe('2 d ago');
    expect(formatRate(0.4567)).toBe('46%');
    expect(formatRate(null)).toBeNull();
    expect(reasonText('ja', { code: 'readers', points: 12, max: 20, value: 2 })).toEqual({ text: '閲覧者 2名', points: '+12点' });
    expect(reasonText('en', { code: 'coverage', points: 10, max: 15, value: 2, of: 3 }).text).toBe('2 of 3 documents read');
  });
});

// --- Sections over the world ---

describe('live activity', () => {
  it('lists who is reading now, then the visits of the last week, newest first', async () => {
    const activity = await liveActivity(db, NOW);
    expect(activity.readingNow).toHaveLength(1);
    expect(activity.readingNow[0]).toMatchObject({
      viewId: ids.liveView,
      opportunityId: 'hot',
      contactName: '山田 太郎',
      accountName: '株式会社アルファ',
      documentSlug: 'pricing',
      documentTitle: 'pricing (as seen)',
      activeSeconds: 240,
    });
    // Yesterday 鈴木 (two documents in one visit), 2 days ago "answered", 3 days ago 小林; 8 and 10 days ago are out.
    expect(activity.recentVisits.map((v) => v.opportunityId)).toEqual(['hot', 'answered', 'won']);
    expect(activity.recentVisits[0]).toMatchObject({
      visitId: ids.suzukiVisit,
      contactName: '鈴木 一郎',
      activeSeconds: 130,
      documents: [
        { slug: 'security', title: 'security (as seen)' },
        { slug: 'case', title: 'case (as seen)' },
      ],
    });
  });

  it('a view stops being "reading now" 30 s after its last beacon (the reader idled out or left)', async () => {
    const later = new Date(NOW.getTime() - 10 * 1000 + 30 * 1000);
    expect((await liveActivity(db, later)).readingNow.map((v) => v.viewId)).toEqual([ids.liveView]);
    const afterWindow = new Date(later.getTime() + 1);
    const activity = await liveActivity(db, afterWindow);
    expect(activity.readingNow).toEqual([]);
    expect(activity.recentVisits[0]!.opportunityId).toBe('hot');
    expect(activity.recentVisits[0]!.contactName).toBe('山田 太郎');
  });

  it('filters by channel and stage, and bounds both lists', async () => {
    expect((await liveActivity(db, NOW, { channel: 'referral' })).readingNow).toEqual([]);
    expect((await liveActivity(db, NOW, { channel: 'referral' })).recentVisits.map((v) => v.opportunityId)).toEqual(['won']);
    expect((await liveActivity(db, NOW, { stageNumber: 3 })).recentVisits.map((v) => v.opportunityId)).toEqual(['hot']);
    expect(await liveActivity(db, NOW, { channel: 'event', stageNumber: 7 })).toEqual({ readingNow: [], recentVisits: [] });
    expect((await liveActivity(db, NOW, {}, { recentLimit: 1 })).recentVisits.map((v) => v.opportunityId)).toEqual(['hot']);
    await expect(liveActivity(db, NOW, {}, { recentLimit: 0 })).rejects.toThrow(RangeError);
    await expect(liveActivity(db, NOW, {}, { liveLimit: 101 })).rejects.toThrow(RangeError);
  });

  it('phrases the feed in Japanese and English, with catalog titles and links', async () => {
    const activity = await liveActivity(db, NOW);
    const titles: Record<string, string> = { pricing: '料金表', security: 'セキュリティチェックシート' };
    const ja = feedEntries('ja', activity, (slug) => titles[slug] ?? null, NOW);
    expect(ja[0]).toMatchObject({
      kind: 'reading',
      text: '山田 太郎 様（株式会社アルファ）が「料金表」を 4分 閲覧中',
      ago: 'たった今',
      opportunityHref: '/admin/opportunities/hot',
      timelineHref: '/admin/opportunities/hot/timeline',
      opportunityLabel: '商談「商談 hot」を開く',
    });
    // A slug the catalog does not know: the title the reader saw.
    expect(ja[1]!.text).toBe('鈴木 一郎 様（株式会社アルファ）が「セキュリティチェックシート」、「case (as seen)」を 2分 閲覧');
    const en = feedEntries('en', activity, () => null, NOW);
    expect(en[0]!.text).toBe('山田 太郎 (株式会社アルファ) is reading “pricing (as seen)” — 4 min so far');
    expect(en.map((e) => e.kind)).toEqual(['reading', 'visit', 'visit', 'visit']);
  });
});

describe('hottest opportunities', () => {
  it('ranks by score with the reasons, and narrows with the filters', async () => {
    const dash = await loadDashboard(db, NOW, {});
    expect(dash.hottest.length).toBeGreaterThanOrEqual(3);
    expect(dash.hottest[0]).toMatchObject({ opportunityId: 'hot', accountName: '株式会社アルファ', ownerName: '佐藤 健太', channel: 'event', stage: 3 });
    const scores = dash.hottest.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const top = dash.hottest[0]!;
    expect(top.why.length).toBeGreaterThan(0);
    expect(top.why.map((r) => r.points)).toEqual([...top.why.map((r) => r.points)].sort((a, b) => b - a));
    expect(top.why.every((r) => r.points > 0 && r.code !== 'recency')).toBe(true);
    expect(top.why.find((r) => r.code === 'readers')?.value).toBe(2);
    expect(top.reasons.reduce((sum, r) => sum + r.points, 0)).toBe(top.score);

    // Won and lost deals were read too, but need no call: only open deals, unless a closed stage is asked for.
    expect(dash.hottest.map((h) => h.opportunityId)).not.toContain('won');
    expect(dash.hottest.map((h) => h.opportunityId)).not.toContain('lost');
    expect((await loadDashboard(db, NOW, { channel: 'referral' }, {})).hottest).toEqual([]);
    expect((await loadDashboard(db, NOW, { stageNumber: 7 }, {})).hottest.map((h) => h.opportunityId)).toEqual(['won']);
    expect((await loadDashboard(db, NOW, { stageNumber: 3 }, {})).hottest.map((h) => h.opportunityId)).toEqual(['hot']);
    // "My deals".
    expect((await loadDashboard(db, NOW, { ownerUserId: 'u1' }, {})).hottest.map((h) => h.opportunityId)).toEqual(dash.hottest.map((h) => h.opportunityId));
    const someoneElse = await loadDashboard(db, NOW, { ownerUserId: 'u-other' }, {});
    expect([someoneElse.hottest, someoneElse.liveActivity.readingNow, someoneElse.liveActivity.recentVisits, someoneElse.unopened.rows]).toEqual([[], [], [], []]);
    expect((await loadDashboard(db, NOW, {}, { hottestLimit: 1 })).hottest).toHaveLength(1);
  });
});

describe('shared but unopened', () => {
  it('lists open deals whose latest old-enough share has no reading since, newest share first', async () => {
    const result = await unopenedOpportunities(db, NOW, {}, 3);
    expect(result.rows.map((r) => r.opportunityId)).toEqual(['waiting', 'again']);
    expect(result.total).toBe(2);
    const [waiting, again] = result.rows;
    expect(again).toMatchObject({ daysWaiting: 4, contacts: ['佐々木 舞', '加藤 翔'], moreContacts: 0, ownerName: '佐藤 健太', stage: 4 });
    expect(again!.lastSeenAt!.getTime()).toBe(ago(8 * DAY).getTime());
    // The latest share that is old enough counts (4 days), and the automated open is not reading.
    expect(waiting).toMatchObject({ daysWaiting: 4, lastSeenAt: null, accountName: '株式会社デルタ', channel: 'email' });
    expect(waiting!.sharedAt.getTime()).toBe(ago(4 * DAY).getTime());
  });

  it('follows N: with 5 days only the older share qualifies; with 1 day the fresh share too', async () => {
    const five = await unopenedOpportunities(db, NOW, {}, 5);
    expect(five.rows.map((r) => r.opportunityId)).toEqual(['waiting']);
    expect(five.rows[0]!.sharedAt.getTime()).toBe(ago(5 * DAY).getTime());
    expect(five.rows[0]!.contacts).toEqual(['加藤 翔']);
    expect((await unopenedOpportunities(db, NOW, {}, 1)).rows.map((r) => r.opportunityId)).toEqual(['fresh', 'waiting', 'again']);
  });

  it('filters, a closed stage only when asked for, and bounded with the total kept', async () => {
    expect((await unopenedOpportunities(db, NOW, { channel: 'event' }, 3)).rows.map((r) => r.opportunityId)).toEqual(['again']);
    expect((await unopenedOpportunities(db, NOW, { stageNumber: 2 }, 3)).rows.map((r) => r.opportunityId)).toEqual(['waiting']);
    expect((await unopenedOpportunities(db, NOW, { stageNumber: 8 }, 3)).rows.map((r) => r.opportunityId)).toEqual(['closed']);
    const one = await unopenedOpportunities(db, NOW, {}, 3, 1);
    expect(one).toMatchObject({ total: 2 });
    expect(one.rows.map((r) => r.opportunityId)).toEqual(['waiting']);
  });

  it('uses the workspace setting unopenedAfterDays', async () => {
    expect((await loadDashboard(db, NOW, {}, {})).unopened.rows.map((r) => r.opportunityId)).toEqual(['waiting', 'again']);
    expect((await updateSettings(db, { id: 'u1', role: 'admin' }, { unopenedAfterDays: '5' })).ok).toBe(true);
    try {
      const dash = await loadDashboard(db, NOW, {}, {});
      expect(dash.unopenedAfterDays).toBe(5);
      expect(dash.unopened.rows.map((r) => r.opportunityId)).toEqual(['waiting']);
    } finally {
      await updateSettings(db, { id: 'u1', role: 'admin' }, { unopenedAfterDays: '3' });
    }
  });
});

describe('shared but unopened, when links and rooms expire', () => {
  it('counts and lists a deal by its shares still active: an expired link or room no longer waits', async () => {
    const waitingLinks = await db.select({ id: accessLinks.id, createdAt: accessLinks.createdAt }).from(accessLinks).innerJoin(rooms, eq(rooms.id, accessLinks.roomId)).where(eq(rooms.opportunityId, 'waiting'));
    const newest = waitingLinks.reduce((a, b) => (b.createdAt > a.createdAt ? b : a));
    try {
      // The 4-day share expired yesterday: the 5-day one still waits.
      await db.update(accessLinks).set({ expiresAt: ago(DAY) }).where(eq(accessLinks.id, newest.id));
      let result = await unopenedOpportunities(db, NOW, {}, 3);
      expect(result.rows.map((r) => [r.opportunityId, r.daysWaiting])).toEqual([['again', 4], ['waiting', 5]]);
      expect(result.total).toBe(2);
      // Both expired: nothing of that deal waits any more.
      await db.update(accessLinks).set({ expiresAt: ago(DAY) }).where(inArray(accessLinks.id, waitingLinks.map((l) => l.id)));
      result = await unopenedOpportunities(db, NOW, {}, 3);
      expect(result.rows.map((r) => r.opportunityId)).toEqual(['again']);
      expect(result.total).toBe(1);
      // A room that expired takes its deal off the list too.
      await db.update(rooms).set({ expiresAt: ago(HOUR) }).where(eq(rooms.opportunityId, 'again'));
      expect(await unopenedOpportunities(db, NOW, {}, 3)).toEqual({ total: 0, rows: [] });
    } finally {
      await db.update(accessLinks).set({ expiresAt: null }).where(inArray(accessLinks.id, waitingLinks.map((l) => l.id)));
      await db.update(rooms).set({ expiresAt: null }).where(eq(rooms.opportunityId, 'again'));
    }
    expect((await unopenedOpportunities(db, NOW, {}, 3)).total).toBe(2);
  });
});

describe('document performance', () => {
  const bySlug = (rows: Awaited<ReturnType<typeof documentPerformance>>) => new Map(rows.map((r) => [r.slug, r]));

  it('views, time, completion, read share and read rate in won vs lost deals', async () => {
    const rows = await documentPerformance(db);
    const docs = bySlug(rows);
    // pricing: 山田 (hot, 240 s), 小林 (won, 60 s), 田中 (lost, 10 s); offered unread in "won-unread".
    expect(docs.get('pricing')).toMatchObject({
      views: 3,
      activeSeconds: 310,
      completedViews: 0,
      rooms: 4,
      roomsRead: 2,
      wonRooms: 2,
      wonRoomsRead: 1,
      lostRooms: 1,
      lostRoomsRead: 0,
      averageActiveSeconds: 103,
      completionRate: 0,
      readShare: 0.5,
      wonReadRate: 0.5,
      lostReadRate: 0,
    });
    // case: 鈴木 10 s (hot: not read), 田中 40 s (lost: read); offered to "won", never opened there.
    expect(docs.get('case')).toMatchObject({ views: 2, rooms: 3, roomsRead: 1, wonRooms: 1, wonRoomsRead: 0, wonReadRate: 0, lostReadRate: 1 });
    // security: read to the end once, in an open deal only.
    expect(docs.get('security')).toMatchObject({ views: 1, completedViews: 1, completionRate: 1, readShare: 1, wonReadRate: null, lostReadRate: null });
    // Removed from the room after it was read: still counted where it was given.
    expect(docs.get('old-whitepaper')).toMatchObject({ rooms: 1, roomsRead: 1, lostReadRate: 1 });
    // overview: offered in 8 rooms, read in two ("again" 30 s, "answered" 20 s: only the first counts as read).
    expect(docs.get('overview')).toMatchObject({ views: 2, rooms: 8, roomsRead: 1 });
    // Most viewed first, then by slug.
    expect(rows.map((r) => r.slug)).toEqual(['pricing', 'case', 'overview', 'old-whitepaper', 'security']);
  });

  it('narrows to the filtered opportunities and respects the limit', async () => {
    const won = bySlug(await documentPerformance(db, { stageNumber: 7 }));
    expect(won.get('pricing')).toMatchObject({ views: 1, rooms: 2, roomsRead: 1, wonReadRate: 0.5, lostReadRate: null });
    expect(won.has('security')).toBe(false);
    const referral = await documentPerformance(db, { channel: 'referral' });
    expect(referral.map((r) => r.slug)).toEqual(['pricing', 'case']);
    expect((await documentPerformance(db, {}, 2)).map((r) => r.slug)).toEqual(['pricing', 'case']);
    await expect(documentPerformance(db, {}, 0)).rejects.toThrow(RangeError);
  });

  it('loadDashboard shows reading in the document table at once (kept with every beacon, ADR 0020)', async () => {
    const filters = { channel: 'event' as const };
    const pricingViews = bySlug((await loadDashboard(db, NOW, filters)).documentPerformance).get('pricing')!.views;
    // More reading of the price list in an event deal.
    await read((await link('lost', 'ito')).scope, 'pricing', 'dev-ito', new Date(NOW.getTime() + 1000), 5);
    expect(bySlug((await loadDashboard(db, new Date(NOW.getTime() + 2000), filters)).documentPerformance).get('pricing')!.views).toBe(pricingViews + 1);
    expect(bySlug(await documentPerformance(db, filters)).get('pricing')!.views).toBe(pricingViews + 1);
  });

  it('a room reads a document when its contacts together reach the threshold', async () => {
    // A won partner deal: two contacts read the ROI model 20 s each (40 s together: read); the
    // security sheet 10 s each (20 s: not read); the overview is offered and never opened.
    await opportunity('pair', 'acc-c', 7, 'partner', ['roi', 'security', 'overview']);
    const tanaka = (await link('pair', 'tanaka')).scope;
    const ito = (await link('pair', 'ito')).scope;
    await read(tanaka, 'roi', 'dev-pair-tanaka', ago(2 * DAY), 20);
    await read(ito, 'roi', 'dev-pair-ito', ago(2 * DAY - MIN), 20);
    await read(tanaka, 'security', 'dev-pair-tanaka', ago(2 * DAY - 2 * MIN), 10);
    await read(ito, 'security', 'dev-pair-ito', ago(2 * DAY - 3 * MIN), 10);
    const docs = bySlug(await documentPerformance(db, { channel: 'partner' }));
    expect(docs.get('roi')).toMatchObject({ views: 2, activeSeconds: 40, rooms: 1, roomsRead: 1, wonRooms: 1, wonRoomsRead: 1, lostRooms: 0 });
    expect(docs.get('security')).toMatchObject({ views: 2, activeSeconds: 20, rooms: 1, roomsRead: 0, wonRooms: 1, wonRoomsRead: 0 });
    expect(docs.get('overview')).toMatchObject({ views: 0, rooms: 1, roomsRead: 0, wonRooms: 1, wonRoomsRead: 0 });
    // Unfiltered, the deal adds to the totals of every document it was given.
    const all = bySlug(await documentPerformance(db));
    expect(all.get('roi')).toMatchObject({ rooms: 1, roomsRead: 1 });
    expect(all.get('overview')).toMatchObject({ rooms: 9, roomsRead: 1, wonRooms: 1 });
    // A closed deal read after its shares is no follow-up, even when its stage is asked for.
    expect((await unopenedOpportunities(db, NOW, { stageNumber: 7 }, 3)).rows.map((r) => r.opportunityId)).toEqual(['won-unread']);
  });
});

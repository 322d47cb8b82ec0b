import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { accounts, contacts, opportunities, roomDocuments, rooms, users } from '../../src/server/db/tables';
import { createAccessLink } from '../../src/server/access-links/access-links';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { heartbeatPayload } from '../../src/server/tracking/beacon-payloads';
import { engagementScore } from '../../src/server/tracking/engagement-score';
import { recordAutomatedOpen, recordDownload, recordHeartbeat, startView } from '../../src/server/tracking/ingest';
import { rebuildOpportunityAggregates } from '../../src/server/tracking/aggregates';
import { activeLinkScope, type LinkScope } from '../../src/server/tracking/link-scope';
import {
  accountEngagementSummary,
  formatTimelineCursor,
  hottestOpportunities,
  opportunityEngagementSummary,
  opportunityTimeline,
  parseTimelineCursor,
  type Channel,
} from '../../src/server/tracking/read-model';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();
const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const t0 = new Date('2026-11-20T01:00:00Z');
const now = new Date('2026-11-22T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const sec = (s: number) => s * 1000;

const catalog = new Map([
  ['pricing-2026', 'pricing'],
  ['security-sheet', 'security'],
  ['case-acme', 'case-study'],
  ['overview', 'overview'],
  ['roi-model', 'roi'],
]);
const sections: Record<string, string[]> = {
  'pricing-2026': ['plans', 'options'],
  'security-sheet': ['iso', 'sso'],
  'case-acme': ['result'],
  overview: ['intro'],
  'roi-model': ['inputs', 'payback'],
};

// --- A small world built with real rows, and reading driven through the real ingest functions. ---

await db.insert(users).values({ id: 'u1', email: 'rep@example.com', displayName: '佐藤 健太' });
await db.insert(users).values({ id: 'u2', email: 'rep2@example.com', displayName: '高橋 花子' });

async function account(id: string, contactIds: string[]) {
  await db.insert(accounts).values({ id, name: `株式会社${id}` });
  for (const c of contactIds) await db.insert(contacts).values({ id: c, accountId: id, name: `担当 ${c}` });
}

async function opportunity(id: string, accountId: string, slugs: string[], extra: { channel?: Channel; stage?: number; ownerUserId?: string } = {}) {
  await db.insert(opportunities)
    .values({ id, accountId, name: `商談 ${id}`, stage: extra.stage ?? 3, channel: extra.channel ?? 'event', ownerUserId: extra.ownerUserId ?? 'u1' });
  await db.insert(rooms).values({ id: `room-${id}`, opportunityId: id });
  for (const [position, documentSlug] of slugs.entries()) await db.insert(roomDocuments).values({ roomId: `room-${id}`, documentSlug, position });
}

async function link(opportunityId: string, contactId: string): Promise<LinkScope> {
  const { token } = await createAccessLink(db, key, { roomId: `room-${opportunityId}`, contactId });
  return (await activeLinkScope(db, token))!;
}

const deviceId = (name: string) => name.padEnd(26, '0');

async function view(scope: LinkScope, slug: string, device: string, when: Date, label = 'Chrome / Windows') {
  return await startView(db, {
    scope,
    documentSlug: slug,
    documentCategory: catalog.get(slug) ?? null,
    documentTitle: slug.toUpperCase(),
    sectionIds: sections[slug] ?? [],
    deviceId: device.padEnd(26, '0'),
    deviceLabel: label,
    networkHash: null,
    now: when,
  });
}

async function beat(scope: LinkScope, viewId: string, seq: number, activeSeconds: number, maxScrollPercent: number, when: Date, extra: Record<string, unknown> = {}) {
  const result = await recordHeartbeat(db, scope, viewId, heartbeatPayload.parse({ seq, activeSeconds, maxScrollPercent, ...extra }), when);
  expect(result).toBe('applied');
}

/** One view read for `seconds` (one beacon at the end), from `when`. */
async function read(scope: LinkScope, slug: string, device: string, when: Date, seconds: number, scroll: number) {
  const v = await view(scope, slug, device, when);
  if (seconds > 0) await beat(scope, v.viewId, 1, seconds, scroll, new Date(when.getTime() + sec(seconds)));
  return v;
}

let yamada: LinkScope;
let suzuki: LinkScope;
let yamadaO2: LinkScope;
const story: Record<string, string> = {};

beforeAll(async () => {
  await account('a1', ['c1', 'c2', 'c3']);
  await opportunity('o1', 'a1', ['pricing-2026', 'security-sheet', 'case-acme', 'overview']);
  await opportunity('o2', 'a1', ['roi-model']);
  yamada = (await link('o1', 'c1'));
  suzuki = (await link('o1', 'c2'));
  yamadaO2 = (await link('o2', 'c1'));

  // A mail scanner opens 山田's link before anyone: never a visit, never a reader.
  await recordAutomatedOpen(db, yamada, null, 'Microsoft Safe Links', at(-sec(60)));

  // 山田 on his PC: reads the price list to the end and prints it, glances at security, downloads the PDF.
  const pricing = await view(yamada, 'pricing-2026', 'devA', t0);
  story.visitA1 = pricing.visitId;
  story.pricingView = pricing.viewId;
  await beat(yamada, pricing.viewId, 1, 60, 50, at(sec(65)), { sections: { plans: 40, options: 20 } });
  await beat(yamada, pricing.viewId, 2, 120, 95, at(sec(125)), { sections: { plans: 80, options: 40 }, printed: true });
  const security = await view(yamada, 'security-sheet', 'devA', at(sec(130)));
  expect(security.visitId).toBe(pricing.visitId);
  await beat(yamada, security.viewId, 1, 20, 30, at(sec(155)));
  await recordDownload(db, yamada, 'pricing-2026', 'pricing-2026.pdf', 'devA'.padEnd(26, '0'), at(sec(160)));

  // Two hours later 山田's link is opened in another browser: a forwarded link, a possible new reader.
  const forwarded = await read(yamada, 'pricing-2026', 'devB', at(2 * HOUR), 45, 60);
  expect(forwarded).toMatchObject({ newVisit: true, newDevice: true });
  story.visitB = forwarded.visitId;

  // Next day 鈴木 skims a case study (10 s: not read), and 山田 comes back to finish security.
  story.visitC = (await read(suzuki, 'case-acme', 'devC', at(DAY), 10, 100)).visitId;
  const back = await read(yamada, 'security-sheet', 'devA', at(DAY + HOUR), 40, 100);
  expect(back.newVisit).toBe(true);
  story.visitA2 = back.visitId;

  // A Slack unfurl of 鈴木's link, and a download from 鈴木's browser hours after its visit (outside any visit).
  await recordAutomatedOpen(db, suzuki, 'pricing-2026', 'Slackbot link preview', at(DAY + 2 * HOUR));
  await recordDownload(db, suzuki, 'pricing-2026', 'pricing-2026.pdf', deviceId('devC'), at(DAY + 3 * HOUR));

  // The account's second deal: 山田 works the ROI model for five minutes.
  await read(yamadaO2, 'roi-model', 'devA', at(DAY + 4 * HOUR), 300, 100);
});

describe('opportunity engagement summary', () => {
  it('adds up the running totals: visits, readers, time, per-document rows, automated opens apart', async () => {
    const summary = (await opportunityEngagementSummary(db, 'o1', now, { documentCategories: catalog }))!;
    const { reasons, documents, ...totals } = summary;
    expect(totals).toEqual({
      opportunityId: 'o1',
      accountId: 'a1',
      firstSeenAt: t0,
      lastSeenAt: at(DAY + 3 * HOUR),
      visits: 4,
      // 山田 and 鈴木; 山田's link in another browser, same documents, no network known: a possible reader.
      readers: 2,
      possibleReaders: 1,
      contactsReading: 2,
      newDevices: 1,
      devices: 3,
      activeSeconds: 120 + 20 + 45 + 10 + 40,
      automatedOpens: 2,
      completedViews: 2,
      downloads: 2,
      prints: 1,
      documentsRead: 2,
      documentsInRoom: 4,
      keyDocumentsRead: 2,
      score: 60,
    });
    expect(documents).toEqual([
      {
        slug: 'pricing-2026',
        category: 'pricing',
        views: 2,
        activeSeconds: 165,
        maxScrollPercent: 95,
        completedViews: 1,
        downloads: 2,
        prints: 1,
        readers: 1,
        read: true,
        firstSeenAt: t0,
        lastSeenAt: at(DAY + 3 * HOUR),
      },
      {
        slug: 'security-sheet',
        category: 'security',
        views: 2,
        activeSeconds: 60,
        maxScrollPercent: 100,
        completedViews: 1,
        downloads: 0,
        prints: 0,
        readers: 1,
        read: true,
        firstSeenAt: at(sec(130)),
        lastSeenAt: at(DAY + HOUR + sec(40)),
      },
      {
        slug: 'case-acme',
        category: 'case-study',
        views: 1,
        activeSeconds: 10,
        maxScrollPercent: 100,
        completedViews: 0,
        downloads: 0,
        prints: 0,
        readers: 1,
        read: false,
        firstSeenAt: at(DAY),
        lastSeenAt: at(DAY + sec(10)),
      },
    ]);
    // 235 s → 12, 2 of 4 read → 8, pricing + security → 16, 2 readers + ½ possible → 14, 2 completions → 8,
    // 2 downloads + 1 print → 10: 68, seen 31 h ago (×0.8836) → 60.
    expect(reasons).toEqual([
      { code: 'active_time', points: 12, max: 25, value: 235 },
      { code: 'coverage', points: 8, max: 15, value: 2, of: 4 },
      { code: 'key_documents', points: 16, max: 20, value: 2 },
      { code: 'readers', points: 14, max: 20, value: 2.5 },
      { code: 'completions', points: 8, max: 10, value: 2 },
      { code: 'downloads_prints', points: 10, max: 10, value: 3 },
      { code: 'recency', points: -8, max: 0, value: 1.3 },
    ]);
  });

  it('falls back to the categories recorded on the views when no catalog is passed', async () => {
    const withCatalog = (await opportunityEngagementSummary(db, 'o1', now, { documentCategories: catalog }))!;
    expect(await opportunityEngagementSummary(db, 'o1', now)).toEqual(withCatalog);
    // A catalog is authoritative: one that does not know the slugs finds no key document.
    expect((await opportunityEngagementSummary(db, 'o1', now, { documentCategories: {} }))!.keyDocumentsRead).toBe(0);
  });

  it('shows an opportunity read only by a scanner as unseen, scoring 0; an unknown one as null', async () => {
    await account('a9', ['c91']);
    await opportunity('o9', 'a9', ['pricing-2026']);
    const scanned = await link('o9', 'c91');
    await recordAutomatedOpen(db, scanned, null, 'Proofpoint URL Defense', at(HOUR));
    expect(await opportunityEngagementSummary(db, 'o9', now)).toMatchObject({
      visits: 0,
      readers: 0,
      automatedOpens: 1,
      firstSeenAt: null,
      lastSeenAt: null,
      activeSeconds: 0,
      documents: [],
      documentsInRoom: 1,
      score: 0,
    });
    expect(await opportunityEngagementSummary(db, 'nope', now)).toBeNull();
  });
});

describe('account engagement summary', () => {
  it('merges the account opportunities and ranks them', async () => {
    const summary = (await accountEngagementSummary(db, 'a1', now, { documentCategories: catalog }))!;
    expect(summary).toMatchObject({
      accountId: 'a1',
      visits: 5,
      readers: 2,
      possibleReaders: 1,
      contactsReading: 2,
      newDevices: 1,
      activeSeconds: 235 + 300,
      automatedOpens: 2,
      documentsInRoom: 5,
      documentsRead: 3,
      keyDocumentsRead: 3,
      completedViews: 3,
      firstSeenAt: t0,
      lastSeenAt: at(DAY + 4 * HOUR + sec(300)),
    });
    expect(summary.documents.map((d) => [d.slug, d.views, d.activeSeconds, d.readers])).toEqual([
      ['roi-model', 1, 300, 1],
      ['pricing-2026', 2, 165, 1],
      ['security-sheet', 2, 60, 1],
      ['case-acme', 1, 10, 1],
    ]);
    const o1 = (await opportunityEngagementSummary(db, 'o1', now, { documentCategories: catalog }))!;
    const o2 = (await opportunityEngagementSummary(db, 'o2', now, { documentCategories: catalog }))!;
    expect(summary.opportunities).toEqual([
      { opportunityId: 'o1', name: '商談 o1', stage: 3, archived: false, lastSeenAt: o1.lastSeenAt, readers: 2, activeSeconds: 235, score: o1.score },
      { opportunityId: 'o2', name: '商談 o2', stage: 3, archived: false, lastSeenAt: o2.lastSeenAt, readers: 1, activeSeconds: 300, score: o2.score },
    ]);
    expect(o1.score).toBeGreaterThan(o2.score);
    expect(summary.score).toBe(engagementScore({ ...summary, lastSeenAt: summary.lastSeenAt }, now).score);
    expect(await accountEngagementSummary(db, 'nope', now)).toBeNull();
  });
});

describe('opportunity timeline', () => {
  it('lists visits newest first with their views, sections, completion, prints and downloads', async () => {
    const timeline = await opportunityTimeline(db, 'o1', { limit: 10 });
    expect(timeline.visits.map((v) => [v.visitId, v.contactId, v.newDevice, v.views.length, v.activeSeconds])).toEqual([
      [story.visitA2, 'c1', false, 1, 40],
      [story.visitC, 'c2', false, 1, 10],
      [story.visitB, 'c1', true, 1, 45],
      [story.visitA1, 'c1', false, 2, 140],
    ]);
    const first = timeline.visits[3]!;
    expect(first).toMatchObject({ contactName: '担当 c1', deviceLabel: 'Chrome / Windows', startedAt: t0, lastActivityAt: at(sec(160)) });
    expect(first.views).toEqual([
      {
        viewId: story.pricingView,
        documentSlug: 'pricing-2026',
        documentTitle: 'PRICING-2026',
        documentCategory: 'pricing',
        documentVersionId: null,
        startedAt: t0,
        lastBeaconAt: at(sec(125)),
        activeSeconds: 120,
        maxScrollPercent: 95,
        sectionSeconds: { plans: 80, options: 40 },
        completed: true,
      },
      expect.objectContaining({ documentSlug: 'security-sheet', activeSeconds: 20, maxScrollPercent: 30, sectionSeconds: { iso: 0, sso: 0 }, completed: false }),
    ]);
    expect(first.events.map((e) => [e.kind, e.documentSlug, e.detail, e.viewId, e.occurredAt])).toEqual([
      ['print', 'pricing-2026', null, story.pricingView, at(sec(125))],
      ['download', 'pricing-2026', 'pricing-2026.pdf', null, at(sec(160))],
    ]);
    expect(timeline.visits[0]!.views[0]).toMatchObject({ documentSlug: 'security-sheet', completed: true });
    expect(timeline.automatedOpens.map((e) => [e.kind, e.detail, e.contactId])).toEqual([
      ['automated_open', 'Slackbot link preview', 'c2'],
      ['automated_open', 'Microsoft Safe Links', 'c1'],
    ]);
    expect(timeline.automatedOpensOmitted).toBe(0);
    expect(timeline.eventsOutsideVisits.map((e) => [e.kind, e.contactId, e.visitId, e.occurredAt])).toEqual([['download', 'c2', null, at(DAY + 3 * HOUR)]]);
    expect(timeline).toMatchObject({ nextBefore: null, slice: { from: null, to: null } });
  });

  it('pages with a cursor, each page listing the automated opens of its own period', async () => {
    const page1 = await opportunityTimeline(db, 'o1', { limit: 2 });
    expect(page1.visits.map((v) => v.visitId)).toEqual([story.visitA2, story.visitC]);
    expect(page1.nextBefore).toEqual({ startedAt: at(DAY), visitId: story.visitC });
    expect(page1.slice).toEqual({ from: at(DAY), to: null });
    expect(page1.automatedOpens.map((e) => e.detail)).toEqual(['Slackbot link preview']);
    expect(page1.eventsOutsideVisits).toHaveLength(1);

    const page2 = await opportunityTimeline(db, 'o1', { limit: 2, before: page1.nextBefore! });
    expect(page2.visits.map((v) => v.visitId)).toEqual([story.visitB, story.visitA1]);
    expect(page2.visits[1]!.events).toHaveLength(2);
    expect(page2.nextBefore).toBeNull();
    expect(page2.slice).toEqual({ from: null, to: at(DAY) });
    expect(page2.automatedOpens.map((e) => e.detail)).toEqual(['Microsoft Safe Links']);
    expect(page2.eventsOutsideVisits).toEqual([]);

    // A date as `before`: visits that started strictly before it.
    expect((await opportunityTimeline(db, 'o1', { limit: 10, before: at(2 * HOUR) })).visits.map((v) => v.visitId)).toEqual([story.visitA1]);
    expect(await opportunityTimeline(db, 'o1', { limit: 1, apartLimit: 1 })).toMatchObject({ automatedOpensOmitted: 0 });
    expect(await opportunityTimeline(db, 'o1', { limit: 10, apartLimit: 1 })).toMatchObject({ automatedOpensOmitted: 1 });
    expect(await opportunityTimeline(db, 'nope', { limit: 10 })).toMatchObject({ visits: [], automatedOpens: [], nextBefore: null });
    await expect(opportunityTimeline(db, 'o1', { limit: 0 })).rejects.toThrow(RangeError);
  });

  it('names the contact behind every event, in visits and listed apart', async () => {
    const timeline = await opportunityTimeline(db, 'o1', { limit: 10 });
    expect(timeline.visits[3]!.events.map((e) => e.contactName)).toEqual(['担当 c1', '担当 c1']);
    expect(timeline.automatedOpens.map((e) => [e.detail, e.contactName])).toEqual([
      ['Slackbot link preview', '担当 c2'],
      ['Microsoft Safe Links', '担当 c1'],
    ]);
    expect(timeline.eventsOutsideVisits.map((e) => e.contactName)).toEqual(['担当 c2']);
  });

  it('writes a cursor for a URL and reads it back; anything else is refused', async () => {
    const page1 = await opportunityTimeline(db, 'o1', { limit: 2 });
    const text = formatTimelineCursor(page1.nextBefore!);
    expect(text).toBe(`${at(DAY).getTime()}.${story.visitC}`);
    const cursor = parseTimelineCursor(text);
    expect(cursor).toEqual(page1.nextBefore);
    expect((await opportunityTimeline(db, 'o1', { limit: 2, before: cursor! })).visits.map((v) => v.visitId)).toEqual([story.visitB, story.visitA1]);
    for (const bad of ['', 'x', '123', '.abc', '123.', 'abc.def', '12.3.4', '1.a b', `1.${'a'.repeat(65)}`, '99999999999999999.x', '1.<script>']) {
      expect(parseTimelineCursor(bad), bad).toBeNull();
    }
    expect(parseTimelineCursor('0.x')).toEqual({ startedAt: new Date(0), visitId: 'x' });
  });

  it('neither repeats nor skips visits that started in the same millisecond', async () => {
    await account('a8', ['c81', 'c82', 'c83']);
    await opportunity('o8', 'a8', ['overview']);
    const when = at(5 * HOUR);
    const ids: string[] = [];
    for (const [i, c] of ['c81', 'c82', 'c83'].entries()) ids.push((await read(await link('o8', c), 'overview', `dev8${i}`, when, 5, 10)).visitId);
    const seen: string[] = [];
    let before = undefined as Parameters<typeof opportunityTimeline>[2]['before'];
    for (let page = 0; page < 5; page++) {
      const timeline = await opportunityTimeline(db, 'o8', { limit: 1, before });
      seen.push(...timeline.visits.map((v) => v.visitId));
      if (!timeline.nextBefore) break;
      before = timeline.nextBefore;
    }
    expect(seen).toEqual([...ids].sort().reverse());
  });
});

describe('hottest opportunities', () => {
  it('ranks by score with reasons, leaves out scanner-only and archived deals, and filters', async () => {
    const hot = await hottestOpportunities(db, now, { limit: 10 });
    const o1 = (await opportunityEngagementSummary(db, 'o1', now, { documentCategories: catalog }))!;
    expect(hot[0]).toEqual({
      opportunityId: 'o1',
      name: '商談 o1',
      accountId: 'a1',
      accountName: '株式会社a1',
      stage: 3,
      channel: 'event',
      ownerUserId: 'u1',
      amountJpy: 0,
      lastSeenAt: o1.lastSeenAt,
      visits: 4,
      readers: 2,
      activeSeconds: 235,
      documentsRead: 2,
      keyDocumentsRead: 2,
      automatedOpens: 2,
      score: o1.score,
      reasons: o1.reasons,
    });
    expect(hot.map((h) => h.opportunityId)).not.toContain('o9');
    expect(await hottestOpportunities(db, now, { limit: 10, channel: 'ads' })).toEqual([]);
    expect((await hottestOpportunities(db, now, { limit: 10, stage: 3, ownerUserId: 'u1' })).map((h) => h.opportunityId)).toEqual(
      hot.map((h) => h.opportunityId),
    );
  });

  it('finds a deal read thoroughly days ago that still outscores the ones read today', async () => {
    // 'partner' deals only: isolated from the rest of this file's world.
    const docs = ['pricing-2026', 'security-sheet', 'roi-model'];
    await account('pa-old', ['po1', 'po2', 'po3', 'po4']);
    await opportunity('p-old', 'pa-old', docs, { channel: 'partner' });
    const start = new Date(now.getTime() - 3.5 * DAY - 2 * HOUR);
    for (const [c, contact] of ['po1', 'po2', 'po3', 'po4'].entries()) {
      const scope = await link('p-old', contact);
      for (const [d, slug] of docs.entries()) await read(scope, slug, `po-dev${c}`, new Date(start.getTime() + (c * 3 + d) * sec(210)), 200, 100);
      if (c < 2) await recordDownload(db, scope, 'pricing-2026', 'pricing-2026.pdf', deviceId(`po-dev${c}`), new Date(start.getTime() + (c * 3 + 2) * sec(210) + sec(205)));
    }
    await account('pa-new', ['pn1', 'pn2']);
    await opportunity('p-new', 'pa-new', docs, { channel: 'partner' });
    const today = new Date(now.getTime() - 6 * HOUR);
    await read(await link('p-new', 'pn1'), 'pricing-2026', 'pn-dev1', today, 300, 100);
    const suzukiNew = await link('p-new', 'pn2');
    await read(suzukiNew, 'security-sheet', 'pn-dev2', new Date(today.getTime() + sec(400)), 300, 100);
    await recordDownload(db, suzukiNew, 'security-sheet', 'security-sheet.pdf', deviceId('pn-dev2'), new Date(today.getTime() + sec(710)));

    const old = (await opportunityEngagementSummary(db, 'p-old', now, { documentCategories: catalog }))!;
    const fresh = (await opportunityEngagementSummary(db, 'p-new', now, { documentCategories: catalog }))!;
    expect(old.reasons.filter((r) => r.code !== 'recency').every((r) => r.points === r.max)).toBe(true);
    // The bound after the 1-3 day window (74) is above today's deal: the search must go on to 3-7 days.
    expect(fresh.score).toBeGreaterThanOrEqual(64);
    expect(fresh.score).toBeLessThan(old.score);
    for (const batch of [undefined, 1]) {
      expect((await hottestOpportunities(db, now, { limit: 1, channel: 'partner', batch })).map((h) => h.opportunityId)).toEqual(['p-old']);
      expect((await hottestOpportunities(db, now, { limit: 2, channel: 'partner', batch })).map((h) => h.score)).toEqual([old.score, fresh.score]);
    }
  });

  it('gives exactly the brute-force ranking, however far back the candidates go', async () => {
    // 40 more deals read between now and 80 days ago, with varied depth; some share a channel.
    const random = prng(11);
    const slugs = ['pricing-2026', 'security-sheet', 'case-acme', 'overview', 'roi-model'];
    for (let i = 0; i < 40; i++) {
      const id = `h${i}`;
      await account(`ha${i}`, [`hc${i}a`, `hc${i}b`]);
      await opportunity(id, `ha${i}`, slugs.slice(0, 2 + (i % 4)), { channel: i % 3 === 0 ? 'ads' : 'referral', stage: 2 + (i % 2) });
      const ageDays = i < 5 ? random() * 2 : random() * 80;
      const start = new Date(now.getTime() - ageDays * DAY - HOUR);
      const links = [await link(id, `hc${i}a`), await link(id, `hc${i}b`)];
      const readings = 1 + Math.floor(random() * 4);
      for (let r = 0; r < readings; r++) {
        const scope = links[Math.floor(random() * 2)]!;
        await read(scope, slugs[Math.floor(random() * 5)]!, `dv${i}-${r % 2}`, new Date(start.getTime() + r * sec(400)), Math.floor(random() * 300), Math.floor(random() * 101));
      }
      // Some deals are only touched again by a late download (reading_totals moves, engagement does not).
      if (i % 7 === 3) await recordDownload(db, links[0]!, 'pricing-2026', 'pricing-2026.pdf', null, new Date(now.getTime() - random() * DAY));
    }
    // Written around the CRM code (setOpportunityArchived does both): the aggregates follow when told.
    await db.update(opportunities).set({ archivedAt: now }).where(eq(opportunities.id, 'h4'));
    await rebuildOpportunityAggregates(db, 'h4');

    const all = await db
      .select({ id: opportunities.id, archivedAt: opportunities.archivedAt, channel: opportunities.channel, stage: opportunities.stage })
      .from(opportunities);
    const brute = async (filter: (o: (typeof all)[number]) => boolean) =>
      (await Promise.all(all.filter((o) => o.archivedAt === null && filter(o)).map(async (o) => (await opportunityEngagementSummary(db, o.id, now, { documentCategories: catalog }))!)))
        .filter((s) => s.score > 0)
        .sort((a, b) => b.score - a.score || b.lastSeenAt!.getTime() - a.lastSeenAt!.getTime() || (a.opportunityId < b.opportunityId ? -1 : 1))
        .map((s) => [s.opportunityId, s.score]);

    // The case is not trivial: many deals score, some were last seen weeks ago.
    // The rankings the read model must reproduce, computed once (one summary per deal is slow).
    const everything = await brute(() => true);
    const ads = await brute((o) => o.channel === 'ads');
    const stage2 = await brute((o) => o.stage === 2);
    expect(everything.length).toBeGreaterThan(20);
    expect((await hottestOpportunities(db, now, { limit: 200 })).some((h) => now.getTime() - h.lastSeenAt.getTime() > 14 * DAY)).toBe(true);
    // However many rows each step of the index walk reads, the ranking is the same.
    for (const batch of [undefined, 1, 2, 7]) {
      for (const limit of [1, 3, 5, 10, 50]) {
        const hot = (await hottestOpportunities(db, now, { limit, batch })).map((h) => [h.opportunityId, h.score]);
        expect(hot, `limit ${limit}, batch ${batch}`).toEqual(everything.slice(0, limit));
      }
      expect((await hottestOpportunities(db, now, { limit: 4, channel: 'ads', batch })).map((h) => [h.opportunityId, h.score])).toEqual(ads.slice(0, 4));
      expect((await hottestOpportunities(db, now, { limit: 3, stage: 2, batch })).map((h) => [h.opportunityId, h.score])).toEqual(stage2.slice(0, 3));
    }
    expect((await hottestOpportunities(db, now, { limit: 50, channel: 'ads' })).map((h) => [h.opportunityId, h.score])).toEqual(
      ads,
    );
    expect((await hottestOpportunities(db, now, { limit: 5, stage: 2 })).map((h) => [h.opportunityId, h.score])).toEqual(
      stage2.slice(0, 5),
    );
    // Deals last seen more than ~54 days ago score 0 and are never listed.
    const listed = await hottestOpportunities(db, now, { limit: 200 });
    for (const h of listed) expect(now.getTime() - h.lastSeenAt.getTime()).toBeLessThan(54 * DAY);
    expect((await hottestOpportunities(db, now, { limit: 200, includeArchived: true })).map((h) => h.opportunityId)).toContain('h4');
  }, 120_000); // dozens of deals scored one by one, many times over (on PostgreSQL a round trip each)
});

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

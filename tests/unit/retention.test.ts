import crypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { accounts, contacts, documentViews, linkEvents, opportunities, opportunityEngagement, readingTotals, roomDocuments, rooms, slackOutbox, users, visits } from '../../src/server/db/tables';
import { createAccessLink } from '../../src/server/access-links/access-links';
import { updateSettings } from '../../src/server/settings/settings';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { heartbeatPayload } from '../../src/server/tracking/beacon-payloads';
import { recordAutomatedOpen, recordDownload, recordHeartbeat, startView } from '../../src/server/tracking/ingest';
import { activeLinkScope, type LinkScope } from '../../src/server/tracking/link-scope';
import { accountEngagementSummary, hottestOpportunities, opportunityEngagementSummary, opportunityTimeline } from '../../src/server/tracking/read-model';
import { enqueueAlert, markFailed, markSent, markSkipped } from '../../src/server/slack/outbox';
import { DONE_ALERT_DAYS, purgeExpiredTracking, purgeRawTracking } from '../../src/server/tracking/retention';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();
const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));
const MIN = 60 * 1000;
const DAY = 24 * 60 * MIN;
const now = new Date('2026-11-22T10:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const cutoff = ago(30 * DAY);
const catalog = { pricing: 'pricing', security: 'security', overview: 'overview' };
const options = { documentCategories: catalog };

function device(name: string) {
  return name.padEnd(26, '0');
}
async function view(scope: LinkScope, slug: string, dev: string, when: Date) {
  return await startView(db, {
    scope,
    documentSlug: slug,
    documentCategory: catalog[slug as keyof typeof catalog],
    sectionIds: ['s1', 's2'],
    deviceId: device(dev),
    deviceLabel: 'Safari / Mac',
    networkHash: null,
    now: when,
  });
}
async function beat(scope: LinkScope, viewId: string, seq: number, activeSeconds: number, scroll: number, when: Date, printed = false) {
  expect(await recordHeartbeat(db, scope, viewId, heartbeatPayload.parse({ seq, activeSeconds, maxScrollPercent: scroll, sections: { s1: activeSeconds }, printed }), when)).toBe('applied');
}

let yamada: LinkScope;
let suzuki: LinkScope;
const ids: Record<string, string> = {};

beforeAll(async () => {
  await db.insert(users).values({ id: 'u1', email: 'rep@example.com', displayName: '佐藤 健太' });
  await db.insert(accounts).values({ id: 'a1', name: '株式会社テスト' });
  await db.insert(contacts).values([
    { id: 'c1', accountId: 'a1', name: '山田 太郎' },
    { id: 'c2', accountId: 'a1', name: '鈴木 一郎' },
  ]);
  await db.insert(opportunities).values({ id: 'o1', accountId: 'a1', name: '全社導入', stage: 3, channel: 'event', ownerUserId: 'u1' });
  await db.insert(rooms).values({ id: 'r1', opportunityId: 'o1' });
  await db.insert(roomDocuments).values(['pricing', 'security', 'overview'].map((documentSlug, position) => ({ roomId: 'r1', documentSlug, position })));
  const link = async (contactId: string) => (await activeLinkScope(db, (await createAccessLink(db, key, { roomId: 'r1', contactId })).token))!;
  yamada = (await link('c1'));
  suzuki = (await link('c2'));

  // 60 days ago: a scanner, then 山田 reads and prints pricing, downloads it; a download with no cookie.
  await recordAutomatedOpen(db, yamada, null, 'Mimecast', ago(60 * DAY + MIN));
  const old = await view(yamada, 'pricing', 'devA', ago(60 * DAY));
  ids.oldVisit = old.visitId;
  await beat(yamada, old.viewId, 1, 90, 100, ago(60 * DAY - 2 * MIN), true);
  const oldSecurity = await view(yamada, 'security', 'devA', ago(60 * DAY - 3 * MIN));
  await beat(yamada, oldSecurity.viewId, 1, 40, 50, ago(60 * DAY - 4 * MIN));
  await recordDownload(db, yamada, 'pricing', 'pricing.pdf', device('devA'), ago(60 * DAY - 5 * MIN));
  await recordDownload(db, suzuki, 'pricing', 'pricing.pdf', null, ago(50 * DAY));

  // Around the cutoff: 鈴木's visit starts 10 minutes before it and ends 5 minutes after: kept whole.
  const spanning = await view(suzuki, 'security', 'devB', new Date(cutoff.getTime() - 10 * MIN));
  ids.spanningVisit = spanning.visitId;
  await recordDownload(db, suzuki, 'security', 'security.pdf', device('devB'), new Date(cutoff.getTime() - 8 * MIN));
  await beat(suzuki, spanning.viewId, 1, 240, 60, new Date(cutoff.getTime() - 5 * MIN));
  await beat(suzuki, spanning.viewId, 2, 500, 100, new Date(cutoff.getTime() + 5 * MIN));

  // Two days ago: 山田 again, and a preview bot.
  const recent = await view(yamada, 'overview', 'devA', ago(2 * DAY));
  ids.recentVisit = recent.visitId;
  await beat(yamada, recent.viewId, 1, 50, 100, ago(2 * DAY - MIN));
  await recordAutomatedOpen(db, yamada, 'overview', 'Teams link preview', ago(2 * DAY - 2 * MIN));
});

const totals = async () => ({
  readingTotals: await db.select().from(readingTotals),
  opportunityEngagement: await db.select().from(opportunityEngagement),
});
const readModel = async () => ({
  opportunity: await opportunityEngagementSummary(db, 'o1', now, options),
  account: await accountEngagementSummary(db, 'a1', now, options),
  hottest: await hottestOpportunities(db, now, { limit: 10, ...options }),
});

describe('purging raw tracking', () => {
  it('deletes visits, views and events that ended before the cutoff, keeps the rest and every total', async () => {
    const totalsBefore = await totals();
    const modelBefore = await readModel();
    expect((await opportunityTimeline(db, 'o1', { limit: 10 })).visits.map((v) => v.visitId)).toEqual([ids.recentVisit, ids.spanningVisit, ids.oldVisit]);
    expect(modelBefore.opportunity!.score).toBeGreaterThan(0);

    const result = await purgeRawTracking(db, { olderThanDays: 30, now });
    // Old: 1 visit, its 2 views, its print and download, the scanner and the cookie-less download.
    expect(result).toEqual({ cutoff, visits: 1, documentViews: 2, linkEvents: 4, batches: 1 });

    expect((await db.select({ id: visits.id }).from(visits)).map((v) => v.id).sort()).toEqual([ids.recentVisit, ids.spanningVisit].sort());
    expect((await db.select().from(documentViews)).map((v) => v.visitId).sort()).toEqual([ids.recentVisit, ids.spanningVisit].sort());
    expect((await db.select().from(linkEvents)).map((e) => [e.kind, e.detail, e.visitId])).toEqual([
      ['download', 'security.pdf', ids.spanningVisit],
      ['automated_open', 'Teams link preview', null],
    ]);

    expect(await totals()).toEqual(totalsBefore);
    expect(await readModel()).toEqual(modelBefore);

    const timeline = await opportunityTimeline(db, 'o1', { limit: 10 });
    expect(timeline.visits.map((v) => v.visitId)).toEqual([ids.recentVisit, ids.spanningVisit]);
    expect(timeline.visits[1]!.events.map((e) => e.detail)).toEqual(['security.pdf']);
    expect(timeline.automatedOpens.map((e) => e.detail)).toEqual(['Teams link preview']);
    expect(timeline.eventsOutsideVisits).toEqual([]);

    expect(await purgeRawTracking(db, { olderThanDays: 30, now })).toEqual({ cutoff, visits: 0, documentViews: 0, linkEvents: 0, batches: 0 });
  });

  it('works through a large purge in batches, a transaction each', async () => {
    const start = ago(400 * DAY);
    for (let i = 0; i < 25; i++) {
      const v = await view(suzuki, 'overview', `bulk${i}`, new Date(start.getTime() + i * DAY));
      await beat(suzuki, v.viewId, 1, 30, 100, new Date(start.getTime() + i * DAY + MIN), i % 5 === 0);
      await recordAutomatedOpen(db, suzuki, null, 'Proofpoint', new Date(start.getTime() + i * DAY + 2 * MIN));
    }
    const before = await totals();
    // No time budget here: fixed batches of 4, however slow the machine.
    const result = await purgeRawTracking(db, { olderThanDays: 365, now, batchSize: 4, transactionBudgetMs: Infinity });
    // 25 visits with 5 prints: 7 batches of up to 4 visits; the 7th also takes the first 4 of the 25
    // scanner opens, which need 6 more batches.
    expect(result).toMatchObject({ visits: 25, documentViews: 25, linkEvents: 25 + 5 });
    expect(result.batches).toBe(Math.ceil(25 / 4) + Math.ceil(25 / 4) - 1);
    expect(await totals()).toEqual(before);
    expect(await db.select().from(visits)).toHaveLength(2);
  });

  it('makes its transactions smaller when they take longer than the budget (a large history), and still deletes everything', async () => {
    const start = ago(400 * DAY);
    for (let i = 0; i < 20; i++) {
      const v = await view(suzuki, 'overview', `slow${i}`, new Date(start.getTime() + i * DAY));
      await beat(suzuki, v.viewId, 1, 30, 100, new Date(start.getTime() + i * DAY + MIN), false);
    }
    const before = await totals();
    // Every transaction "takes" 50 ms on this clock, 2.5 times the 20 ms budget.
    let t = 0;
    const result = await purgeRawTracking(db, { olderThanDays: 365, now, transactionBudgetMs: 20, clock: () => (t += 50) });
    // Batches of 10 visits (the first), 3, then 1 each: 20 visits in 1 + 1 + 7 transactions.
    expect(result).toMatchObject({ visits: 20, documentViews: 20, linkEvents: 0 });
    expect(result.batches).toBe(9);
    expect(await totals()).toEqual(before);
    expect(await db.select().from(visits)).toHaveLength(2);
  });

  it('refuses a retention below one day', async () => {
    await expect(purgeRawTracking(db, { olderThanDays: 0, now })).rejects.toThrow(RangeError);
    await expect(purgeRawTracking(db, { olderThanDays: Number.NaN, now })).rejects.toThrow(RangeError);
    await expect(purgeRawTracking(db, { olderThanDays: 30, now, batchSize: 0 })).rejects.toThrow(RangeError);
  });
});

describe('the daily purge', () => {
  it('uses the workspace retention setting, and RINGI_RETENTION_DAYS over it', async () => {
    const old = await view(suzuki, 'overview', 'daily-purge', ago(100 * DAY));
    await beat(suzuki, old.viewId, 1, 30, 100, new Date(ago(100 * DAY).getTime() + MIN), false);
    const oldVisitId = (await db.select({ visitId: documentViews.visitId }).from(documentViews).where(eq(documentViews.id, old.viewId)).limit(1))[0]!.visitId;
    // The default (365 days) keeps a 100-day-old visit.
    expect((await purgeExpiredTracking(db, now, {})).visits).toBe(0);
    // The env variable wins over the setting.
    expect((await purgeExpiredTracking(db, now, { RINGI_RETENTION_DAYS: '90' })).visits).toBe(1);
    expect((await db.select().from(visits).where(eq(visits.id, oldVisitId)).limit(1))[0]).toBeUndefined();
  });

  it('reads the retention from the settings when no env variable is set', async () => {
    const old = await view(suzuki, 'overview', 'settings-purge', ago(50 * DAY));
    await beat(suzuki, old.viewId, 1, 30, 100, new Date(ago(50 * DAY).getTime() + MIN), false);
    expect((await updateSettings(db, { id: 'u1', role: 'admin' }, { retentionDays: '40' }, { env: {} })).ok).toBe(true);
    expect((await purgeExpiredTracking(db, now, {})).documentViews).toBeGreaterThanOrEqual(1);
    expect((await db.select().from(documentViews).where(eq(documentViews.id, old.viewId)).limit(1))[0]).toBeUndefined();
  });
});

describe('Slack alerts that are done with', () => {
  it('are purged by the daily job once delivered or skipped long enough ago; pending and failed ones stay', async () => {
    const longAgo = ago((DONE_ALERT_DAYS + 1) * DAY);
    const recently = ago((DONE_ALERT_DAYS - 1) * DAY);
    const alert = async (key: string, dueAt: Date) => {
      expect(await enqueueAlert(db, { idempotencyKey: key, kind: 'visit', opportunityId: 'o1', recipientUserId: 'u1', dueAt })).toBe(true);
      return (await db.select({ id: slackOutbox.id }).from(slackOutbox).where(eq(slackOutbox.idempotencyKey, key)).limit(1))[0]!.id;
    };
    await markSent(db, await alert('outbox:sent-long-ago', longAgo), longAgo);
    await markSent(db, await alert('outbox:sent-recently', longAgo), recently);
    await markSkipped(db, await alert('outbox:skipped-long-ago', longAgo), 'no webhook');
    await markSkipped(db, await alert('outbox:skipped-recently', recently), 'no webhook');
    await markFailed(db, await alert('outbox:failed-long-ago', longAgo), 'invalid_token');
    await alert('outbox:pending-long-ago', longAgo);
    const keys = async () => (await db.select({ key: slackOutbox.idempotencyKey }).from(slackOutbox)).map((r) => r.key).filter((k) => k.startsWith('outbox:')).sort();

    expect((await purgeExpiredTracking(db, now, {})).slackAlerts).toBe(2);
    expect(await keys()).toEqual(['outbox:failed-long-ago', 'outbox:pending-long-ago', 'outbox:sent-recently', 'outbox:skipped-recently']);
    // Running it again deletes nothing more.
    expect((await purgeExpiredTracking(db, now, {})).slackAlerts).toBe(0);
  });
});

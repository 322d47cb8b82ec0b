// Unknown readers (issue 19): other browsers on a link are possible readers until the rep names them;
// naming one moves its whole history to the contact and the running totals equal a rebuild.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { accounts, contacts, documentViews, linkBrowsers, linkEvents, opportunityEngagement, readingTotals, visits } from '../../src/server/db/tables';
import type { RingiDb } from '../../src/server/db/client';
import { heartbeatPayload } from '../../src/server/tracking/beacon-payloads';
import { opportunityEngagementSummary } from '../../src/server/tracking/engagement-summary';
import { recordDownload, recordHeartbeat, startView } from '../../src/server/tracking/ingest';
import type { LinkScope } from '../../src/server/tracking/link-scope';
import { nameBrowser, nameBrowserAsNewContact, unknownReaders } from '../../src/server/tracking/link-browsers';
import { rebuildOpportunityTotals } from '../../src/server/tracking/rebuild-totals';
import { approvalReadings } from '../../src/server/approval/approval-readings';
import { approvalReading } from '../../src/server/approval/suggestions';
import { getOpportunity } from '../../src/server/crm/opportunities';
import { useTempDatabase } from './support/temp-db';
import { seedTrackingFixture } from './support/tracking-fixture';

const db = useTempDatabase();
const world = await seedTrackingFixture(db);
const yamada = world.yamada.scope;
const opportunityId = yamada.opportunityId;
const owner = { id: 't-u1', role: 'rep' as const };
const t0 = new Date('2026-11-22T10:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const laptop = 'laptoplaptoplaptoplaptopla';
const phone = 'phonephonephonephonephonep';
const forwarded = 'forwardedforwardedforwarde';

async function read(scope: LinkScope, deviceId: string, network: string, slug: string, minute: number, seconds: number, extra: { download?: boolean; print?: boolean } = {}) {
  const view = await startView(db, { scope, documentSlug: slug, documentCategory: slug, documentTitle: slug, sectionIds: [], deviceId, deviceLabel: 'Chrome / Windows', networkHash: network, now: at(minute) });
  const payload = heartbeatPayload.parse({ seq: 1, activeSeconds: seconds, maxScrollPercent: 95, sections: {}, printed: extra.print ?? false });
  await recordHeartbeat(db, scope, view.viewId, payload, new Date(at(minute).getTime() + (seconds + 1) * 1000));
  if (extra.download) await recordDownload(db, scope, slug, `${slug}.pdf`, deviceId, new Date(at(minute).getTime() + (seconds + 2) * 1000));
  return view;
}

/** The running totals as stored, in a stable order and comparable form. */
async function storedTotals(database: RingiDb = db) {
  const totals = (await database.select().from(readingTotals).where(eq(readingTotals.opportunityId, opportunityId))).sort((a, b) =>
    `${a.contactId}/${a.documentSlug}`.localeCompare(`${b.contactId}/${b.documentSlug}`),
  );
  const [engagement] = await database.select().from(opportunityEngagement).where(eq(opportunityEngagement.opportunityId, opportunityId));
  return { totals, engagement };
}

/** What a rebuild from the raw rows gives, without keeping it. */
async function rebuilt() {
  let result: Awaited<ReturnType<typeof storedTotals>> | undefined;
  await db
    .transaction(async (tx) => {
      await rebuildOpportunityTotals(tx, opportunityId);
      result = await storedTotals(tx as unknown as RingiDb);
      throw new Error('roll back');
    })
    .catch((error: Error) => {
      if (error.message !== 'roll back') throw error;
    });
  return result!;
}

const sums = (totals: (typeof readingTotals.$inferSelect)[]) => ({
  views: totals.reduce((n, r) => n + r.views, 0),
  activeSeconds: totals.reduce((n, r) => n + r.activeSeconds, 0),
  completedViews: totals.reduce((n, r) => n + r.completedViews, 0),
  downloads: totals.reduce((n, r) => n + r.downloads, 0),
  prints: totals.reduce((n, r) => n + r.prints, 0),
});
const rowCounts = async () => ({
  visits: (await db.select().from(visits).where(eq(visits.opportunityId, opportunityId))).length,
  views: (await db.select().from(documentViews).where(eq(documentViews.opportunityId, opportunityId))).length,
  events: (await db.select().from(linkEvents).where(eq(linkEvents.opportunityId, opportunityId))).length,
});
const summary = async () => (await opportunityEngagementSummary(db, opportunityId, at(600), { documentCategories: new Map() }))!;

describe('other browsers on a link', () => {
  it('counts the same link on a second device as a possible reader, and clearly different reading as a reader', async () => {
    await read(yamada, laptop, 'office', 'pricing', 0, 120, { download: true });
    await read(yamada, laptop, 'office', 'roi', 5, 60, { print: true });
    // 山田 on his phone from home, re-reading the pricing for 0 seconds: maybe him.
    await read(yamada, phone, 'home', 'pricing', 60, 0);
    // His link forwarded: another network, and a document 山田 never opened.
    await read(yamada, forwarded, 'elsewhere', 'security', 120, 300, { download: true });
    await read(yamada, forwarded, 'elsewhere', 'pricing', 130, 45);

    const browsers = await db.select().from(linkBrowsers).where(eq(linkBrowsers.opportunityId, opportunityId));
    expect(browsers.map((b) => [b.deviceId, b.contactId, b.distinctReader]).sort()).toEqual([
      [forwarded, null, true],
      [phone, null, false],
    ]);
    expect(await summary()).toMatchObject({ readers: 2, possibleReaders: 1, contactsReading: 1 });

    const unknown = await unknownReaders(db, opportunityId);
    expect(unknown.map((u) => [u.deviceId, u.linkContactName, u.distinctReader])).toEqual([
      [forwarded, '山田 太郎', true],
      [phone, '山田 太郎', false],
    ]);
    expect(unknown[0]!.documents.map((d) => [d.slug, d.activeSeconds])).toEqual([['security', 300], ['pricing', 45]]);
  });

  it('keeps totals equal to a rebuild from the raw rows (the rebuild adds up as ingestion does)', async () => {
    expect(await rebuilt()).toEqual(await storedTotals());
  });

  it('moves a browser’s whole history to a new contact with a role, losing nothing', async () => {
    const before = await storedTotals();
    const countsBefore = await rowCounts();
    const [unknown] = await unknownReaders(db, opportunityId);
    const named = await nameBrowserAsNewContact(db, owner, { opportunityId, accessLinkId: unknown!.accessLinkId, deviceId: unknown!.deviceId }, { name: '情シス 花子', buyingRole: 'it-security' }, at(200));
    expect(named.ok).toBe(true);
    const contactId = named.ok ? named.value.contactId : '';
    expect((await db.select().from(contacts).where(eq(contacts.id, contactId)))[0]).toMatchObject({ name: '情シス 花子', buyingRole: 'it-security', accountId: yamada.accountId });

    expect(await rowCounts()).toEqual(countsBefore);
    const theirVisits = await db.select().from(visits).where(eq(visits.deviceId, forwarded));
    expect(theirVisits.every((v) => v.contactId === contactId)).toBe(true);
    expect((await db.select().from(documentViews).where(eq(documentViews.contactId, contactId))).map((v) => v.documentSlug).sort()).toEqual(['pricing', 'security']);
    expect((await db.select().from(linkEvents).where(eq(linkEvents.contactId, contactId))).map((e) => [e.kind, e.documentSlug])).toEqual([['download', 'security']]);

    const after = await storedTotals();
    expect(sums(after.totals)).toEqual(sums(before.totals));
    // The distinct unknown reader is a named contact now: still two readers, both contacts (the aggregates' reader split, ADR 0020).
    expect(before.engagement).toMatchObject({ contactsReading: 1, browserReaders: 1 });
    expect(after.engagement).toEqual({ ...before.engagement, contactsReading: 2, browserReaders: 0 });
    expect(after.totals.filter((r) => r.contactId === contactId).map((r) => [r.documentSlug, r.views, r.activeSeconds, r.downloads])).toEqual([
      ['pricing', 1, 45, 0],
      ['security', 1, 300, 1],
    ]);
    expect(after.totals.find((r) => r.contactId === yamada.contactId && r.documentSlug === 'pricing')).toMatchObject({ views: 2, activeSeconds: 120, downloads: 1 });
    expect(after).toEqual(await rebuilt());

    // Two named people now, the phone still possible.
    expect(await summary()).toMatchObject({ readers: 2, possibleReaders: 1, contactsReading: 2 });
    expect((await unknownReaders(db, opportunityId)).map((u) => u.deviceId)).toEqual([phone]);
    expect((await db.select().from(linkBrowsers).where(eq(linkBrowsers.deviceId, forwarded)))[0]).toMatchObject({ contactId, namedByUserId: owner.id, namedAt: at(200) });
  });

  it('reads later visits of a named browser as its contact, beacons and downloads too', async () => {
    const contactId = (await db.select().from(linkBrowsers).where(eq(linkBrowsers.deviceId, forwarded)))[0]!.contactId!;
    const view = await read(yamada, forwarded, 'elsewhere', 'security', 300, 90, { download: true });
    expect((await db.select().from(visits).where(eq(visits.id, view.visitId)))[0]!.contactId).toBe(contactId);
    const security = (await storedTotals()).totals.find((r) => r.contactId === contactId && r.documentSlug === 'security');
    expect(security).toMatchObject({ views: 2, activeSeconds: 390, downloads: 2 });
    expect(await storedTotals()).toEqual(await rebuilt());
  });

  it('names the phone as the link’s own contact: no longer a possible reader', async () => {
    const result = await nameBrowser(db, owner, { opportunityId, accessLinkId: yamada.accessLinkId, deviceId: phone }, yamada.contactId, at(400));
    expect(result).toEqual({ ok: true, value: { contactId: yamada.contactId } });
    expect(await unknownReaders(db, opportunityId)).toEqual([]);
    expect(await summary()).toMatchObject({ readers: 2, possibleReaders: 0 });
    expect(await storedTotals()).toEqual(await rebuilt());
  });

  it('refuses other reps, contacts of other accounts, bad contacts and browsers named already, changing nothing', async () => {
    await read(world.suzuki.scope, laptop, 'office', 'pricing', 500, 30);
    const second = 'secondsecondsecondsecondse';
    await read(world.suzuki.scope, second, 'office', 'pricing', 510, 30);
    const ref = { opportunityId, accessLinkId: world.suzuki.scope.accessLinkId, deviceId: second };
    const before = await storedTotals();
    await db.insert(accounts).values({ id: 'other-account', name: '別会社' });
    await db.insert(contacts).values({ id: 'other-contact', accountId: 'other-account', name: '部外 者' });

    expect(await nameBrowser(db, { id: 'someone-else', role: 'rep' }, ref, yamada.contactId)).toEqual({ ok: false, reason: 'forbidden' });
    expect(await nameBrowser(db, owner, ref, 'other-contact')).toMatchObject({ ok: false, reason: 'invalid', fieldErrors: { contactId: 'invalidChoice' } });
    expect(await nameBrowser(db, owner, { ...ref, deviceId: phone }, yamada.contactId)).toEqual({ ok: false, reason: 'not_found' });
    expect(await nameBrowser(db, owner, { ...ref, opportunityId: 'nope' }, yamada.contactId)).toEqual({ ok: false, reason: 'not_found' });
    expect(await nameBrowserAsNewContact(db, owner, ref, { name: ' ', buyingRole: 'it-security' })).toMatchObject({ ok: false, reason: 'invalid', fieldErrors: { name: 'required' } });
    expect(await nameBrowserAsNewContact(db, owner, ref, { name: '誰か', buyingRole: 'ceo' })).toMatchObject({ ok: false, reason: 'invalid', fieldErrors: { buyingRole: 'invalidChoice' } });

    expect(await storedTotals()).toEqual(before);
    expect((await unknownReaders(db, opportunityId)).map((u) => u.deviceId)).toEqual([second]);
    expect((await db.select().from(contacts).where(eq(contacts.accountId, yamada.accountId))).length).toBe(3);
  });

  it('feeds the approval rules: the named IT reader’s time on the security sheet suggests the IT review, under her name', async () => {
    const opportunity = (await getOpportunity(db, opportunityId))!;
    const documents = new Map(['security', 'pricing', 'roi'].map((slug) => [slug, { title: `title of ${slug}`, category: slug }]));
    const itReview = (await approvalReading(db, opportunity, at(600), documents)).suggestions.filter((s) => s.rule === 'it-review');
    expect(itReview.map((s) => s.evidence)).toEqual([{ rule: 'it-review', reader: { name: '情シス 花子', role: 'it-security', possible: false }, seconds: 390, documents: ['title of security'] }]);
  });

  it('gives the approval map each reader with their role: the named browser under IT, an unnamed one as unknown on its link', async () => {
    const { readings, linkContactRoles } = await approvalReadings(db, opportunityId);
    const summaryOf = readings.map((r) => [r.readerName || `? ${r.unknownOnLinkOf}`, r.role, r.documentSlug, r.views, r.activeSeconds]).sort();
    expect(summaryOf).toEqual([
      ['? 鈴木 一郎', 'unknown', 'pricing', 1, 30],
      ['山田 太郎', 'unknown', 'pricing', 2, 120],
      ['山田 太郎', 'unknown', 'roi', 1, 60],
      ['情シス 花子', 'it-security', 'pricing', 1, 45],
      ['情シス 花子', 'it-security', 'security', 2, 390],
      ['鈴木 一郎', 'unknown', 'pricing', 1, 30],
    ]);
    expect(linkContactRoles).toEqual(['unknown']);
  });
});

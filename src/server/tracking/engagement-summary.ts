// Engagement summaries of an opportunity and an account, from the running totals (reading_totals,
// opportunity_engagement): they survive the retention purge of raw rows and stay small at millions of views.
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import { accounts, documentViews, linkBrowsers, opportunities, opportunityEngagement, readingTotals, roomDocuments, rooms } from '../db/tables';
import type { Queryable, RingiDb } from '../db/client';
import { categoryOf, engagementScoreDetail, isDocumentRead, KEY_DOCUMENT_CATEGORIES, type ScoreReason } from './engagement-score';
import { type ReadModelOptions, chunks, groupBy } from './read-model-support';
import { countReaders, type BrowserState } from './readers';

export interface DocumentEngagement {
  slug: string;
  category: string | null;
  views: number;
  activeSeconds: number;
  maxScrollPercent: number;
  completedViews: number;
  downloads: number;
  prints: number;
  /** Distinct contacts with views of this document (new devices are not tracked per document). */
  readers: number;
  /** ≥ 30 active seconds over all views, or a completed view (engagement-score isDocumentRead). */
  read: boolean;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

export interface EngagementTotals {
  /** First and last reading activity (views, beacons, downloads, prints); automated opens never count. */
  firstSeenAt: Date | null;
  lastSeenAt: Date | null;
  visits: number;
  /** Distinct contacts with views plus unnamed browsers whose reading clearly differs (tracking/readers.ts). */
  readers: number;
  /** Unnamed other browsers on a contact's link, maybe that contact: counted half in the score. */
  possibleReaders: number;
  contactsReading: number;
  newDevices: number;
  devices: number;
  activeSeconds: number;
  /** Scanner, preview and prefetch hits: shown apart, never reading. */
  automatedOpens: number;
  completedViews: number;
  downloads: number;
  prints: number;
  documentsRead: number;
  documentsInRoom: number;
  keyDocumentsRead: number;
  /** Most active seconds first, then most views, then slug. */
  documents: DocumentEngagement[];
  score: number;
  reasons: ScoreReason[];
}

export interface OpportunityEngagementSummary extends EngagementTotals {
  opportunityId: string;
  accountId: string;
}

export interface AccountOpportunityScore {
  opportunityId: string;
  name: string;
  stage: number;
  archived: boolean;
  lastSeenAt: Date | null;
  readers: number;
  activeSeconds: number;
  score: number;
}

export interface AccountEngagementSummary extends EngagementTotals {
  accountId: string;
  /** Every opportunity of the account, highest score first. */
  opportunities: AccountOpportunityScore[];
}

type TotalsRow = typeof readingTotals.$inferSelect;
type EngagementRow = typeof opportunityEngagement.$inferSelect;
type BrowserRow = BrowserState & { opportunityId: string };
type CategoryOf = (slug: string) => string | null;


const minDate = (a: Date | null, b: Date | null) => (a === null ? b : b === null ? a : a.getTime() <= b.getTime() ? a : b);
const maxDate = (a: Date | null, b: Date | null) => (a === null ? b : b === null ? a : a.getTime() >= b.getTime() ? a : b);

/** Categories recorded on raw views (document_views.document_category) of these opportunities. */
async function recordedCategories(db: RingiDb, opportunityIds: readonly string[]): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  for (const ids of chunks(opportunityIds)) {
    const rows = await db
      .selectDistinct({ slug: documentViews.documentSlug, category: documentViews.documentCategory })
      .from(documentViews)
      .where(and(inArray(documentViews.opportunityId, ids), isNotNull(documentViews.documentCategory)));
    for (const row of rows) if (row.category !== null && !map.has(row.slug)) map.set(row.slug, row.category);
  }
  return map;
}

export async function categorySource(db: RingiDb, options: ReadModelOptions, opportunityIds: readonly string[]): Promise<CategoryOf> {
  const lookup = options.documentCategories ?? (await recordedCategories(db, opportunityIds));
  return (slug) => categoryOf(lookup, slug);
}

/** Folds running totals into a summary and scores it. Pure. */
export function summarize(
  totals: readonly TotalsRow[],
  engagement: readonly EngagementRow[],
  browsers: readonly BrowserState[],
  documentsInRoom: number,
  category: CategoryOf,
  now: Date,
): EngagementTotals {
  const documents = new Map<string, DocumentEngagement & { contacts: Set<string> }>();
  const contactsReading = new Set<string>();
  let firstSeenAt: Date | null = null;
  let lastSeenAt: Date | null = null;
  let activeSeconds = 0;
  let completedViews = 0;
  let downloads = 0;
  let prints = 0;
  for (const row of totals) {
    let doc = documents.get(row.documentSlug);
    if (!doc) {
      doc = {
        slug: row.documentSlug,
        category: category(row.documentSlug),
        views: 0,
        activeSeconds: 0,
        maxScrollPercent: 0,
        completedViews: 0,
        downloads: 0,
        prints: 0,
        readers: 0,
        read: false,
        firstSeenAt: row.firstSeenAt,
        lastSeenAt: row.lastSeenAt,
        contacts: new Set(),
      };
      documents.set(row.documentSlug, doc);
    }
    doc.views += row.views;
    doc.activeSeconds += row.activeSeconds;
    doc.maxScrollPercent = Math.max(doc.maxScrollPercent, row.maxScrollPercent);
    doc.completedViews += row.completedViews;
    doc.downloads += row.downloads;
    doc.prints += row.prints;
    doc.firstSeenAt = minDate(doc.firstSeenAt, row.firstSeenAt)!;
    doc.lastSeenAt = maxDate(doc.lastSeenAt, row.lastSeenAt)!;
    if (row.views > 0) {
      doc.contacts.add(row.contactId);
      contactsReading.add(row.contactId);
    }
    firstSeenAt = minDate(firstSeenAt, row.firstSeenAt);
    lastSeenAt = maxDate(lastSeenAt, row.lastSeenAt);
    activeSeconds += row.activeSeconds;
    completedViews += row.completedViews;
    downloads += row.downloads;
    prints += row.prints;
  }

  let visitCount = 0;
  let newDevices = 0;
  let devices = 0;
  let automatedOpens = 0;
  for (const row of engagement) {
    visitCount += row.visits;
    newDevices += row.newDevices;
    devices += row.devices;
    automatedOpens += row.automatedOpens;
    firstSeenAt = minDate(firstSeenAt, row.firstSeenAt);
    lastSeenAt = maxDate(lastSeenAt, row.lastSeenAt);
  }

  const documentRows: DocumentEngagement[] = [];
  let documentsRead = 0;
  let keyDocumentsRead = 0;
  for (const { contacts: readers, ...doc } of documents.values()) {
    doc.readers = readers.size;
    doc.read = isDocumentRead(doc.activeSeconds, doc.completedViews);
    if (doc.read) {
      documentsRead += 1;
      if (doc.category !== null && KEY_DOCUMENT_CATEGORIES.includes(doc.category)) keyDocumentsRead += 1;
    }
    documentRows.push(doc);
  }
  documentRows.sort((a, b) => b.activeSeconds - a.activeSeconds || b.views - a.views || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));

  const { readers, possibleReaders } = countReaders(contactsReading.size, browsers);
  const { score, reasons } = engagementScoreDetail(
    { activeSeconds, documentsRead, documentsInRoom, completedViews, readers, possibleReaders, keyDocumentsRead, downloads, prints, lastSeenAt },
    now,
  );
  return {
    firstSeenAt,
    lastSeenAt,
    visits: visitCount,
    readers,
    possibleReaders,
    contactsReading: contactsReading.size,
    newDevices,
    devices,
    activeSeconds,
    automatedOpens,
    completedViews,
    downloads,
    prints,
    documentsRead,
    documentsInRoom,
    keyDocumentsRead,
    documents: documentRows,
    score,
    reasons,
  };
}

export async function totalsOf(db: RingiDb, opportunityIds: readonly string[]): Promise<TotalsRow[]> {
  const rows: TotalsRow[] = [];
  for (const ids of chunks(opportunityIds)) rows.push(...(await db.select().from(readingTotals).where(inArray(readingTotals.opportunityId, ids))));
  return rows;
}

export async function engagementOf(db: RingiDb, opportunityIds: readonly string[]): Promise<EngagementRow[]> {
  const rows: EngagementRow[] = [];
  for (const ids of chunks(opportunityIds)) rows.push(...(await db.select().from(opportunityEngagement).where(inArray(opportunityEngagement.opportunityId, ids))));
  return rows;
}

/** The other browsers on the links of these opportunities (named or not). */
export async function browsersOf(db: Queryable, opportunityIds: readonly string[]): Promise<BrowserRow[]> {
  const rows: BrowserRow[] = [];
  for (const ids of chunks(opportunityIds)) {
    rows.push(
      ...(await db
        .select({ opportunityId: linkBrowsers.opportunityId, contactId: linkBrowsers.contactId, distinctReader: linkBrowsers.distinctReader })
        .from(linkBrowsers)
        .where(inArray(linkBrowsers.opportunityId, ids))),
    );
  }
  return rows;
}

/** The slugs each opportunity's room offers now. */
export async function roomSlugsOf(db: RingiDb, opportunityIds: readonly string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  for (const ids of chunks(opportunityIds)) {
    const rows = await db
      .select({ opportunityId: rooms.opportunityId, slug: roomDocuments.documentSlug })
      .from(rooms)
      .innerJoin(roomDocuments, eq(roomDocuments.roomId, rooms.id))
      .where(inArray(rooms.opportunityId, ids));
    for (const row of rows) {
      const slugs = map.get(row.opportunityId);
      if (slugs) slugs.push(row.slug);
      else map.set(row.opportunityId, [row.slug]);
    }
  }
  return map;
}

/** Reading of one opportunity, from the running totals. Null when the opportunity does not exist. */
export async function opportunityEngagementSummary(
  db: RingiDb,
  opportunityId: string,
  now: Date,
  options: ReadModelOptions = {},
): Promise<OpportunityEngagementSummary | null> {
  const [opportunity] = await db.select({ accountId: opportunities.accountId }).from(opportunities).where(eq(opportunities.id, opportunityId)).limit(1);
  if (!opportunity) return null;
  const ids = [opportunityId];
  const inRoom = (await roomSlugsOf(db, ids)).get(opportunityId)?.length ?? 0;
  const summary = summarize(await totalsOf(db, ids), await engagementOf(db, ids), await browsersOf(db, ids), inRoom, await categorySource(db, options, ids), now);
  return { opportunityId, accountId: opportunity.accountId, ...summary };
}

/**
 * Reading across the opportunities an account has now (archived ones included: it is history).
 * Documents are merged by slug; "documents in room" counts distinct slugs over the account's rooms.
 * Null when the account does not exist.
 */
export async function accountEngagementSummary(db: RingiDb, accountId: string, now: Date, options: ReadModelOptions = {}): Promise<AccountEngagementSummary | null> {
  const [account] = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, accountId)).limit(1);
  if (!account) return null;
  const opps = await db
    .select({ id: opportunities.id, name: opportunities.name, stage: opportunities.stage, archivedAt: opportunities.archivedAt })
    .from(opportunities)
    .where(eq(opportunities.accountId, accountId));
  const ids = opps.map((o) => o.id);
  const totals = await totalsOf(db, ids);
  const engagement = await engagementOf(db, ids);
  const browsers = await browsersOf(db, ids);
  const roomSlugs = await roomSlugsOf(db, ids);
  const category = await categorySource(db, options, ids);
  const allSlugs = new Set([...roomSlugs.values()].flat());
  const summary = summarize(totals, engagement, browsers, allSlugs.size, category, now);

  const totalsByOpportunity = groupBy(totals, (t) => t.opportunityId);
  const engagementByOpportunity = groupBy(engagement, (e) => e.opportunityId);
  const browsersByOpportunity = groupBy(browsers, (b) => b.opportunityId);
  const perOpportunity: AccountOpportunityScore[] = opps.map((o) => {
    const s = summarize(totalsByOpportunity.get(o.id) ?? [], engagementByOpportunity.get(o.id) ?? [], browsersByOpportunity.get(o.id) ?? [], roomSlugs.get(o.id)?.length ?? 0, category, now);
    return {
      opportunityId: o.id,
      name: o.name,
      stage: o.stage,
      archived: o.archivedAt !== null,
      lastSeenAt: s.lastSeenAt,
      readers: s.readers,
      activeSeconds: s.activeSeconds,
      score: s.score,
    };
  });
  perOpportunity.sort(
    (a, b) =>
      b.score - a.score ||
      (b.lastSeenAt?.getTime() ?? -Infinity) - (a.lastSeenAt?.getTime() ?? -Infinity) ||
      (a.opportunityId < b.opportunityId ? -1 : a.opportunityId > b.opportunityId ? 1 : 0),
  );
  return { accountId, ...summary, opportunities: perOpportunity };
}

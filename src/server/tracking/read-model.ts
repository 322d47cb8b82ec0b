// The aggregate read model of view tracking, for the admin area and Slack: who read what, how much,
// and how hot each opportunity is now.
//
// - Summaries and the hottest list read the running totals (reading_totals, opportunity_engagement):
//   they survive the retention purge of raw rows and stay small at millions of views.
// - The timeline reads the raw rows (visits, document_views, link_events): recent history, one page
//   of visits at a time, with a fixed number of indexed queries per page (no query per visit).
import { and, asc, desc, eq, gte, inArray, isNotNull, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import {
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
  visits,
  type channels,
} from '../db/tables';
import { approximateRowCount, type RingiDb } from '../db/client';
import {
  categoryOf,
  engagementScoreDetail,
  isDocumentRead,
  KEY_DOCUMENT_CATEGORIES,
  maxScoreSeenAt,
  type DocumentCategoryLookup,
  type ScoreReason,
} from './engagement-score';
import { z } from 'zod';
import { isCompleted, VISIT_GAP_MS } from './rules';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Bound parameters per IN (...) list; SQLite allows far more, this keeps statements small. */
const IN_CHUNK = 500;

export interface ReadModelOptions {
  /**
   * Slug → category from the content catalog, to tell key documents (pricing, security, roi,
   * approval-template). Without it, the categories recorded on the opportunity's raw views are used:
   * those are gone after the retention purge, so production callers should pass the catalog.
   */
  documentCategories?: DocumentCategoryLookup;
}

// --- Summaries (running totals) ---

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
  /** Distinct contacts with views plus browsers flagged as possible new readers (forwarded links). */
  readers: number;
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
type CategoryOf = (slug: string) => string | null;

function chunks<T>(items: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

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

async function categorySource(db: RingiDb, options: ReadModelOptions, opportunityIds: readonly string[]): Promise<CategoryOf> {
  const lookup = options.documentCategories ?? (await recordedCategories(db, opportunityIds));
  return (slug) => categoryOf(lookup, slug);
}

/** Folds running totals into a summary and scores it. Pure. */
function summarize(totals: readonly TotalsRow[], engagement: readonly EngagementRow[], documentsInRoom: number, category: CategoryOf, now: Date): EngagementTotals {
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

  const readers = contactsReading.size + newDevices;
  const { score, reasons } = engagementScoreDetail(
    { activeSeconds, documentsRead, documentsInRoom, completedViews, readers, keyDocumentsRead, downloads, prints, lastSeenAt },
    now,
  );
  return {
    firstSeenAt,
    lastSeenAt,
    visits: visitCount,
    readers,
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

async function totalsOf(db: RingiDb, opportunityIds: readonly string[]): Promise<TotalsRow[]> {
  const rows: TotalsRow[] = [];
  for (const ids of chunks(opportunityIds)) rows.push(...(await db.select().from(readingTotals).where(inArray(readingTotals.opportunityId, ids))));
  return rows;
}

async function engagementOf(db: RingiDb, opportunityIds: readonly string[]): Promise<EngagementRow[]> {
  const rows: EngagementRow[] = [];
  for (const ids of chunks(opportunityIds)) rows.push(...(await db.select().from(opportunityEngagement).where(inArray(opportunityEngagement.opportunityId, ids))));
  return rows;
}

/** The slugs each opportunity's room offers now. */
async function roomSlugsOf(db: RingiDb, opportunityIds: readonly string[]): Promise<Map<string, string[]>> {
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
  const summary = summarize(await totalsOf(db, ids), await engagementOf(db, ids), inRoom, await categorySource(db, options, ids), now);
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
  const roomSlugs = await roomSlugsOf(db, ids);
  const category = await categorySource(db, options, ids);
  const allSlugs = new Set([...roomSlugs.values()].flat());
  const summary = summarize(totals, engagement, allSlugs.size, category, now);

  const totalsByOpportunity = groupBy(totals, (t) => t.opportunityId);
  const engagementByOpportunity = groupBy(engagement, (e) => e.opportunityId);
  const perOpportunity: AccountOpportunityScore[] = opps.map((o) => {
    const s = summarize(totalsByOpportunity.get(o.id) ?? [], engagementByOpportunity.get(o.id) ?? [], roomSlugs.get(o.id)?.length ?? 0, category, now);
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

// --- Timeline (raw rows) ---

/** Where a timeline page ends: pass it as `before` to get the next (older) page. */
export interface TimelineCursor {
  startedAt: Date;
  visitId: string;
}

/** Text form of a cursor for a URL query: "<started_at ms>.<visit id>". */
export function formatTimelineCursor(cursor: TimelineCursor): string {
  return `${cursor.startedAt.getTime()}.${cursor.visitId}`;
}

// Visit ids are tracking ids (base32) or, in seeded data, plain ids: letters, digits, - and _.
const timelineCursorText = z
  .string()
  .max(100)
  .regex(/^(\d{1,16})\.([A-Za-z0-9_-]{1,64})$/)
  .transform((text, ctx) => {
    const [ms, visitId] = text.split('.') as [string, string];
    const startedAt = new Date(Number(ms));
    if (Number.isNaN(startedAt.getTime())) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'not a valid time' });
      return z.NEVER;
    }
    return { startedAt, visitId };
  });

/** A cursor from a URL query (formatTimelineCursor's form), or null when it is malformed. */
export function parseTimelineCursor(text: string): TimelineCursor | null {
  const parsed = timelineCursorText.safeParse(text);
  return parsed.success ? parsed.data : null;
}

export interface TimelineOptions {
  /** Visits per page (1-200). */
  limit: number;
  /** Only visits older than this: a cursor from `nextBefore`, or a date (visits started strictly before it). */
  before?: TimelineCursor | Date;
  /** Automated opens and events outside visits listed per page (default 50, 0-500). */
  apartLimit?: number;
}

export interface TimelineView {
  viewId: string;
  documentSlug: string;
  documentTitle: string | null;
  documentCategory: string | null;
  startedAt: Date;
  lastBeaconAt: Date;
  activeSeconds: number;
  maxScrollPercent: number;
  /** Heading id → active seconds while that section was on screen. */
  sectionSeconds: Record<string, number>;
  /** rules.isCompleted: read to the end with real time spent. */
  completed: boolean;
}

export interface TimelineEvent {
  id: number;
  kind: 'download' | 'print' | 'automated_open' | 'unconfirmed_download';
  contactId: string;
  accessLinkId: string;
  visitId: string | null;
  viewId: string | null;
  documentSlug: string | null;
  /** Attachment file name; for automated opens the agent's label (e.g. "Microsoft Safe Links"). */
  detail: string | null;
  occurredAt: Date;
  /** The contact whose link it was (null if the contact row is gone). */
  contactName: string | null;
}

export interface TimelineVisit {
  visitId: string;
  contactId: string;
  contactName: string | null;
  accessLinkId: string;
  deviceLabel: string;
  /** A browser other than the link's first opened it: possibly a new reader (a forwarded link). */
  newDevice: boolean;
  startedAt: Date;
  lastActivityAt: Date;
  activeSeconds: number;
  /** Oldest first. */
  views: TimelineView[];
  /** Downloads and prints in the visit, oldest first. */
  events: TimelineEvent[];
}

export interface OpportunityTimeline {
  opportunityId: string;
  /** Newest first. */
  visits: TimelineVisit[];
  /**
   * The time slice this page covers, [from, to): from is the oldest visit start on the page (null on
   * the last page), to is the cursor's start (null on the first page). Automated opens and events
   * outside visits are listed for this slice, so pages neither repeat nor miss them.
   */
  slice: { from: Date | null; to: Date | null };
  /**
   * Scanner, preview and prefetch hits in the slice, and unconfirmed downloads (from a browser that never
   * showed a person on the link), newest first: never visits, never readers, never counted.
   */
  automatedOpens: TimelineEvent[];
  /** Automated opens in the slice beyond apartLimit. */
  automatedOpensOmitted: number;
  /** Downloads not tied to a visit (no device cookie, or no visit in the last 30 minutes), newest first. */
  eventsOutsideVisits: TimelineEvent[];
  /** Null when there are no older visits. */
  nextBefore: TimelineCursor | null;
}

function parseSections(json: string): Record<string, number> {
  try {
    const parsed: unknown = JSON.parse(json);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    const sections: Record<string, number> = Object.create(null);
    for (const [id, seconds] of Object.entries(parsed)) if (typeof seconds === 'number') sections[id] = seconds;
    return sections;
  } catch {
    return {};
  }
}

function toEvent(row: typeof linkEvents.$inferSelect, names: ReadonlyMap<string, string> = new Map()): TimelineEvent {
  return {
    contactName: names.get(row.contactId) ?? null,
    id: row.id,
    kind: row.kind,
    contactId: row.contactId,
    accessLinkId: row.accessLinkId,
    visitId: row.visitId,
    viewId: row.viewId,
    documentSlug: row.documentSlug,
    detail: row.detail,
    occurredAt: row.occurredAt,
  };
}

function boundedInt(value: number | undefined, fallback: number, min: number, max: number, name: string): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

/**
 * Visits of an opportunity, newest first, with their views and downloads/prints, and the automated
 * opens of the same period listed apart. Queries per page: visits (+contact names), their views,
 * their events, automated opens (+ a count when cut), events outside visits; all on indexes.
 */
export async function opportunityTimeline(db: RingiDb, opportunityId: string, options: TimelineOptions): Promise<OpportunityTimeline> {
  const limit = boundedInt(options.limit, 20, 1, 200, 'limit');
  const apartLimit = boundedInt(options.apartLimit, 50, 0, 500, 'apartLimit');
  const before: TimelineCursor | null = options.before instanceof Date ? { startedAt: options.before, visitId: '' } : (options.before ?? null);

  // visits_opportunity_idx (opportunity_id, started_at): a range, walked newest first, cut at limit + 1.
  const rows = await db
    .select({ visit: visits, contactName: contacts.name })
    .from(visits)
    .leftJoin(contacts, eq(contacts.id, visits.contactId))
    .where(
      and(
        eq(visits.opportunityId, opportunityId),
        before ? lte(visits.startedAt, before.startedAt) : undefined,
        before ? or(lt(visits.startedAt, before.startedAt), lt(visits.id, before.visitId)) : undefined,
      ),
    )
    .orderBy(desc(visits.startedAt), desc(visits.id))
    .limit(limit + 1);
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const visitIds = page.map((r) => r.visit.id);

  const viewsByVisit = new Map<string, TimelineView[]>();
  const eventsByVisit = new Map<string, TimelineEvent[]>();
  if (visitIds.length > 0) {
    // document_views_visit_idx: one query for the whole page.
    const views = await db
      .select()
      .from(documentViews)
      .where(inArray(documentViews.visitId, visitIds))
      .orderBy(asc(documentViews.startedAt), asc(documentViews.id));
    for (const v of views) {
      const list = viewsByVisit.get(v.visitId) ?? [];
      list.push({
        viewId: v.id,
        documentSlug: v.documentSlug,
        documentTitle: v.documentTitle,
        documentCategory: v.documentCategory,
        startedAt: v.startedAt,
        lastBeaconAt: v.lastBeaconAt,
        activeSeconds: v.activeSeconds,
        maxScrollPercent: v.maxScrollPercent,
        sectionSeconds: parseSections(v.sectionSeconds),
        completed: isCompleted(v.activeSeconds, v.maxScrollPercent),
      });
      viewsByVisit.set(v.visitId, list);
    }
    // Events of a visit happen while it lasts; link_events has no visit index, so read the
    // opportunity's events over the page's time span (link_events_opportunity_idx) and keep the page's.
    const from = Math.min(...page.map((r) => r.visit.startedAt.getTime())) - VISIT_GAP_MS;
    const to = Math.max(...page.map((r) => r.visit.lastActivityAt.getTime())) + VISIT_GAP_MS;
    const events = await db
      .select()
      .from(linkEvents)
      .where(
        and(
          eq(linkEvents.opportunityId, opportunityId),
          gte(linkEvents.occurredAt, new Date(from)),
          lte(linkEvents.occurredAt, new Date(to)),
          inArray(linkEvents.kind, ['download', 'print']),
          inArray(linkEvents.visitId, visitIds),
        ),
      )
      .orderBy(asc(linkEvents.occurredAt), asc(linkEvents.id));
    const visitNames = new Map(page.filter((r) => r.contactName !== null).map((r) => [r.visit.contactId, r.contactName!]));
    for (const e of events) {
      const list = eventsByVisit.get(e.visitId!) ?? [];
      list.push(toEvent(e, visitNames));
      eventsByVisit.set(e.visitId!, list);
    }
  }

  const slice = {
    from: hasMore ? page[page.length - 1]!.visit.startedAt : null,
    to: before ? before.startedAt : null,
  };
  const inSlice: SQL[] = [eq(linkEvents.opportunityId, opportunityId)];
  if (slice.from) inSlice.push(gte(linkEvents.occurredAt, slice.from));
  if (slice.to) inSlice.push(lt(linkEvents.occurredAt, slice.to));

  const apart = async (condition: SQL, n: number) =>
    n === 0
      ? []
      : await db
          .select()
          .from(linkEvents)
          .where(and(...inSlice, condition))
          .orderBy(desc(linkEvents.occurredAt), desc(linkEvents.id))
          .limit(n);
  const apartKinds = inArray(linkEvents.kind, ['automated_open', 'unconfirmed_download']);
  const automated = await apart(apartKinds, apartLimit + 1);
  let automatedOpensOmitted = 0;
  if (automated.length > apartLimit || apartLimit === 0) {
    const total =
      (await db
        .select({ n: sql<number>`count(*)`.mapWith(Number) })
        .from(linkEvents)
        .where(and(...inSlice, apartKinds)).limit(1))[0]?.n ?? 0;
    automatedOpensOmitted = total - Math.min(apartLimit, automated.length);
  }
  const outside = await apart(and(isNull(linkEvents.visitId), inArray(linkEvents.kind, ['download', 'print']))!, apartLimit);
  // Names of the contacts behind the events listed apart: one primary-key lookup for the page.
  const apartContactIds = [...new Set([...automated, ...outside].map((e) => e.contactId))];
  const apartNames = new Map<string, string>();
  for (const ids of chunks(apartContactIds)) {
    for (const c of await db.select({ id: contacts.id, name: contacts.name }).from(contacts).where(inArray(contacts.id, ids))) apartNames.set(c.id, c.name);
  }

  const last = page[page.length - 1];
  return {
    opportunityId,
    visits: page.map(({ visit, contactName }) => {
      const views = viewsByVisit.get(visit.id) ?? [];
      return {
        visitId: visit.id,
        contactId: visit.contactId,
        contactName,
        accessLinkId: visit.accessLinkId,
        deviceLabel: visit.deviceLabel,
        newDevice: visit.newDevice,
        startedAt: visit.startedAt,
        lastActivityAt: visit.lastActivityAt,
        activeSeconds: views.reduce((sum, v) => sum + v.activeSeconds, 0),
        views,
        events: eventsByVisit.get(visit.id) ?? [],
      };
    }),
    slice,
    automatedOpens: automated.slice(0, apartLimit).map((e) => toEvent(e, apartNames)),
    automatedOpensOmitted,
    eventsOutsideVisits: outside.map((e) => toEvent(e, apartNames)),
    nextBefore: hasMore && last ? { startedAt: last.visit.startedAt, visitId: last.visit.id } : null,
  };
}

// --- Hottest opportunities (running totals) ---

export type Channel = (typeof channels)[number];

export interface HottestOptions extends ReadModelOptions {
  /** 1-200. */
  limit: number;
  channel?: Channel;
  stage?: number;
  ownerUserId?: string;
  /** Only opportunities in a stage whose outcome is open (won and lost deals need no call). */
  openOnly?: boolean;
  /** Archived opportunities are left out unless this is true. */
  includeArchived?: boolean;
  /** Tuning only: any values give the same result, only the work differs (tests force each path). */
  tuning?: {
    /** With filters matching at most this many opportunities, score them all (default 500). */
    directMax?: number;
    /** reading_totals rows the last-seen windows may read before the single pass (default: a third). */
    windowRowBudget?: number;
  };
}

export interface HotOpportunity {
  opportunityId: string;
  name: string;
  accountId: string;
  accountName: string;
  stage: number;
  channel: Channel;
  ownerUserId: string;
  amountJpy: number;
  lastSeenAt: Date;
  visits: number;
  readers: number;
  activeSeconds: number;
  documentsRead: number;
  keyDocumentsRead: number;
  automatedOpens: number;
  score: number;
  reasons: ScoreReason[];
}

/** The largest valid Date: the open end of the first window. */
const MAX_TIME_MS = 8.64e15;
/**
 * Windows stop and one pass over every opportunity takes over once the windows would have read more
 * than this share of reading_totals: a window reads rows in last-seen order (a table lookup each),
 * the pass reads the table in primary-key order, about twice as fast per row.
 */
const FULL_PASS_SHARE = 1 / 3;
/** Filters matching at most this many opportunities: scoring them all (~20 ms) beats searching. */
const DIRECT_MAX = 500;

type Ranked = HotOpportunity & { lastSeenMs: number };

/**
 * Opportunities ranked by engagement score (ties: more recently seen first, then id), only those
 * scoring above 0. Exact, without scoring everything:
 *
 * A score is at most 100 × 0.5^(days since last seen / 7) (maxScoreSeenAt). Opportunities are scored
 * newest last-seen first, by windows: seen in the last day, then 1-3, 3-7, 7-15, ... days ago, read
 * from the last_seen_at indexes of both running-totals tables (downloads and view starts move only
 * reading_totals, so both are read). After each window, every opportunity not yet scored was last
 * seen before the window's start, so it scores at most maxScoreSeenAt(start); once that bound is ≤
 * the limit-th best score (an older one also loses the tie) the ranking is final. Anything last seen
 * more than ~54 days ago scores 0 (RECENCY_ZERO_AFTER_DAYS), which ends the search in any case.
 * With filters (channel, stage, owner) that match at most 500 opportunities, all of them are simply
 * scored instead. When the windows would read more than a third of reading_totals (filters on a
 * workspace where most deals were read lately), one pass takes every opportunity's last seen instead
 * (max over reading_totals in primary-key order, and opportunity_engagement) and scores them newest
 * first in batches (limit, then doubling) with the same bound. Costs at 1M views: docs/performance.md.
 */
export async function hottestOpportunities(db: RingiDb, now: Date, options: HottestOptions): Promise<HotOpportunity[]> {
  const limit = boundedInt(options.limit, 20, 1, 200, 'limit');
  const nowMs = now.getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError('now must be a valid date');
  const scored = new Set<string>();
  let best: Ranked[] = [];
  const settled = (bound: number) => bound === 0 || (best.length === limit && bound <= best[limit - 1]!.score);
  const take = async (ids: string[]) => {
    const fresh = ids.filter((id) => !scored.has(id));
    for (const id of fresh) scored.add(id);
    if (fresh.length === 0) return;
    best = best.concat(await scoreOpportunities(db, fresh, now, options));
    best.sort(
      (a, b) => b.score - a.score || b.lastSeenMs - a.lastSeenMs || (a.opportunityId < b.opportunityId ? -1 : a.opportunityId > b.opportunityId ? 1 : 0),
    );
    best = best.slice(0, limit);
  };

  // 0. Filters that leave few opportunities (a rep's own deals, a stage and a channel): score them all.
  const matching = await matchingOpportunityIds(db, options);
  if (matching !== null && matching.size <= (options.tuning?.directMax ?? DIRECT_MAX)) {
    await take([...matching]);
    return finish(best);
  }

  // reading_totals rows are never deleted: the engine's cheap size estimate is good enough for a budget.
  const totalRows = await approximateRowCount(db, readingTotals);
  let budget = options.tuning?.windowRowBudget ?? Math.max(1000, totalRows * FULL_PASS_SHARE);

  // 1. Windows. Always a closed range, and no DISTINCT: either makes SQLite walk the whole primary
  //    key instead of the last_seen_at index.
  let hi = MAX_TIME_MS;
  // 1, 3, 7, 15, 31, 63 days: the bound is 0 past ~54 days, so the last window always settles it.
  for (let days = 1; days < 128; days = days * 2 + 1) {
    const lo = nowMs - days * DAY_MS;
    const inWindow = and(gte(readingTotals.lastSeenAt, new Date(lo)), lt(readingTotals.lastSeenAt, new Date(hi)));
    const rows = (await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(readingTotals).where(inWindow).limit(1))[0]?.n ?? 0;
    if (rows > budget) break;
    budget -= rows;
    const ids = new Set<string>();
    for (const r of await db.select({ id: readingTotals.opportunityId }).from(readingTotals).where(inWindow)) ids.add(r.id);
    for (const r of await db
      .select({ id: opportunityEngagement.opportunityId })
      .from(opportunityEngagement)
      .where(and(gte(opportunityEngagement.lastSeenAt, new Date(lo)), lt(opportunityEngagement.lastSeenAt, new Date(hi)))))
      ids.add(r.id);
    await take([...ids]);
    hi = lo;
    if (settled(maxScoreSeenAt(new Date(lo), now))) return finish(best);
  }

  // 2. Everything older than the last window, newest first: every opportunity's last seen in one pass.
  const lastSeen = new Map<string, number>();
  for (const r of await db
    .select({ id: readingTotals.opportunityId, at: sql<number>`max(${readingTotals.lastSeenAt})`.mapWith(Number) })
    .from(readingTotals)
    .groupBy(readingTotals.opportunityId))
    lastSeen.set(r.id, r.at);
  for (const r of await db
    .select({ id: opportunityEngagement.opportunityId, at: opportunityEngagement.lastSeenAt })
    .from(opportunityEngagement)
    .where(isNotNull(opportunityEngagement.lastSeenAt))) {
    const at = r.at!.getTime();
    if (at > (lastSeen.get(r.id) ?? -Infinity)) lastSeen.set(r.id, at);
  }
  const rest = [...lastSeen]
    .filter(([id, at]) => at < hi && !scored.has(id) && (matching === null || matching.has(id)))
    .sort((a, b) => b[1] - a[1]);
  for (let i = 0, size = limit; i < rest.length; i += size, size *= 2) {
    if (settled(maxScoreSeenAt(new Date(rest[i]![1]), now))) break;
    await take(rest.slice(i, i + size).map(([id]) => id));
  }
  return finish(best);
}

function finish(best: Ranked[]): HotOpportunity[] {
  return best.map(({ lastSeenMs: _ms, ...hot }) => hot);
}

/** Ids of the opportunities the filters allow, or null when only archived ones are left out. */
async function matchingOpportunityIds(db: RingiDb, options: HottestOptions): Promise<Set<string> | null> {
  if (options.channel === undefined && options.stage === undefined && options.ownerUserId === undefined) return null;
  const rows = await db
    .select({ id: opportunities.id })
    .from(opportunities)
    .where(opportunityFilters(options));
  return new Set(rows.map((r) => r.id));
}

function opportunityFilters(options: HottestOptions): SQL | undefined {
  return and(
    options.includeArchived ? undefined : isNull(opportunities.archivedAt),
    options.channel === undefined ? undefined : eq(opportunities.channel, options.channel),
    options.stage === undefined ? undefined : eq(opportunities.stage, options.stage),
    options.ownerUserId === undefined ? undefined : eq(opportunities.ownerUserId, options.ownerUserId),
    options.openOnly ? sql`${opportunities.stage} in (select ${pipelineStages.number} from ${pipelineStages} where ${pipelineStages.outcome} = 'open')` : undefined,
  );
}

/** Scores these opportunities (those matching the filters) from the running totals, in batches. */
async function scoreOpportunities(db: RingiDb, ids: readonly string[], now: Date, options: HottestOptions): Promise<Ranked[]> {
  const out: Ranked[] = [];
  for (const chunk of chunks(ids)) {
    const opps = await db
      .select({
        id: opportunities.id,
        name: opportunities.name,
        accountId: opportunities.accountId,
        accountName: accounts.name,
        stage: opportunities.stage,
        channel: opportunities.channel,
        ownerUserId: opportunities.ownerUserId,
        amountJpy: opportunities.amountJpy,
      })
      .from(opportunities)
      .innerJoin(accounts, eq(accounts.id, opportunities.accountId))
      .where(
        and(inArray(opportunities.id, chunk), opportunityFilters(options)),
      );
    if (opps.length === 0) continue;
    const matching = opps.map((o) => o.id);
    const totals = groupBy(await totalsOf(db, matching), (r) => r.opportunityId);
    const engagement = groupBy(await engagementOf(db, matching), (r) => r.opportunityId);
    const roomSlugs = await roomSlugsOf(db, matching);
    const category = await categorySource(db, options, matching);
    for (const o of opps) {
      const s = summarize(totals.get(o.id) ?? [], engagement.get(o.id) ?? [], roomSlugs.get(o.id)?.length ?? 0, category, now);
      if (s.score <= 0 || s.lastSeenAt === null) continue;
      out.push({
        opportunityId: o.id,
        name: o.name,
        accountId: o.accountId,
        accountName: o.accountName,
        stage: o.stage,
        channel: o.channel,
        ownerUserId: o.ownerUserId,
        amountJpy: o.amountJpy,
        lastSeenAt: s.lastSeenAt,
        lastSeenMs: s.lastSeenAt.getTime(),
        visits: s.visits,
        readers: s.readers,
        activeSeconds: s.activeSeconds,
        documentsRead: s.documentsRead,
        keyDocumentsRead: s.keyDocumentsRead,
        automatedOpens: s.automatedOpens,
        score: s.score,
        reasons: s.reasons,
      });
    }
  }
  return out;
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const list = map.get(key(row));
    if (list) list.push(row);
    else map.set(key(row), [row]);
  }
  return map;
}

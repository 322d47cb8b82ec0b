// An opportunity's reading timeline from the raw rows (visits, document_views, link_events): recent
// history, one page of visits at a time, with a fixed number of indexed queries per page (no query per visit).
import { and, asc, desc, eq, gte, inArray, isNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { contacts, documentViews, linkEvents, visits } from '../db/tables';
import type { RingiDb } from '../db/client';
import { z } from 'zod';
import { isCompleted, VISIT_GAP_MS } from './rules';
import { chunks, boundedInt } from './read-model-support';
import { stageHistory, type StageHistoryEntry } from '../crm/stage-history';

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
  /** The version read (null for views from before versions). */
  documentVersionId: string | null;
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
  /** Stage changes in the slice (created, manual, accepted suggestion, API), newest first. */
  stageChanges: StageHistoryEntry[];
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
        documentVersionId: v.documentVersionId,
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
    stageChanges: await stageHistory(db, opportunityId, slice),
    nextBefore: hasMore && last ? { startedAt: last.visit.startedAt, visitId: last.visit.id } : null,
  };
}

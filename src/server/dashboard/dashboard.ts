// The rep's home dashboard (/admin): who is reading right now, the hottest opportunities and why,
// rooms shared but left unopened, and how each document performs (the marketing feedback loop).
//
// Every list is bounded and every query starts from an index or a running total:
// - live feed: document_views by last_beacon_at and visits by last_activity_at (time-bounded windows);
// - hottest: read-model hottestOpportunities (a walk on the hot-key index, exact top-N);
// - unopened: the candidates of opportunity_engagement.unread_share_at, checked against their links;
// - documents: document_performance, summed per document (ADR 0020), never document_views.
// Filters (channel, stage, the rep's own deals) narrow every section to the opportunities they match.
import { inArray, sql, type SQL } from 'drizzle-orm';
import {
  accessLinks,
  accounts,
  contacts,
  documentPerformance as documentPerformanceTable,
  documentViews,
  opportunities,
  opportunityEngagement,
  pipelineStages,
  rooms,
  users,
  visits,
  type channels,
} from '../db/tables';
import { queryRows, type Queryable, type RingiDb } from '../db/client';
import { isPostgres } from '../db/postgres';
import { getSettingValues } from '../settings/settings';
import type { ScoreReason } from '../tracking/engagement-score';
import { hottestOpportunities } from '../tracking/read-model';
import {
  boundedLimit,
  documentRates,
  liveSince,
  RECENT_VISITS_WINDOW_MS,
  topReasons,
  unopenedCutoff,
  wholeDaysSince,
  type DocumentCounts,
  type DocumentRates,
} from './rules';

export type Channel = (typeof channels)[number];

export interface DashboardFilters {
  channel?: Channel;
  stageNumber?: number;
  /** "My deals": only opportunities this user owns. */
  ownerUserId?: string;
}

export interface LiveActivityOptions {
  /** Views reading now, at most (1-100, default 20). */
  liveLimit?: number;
  /** Recent visits, at most (1-100, default 15). */
  recentLimit?: number;
}

export interface DashboardOptions extends LiveActivityOptions {
  /** Default: the workspace setting unopenedAfterDays. */
  unopenedAfterDays?: number;
  /** 1-50, default 10. */
  hottestLimit?: number;
  /** 1-100, default 20. */
  unopenedLimit?: number;
  /** 1-200, default 50. */
  documentLimit?: number;
}

interface Who {
  opportunityId: string;
  opportunityName: string;
  accountName: string | null;
  contactName: string | null;
}

/** A view whose last beacon came within the live window: "山田様が料金表を4分閲覧中". */
export interface LiveView extends Who {
  viewId: string;
  visitId: string;
  documentSlug: string;
  /** The title the reader saw (stored with the view); the page prefers the catalog's current one. */
  documentTitle: string | null;
  activeSeconds: number;
  startedAt: Date;
  lastBeaconAt: Date;
}

/** A visit that ended (or paused) within the recent window. */
export interface RecentVisit extends Who {
  visitId: string;
  startedAt: Date;
  lastActivityAt: Date;
  activeSeconds: number;
  /** Possibly a forwarded link: the link's first visit in this browser, after other browsers. */
  newDevice: boolean;
  /** Documents viewed in the visit, in the order first opened (distinct). */
  documents: { slug: string; title: string | null }[];
}

export interface LiveActivity {
  /** Newest beacon first. */
  readingNow: LiveView[];
  /** Most recent activity first; none of them is reading now. */
  recentVisits: RecentVisit[];
}

export interface HotRow {
  opportunityId: string;
  name: string;
  accountName: string;
  stage: number;
  channel: Channel;
  ownerName: string | null;
  amountJpy: number;
  score: number;
  lastSeenAt: Date;
  readers: number;
  activeSeconds: number;
  /** The reasons that add points, strongest first (at most three). */
  why: ScoreReason[];
  /** Every reason (their points add up to the score). */
  reasons: ScoreReason[];
}

export interface UnopenedRow {
  opportunityId: string;
  name: string;
  accountName: string;
  stage: number;
  channel: Channel;
  ownerName: string | null;
  /** The latest link shared at least N days ago: nobody read after it. */
  sharedAt: Date;
  daysWaiting: number;
  /** Last reading before that share, if the room was ever read. */
  lastSeenAt: Date | null;
  /** Contacts holding those links, newest share first (at most five). */
  contacts: string[];
  /** More contacts beyond the five named. */
  moreContacts: number;
}

export interface DocumentPerformanceRow extends DocumentCounts, DocumentRates {
  slug: string;
}

export interface Dashboard {
  unopenedAfterDays: number;
  liveActivity: LiveActivity;
  hottest: HotRow[];
  unopened: { total: number; rows: UnopenedRow[] };
  documentPerformance: DocumentPerformanceRow[];
}

const ms = (value: unknown): Date => new Date(Number(value));
const msOrNull = (value: unknown): Date | null => (value === null || value === undefined ? null : new Date(Number(value)));

/** SQL conditions for the filters on the opportunity `o` (or the document table `d`, which has the same columns). */
function filterSql(filters: DashboardFilters, alias: 'o' | 'd' | 'e' = 'o'): SQL {
  const parts: SQL[] = [];
  const t = sql.raw(alias);
  if (filters.channel !== undefined) parts.push(sql`${t}.channel = ${filters.channel}`);
  if (filters.stageNumber !== undefined) parts.push(sql`${t}.stage = ${filters.stageNumber}`);
  if (filters.ownerUserId !== undefined) parts.push(sql`${t}.owner_user_id = ${filters.ownerUserId}`);
  return parts.length === 0 ? sql`1 = 1` : sql.join(parts, sql` and `);
}

// `cross join` ... `where` below: SQLite runs a cross join in the order written (the left table is
// the outer loop), where the first table's index must drive the query; PostgreSQL plans it as any
// inner join.
const joinInOrder = sql`cross join`;

function checkFilters(filters: DashboardFilters): void {
  if (filters.stageNumber !== undefined && !Number.isInteger(filters.stageNumber)) throw new RangeError('stageNumber must be a whole number');
}

function checkNow(now: Date): void {
  if (!Number.isFinite(now.getTime())) throw new RangeError('now must be a valid date');
}

// --- Live activity ---

// Rows of the raw queries below, by the (quoted) aliases they select. Numbers may arrive as strings
// from PostgreSQL's bigint and counts: every value is converted where it is mapped.
type Numeric = number | string;
type LiveRow = {
  viewId: string;
  visitId: string;
  opportunityId: string;
  opportunityName: string;
  accountName: string | null;
  contactName: string | null;
  documentSlug: string;
  documentTitle: string | null;
  activeSeconds: Numeric;
  startedAt: Numeric;
  lastBeaconAt: Numeric;
};
type RecentVisitRow = {
  visitId: string;
  opportunityId: string;
  opportunityName: string;
  accountName: string | null;
  contactName: string | null;
  startedAt: Numeric;
  lastActivityAt: Numeric;
  newDevice: Numeric | boolean;
};

/** Who is reading now, and the visits of the last week. Two indexed, time-bounded queries plus one per page. */
export async function liveActivity(db: RingiDb, now: Date, filters: DashboardFilters = {}, options: LiveActivityOptions = {}): Promise<LiveActivity> {
  checkNow(now);
  checkFilters(filters);
  const liveLimit = boundedLimit(options.liveLimit, 20, 1, 100);
  const recentLimit = boundedLimit(options.recentLimit, 15, 1, 100);
  const since = liveSince(now).getTime();
  const where = filterSql(filters);
  // Driven by the recent window's index (joinInOrder): with an owner filter, SQLite's planner (no
  // statistics) would start from that rep's deals and read all their history (466 ms at 10 M views).

  const live = await queryRows<LiveRow>(db, sql`
    select dv.id as "viewId", dv.visit_id as "visitId", dv.opportunity_id as "opportunityId", o.name as "opportunityName",
      a.name as "accountName", c.name as "contactName", dv.document_slug as "documentSlug", dv.document_title as "documentTitle",
      dv.active_seconds as "activeSeconds", dv.started_at as "startedAt", dv.last_beacon_at as "lastBeaconAt"
    from ${documentViews} dv
    ${joinInOrder} ${opportunities} o
    left join ${accounts} a on a.id = dv.account_id
    left join ${contacts} c on c.id = dv.contact_id
    where o.id = dv.opportunity_id and dv.last_beacon_at >= ${since} and ${where}
    order by dv.last_beacon_at desc, dv.id
    limit ${liveLimit}`);

  const recent = await queryRows<RecentVisitRow>(db, sql`
    select v.id as "visitId", v.opportunity_id as "opportunityId", o.name as "opportunityName", a.name as "accountName",
      c.name as "contactName", v.started_at as "startedAt", v.last_activity_at as "lastActivityAt", v.new_device as "newDevice"
    from ${visits} v
    ${joinInOrder} ${opportunities} o
    left join ${accounts} a on a.id = v.account_id
    left join ${contacts} c on c.id = v.contact_id
    where o.id = v.opportunity_id and v.last_activity_at >= ${now.getTime() - RECENT_VISITS_WINDOW_MS} and v.last_activity_at < ${since} and ${where}
    order by v.last_activity_at desc, v.id
    limit ${recentLimit}`);

  // The documents of the listed visits: one indexed query (document_views_visit_idx) for the page.
  const byVisit = new Map<string, { docs: Map<string, string | null>; activeSeconds: number }>();
  const visitIds = recent.map((r) => String(r.visitId));
  if (visitIds.length > 0) {
    const rows = await db
      .select({ visitId: documentViews.visitId, slug: documentViews.documentSlug, title: documentViews.documentTitle, activeSeconds: documentViews.activeSeconds })
      .from(documentViews)
      .where(inArray(documentViews.visitId, visitIds))
      .orderBy(documentViews.startedAt, documentViews.id);
    for (const row of rows) {
      let entry = byVisit.get(row.visitId);
      if (!entry) byVisit.set(row.visitId, (entry = { docs: new Map(), activeSeconds: 0 }));
      if (!entry.docs.has(row.slug)) entry.docs.set(row.slug, row.title);
      entry.activeSeconds += row.activeSeconds;
    }
  }

  return {
    readingNow: live.map((r) => ({
      viewId: String(r.viewId),
      visitId: String(r.visitId),
      opportunityId: String(r.opportunityId),
      opportunityName: String(r.opportunityName),
      accountName: (r.accountName as string | null) ?? null,
      contactName: (r.contactName as string | null) ?? null,
      documentSlug: String(r.documentSlug),
      documentTitle: (r.documentTitle as string | null) ?? null,
      activeSeconds: Number(r.activeSeconds),
      startedAt: ms(r.startedAt),
      lastBeaconAt: ms(r.lastBeaconAt),
    })),
    recentVisits: recent.map((r) => {
      const entry = byVisit.get(String(r.visitId));
      return {
        visitId: String(r.visitId),
        opportunityId: String(r.opportunityId),
        opportunityName: String(r.opportunityName),
        accountName: (r.accountName as string | null) ?? null,
        contactName: (r.contactName as string | null) ?? null,
        startedAt: ms(r.startedAt),
        lastActivityAt: ms(r.lastActivityAt),
        newDevice: Number(r.newDevice) === 1,
        activeSeconds: entry?.activeSeconds ?? 0,
        documents: entry ? [...entry.docs].map(([slug, title]) => ({ slug, title })) : [],
      };
    }),
  };
}

// --- Hottest ---

async function hottest(db: RingiDb, now: Date, filters: DashboardFilters, limit: number): Promise<HotRow[]> {
  const hot = await hottestOpportunities(db, now, {
    limit,
    channel: filters.channel,
    stage: filters.stageNumber,
    ownerUserId: filters.ownerUserId,
    // Won and lost deals need no call; asking for a closed stage explicitly still lists it.
    openOnly: filters.stageNumber === undefined,
  });
  const ownerIds = [...new Set(hot.map((h) => h.ownerUserId))];
  const owners = new Map(
    ownerIds.length === 0
      ? []
      : (await db.select({ id: users.id, name: users.displayName }).from(users).where(inArray(users.id, ownerIds))).map((u) => [u.id, u.name] as const),
  );
  return hot.map((h) => ({
    opportunityId: h.opportunityId,
    name: h.name,
    accountName: h.accountName,
    stage: h.stage,
    channel: h.channel,
    ownerName: owners.get(h.ownerUserId) ?? null,
    amountJpy: h.amountJpy,
    score: h.score,
    lastSeenAt: h.lastSeenAt,
    readers: h.readers,
    activeSeconds: h.activeSeconds,
    why: topReasons(h.reasons),
    reasons: h.reasons,
  }));
}

// --- Shared but unopened ---

const NAMED_CONTACTS = 5;

/**
 * Opportunities (not archived, not closed unless that stage is asked for) whose room has an active
 * link shared at least `days` days ago with no reading since: opportunity_engagement.last_seen_at
 * (views, beacons, downloads, prints; never automated opens) is older than that share, or missing.
 * The latest such share is the one that counts. Most recently overdue first: fresh follow-ups on top.
 */
export async function unopenedOpportunities(
  db: RingiDb,
  now: Date,
  filters: DashboardFilters,
  days: number,
  limit = 20,
): Promise<{ total: number; rows: UnopenedRow[] }> {
  checkNow(now);
  checkFilters(filters);
  const bounded = boundedLimit(limit, 20, 1, 100);
  const nowMs = now.getTime();
  const cutoff = unopenedCutoff(now, days).getTime();
  // An active share old enough to be waited on.
  const activeLink = sql`(l.revoked_at is null or l.revoked_at > ${nowMs}) and (l.expires_at is null or l.expires_at > ${nowMs})
      and (r.expires_at is null or r.expires_at > ${nowMs}) and l.created_at <= ${cutoff}`;
  // What the dashboard's filters ask of an opportunity, from its engagement row (stage, channel,
  // owner and archiving are kept there, ADR 0020), so no query below joins opportunities for it.
  // Closed deals need no follow-up; asking for a closed stage explicitly still lists it.
  const openStage = filters.stageNumber === undefined ? sql`e.stage in (select number from ${pipelineStages} where outcome = 'open')` : sql`1 = 1`;
  const wanted = sql`e.archived = ${sql.param(false, opportunityEngagement.archived)} and ${openStage} and ${filterSql(filters, 'e')}`;
  // SQLite's planner, without statistics, prefers an equality on stage, channel or owner (the hottest
  // list's indexes) to the range below, and would sort every share before the walk: told here (and
  // the shares, expired ones for the count, come first in each join: joinInOrder).
  const sqlite = !isPostgres(db);
  const byUnreadShare = sqlite ? sql`indexed by opportunity_engagement_unread_share_idx` : sql``;
  const byShareDate = sqlite ? sql`indexed by access_links_created_idx` : sql``;

  // The total, from opportunity_engagement.unread_share_at (the oldest share nobody read since,
  // kept by ingest and by link changes): an opportunity is due exactly when that share is old enough,
  // unless its links or room have expired since, which nothing writes down. So: the candidates (an
  // index range), less those with an expired link or room that have no active old-enough share left.
  const [candidates] = await queryRows<{ n: Numeric }>(db, sql`
    select count(*) as n from ${opportunityEngagement} e ${byUnreadShare} where e.unread_share_at <= ${cutoff} and ${wanted}`);
  const [lapsed] = await queryRows<{ n: Numeric }>(db, sql`
    select count(distinct e.opportunity_id) as n
    from (select r.opportunity_id as id from ${accessLinks} l join ${rooms} r on r.id = l.room_id where l.expires_at <= ${nowMs}
          union all select r.opportunity_id as id from ${rooms} r where r.expires_at <= ${nowMs}) expired
    ${joinInOrder} ${opportunityEngagement} e
    where e.opportunity_id = expired.id and e.unread_share_at <= ${cutoff} and ${wanted}
      and not exists (
        select 1 from ${rooms} r join ${accessLinks} l on l.room_id = r.id
        where r.opportunity_id = e.opportunity_id and ${activeLink} and (e.last_seen_at is null or e.last_seen_at < l.created_at))`);
  const total = Number(candidates?.n ?? 0) - Number(lapsed?.n ?? 0);
  if (total <= 0) return { total: 0, rows: [] };

  // The page: the shares walked newest first from the cutoff (access_links_created_idx). An
  // opportunity is met first at its latest active old-enough share, and is due when nobody read
  // since that share; its older shares, met later, are skipped. Reads about as many shares as it lists.
  const due: Array<{ id: string; sharedAt: number; lastSeenAt: number | null }> = [];
  for (let size = bounded * 2; ; size *= 4) {
    const shares = await queryRows<{ id: string; sharedAt: Numeric; lastSeenAt: Numeric | null }>(db, sql`
      select e.opportunity_id as id, l.created_at as "sharedAt", e.last_seen_at as "lastSeenAt"
      from ${accessLinks} l ${byShareDate}
      ${joinInOrder} ${rooms} r ${joinInOrder} ${opportunityEngagement} e
      where r.id = l.room_id and e.opportunity_id = r.opportunity_id
        and ${activeLink} and ${wanted} and (e.last_seen_at is null or e.last_seen_at < l.created_at)
      order by l.created_at desc
      limit ${size}`);
    // Shares of the same moment: the page lists them by opportunity id.
    shares.sort((a, b) => Number(b.sharedAt) - Number(a.sharedAt) || (String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0));
    due.length = 0;
    const seen = new Set<string>();
    for (const share of shares) {
      if (seen.has(share.id)) continue;
      seen.add(share.id);
      due.push({ id: String(share.id), sharedAt: Number(share.sharedAt), lastSeenAt: share.lastSeenAt === null ? null : Number(share.lastSeenAt) });
    }
    if (due.length >= bounded || shares.length < size) break;
  }
  due.length = Math.min(due.length, bounded);
  if (due.length === 0) return { total: 0, rows: [] };
  const ids = due.map((d) => d.id);
  const named = new Map(
    (
      await queryRows<{ id: string; name: string; accountName: string; stage: Numeric; channel: string; ownerName: string | null }>(db, sql`
        select o.id as id, o.name as name, a.name as "accountName", o.stage as stage, o.channel as channel, u.display_name as "ownerName"
        from ${opportunities} o join ${accounts} a on a.id = o.account_id left join ${users} u on u.id = o.owner_user_id
        where o.id in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})`)
    ).map((row) => [String(row.id), row]),
  );

  // Who the rep shared with: the contacts of those links, for the listed opportunities only.
  const people = new Map<string, string[]>();
  for (const row of await queryRows<{ opp: string; name: string }>(db, sql`
    select r.opportunity_id as opp, c.name as name
    from ${rooms} r join ${accessLinks} l on l.room_id = r.id join ${contacts} c on c.id = l.contact_id
    where r.opportunity_id in (${sql.join(ids.map((id) => sql`${id}`), sql`, `)}) and ${activeLink}
    order by l.created_at desc, l.id`)) {
    const list = people.get(row.opp) ?? [];
    if (!list.includes(row.name)) list.push(row.name);
    people.set(row.opp, list);
  }

  return {
    total,
    rows: due.flatMap((d) => {
      const o = named.get(d.id);
      if (!o) return [];
      const names = people.get(d.id) ?? [];
      const sharedAt = ms(d.sharedAt);
      return [
        {
          opportunityId: d.id,
          name: String(o.name),
          accountName: String(o.accountName),
          stage: Number(o.stage),
          channel: o.channel as Channel,
          ownerName: o.ownerName ?? null,
          sharedAt,
          daysWaiting: wholeDaysSince(sharedAt, now),
          lastSeenAt: msOrNull(d.lastSeenAt),
          contacts: names.slice(0, NAMED_CONTACTS),
          moreContacts: Math.max(0, names.length - NAMED_CONTACTS),
        },
      ];
    }),
  };
}

// --- Document performance ---

type DocumentTableRow = {
  slug: string;
  stage: Numeric;
  views: Numeric;
  activeSeconds: Numeric;
  completedViews: Numeric;
  rooms: Numeric;
  roomsRead: Numeric;
};

/**
 * Per document: views, active time and completions; and per opportunity that was given it (its room
 * offers it now, or its contacts read it before it was removed) whether it was read (≥ 30 active
 * seconds over all views, or a completed view: the score's rule), split by the stage outcome (won /
 * lost). Most viewed first.
 *
 * Read from document_performance, kept per document × stage × channel × owner with every beacon and
 * every change of an opportunity or its room (ADR 0020): summed per document and stage in the order
 * of its primary key (no sort), whatever the history; won and lost from the stages (a few rows). It
 * replaced ADR 0007's table recomputed in the background.
 */
export async function documentPerformance(db: Queryable, filters: DashboardFilters = {}, limit = 50): Promise<DocumentPerformanceRow[]> {
  checkFilters(filters);
  const bounded = boundedLimit(limit, 50, 1, 200);
  const outcomes = new Map((await db.select({ number: pipelineStages.number, outcome: pipelineStages.outcome }).from(pipelineStages)).map((s) => [s.number, s.outcome]));
  const rows = await queryRows<DocumentTableRow>(db, sql`
    select d.document_slug as slug, d.stage as stage, sum(d.views) as views, sum(d.active_seconds) as "activeSeconds",
      sum(d.completed_views) as "completedViews", sum(d.rooms) as rooms, sum(d.rooms_read) as "roomsRead"
    from ${documentPerformanceTable} d
    where ${filterSql(filters, 'd')}
    group by d.document_slug, d.stage`);
  const bySlug = new Map<string, DocumentCounts & { slug: string }>();
  for (const r of rows) {
    const slug = String(r.slug);
    let counts = bySlug.get(slug);
    if (!counts) {
      counts = { slug, views: 0, activeSeconds: 0, completedViews: 0, rooms: 0, roomsRead: 0, wonRooms: 0, wonRoomsRead: 0, lostRooms: 0, lostRoomsRead: 0 };
      bySlug.set(slug, counts);
    }
    const rooms = Number(r.rooms);
    const roomsRead = Number(r.roomsRead);
    counts.views += Number(r.views);
    counts.activeSeconds += Number(r.activeSeconds);
    counts.completedViews += Number(r.completedViews);
    counts.rooms += rooms;
    counts.roomsRead += roomsRead;
    const outcome = outcomes.get(Number(r.stage));
    if (outcome === 'won') {
      counts.wonRooms += rooms;
      counts.wonRoomsRead += roomsRead;
    } else if (outcome === 'lost') {
      counts.lostRooms += rooms;
      counts.lostRoomsRead += roomsRead;
    }
  }
  return [...bySlug.values()]
    .filter((counts) => counts.rooms > 0)
    .sort((a, b) => b.views - a.views || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0))
    .slice(0, bounded)
    .map((counts) => ({ ...counts, ...documentRates(counts) }));
}

export const DEFAULT_DOCUMENT_LIMIT = 50;

// --- Everything ---

export async function loadDashboard(db: RingiDb, now: Date, filters: DashboardFilters = {}, options: DashboardOptions = {}): Promise<Dashboard> {
  checkNow(now);
  checkFilters(filters);
  const days = options.unopenedAfterDays ?? (await getSettingValues(db)).unopenedAfterDays;
  // One read transaction: the four sections see the same moment of the database.
  return await db.transaction(
    async () => {
      const documents = await documentPerformance(db, filters, boundedLimit(options.documentLimit, DEFAULT_DOCUMENT_LIMIT, 1, 200));
      return {
        unopenedAfterDays: days,
        liveActivity: await liveActivity(db, now, filters, options),
        hottest: await hottest(db, now, filters, boundedLimit(options.hottestLimit, 10, 1, 50)),
        unopened: await unopenedOpportunities(db, now, filters, days, options.unopenedLimit ?? 20),
        documentPerformance: documents,
      };
    },
    { behavior: 'deferred' },
  );
}

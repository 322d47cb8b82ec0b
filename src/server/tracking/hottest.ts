// The hottest opportunities now: scored from the running totals, filtered by channel, stage and owner.
import { and, eq, gte, inArray, isNotNull, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { accounts, opportunities, opportunityEngagement, pipelineStages, readingTotals, type channels } from '../db/tables';
import { approximateRowCount, type RingiDb } from '../db/client';
import { maxScoreSeenAt, type ScoreReason } from './engagement-score';
import { DAY_MS, type ReadModelOptions, chunks, groupBy, boundedInt } from './read-model-support';
import { browsersOf, categorySource, summarize, totalsOf, engagementOf, roomSlugsOf } from './engagement-summary';

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
    const browsers = groupBy(await browsersOf(db, matching), (r) => r.opportunityId);
    const roomSlugs = await roomSlugsOf(db, matching);
    const category = await categorySource(db, options, matching);
    for (const o of opps) {
      const s = summarize(totals.get(o.id) ?? [], engagement.get(o.id) ?? [], browsers.get(o.id) ?? [], roomSlugs.get(o.id)?.length ?? 0, category, now);
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

// The hottest opportunities now: an index walk on the hot key kept in opportunity_engagement
// (src/server/tracking/aggregates.ts, docs/adr/0020), filtered by channel, stage and owner.
import { and, eq, gte, inArray, isNotNull, lte, not, sql, type SQL } from 'drizzle-orm';
import { accounts, opportunities, opportunityEngagement, pipelineStages, type channels } from '../db/tables';
import type { RingiDb } from '../db/client';
import { engagementScoreDetail, RECENCY_HALF_LIFE_DAYS, type ScoreReason } from './engagement-score';
import { DAY_MS, boundedInt } from './read-model-support';

export type Channel = (typeof channels)[number];

export interface HottestOptions {
  /** 1-200. */
  limit: number;
  channel?: Channel;
  stage?: number;
  ownerUserId?: string;
  /** Only opportunities in a stage whose outcome is open (won and lost deals need no call). */
  openOnly?: boolean;
  /** Archived opportunities are left out unless this is true. */
  includeArchived?: boolean;
  /** Tuning only: rows read by the first step of the walk (default limit + 10); any value gives the same result. */
  batch?: number;
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

const HALF_LIFE_MS = RECENCY_HALF_LIFE_DAYS * DAY_MS;

/**
 * Opportunities ranked by engagement score (ties: more recently seen first, then id), only those
 * scoring above 0. Exact, reading only the rows it lists plus the ties of the last one:
 *
 * opportunity_engagement.hot_key is last seen + half-life × log2(score before decay), so the score at
 * any `now` is 2^((hot_key − now) / half-life): walking the hot-key index downwards (per channel,
 * stage or owner when filtered) meets opportunities in falling score order. The walk stops once
 * `limit` are found and the next scores less than the last of them, or at keys scoring under ½
 * (which round to 0). Score inputs are stored with the key, so the reasons need no other read.
 */
export async function hottestOpportunities(db: RingiDb, now: Date, options: HottestOptions): Promise<HotOpportunity[]> {
  const limit = boundedInt(options.limit, 20, 1, 200, 'limit');
  const nowMs = now.getTime();
  if (!Number.isFinite(nowMs)) throw new RangeError('now must be a valid date');
  const e = opportunityEngagement;
  const filters = and(
    isNotNull(e.hotKey),
    // 2^((key − now) / half-life) < ½ rounds to 0.
    gte(e.hotKey, nowMs - HALF_LIFE_MS),
    options.includeArchived ? undefined : eq(e.archived, false),
    options.channel === undefined ? undefined : eq(e.channel, options.channel),
    options.stage === undefined ? undefined : eq(e.stage, options.stage),
    options.ownerUserId === undefined ? undefined : eq(e.ownerUserId, options.ownerUserId),
    // Unary plus: a condition to check on the way, never an index to start from (SQLite's planner,
    // without statistics, would read every open deal by stage and sort them: 105 ms at 10 M views).
    options.openOnly ? sql`+${e.stage} in (select ${pipelineStages.number} from ${pipelineStages} where ${pipelineStages.outcome} = 'open')` : undefined,
  );

  const found: HotOpportunity[] = [];
  let size = boundedInt(options.batch ?? limit + 10, limit + 10, 1, 10_000, 'batch');
  let below = null as { key: number; ids: string[] } | null;
  for (;;) {
    // Only the hot key orders the walk (a second sort key would make the engine sort every match);
    // rows sharing the last key are excluded by id on the next step.
    const page: Array<{ key: number } & HotOpportunity> = await walk(db, and(filters, below ? keyBelow(below) : undefined)!, size, now);
    for (const row of page) {
      const { key: _key, ...hot } = row;
      if (hot.score <= 0 || (found.length >= limit && hot.score < found[limit - 1]!.score)) return ranked(found, limit);
      found.push(hot);
    }
    if (page.length < size) return ranked(found, limit);
    const lastKey = page[page.length - 1]!.key;
    below = { key: lastKey, ids: [...(below?.key === lastKey ? below.ids : []), ...page.filter((r) => r.key === lastKey).map((r) => r.opportunityId)] };
    size *= 2;
  }
}

function keyBelow(below: { key: number; ids: string[] }): SQL {
  const e = opportunityEngagement;
  return and(lte(e.hotKey, below.key), sql`(${e.hotKey} < ${below.key} or ${not(inArray(e.opportunityId, below.ids))})`)!;
}

function ranked(found: HotOpportunity[], limit: number): HotOpportunity[] {
  return found
    .sort((a, b) => b.score - a.score || b.lastSeenAt.getTime() - a.lastSeenAt.getTime() || (a.opportunityId < b.opportunityId ? -1 : a.opportunityId > b.opportunityId ? 1 : 0))
    .slice(0, limit);
}

async function walk(db: RingiDb, where: SQL, size: number, now: Date): Promise<Array<{ key: number } & HotOpportunity>> {
  const e = opportunityEngagement;
  const rows = await db
    .select({
      engagement: e,
      name: opportunities.name,
      accountName: accounts.name,
      amountJpy: opportunities.amountJpy,
    })
    .from(e)
    .innerJoin(opportunities, eq(opportunities.id, e.opportunityId))
    .innerJoin(accounts, eq(accounts.id, opportunities.accountId))
    .where(where)
    .orderBy(sql`${e.hotKey} desc`)
    .limit(size);
  return rows.map(({ engagement: g, name, accountName, amountJpy }) => {
    const readers = g.contactsReading + g.browserReaders;
    const { score, reasons } = engagementScoreDetail({ ...g, readers, lastSeenAt: g.lastSeenAt }, now);
    return {
      key: g.hotKey!,
      opportunityId: g.opportunityId,
      name,
      accountId: g.accountId,
      accountName,
      stage: g.stage!,
      channel: g.channel!,
      ownerUserId: g.ownerUserId!,
      amountJpy,
      lastSeenAt: g.lastSeenAt!,
      visits: g.visits,
      readers,
      activeSeconds: g.activeSeconds,
      documentsRead: g.documentsRead,
      keyDocumentsRead: g.keyDocumentsRead,
      automatedOpens: g.automatedOpens,
      score,
      reasons,
    };
  });
}

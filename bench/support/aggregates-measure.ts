// Benchmark body for bench/aggregates.mjs, run with tsx (never by the app):
//   tsx bench/support/aggregates-measure.ts <database-path> <calls> <seed> <now-iso> [purge-days|no-purge] [rebuild]
// Opens the seeded database with the project's own openDatabase (WAL, the app's pragmas), then times
// each read-model call `calls` times after a warm-up, next to two same-run baselines: a prepared
// `SELECT 1` and a drizzle primary-key lookup. With `rebuild`, then times the on-start build of the
// aggregates (rebuildAllAggregates); with purge-days, finally purgeRawTracking. Both as background
// jobs: each transaction's duration and the event-loop delay meanwhile.
// Besides the read-model functions, it times what the two admin pages compute on the server: the
// home dashboard's loadDashboard as src/pages/admin/index.astro calls it (uncached and cached, with
// and without filters) and each of its sections, and the timeline page's database work
// (src/pages/admin/opportunities/[id]/timeline.astro: overview, summary, one page, the explanation).
// Not timed: the content catalog and Markdown headings the pages read (files, cached in process).
// Prints one JSON line: { cases: [{ name, ms: number[] }], facts }.
import { eq, sql } from 'drizzle-orm';
import { opportunities, opportunityEngagement, pipelineStages, readingTotals } from '../../src/server/db/tables';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { documentPerformance, liveActivity, loadDashboard, unopenedOpportunities, type DashboardFilters } from '../../src/server/dashboard/dashboard';
import { pageViews } from '../../src/server/api/crm-sync';
import { openDatabase } from '../../src/server/db/client';
import { getOpportunity } from '../../src/server/crm/opportunities';
import { getSettingValues } from '../../src/server/settings/settings';
import { RECENCY_HALF_LIFE_DAYS } from '../../src/server/tracking/engagement-score';
import {
  accountEngagementSummary,
  hottestOpportunities,
  opportunityEngagementSummary,
  opportunityTimeline,
  type TimelineCursor,
} from '../../src/server/tracking/read-model';
import { rebuildAllAggregates } from '../../src/server/tracking/aggregates';
import { purgeRawTracking } from '../../src/server/tracking/retention';
import { explainEngagementScore } from '../../src/server/tracking/score-explanation';
import { BENCH_CATALOG } from './aggregates-catalog';
import { prng } from './prng.mjs';

const DAY = 24 * 60 * 60 * 1000;
const WARMUP = 20;

async function main(): Promise<void> {
  const [file, callsArg, seedArg, nowIso, purgeArg, rebuildArg] = process.argv.slice(2);
  if (!file || !callsArg || !nowIso) throw new Error('usage: aggregates-measure.ts <database-path> <calls> <seed> <now-iso> [purge-days|no-purge] [rebuild]');
  const calls = Number(callsArg);
  const random = prng(Number(seedArg ?? 1) + 1000);
  const now = new Date(nowIso);
  const db = openDatabase(file);
  const categories = new Map(BENCH_CATALOG.map(([slug, category]) => [slug, category]));

  // Opportunities with reading (the timeline of a never-opened room is trivially empty).
  const active = await db
    .select({ id: opportunityEngagement.opportunityId, accountId: opportunityEngagement.accountId, visits: opportunityEngagement.visits })
    .from(opportunityEngagement)
    .where(sql`${opportunityEngagement.visits} > 0`);
  const pick = () => active[Math.floor(random() * active.length)]!;
  const heaviest = active.reduce((a, b) => (b.visits > a.visits ? b : a));
  // A cursor in the middle of the heaviest opportunity's history: a deep page.
  let middle: TimelineCursor | undefined;
  {
    let cursor: TimelineCursor | undefined;
    for (let page = 0; page < Math.floor(heaviest.visits / 2 / 20); page++) {
      cursor = (await opportunityTimeline(db, heaviest.id, { limit: 20, before: cursor })).nextBefore ?? cursor;
    }
    middle = cursor;
  }

  // The home dashboard (src/pages/admin/index.astro): loadDashboard with the page's defaults; every
  // section reads the aggregates (ADR 0019), nothing is cached. Channel 'ads', stage 5 and one rep's
  // deals are filters the page offers.
  const unopenedAfterDays = (await getSettingValues(db)).unopenedAfterDays;
  const dashboard = (filters: DashboardFilters) => async () => await loadDashboard(db, now, filters);
  const filterCases: Array<[string, DashboardFilters]> = [
    ['no filters', {}],
    ["channel 'ads'", { channel: 'ads' }],
    ['stage 5', { stageNumber: 5 }],
    ["one rep's deals", { ownerUserId: 'u3' }],
  ];
  // The timeline page (src/pages/admin/opportunities/[id]/timeline.astro), page 1.
  const timelinePage = (id: string) => async () => {
    const overview = await getOpportunity(db, id);
    const summary = await opportunityEngagementSummary(db, id, now, { documentCategories: categories });
    const timeline = await opportunityTimeline(db, id, { limit: 20 });
    return [overview, timeline, summary && explainEngagementScore('ja', summary, (slug) => slug, now)];
  };

  const selectOne = db.$client.prepare('select 1 as one');
  const cases: Array<{ name: string; run: () => unknown }> = [
    { name: 'baseline: prepared SELECT 1', run: () => selectOne.get() },
    { name: 'baseline: opportunity by primary key (drizzle)', run: async () => (await db.select().from(opportunities).where(eq(opportunities.id, pick().id)).limit(1))[0] },
    { name: 'timeline page (random: overview + summary + page 1)', run: () => timelinePage(pick().id)() },
    { name: `timeline page (heaviest: ${heaviest.visits} visits)`, run: timelinePage(heaviest.id) },
    ...filterCases.map(([label, filters]) => ({ name: `loadDashboard (${label})`, run: dashboard(filters) })),
    { name: 'dashboard part: liveActivity', run: async () => await liveActivity(db, now, {}) },
    { name: 'dashboard part: hottestOpportunities (limit 10)', run: async () => await hottestOpportunities(db, now, { limit: 10 }) },
    { name: 'dashboard part: unopenedOpportunities', run: async () => await unopenedOpportunities(db, now, {}, unopenedAfterDays, 20) },
    ...filterCases.map(([label, filters]) => ({ name: `dashboard part: documentPerformance (${label})`, run: async () => await documentPerformance(db, filters, 50) })),
    { name: 'opportunityTimeline (random, limit 20)', run: async () => await opportunityTimeline(db, pick().id, { limit: 20 }) },
    { name: `opportunityTimeline (heaviest: ${heaviest.visits} visits, page 1)`, run: async () => await opportunityTimeline(db, heaviest.id, { limit: 20 }) },
    { name: 'opportunityTimeline (heaviest, a middle page)', run: async () => await opportunityTimeline(db, heaviest.id, { limit: 20, before: middle }) },
    { name: 'opportunityEngagementSummary (random, catalog)', run: async () => await opportunityEngagementSummary(db, pick().id, now, { documentCategories: categories }) },
    { name: 'opportunityEngagementSummary (random, no catalog)', run: async () => await opportunityEngagementSummary(db, pick().id, now) },
    { name: 'opportunityEngagementSummary (heaviest, catalog)', run: async () => await opportunityEngagementSummary(db, heaviest.id, now, { documentCategories: categories }) },
    { name: 'accountEngagementSummary (random, catalog)', run: async () => await accountEngagementSummary(db, pick().accountId, now, { documentCategories: categories }) },
    { name: 'hottestOpportunities (limit 20)', run: async () => await hottestOpportunities(db, now, { limit: 20 }) },
    { name: 'hottestOpportunities (limit 200, open deals)', run: async () => await hottestOpportunities(db, now, { limit: 200, openOnly: true }) },
    { name: "hottestOpportunities (limit 20, channel 'ads')", run: async () => await hottestOpportunities(db, now, { limit: 20, channel: 'ads' }) },
    { name: 'hottestOpportunities (limit 20, stage 5)', run: async () => await hottestOpportunities(db, now, { limit: 20, stage: 5 }) },
    { name: 'hottestOpportunities (limit 20, stage 5 + ads)', run: async () => await hottestOpportunities(db, now, { limit: 20, stage: 5, channel: 'ads' }) },
    { name: "hottestOpportunities (limit 20, one rep's deals)", run: async () => await hottestOpportunities(db, now, { limit: 20, ownerUserId: 'u3' }) },
    { name: 'hottestOpportunities (a filter matching nothing)', run: async () => await hottestOpportunities(db, now, { limit: 20, ownerUserId: 'nobody' }) },
    // The API's reads (src/server/api/routes.ts): an opportunity's views, and the engagement score.
    { name: 'API: views of an opportunity (random, page of 100)', run: async () => await pageViews(db, { opportunityId: pick().id, limit: 100, cursor: null }) },
    { name: 'API: views since a day ago (page of 100)', run: async () => await pageViews(db, { since: new Date(now.getTime() - DAY), limit: 100, cursor: null }) },
  ];

  // Each call is awaited, then the event loop turns (as between two requests to the server), so the
  // event-loop delay histogram sees how long any one piece of work held the loop.
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const delay = (h: ReturnType<typeof monitorEventLoopDelay>) => ({ maxMs: Math.round(h.max / 1e5) / 10, p99Ms: Math.round(h.percentile(99) / 1e5) / 10, p50Ms: Math.round(h.percentile(50) / 1e5) / 10 });
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const results: Array<{ name: string; ms: number[]; loopMaxMs: number }> = [];
  for (const c of cases) {
    for (let i = 0; i < WARMUP; i++) {
      await c.run();
      await turn();
    }
    const ms: number[] = [];
    const caseDelay = monitorEventLoopDelay({ resolution: 5 });
    caseDelay.enable();
    for (let i = 0; i < calls; i++) {
      const t = process.hrtime.bigint();
      await c.run();
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
      await turn();
    }
    caseDelay.disable();
    results.push({ name: c.name, ms, loopMaxMs: delay(caseDelay).maxMs });
  }
  loopDelay.disable();
  const readsLoopDelay = delay(loopDelay);

  // How far back the hottest list had to look: the 20th best score bounds the age of any rival.
  const top = await hottestOpportunities(db, now, { limit: 20 });
  const twentieth = top[top.length - 1]?.score ?? 0;
  const horizonDays = twentieth > 0 ? RECENCY_HALF_LIFE_DAYS * Math.log2(100 / twentieth) : null;
  const since = horizonDays === null ? null : new Date(now.getTime() - horizonDays * DAY);
  const withinHorizon = since
    ? ((await db
        .select({ n: sql<number>`count(distinct ${readingTotals.opportunityId})` })
        .from(readingTotals)
        .where(sql`${readingTotals.lastSeenAt} >= ${since.getTime()}`).limit(1))[0]?.n ?? 0)
    : null;

  // What the dashboard shows on this data (so a fast case is not fast because a section is empty).
  const shown = await loadDashboard(db, now, {});
  const outcomes = await db
    .select({ outcome: pipelineStages.outcome, n: sql<number>`count(*)` })
    .from(opportunities)
    .innerJoin(pipelineStages, eq(pipelineStages.number, opportunities.stage))
    .groupBy(pipelineStages.outcome);
  const dashboardFacts = {
    stages: Object.fromEntries(outcomes.map((o) => [o.outcome, o.n])),
    readingNow: shown.liveActivity.readingNow.length,
    recentVisits: shown.liveActivity.recentVisits.length,
    hottest: shown.hottest.length,
    unopenedAfterDays,
    unopenedTotal: shown.unopened.total,
    documents: shown.documentPerformance.length,
    documentWonRooms: shown.documentPerformance.reduce((sum, d) => sum + d.wonRooms, 0),
    documentLostRooms: shown.documentPerformance.reduce((sum, d) => sum + d.lostRooms, 0),
  };

  const shownNow = async () =>
    JSON.stringify([
      await loadDashboard(db, now, {}),
      await hottestOpportunities(db, now, { limit: 50 }),
      await opportunityEngagementSummary(db, heaviest.id, now, { documentCategories: categories }),
      await accountEngagementSummary(db, heaviest.accountId, now, { documentCategories: categories }),
    ]);

  /**
   * Runs a background job as the server would, timing each of its transactions (how long beacons wait
   * for the write lock) and the event-loop delay meanwhile (something else wants the loop every 5 ms:
   * a beacon, a page).
   */
  async function backgroundJob<T>(job: () => Promise<T>) {
    const transaction = db.transaction.bind(db);
    const held: number[] = [];
    (db as { transaction: unknown }).transaction = async (fn: Parameters<typeof transaction>[0]) => {
      const t = process.hrtime.bigint();
      try {
        return await transaction(fn);
      } finally {
        held.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    };
    const jobDelay = monitorEventLoopDelay({ resolution: 5 });
    jobDelay.enable();
    const t = process.hrtime.bigint();
    try {
      const result = await job();
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      held.sort((a, b) => a - b);
      return {
        result,
        ms: Math.round(ms),
        transactions: held.length,
        transactionP50Ms: Math.round(held[Math.floor(held.length / 2)] ?? 0),
        transactionP99Ms: Math.round(held[Math.min(held.length - 1, Math.floor(held.length * 0.99))] ?? 0),
        transactionMaxMs: Math.round(held[held.length - 1] ?? 0),
        loopDelay: delay(jobDelay),
      };
    } finally {
      jobDelay.disable();
      (db as { transaction: unknown }).transaction = transaction;
    }
  }

  // The build every server runs on start when the aggregates are missing or of an older version
  // (ADR 0020): it rewrites them from the running totals, so what the pages show must not move.
  let rebuild: unknown = null;
  if (rebuildArg === 'rebuild') {
    const before = await shownNow();
    const job = await backgroundJob(() => rebuildAllAggregates(db));
    rebuild = { ...job, result: undefined, opportunities: job.result.opportunities, documentRows: job.result.documentRows, unchanged: (await shownNow()) === before };
  }

  let purge: unknown = null;
  if (purgeArg && purgeArg !== 'no-purge') {
    // What the admin pages show must not move: the aggregates are not raw rows.
    const before = await shownNow();
    const job = await backgroundJob(() => purgeRawTracking(db, { olderThanDays: Number(purgeArg), now }));
    purge = { olderThanDays: Number(purgeArg), ...job, ...job.result, result: undefined, cutoff: job.result.cutoff.toISOString(), totalsKept: (await shownNow()) === before };
  }
  db.$client.close();

  console.log(
    JSON.stringify({
      cases: results,
      facts: {
        activeOpportunities: active.length,
        heaviest,
        hottestTop: top.slice(0, 3).map((h) => ({ id: h.opportunityId, score: h.score, lastSeenDaysAgo: Math.round(((now.getTime() - h.lastSeenAt.getTime()) / DAY) * 10) / 10 })),
        twentiethScore: twentieth,
        horizonDays: horizonDays === null ? null : Math.round(horizonDays * 10) / 10,
        opportunitiesWithinHorizon: withinHorizon,
        dashboard: dashboardFacts,
        readsLoopDelay,
        rebuild,
        purge,
      },
    }),
  );
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
}

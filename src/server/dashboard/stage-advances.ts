// Content that moves deals forward (issue 19): in won deals, which documents were read at each stage
// before the deal advanced from it. Driven by the stage history of the most recent won deals: each
// advance row joins its deal's views in [entered the stage, left it) on document_views_opportunity_idx,
// so the cost follows those deals' reading, never a scan of all views.
import { and, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { documentViews, opportunities, opportunityStageChanges, pipelineStages } from '../db/tables';
import type { Queryable } from '../db/client';
import type { DashboardFilters } from './dashboard';

/** Won deals looked at: the most recently created ones. */
export const WON_DEALS = 200;
/** Documents listed per advance. */
export const DOCUMENTS_PER_ADVANCE = 5;

export interface AdvanceDocument {
  slug: string;
  /** Won deals that read it at the stage before advancing. */
  deals: number;
  readers: number;
  activeSeconds: number;
}

export interface StageAdvance {
  fromStage: number;
  toStage: number;
  /** Won deals that made this advance. */
  deals: number;
  /** Most read first (deals, then time). */
  documents: AdvanceDocument[];
}

export async function contentBeforeAdvances(db: Queryable, filters: DashboardFilters = {}): Promise<StageAdvance[]> {
  const sc = opportunityStageChanges;
  const wonDeals = db
    .select({ id: opportunities.id })
    .from(opportunities)
    .innerJoin(pipelineStages, eq(pipelineStages.number, opportunities.stage))
    .where(
      and(
        eq(pipelineStages.outcome, 'won'),
        isNull(opportunities.archivedAt),
        filters.channel ? eq(opportunities.channel, filters.channel) : undefined,
        filters.ownerUserId ? eq(opportunities.ownerUserId, filters.ownerUserId) : undefined,
      ),
    )
    .orderBy(desc(opportunities.createdAt))
    .limit(WON_DEALS);
  // Forward moves only; the stage filter picks the stage advanced from.
  const advances = and(
    inArray(sc.opportunityId, wonDeals),
    isNotNull(sc.fromStage),
    gt(sc.toStage, sc.fromStage),
    filters.stageNumber !== undefined ? eq(sc.fromStage, filters.stageNumber) : undefined,
  );
  const counts = await db
    .select({ fromStage: sc.fromStage, toStage: sc.toStage, deals: sql<number>`count(distinct ${sc.opportunityId})`.mapWith(Number) })
    .from(sc)
    .where(advances)
    .groupBy(sc.fromStage, sc.toStage);
  const reads = await db
    .select({
      fromStage: sc.fromStage,
      toStage: sc.toStage,
      slug: documentViews.documentSlug,
      deals: sql<number>`count(distinct ${sc.opportunityId})`.mapWith(Number),
      readers: sql<number>`count(distinct ${documentViews.contactId})`.mapWith(Number),
      activeSeconds: sql<number>`coalesce(sum(${documentViews.activeSeconds}), 0)`.mapWith(Number),
    })
    .from(sc)
    .innerJoin(
      documentViews,
      and(
        eq(documentViews.opportunityId, sc.opportunityId),
        lt(documentViews.startedAt, sc.changedAt),
        // Changes recorded before fromStageSince existed have none: then everything before counts.
        or(isNull(sc.fromStageSince), gte(documentViews.startedAt, sc.fromStageSince)),
      ),
    )
    .where(advances)
    .groupBy(sc.fromStage, sc.toStage, documentViews.documentSlug);

  const key = (from: number, to: number) => `${from}>${to}`;
  const byAdvance = new Map<string, StageAdvance>();
  for (const c of counts) byAdvance.set(key(c.fromStage!, c.toStage), { fromStage: c.fromStage!, toStage: c.toStage, deals: c.deals, documents: [] });
  for (const r of reads) byAdvance.get(key(r.fromStage!, r.toStage))?.documents.push({ slug: r.slug, deals: r.deals, readers: r.readers, activeSeconds: r.activeSeconds });
  return [...byAdvance.values()]
    .sort((a, b) => a.fromStage - b.fromStage || a.toStage - b.toStage)
    .map((a) => ({
      ...a,
      documents: a.documents.sort((x, y) => y.deals - x.deals || y.activeSeconds - x.activeSeconds || x.slug.localeCompare(y.slug)).slice(0, DOCUMENTS_PER_ADVANCE),
    }));
}

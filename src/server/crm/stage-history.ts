// Stage history (issue 19): every stage an opportunity has been in, with who moved it, when and why.
// recordStageChange is the one writer; every path that sets a stage calls it in the same transaction
// (forms and the API through crm/opportunities.ts, accepted suggestions, the demo seed).
import crypto from 'node:crypto';
import { and, desc, eq, gte, lt } from 'drizzle-orm';
import { opportunities, opportunityStageChanges, pipelineStages, users, type stageChangeReasons } from '../db/tables';
import type { Queryable } from '../db/client';

export type StageChangeReason = (typeof stageChangeReasons)[number];
export type StageChangeRow = typeof opportunityStageChanges.$inferSelect;

export interface StageChange {
  opportunityId: string;
  /** Null when the opportunity is created. */
  fromStage: number | null;
  toStage: number;
  reason: StageChangeReason;
  byUserId: string | null;
  at: Date;
  /** For an accepted suggestion: its key (approval rules). */
  suggestionKey?: string | null;
}

/**
 * Records a stage change; nothing when the stage stayed the same. `fromStageSince` is when the deal
 * entered the stage it leaves (its latest recorded change, else its creation), so "what was read at
 * that stage" is one indexed range of its views.
 */
export async function recordStageChange(db: Queryable, change: StageChange): Promise<StageChangeRow | null> {
  if (change.fromStage === change.toStage) return null;
  let since: Date | null = null;
  if (change.fromStage !== null) {
    const [latest] = await db
      .select({ at: opportunityStageChanges.changedAt })
      .from(opportunityStageChanges)
      .where(eq(opportunityStageChanges.opportunityId, change.opportunityId))
      .orderBy(desc(opportunityStageChanges.changedAt))
      .limit(1);
    since = latest?.at ?? (await db.select({ at: opportunities.createdAt }).from(opportunities).where(eq(opportunities.id, change.opportunityId)).limit(1))[0]?.at ?? null;
  }
  const [row] = await db
    .insert(opportunityStageChanges)
    .values({
      id: crypto.randomUUID(),
      opportunityId: change.opportunityId,
      fromStage: change.fromStage,
      toStage: change.toStage,
      fromStageSince: since,
      reason: change.reason,
      changedByUserId: change.byUserId,
      suggestionKey: change.suggestionKey ?? null,
      changedAt: change.at,
    })
    .returning();
  return row ?? null;
}

export interface StageHistoryEntry {
  id: string;
  fromStage: number | null;
  toStage: number;
  toLabelJa: string;
  toLabelEn: string;
  reason: StageChangeReason;
  changedByName: string | null;
  suggestionKey: string | null;
  changedAt: Date;
}

/** An opportunity's stage changes in [from, to), newest first (the timeline shows those of its page's slice). */
export async function stageHistory(db: Queryable, opportunityId: string, range: { from?: Date | null; to?: Date | null } = {}, limit = 200): Promise<StageHistoryEntry[]> {
  return await db
    .select({
      id: opportunityStageChanges.id,
      fromStage: opportunityStageChanges.fromStage,
      toStage: opportunityStageChanges.toStage,
      toLabelJa: pipelineStages.labelJa,
      toLabelEn: pipelineStages.labelEn,
      reason: opportunityStageChanges.reason,
      changedByName: users.displayName,
      suggestionKey: opportunityStageChanges.suggestionKey,
      changedAt: opportunityStageChanges.changedAt,
    })
    .from(opportunityStageChanges)
    .innerJoin(pipelineStages, eq(pipelineStages.number, opportunityStageChanges.toStage))
    .leftJoin(users, eq(users.id, opportunityStageChanges.changedByUserId))
    .where(
      and(
        eq(opportunityStageChanges.opportunityId, opportunityId),
        range.from ? gte(opportunityStageChanges.changedAt, range.from) : undefined,
        range.to ? lt(opportunityStageChanges.changedAt, range.to) : undefined,
      ),
    )
    .orderBy(desc(opportunityStageChanges.changedAt), desc(opportunityStageChanges.id))
    .limit(limit);
}

// The numbered pipeline (フェーズ): numbers are the identity, labels are per language.
import { asc, eq } from 'drizzle-orm';
import { pipelineStages } from '../db/tables';
import type { Queryable } from '../db/client';
import type { Locale } from '../i18n/format';

export type PipelineStage = typeof pipelineStages.$inferSelect;

export async function listStages(db: Queryable): Promise<PipelineStage[]> {
  return await db.select().from(pipelineStages).orderBy(asc(pipelineStages.number));
}

export async function getStage(db: Queryable, number: number): Promise<PipelineStage | null> {
  if (!Number.isInteger(number)) return null;
  return (await db.select().from(pipelineStages).where(eq(pipelineStages.number, number)).limit(1))[0] ?? null;
}

export async function stageExists(db: Queryable, number: number): Promise<boolean> {
  return (await getStage(db, number)) !== null;
}

/** The stage's name in the reader's language, falling back to the other one if it is empty. */
export function stageLabel(stage: Pick<PipelineStage, 'labelJa' | 'labelEn'>, locale: Locale): string {
  const [first, second] = locale === 'en' ? [stage.labelEn, stage.labelJa] : [stage.labelJa, stage.labelEn];
  return first.trim() || second;
}

/** "3. 提案" / "3. Proposal": how lists and selects show a stage. */
export function stageDisplay(stage: Pick<PipelineStage, 'number' | 'labelJa' | 'labelEn'>, locale: Locale): string {
  return `${stage.number}. ${stageLabel(stage, locale)}`;
}

/** The same for an opportunity row that carries its stage's labels. */
export function opportunityStageDisplay(o: { stage: number; stageLabelJa: string; stageLabelEn: string }, locale: Locale): string {
  return stageDisplay({ number: o.stage, labelJa: o.stageLabelJa, labelEn: o.stageLabelEn }, locale);
}

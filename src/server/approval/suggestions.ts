// Approval suggestions on the opportunity page: computed from the read model each time the page is
// read (approval-rules.ts), never applied by themselves. Only the rep's answers are stored: accept
// (moves the stage through updateOpportunity, so the stage history says "accepted suggestion", who
// and when) or dismiss (hidden until the evidence changes).
import { eq } from 'drizzle-orm';
import { approvalSuggestionDecisions } from '../db/tables';
import type { Queryable, RingiDb } from '../db/client';
import { canEditOpportunity } from '../auth/permissions';
import type { Actor } from '../crm/common';
import { getOpportunity, updateOpportunity, type OpportunityDetail } from '../crm/opportunities';
import { stageExists } from '../crm/stages';
import { allDocumentCards } from '../documents/catalog';
import { ok, type Refused, type Result } from '../result';
import { loadApprovalFacts, type DocumentInfo } from './approval-facts';
import { approvalSuggestions, evaluationSignals, type Evidence, type Suggestion } from './approval-rules';

export interface ApprovalReading {
  /** Suggestions nobody has answered yet. */
  suggestions: Suggestion[];
  /** Signs of evaluation (long-cycle deals): the hand-off signal. */
  signals: Evidence[];
}

export async function documentInfo(db: RingiDb): Promise<DocumentInfo> {
  return new Map((await allDocumentCards(db)).map((card) => [card.slug, { title: card.title, category: card.category as string }]));
}

async function decidedKeys(db: Queryable, opportunityId: string): Promise<Set<string>> {
  const rows = await db.select({ key: approvalSuggestionDecisions.suggestionKey }).from(approvalSuggestionDecisions).where(eq(approvalSuggestionDecisions.opportunityId, opportunityId));
  return new Set(rows.map((r) => r.key));
}

/** What the reading says now about the buyer's approval, minus what the rep already answered. */
export async function approvalReading(db: RingiDb, opportunity: OpportunityDetail, now: Date, documents?: DocumentInfo): Promise<ApprovalReading> {
  const facts = await loadApprovalFacts(db, { id: opportunity.id, stage: opportunity.stage, stageOutcome: opportunity.stageOutcome, salesCycle: opportunity.salesCycle }, documents ?? (await documentInfo(db)), now);
  const decided = await decidedKeys(db, opportunity.id);
  return { suggestions: approvalSuggestions(facts).filter((s) => !decided.has(s.key)), signals: evaluationSignals(facts) };
}

export type DecisionFailure = 'not_found' | 'forbidden' | 'stale';
const refused = (reason: DecisionFailure): Refused<DecisionFailure> => ({ ok: false, reason }) as Refused<DecisionFailure>;

/**
 * The rep's answer. The suggestion must still stand (computed again now), so a page left open while
 * the stage or the reading changed cannot move the deal on stale evidence.
 */
export async function decideSuggestion(db: RingiDb, actor: Actor, opportunityId: string, key: string, decision: 'accept' | 'dismiss', now = new Date()): Promise<Result<Suggestion, Refused<DecisionFailure>>> {
  const opportunity = await getOpportunity(db, opportunityId);
  if (!opportunity) return refused('not_found');
  if (!canEditOpportunity(actor, opportunity)) return refused('forbidden');
  const suggestion = (await approvalReading(db, opportunity, now)).suggestions.find((s) => s.key === key);
  if (!suggestion) return refused('stale');
  if (decision === 'accept' && suggestion.stage !== null && !(await stageExists(db, suggestion.stage))) return refused('stale');
  return await db.transaction(async (tx) => {
    const txDb = tx as unknown as RingiDb;
    const inserted = await tx
      .insert(approvalSuggestionDecisions)
      .values({ opportunityId, suggestionKey: key, decision: decision === 'accept' ? 'accepted' : 'dismissed', decidedByUserId: actor.id, decidedAt: now })
      .onConflictDoNothing()
      .returning({ key: approvalSuggestionDecisions.suggestionKey });
    // Answered meanwhile (another tab, a colleague): the first answer stands.
    if (inserted.length === 0 || decision === 'dismiss' || suggestion.stage === null) return ok(suggestion);
    const { name, accountId, amountJpy, expectedCloseDate, channel, ownerUserId, salesCycle } = opportunity;
    const moved = await updateOpportunity(
      txDb,
      actor,
      opportunityId,
      { name, accountId, stage: suggestion.stage, amountJpy, expectedCloseDate: expectedCloseDate ?? '', channel, ownerUserId, salesCycle },
      { via: 'suggestion', suggestionKey: key, now },
    );
    if (!moved.ok) throw new Error(`accepting suggestion ${key} failed: ${moved.reason}`);
    return ok(suggestion);
  });
}

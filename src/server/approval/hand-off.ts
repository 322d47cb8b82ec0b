// The hand-off signal (issue 19): a long-cycle deal nurtured by content or inside sales goes to its
// hand-off owner (field sales) when the buyer starts evaluating. The Slack worker checks deals with
// fresh reading (evaluateHandOff) and queues ONE alert per deal and hand-off owner, with the evidence
// (the outbox's idempotency key); the hand-off owner, the owner or an admin then accepts it, which
// makes the hand-off owner the owner and records who, when and why.
import { and, eq, isNull } from 'drizzle-orm';
import { opportunities, slackOutbox, users } from '../db/tables';
import type { Queryable, RingiDb } from '../db/client';
import { canEditOpportunity } from '../auth/permissions';
import type { Actor } from '../crm/common';
import { getOpportunity, type Opportunity, type OpportunityDetail } from '../crm/opportunities';
import { enqueueAlert } from '../slack/outbox';
import { ok, type Refused, type Result } from '../result';
import { evaluationSignals, type Evidence } from './approval-rules';
import { loadApprovalFacts } from './approval-facts';
import { documentInfo } from './suggestions';
import { rebuildOpportunityAggregates } from '../tracking/aggregates';

/** The outbox key of a deal's hand-off alert to one hand-off owner: enqueueing again is a no-op. */
export function handOffAlertKey(opportunityId: string, handOffOwnerUserId: string): string {
  return `handoff:${opportunityId}:${handOffOwnerUserId}`;
}

/** Evidence stored as JSON (the alert's detail, the recorded hand-off) with its dates back. */
export function parseEvidence(json: string | null): Evidence[] {
  if (!json) return [];
  return JSON.parse(json, (key, value: unknown) => (key === 'at' && typeof value === 'string' ? new Date(value) : value)) as Evidence[];
}

/** Open long-cycle deals with a hand-off owner, not handed off yet: the only ones with a signal to look for. */
function awaitsHandOff(o: Pick<OpportunityDetail, 'salesCycle' | 'handOffOwnerUserId' | 'handedOffAt' | 'stageOutcome' | 'archivedAt'>): o is typeof o & { handOffOwnerUserId: string } {
  return o.salesCycle === 'long' && o.handOffOwnerUserId !== null && o.handedOffAt === null && o.stageOutcome === 'open' && o.archivedAt === null;
}

async function signalsOf(db: RingiDb, o: OpportunityDetail, now: Date): Promise<Evidence[]> {
  return evaluationSignals(await loadApprovalFacts(db, { id: o.id, stage: o.stage, stageOutcome: o.stageOutcome, salesCycle: o.salesCycle }, await documentInfo(db), now));
}

/** Queues the hand-off alert when the deal's reading shows evaluation. Returns whether one was queued now. */
export async function evaluateHandOff(db: RingiDb, opportunityId: string, now: Date): Promise<boolean> {
  const o = await getOpportunity(db, opportunityId);
  if (!o || !awaitsHandOff(o)) return false;
  const key = handOffAlertKey(o.id, o.handOffOwnerUserId);
  // Once per deal and hand-off owner, however long the signal lasts.
  if ((await db.select({ id: slackOutbox.id }).from(slackOutbox).where(eq(slackOutbox.idempotencyKey, key)).limit(1))[0]) return false;
  const [recipient] = await db.select({ mode: users.slackAlerts, deactivatedAt: users.deactivatedAt }).from(users).where(eq(users.id, o.handOffOwnerUserId)).limit(1);
  if (!recipient || recipient.deactivatedAt || recipient.mode === 'off') return false;
  const signals = await signalsOf(db, o, now);
  if (signals.length === 0) return false;
  return await enqueueAlert(db, { idempotencyKey: key, kind: 'handoff', opportunityId: o.id, recipientUserId: o.handOffOwnerUserId, detail: signals, dueAt: now });
}

export interface HandOffState {
  /** Signs of evaluation now (empty when the deal does not await a hand-off). */
  signals: Evidence[];
  /** When the hand-off owner's alert was queued, if it was. */
  alertedAt: Date | null;
  handOffOwnerName: string | null;
  handedOffByName: string | null;
  /** The evidence the hand-off was accepted on. */
  reason: Evidence[];
}

/** A user's name (the hand-off owner stays named after being deactivated). */
export async function userDisplayName(db: Queryable, id: string | null): Promise<string | null> {
  return id ? ((await db.select({ name: users.displayName }).from(users).where(eq(users.id, id)).limit(1))[0]?.name ?? null) : null;
}

/** What the opportunity page shows about the hand-off. */
export async function handOffState(db: RingiDb, o: OpportunityDetail, now: Date, signals?: Evidence[]): Promise<HandOffState> {
  const name = (id: string | null) => userDisplayName(db, id);
  const alert = o.handOffOwnerUserId
    ? (await db.select({ createdAt: slackOutbox.createdAt }).from(slackOutbox).where(eq(slackOutbox.idempotencyKey, handOffAlertKey(o.id, o.handOffOwnerUserId))).limit(1))[0]
    : undefined;
  return {
    signals: awaitsHandOff(o) ? (signals ?? (await signalsOf(db, o, now))) : [],
    alertedAt: alert?.createdAt ?? null,
    handOffOwnerName: await name(o.handOffOwnerUserId),
    handedOffByName: await name(o.handedOffByUserId),
    reason: parseEvidence(o.handOffReason),
  };
}

export type HandOffFailure = 'not_found' | 'forbidden' | 'not_ready';
const refused = (reason: HandOffFailure) => ({ ok: false, reason }) as Refused<HandOffFailure>;

/**
 * The hand-off owner (or the owner, or an admin) accepts: the hand-off owner becomes the owner, and
 * the deal records who accepted, when, and the evidence. Only while the signal shows, and once.
 */
export async function acceptHandOff(db: RingiDb, actor: Actor, opportunityId: string, now = new Date()): Promise<Result<Opportunity, Refused<HandOffFailure>>> {
  const o = await getOpportunity(db, opportunityId);
  if (!o) return refused('not_found');
  if (actor.id !== o.handOffOwnerUserId && !canEditOpportunity(actor, o)) return refused('forbidden');
  if (!awaitsHandOff(o)) return refused('not_ready');
  const signals = await signalsOf(db, o, now);
  if (signals.length === 0) return refused('not_ready');
  const row = await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(opportunities)
      .set({ ownerUserId: o.handOffOwnerUserId, handedOffAt: now, handedOffByUserId: actor.id, handOffReason: JSON.stringify(signals) })
      // Once: a second click, or the owner and the hand-off owner at the same moment, changes nothing.
      .where(and(eq(opportunities.id, o.id), isNull(opportunities.handedOffAt), eq(opportunities.handOffOwnerUserId, o.handOffOwnerUserId)))
      .returning();
    // The owner is one of the dashboard's filters: its aggregates move with it (ADR 0020).
    if (updated) await rebuildOpportunityAggregates(tx, o.id);
    return updated;
  });
  return row ? ok(row) : refused('not_ready');
}

/** Whether the alert should still go out at send time: the deal still awaits this hand-off owner. */
export async function handOffStillAwaited(db: Queryable, opportunityId: string, handOffOwnerUserId: string | null): Promise<boolean> {
  const [row] = await db
    .select({ handOffOwnerUserId: opportunities.handOffOwnerUserId, handedOffAt: opportunities.handedOffAt })
    .from(opportunities)
    .where(eq(opportunities.id, opportunityId))
    .limit(1);
  return row !== undefined && row.handedOffAt === null && row.handOffOwnerUserId !== null && row.handOffOwnerUserId === handOffOwnerUserId;
}

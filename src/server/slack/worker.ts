// Sends queued Slack alerts from inside the server process. Never on the request path: requests only
// write outbox rows; this loop delivers them with retries, backoff and Retry-After.
import { and, eq, isNull } from 'drizzle-orm';
import { users } from '../db/tables';
import type { RingiDb } from '../db/client';
import { composeDigest, composeHandOffAlert, composeHotAlert, composeVisitAlert, type HotReason, type SlackMessage } from './compose';
import { loadDigestData, loadHandOffAlertData, loadHotAlertData, loadVisitAlertData, recentlyActiveOpportunities } from './alert-data';
import { evaluateHandOff, handOffStillAwaited } from '../approval/hand-off';
import { wallClock, workspaceTimeZone } from '../i18n/calendar';
import { evaluateHotOpportunity, workspaceDay } from './hot-alerts';
import { claimDueAlerts, enqueueAlert, instantAlertRecipient, markFailed, markSent, markSkipped, scheduleRetry, type OutboxRow } from './outbox';
import type { AlertPolicy } from './policy';
import { describeFailure, nextStep, type DeliveryResult } from './retry';
import { startRounds, type RoundLoop } from '../http/worker-rounds';

export interface SlackWorkerDeps {
  db: RingiDb;
  now: () => Date;
  policy: () => AlertPolicy | Promise<AlertPolicy>;
  /** The webhook for alerts to this user (theirs, else the workspace's), or null when none is set. */
  webhookFor: (recipientUserId: string | null) => string | null | Promise<string | null>;
  deliver: (webhookUrl: string, message: SlackMessage) => Promise<DeliveryResult>;
  publicBaseUrl: string;
  /** Engagement score of an opportunity for hot alerts; null where it is not known. */
  scoreOf?: (opportunityId: string, now: Date) => number | null | Promise<number | null>;
  retryBaseDelayMs?: number;
  /** The workspace time zone (RINGI_TIME_ZONE): digest time and hot-alert days. */
  timeZone?: string;
}

/** Builds the message for a row from the current data, or a reason to skip it. */
async function messageFor(deps: SlackWorkerDeps, row: OutboxRow): Promise<SlackMessage | { skip: string }> {
  const { db, publicBaseUrl } = deps;
  if (row.kind === 'digest') {
    const data = row.recipientUserId ? await loadDigestData(db, row.recipientUserId, deps.now(), publicBaseUrl) : null;
    if (!data) return { skip: 'recipient no longer exists' };
    if (data.opportunities.length === 0) return { skip: 'nothing to report' };
    return composeDigest(data);
  }
  // The hand-off owner is not the owner: the owner's mute and preferences are not theirs.
  if (row.kind === 'handoff') {
    if (!row.opportunityId || !row.recipientUserId || !(await handOffStillAwaited(db, row.opportunityId, row.recipientUserId))) return { skip: 'handed off already or hand-off owner changed' };
    const data = await loadHandOffAlertData(db, row.opportunityId, row.recipientUserId, row.detail, publicBaseUrl);
    return data ? composeHandOffAlert(data) : { skip: 'opportunity no longer exists' };
  }
  // Mutes and alert preferences are checked again at send time: the rep may have muted meanwhile.
  if (!row.opportunityId || (await instantAlertRecipient(db, row.opportunityId)) === null) return { skip: 'muted or alerts off' };
  if (row.kind === 'hot') {
    const data = await loadHotAlertData(db, row.opportunityId, JSON.parse(row.detail ?? '[]') as HotReason[], publicBaseUrl, deps.now());
    return data ? composeHotAlert(data) : { skip: 'opportunity no longer exists' };
  }
  const data = row.visitId ? await loadVisitAlertData(db, row.visitId, row.kind, publicBaseUrl, deps.now()) : null;
  return data ? composeVisitAlert(data) : { skip: 'visit no longer exists' };
}

async function deliverRow(deps: SlackWorkerDeps, row: OutboxRow): Promise<void> {
  const { db } = deps;
  const message = await messageFor(deps, row);
  if ('skip' in message) return markSkipped(db, row.id, message.skip);
  const webhook = await deps.webhookFor(row.recipientUserId);
  if (!webhook) return markFailed(db, row.id, 'No Slack webhook is configured.');
  const result: DeliveryResult = await deps.deliver(webhook, message);
  const now = deps.now();
  const step = nextStep(result, row.attempts, row.firstFailedAt ?? now, now, deps.retryBaseDelayMs);
  if (step.kind === 'done') return markSent(db, row.id, now);
  if (step.kind === 'fail') return markFailed(db, row.id, step.reason);
  await scheduleRetry(db, row.id, new Date(now.getTime() + step.delayMs), describeFailure(result), now);
}

/** Queues today's digest for every rep who chose digests, once the digest time has passed in the workspace time zone. */
export async function enqueueDueDigests(db: RingiDb, now: Date, policy: AlertPolicy, timeZone = workspaceTimeZone()): Promise<number> {
  const { hh, mm } = wallClock(now, timeZone);
  if (!policy.digestEnabled || hh * 60 + mm < policy.digestAtMinutes) return 0;
  const readers = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.slackAlerts, 'digest'), isNull(users.deactivatedAt)));
  let queued = 0;
  for (const { id } of readers) {
    if (await enqueueAlert(db, { idempotencyKey: `digest:${id}:${workspaceDay(now, timeZone)}`, kind: 'digest', recipientUserId: id, dueAt: now })) queued++;
  }
  return queued;
}

/**
 * One round: queue digests and hot alerts that became due, then deliver due rows one at a time.
 * `since` is the time of the previous round, so hot checks only look at fresh activity.
 */
export async function runSlackRound(deps: SlackWorkerDeps, since: Date): Promise<{ delivered: number }> {
  const now = deps.now();
  const policy = await deps.policy();
  const timeZone = deps.timeZone ?? workspaceTimeZone();
  await enqueueDueDigests(deps.db, now, policy, timeZone);
  for (const opportunityId of await recentlyActiveOpportunities(deps.db, since)) {
    await evaluateHotOpportunity(deps.db, opportunityId, now, policy, (await deps.scoreOf?.(opportunityId, now)) ?? null, timeZone);
    await evaluateHandOff(deps.db, opportunityId, now);
  }
  let delivered = 0;
  for (;;) {
    const rows = await claimDueAlerts(deps.db, deps.now(), 5);
    if (rows.length === 0) break;
    for (const row of rows) {
      await deliverRow(deps, row);
      delivered++;
    }
  }
  return { delivered };
}

/** Runs rounds every `intervalMs` until stopped (http/worker-rounds.ts). */
export function startSlackWorker(deps: SlackWorkerDeps, intervalMs = 5000): RoundLoop {
  return startRounds('slack worker', deps.now, (since) => runSlackRound(deps, since), intervalMs);
}

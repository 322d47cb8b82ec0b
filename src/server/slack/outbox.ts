// The Slack outbox: alerts are rows written in the same transaction as their cause, and sent later
// by the worker. A unique idempotency key per cause makes enqueueing repeatable.
import { and, eq, gte, inArray, isNotNull, lt, lte, or, sql } from 'drizzle-orm';
import { opportunities, slackOutbox, users, visits } from '../db/tables';
import type { Queryable } from '../db/client';
import { VISIT_GAP_MS } from '../tracking/rules';

export type AlertKind = (typeof slackOutbox.$inferSelect)['kind'];
export type OutboxRow = typeof slackOutbox.$inferSelect;

export interface NewAlert {
  idempotencyKey: string;
  kind: AlertKind;
  opportunityId?: string | null;
  visitId?: string | null;
  recipientUserId?: string | null;
  detail?: unknown;
  dueAt: Date;
}

/** Inserts the alert unless one with the same key exists. Returns whether it was new. */
export async function enqueueAlert(db: Queryable, alert: NewAlert): Promise<boolean> {
  const result = await db
    .insert(slackOutbox)
    .values({
      idempotencyKey: alert.idempotencyKey,
      kind: alert.kind,
      opportunityId: alert.opportunityId ?? null,
      visitId: alert.visitId ?? null,
      recipientUserId: alert.recipientUserId ?? null,
      detail: alert.detail === undefined ? null : JSON.stringify(alert.detail),
      dueAt: alert.dueAt,
    })
    .onConflictDoNothing({ target: slackOutbox.idempotencyKey })
    .returning({ id: slackOutbox.id });
  return result.length > 0;
}

/** The owner who would receive an alert about an opportunity, if they want instant alerts for it. */
export async function instantAlertRecipient(db: Queryable, opportunityId: string): Promise<string | null> {
  const [row] = await db
    .select({ ownerUserId: opportunities.ownerUserId, muted: opportunities.alertsMuted, mode: users.slackAlerts, deactivatedAt: users.deactivatedAt })
    .from(opportunities)
    .innerJoin(users, eq(users.id, opportunities.ownerUserId))
    .where(eq(opportunities.id, opportunityId)).limit(1);
  if (!row || row.muted || row.mode !== 'instant' || row.deactivatedAt) return null;
  return row.ownerUserId;
}

/**
 * At most one visit alert per contact in this window, however many visits start (new browsers, a
 * script without cookies): later visits fold into the queued alert (alert-data.ts) or the digest.
 */
export function visitAlertWindowMs(delayMs: number): number {
  return Math.max(delayMs, VISIT_GAP_MS);
}

/** Whether the contact already has a visit alert for a visit that started within the window. */
async function contactAlertedSince(db: Queryable, contactId: string, since: Date): Promise<boolean> {
  // The contact's few recent visits (visits_started_idx), each checked by its alert's unique key.
  return (
    (await db
      .select({ id: visits.id })
      .from(visits)
      .where(
        and(
          gte(visits.startedAt, since),
          eq(visits.contactId, contactId),
          sql`exists (select 1 from ${slackOutbox} where ${slackOutbox.idempotencyKey} = 'visit:' || ${visits.id})`,
        ),
      )
      .limit(1))[0] !== undefined
  );
}

/** Queues the one alert of a new visit, due after the coalescing delay, unless the contact has one in the window. */
export async function enqueueVisitAlert(
  db: Queryable,
  visit: { visitId: string; opportunityId: string; contactId: string; isReturn: boolean },
  now: Date,
  delayMs: number,
): Promise<boolean> {
  const recipient = await instantAlertRecipient(db, visit.opportunityId);
  if (!recipient) return false;
  if (await contactAlertedSince(db, visit.contactId, new Date(now.getTime() - visitAlertWindowMs(delayMs)))) return false;
  return await enqueueAlert(db, {
    idempotencyKey: `visit:${visit.visitId}`,
    kind: visit.isReturn ? 'return' : 'visit',
    opportunityId: visit.opportunityId,
    visitId: visit.visitId,
    recipientUserId: recipient,
    dueAt: new Date(now.getTime() + delayMs),
  });
}

export const LEASE_MS = 60_000;

/**
 * Takes due rows for sending: pending ones whose time has come, and rows whose worker died mid-send
 * (lease expired). Claiming and leasing is one statement, so two workers never take the same row.
 */
export async function claimDueAlerts(db: Queryable, now: Date, limit = 10): Promise<OutboxRow[]> {
  const due = (await db
    .select({ id: slackOutbox.id })
    .from(slackOutbox)
    .where(
      or(
        and(eq(slackOutbox.status, 'pending'), lte(slackOutbox.dueAt, now)),
        and(eq(slackOutbox.status, 'sending'), lt(slackOutbox.leaseUntil, now)),
      ),
    )
    .orderBy(slackOutbox.dueAt)
    .limit(limit))
    .map((r) => r.id);
  if (due.length === 0) return [];
  return await db
    .update(slackOutbox)
    .set({ status: 'sending', leaseUntil: new Date(now.getTime() + LEASE_MS), attempts: sql`${slackOutbox.attempts} + 1` })
    .where(
      and(
        inArray(slackOutbox.id, due),
        or(eq(slackOutbox.status, 'pending'), and(eq(slackOutbox.status, 'sending'), lt(slackOutbox.leaseUntil, now))),
      ),
    )
    .returning();
}

export async function markSent(db: Queryable, id: number, now: Date): Promise<void> {
  await db.update(slackOutbox).set({ status: 'sent', sentAt: now, leaseUntil: null, lastError: null, firstFailedAt: null }).where(eq(slackOutbox.id, id));
}

export async function markSkipped(db: Queryable, id: number, reason: string): Promise<void> {
  await db.update(slackOutbox).set({ status: 'skipped', leaseUntil: null, lastError: reason }).where(eq(slackOutbox.id, id));
}

export async function markFailed(db: Queryable, id: number, error: string): Promise<void> {
  await db.update(slackOutbox).set({ status: 'failed', leaseUntil: null, lastError: error }).where(eq(slackOutbox.id, id));
}

/** A transient failure: pending again at `dueAt`; the first failure's time is kept for the retry budget. */
export async function scheduleRetry(db: Queryable, id: number, dueAt: Date, error: string, now: Date): Promise<void> {
  await db.update(slackOutbox)
    .set({ status: 'pending', dueAt, leaseUntil: null, lastError: error, firstFailedAt: sql`coalesce(${slackOutbox.firstFailedAt}, ${now.getTime()})` })
    .where(eq(slackOutbox.id, id));
}

export interface SlackHealth {
  /** Alerts waiting for another attempt after a failure (Slack down, rate-limited, unreachable). */
  retrying: number;
  /** Alerts that failed for good in the last day (permanent answer, or the retry budget ran out). */
  failed: number;
}

/** Whether Slack deliveries are failing now: the admin pages show a banner when any count is non-zero. */
export async function slackHealth(db: Queryable, now: Date): Promise<SlackHealth> {
  const since = new Date(now.getTime() - 24 * 60 * 60 * 1000);
  const [row] = await db
    .select({
      retrying: sql<number>`coalesce(sum(case when ${slackOutbox.status} in ('pending', 'sending') then 1 else 0 end), 0)`.mapWith(Number),
      failed: sql<number>`coalesce(sum(case when ${slackOutbox.status} = 'failed' then 1 else 0 end), 0)`.mapWith(Number),
    })
    .from(slackOutbox)
    .where(
      or(
        and(inArray(slackOutbox.status, ['pending', 'sending']), isNotNull(slackOutbox.firstFailedAt)),
        and(eq(slackOutbox.status, 'failed'), gte(slackOutbox.dueAt, since)),
      ),
    ).limit(1);
  return { retrying: row?.retrying ?? 0, failed: row?.failed ?? 0 };
}

/** The newest alerts with their opportunity names, failures first, for the admins' alert page. */
export async function recentAlerts(db: Queryable, limit = 100) {
  return await db
    .select({ alert: slackOutbox, opportunityName: opportunities.name })
    .from(slackOutbox)
    .leftJoin(opportunities, eq(opportunities.id, slackOutbox.opportunityId))
    .orderBy(sql`${slackOutbox.status} = 'failed' desc`, sql`${slackOutbox.id} desc`)
    .limit(limit);
}

/** An admin sends a failed alert again (e.g. after fixing the webhook): it starts over as pending. */
export async function retryFailedAlert(db: Queryable, id: number, now: Date): Promise<boolean> {
  const result = await db
    .update(slackOutbox)
    .set({ status: 'pending', attempts: 0, dueAt: now, lastError: null, firstFailedAt: null })
    .where(and(eq(slackOutbox.id, id), eq(slackOutbox.status, 'failed')))
    .returning({ id: slackOutbox.id });
  return result.length > 0;
}

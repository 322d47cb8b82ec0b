// Hot alerts: raised when an opportunity crosses a threshold, at most once a day per opportunity.
import { and, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import { contacts, documentViews, opportunities, visits } from '../db/tables';
import type { Queryable } from '../db/client';
import { calendarDateOf, workspaceTimeZone } from '../i18n/calendar';
import type { HotReason } from './compose';
import { enqueueAlert, instantAlertRecipient } from './outbox';
import { keyCategories, type AlertPolicy } from './policy';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The calendar day in the workspace time zone: one hot alert per opportunity per business day there. */
export function workspaceDay(now: Date, timeZone = workspaceTimeZone()): string {
  return calendarDateOf(now, timeZone);
}

export interface HotSignals {
  score: number | null;
  longestKeyRead: { title: string; contactName: string; seconds: number } | null;
  readersLast24h: number;
}

/** Pure: which thresholds the signals cross. */
export function hotReasons(signals: HotSignals, policy: AlertPolicy): HotReason[] {
  const reasons: HotReason[] = [];
  if (signals.score !== null && signals.score >= policy.hotScoreThreshold) {
    reasons.push({ code: 'score', score: signals.score, threshold: policy.hotScoreThreshold });
  }
  if (signals.longestKeyRead && signals.longestKeyRead.seconds >= policy.longReadSeconds) {
    reasons.push({ code: 'long-read', ...signals.longestKeyRead });
  }
  if (signals.readersLast24h >= policy.readersPerDay) reasons.push({ code: 'many-readers', readers: signals.readersLast24h });
  return reasons;
}

/** Reading signals of one opportunity over the last 24 hours. The score comes from the caller. */
export async function hotSignals(db: Queryable, opportunityId: string, now: Date, score: number | null): Promise<HotSignals> {
  const since = new Date(now.getTime() - DAY_MS);
  const [longest] = await db
    .select({ title: documentViews.documentTitle, slug: documentViews.documentSlug, seconds: documentViews.activeSeconds, contactName: contacts.name })
    .from(documentViews)
    .innerJoin(contacts, eq(contacts.id, documentViews.contactId))
    .where(
      and(
        eq(documentViews.opportunityId, opportunityId),
        gte(documentViews.lastBeaconAt, since),
        inArray(documentViews.documentCategory, [...keyCategories]),
      ),
    )
    .orderBy(desc(documentViews.activeSeconds))
    .limit(1);
  // Distinct contacts at the account, plus browsers flagged as new readers on a contact's link.
  const [readers] = await db
    .select({
      count: sql<number>`count(distinct ${visits.contactId}) + count(distinct case when ${visits.newDevice} then ${visits.deviceId} end)`.mapWith(Number),
    })
    .from(visits)
    .where(
      and(
        eq(visits.accountId, sql`(select ${opportunities.accountId} from ${opportunities} where ${opportunities.id} = ${opportunityId})`),
        gte(visits.lastActivityAt, since),
      ),
    ).limit(1);
  return {
    score,
    longestKeyRead: longest ? { title: longest.title ?? longest.slug, contactName: longest.contactName, seconds: longest.seconds } : null,
    readersLast24h: readers?.count ?? 0,
  };
}

/** Queues a hot alert for the opportunity if it crossed a threshold and has none today. */
export async function evaluateHotOpportunity(db: Queryable, opportunityId: string, now: Date, policy: AlertPolicy, score: number | null, timeZone = workspaceTimeZone()): Promise<boolean> {
  const recipient = await instantAlertRecipient(db, opportunityId);
  if (!recipient) return false;
  const reasons = hotReasons(await hotSignals(db, opportunityId, now, score), policy);
  if (reasons.length === 0) return false;
  return await enqueueAlert(db, {
    idempotencyKey: `hot:${opportunityId}:${workspaceDay(now, timeZone)}`,
    kind: 'hot',
    opportunityId,
    recipientUserId: recipient,
    detail: reasons,
    dueAt: now,
  });
}

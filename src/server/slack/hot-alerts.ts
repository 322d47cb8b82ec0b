// Hot alerts: raised when an opportunity crosses a threshold, at most once a day per opportunity.
import { and, countDistinct, desc, eq, gte, inArray, isNull, sql } from 'drizzle-orm';
import { contacts, documentViews, linkBrowsers, opportunities, visits } from '../db/tables';
import { countReaders, weightedReaders } from '../tracking/readers';
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
  /** People who read: contacts, and unnamed browsers whose reading clearly differs (tracking/readers.ts). */
  readersLast24h: number;
  /** Unnamed browsers that may be a contact on another device: half a reader each. */
  possibleReadersLast24h: number;
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
  const readers = { readers: signals.readersLast24h, possibleReaders: signals.possibleReadersLast24h };
  if (weightedReaders(readers) >= policy.readersPerDay) reasons.push({ code: 'many-readers', ...readers });
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
  // Readers at the account as the opportunity page counts them: the contacts who read (a named
  // browser's visits are its contact's) and the other browsers on links the rep has not named.
  const accountOf = sql`(select ${opportunities.accountId} from ${opportunities} where ${opportunities.id} = ${opportunityId})`;
  const recent = and(eq(visits.accountId, accountOf), gte(visits.lastActivityAt, since));
  const [people] = await db.select({ count: countDistinct(visits.contactId) }).from(visits).where(recent);
  const browsers = await db
    .selectDistinct({ accessLinkId: linkBrowsers.accessLinkId, deviceId: linkBrowsers.deviceId, contactId: linkBrowsers.contactId, distinctReader: linkBrowsers.distinctReader })
    .from(linkBrowsers)
    .innerJoin(visits, and(eq(visits.accessLinkId, linkBrowsers.accessLinkId), eq(visits.deviceId, linkBrowsers.deviceId)))
    .where(and(recent, isNull(linkBrowsers.contactId)));
  const readers = countReaders(people?.count ?? 0, browsers);
  return {
    score,
    longestKeyRead: longest ? { title: longest.title ?? longest.slug, contactName: longest.contactName, seconds: longest.seconds } : null,
    readersLast24h: readers.readers,
    possibleReadersLast24h: readers.possibleReaders,
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

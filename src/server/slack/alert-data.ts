// Loads what an alert says, at send time: a visit alert summarises the visit so far.
import { and, eq, gte, inArray, sql } from 'drizzle-orm';
import { accounts, contacts, documentViews, linkEvents, opportunities, opportunityEngagement, pipelineStages, users, visits } from '../db/tables';
import { selectOpportunities } from '../crm/opportunities';
import { stageLabel } from '../crm/stages';
import { topReasons } from '../dashboard/rules';
import { reasonText } from '../dashboard/present';
import type { Queryable, RingiDb } from '../db/client';
import { opportunityEngagementSummary } from '../tracking/read-model';
import { HEARTBEAT_SECONDS, isCompleted } from '../tracking/rules';
import type { DigestData, HandOffAlertData, HotAlertData, HotReason, VisitAlertData } from './compose';
import { parseEvidence } from '../approval/hand-off';

export function timelineUrl(publicBaseUrl: string, opportunityId: string): string {
  return `${publicBaseUrl}/admin/opportunities/${encodeURIComponent(opportunityId)}/timeline`;
}

/** The deal's line in an alert, in the language of its reader: the owner, or `recipientUserId` (a hand-off owner). */
async function opportunityLine(db: Queryable, opportunityId: string, publicBaseUrl: string, recipientUserId?: string) {
  const [row] = await selectOpportunities(db, {
    opportunityName: opportunities.name,
    stageNumber: opportunities.stage,
    amountJpy: opportunities.amountJpy,
    accountName: accounts.name,
    labelJa: pipelineStages.labelJa,
    labelEn: pipelineStages.labelEn,
    locale: users.locale,
    ownerSlackUserId: users.slackUserId,
  })
    .where(eq(opportunities.id, opportunityId)).limit(1);
  if (!row) return null;
  if (recipientUserId) {
    const [recipient] = await db.select({ locale: users.locale, slackUserId: users.slackUserId }).from(users).where(eq(users.id, recipientUserId)).limit(1);
    if (!recipient) return null;
    row.locale = recipient.locale;
    row.ownerSlackUserId = recipient.slackUserId;
  }
  return {
    locale: row.locale,
    accountName: row.accountName,
    opportunityName: row.opportunityName,
    stageNumber: row.stageNumber,
    stageLabel: stageLabel(row, row.locale),
    amountJpy: row.amountJpy,
    timelineUrl: timelineUrl(publicBaseUrl, opportunityId),
    ownerSlackUserId: row.ownerSlackUserId,
  };
}

/** A view with a beacon this recent is being read now: its time so far is not its total (HEARTBEAT_SECONDS apart). */
export const READING_NOW_MS = (2 * HEARTBEAT_SECONDS + 5) * 1000;

/**
 * The visit alert's content at send time. Other visits of the same contact since this one started
 * (other browsers, a flood of cookie-less starts) are folded in: one alert per contact per window
 * (outbox.ts). A document still being read says so instead of a time that is not yet its total.
 */
export async function loadVisitAlertData(db: Queryable, visitId: string, kind: 'visit' | 'return', publicBaseUrl: string, now: Date): Promise<VisitAlertData | null> {
  const [visit] = await db
    .select({ visit: visits, contactName: contacts.name, contactJobTitle: contacts.jobTitle })
    .from(visits)
    .innerJoin(contacts, eq(contacts.id, visits.contactId))
    .where(eq(visits.id, visitId)).limit(1);
  if (!visit) return null;
  const line = await opportunityLine(db, visit.visit.opportunityId, publicBaseUrl);
  if (!line) return null;
  const folded = await db
    .select({ id: visits.id, newDevice: visits.newDevice, deviceLabel: visits.deviceLabel })
    .from(visits)
    .where(and(eq(visits.contactId, visit.visit.contactId), eq(visits.opportunityId, visit.visit.opportunityId), gte(visits.startedAt, visit.visit.startedAt)))
    .orderBy(visits.startedAt);
  const visitIds = folded.map((v) => v.id);
  const views = await db.select().from(documentViews).where(inArray(documentViews.visitId, visitIds)).orderBy(documentViews.startedAt);
  const byDocument = new Map<string, { title: string; activeSeconds: number; completed: boolean; readingNow: boolean }>();
  for (const view of views) {
    const entry = byDocument.get(view.documentSlug) ?? { title: view.documentTitle ?? view.documentSlug, activeSeconds: 0, completed: false, readingNow: false };
    entry.activeSeconds += view.activeSeconds;
    entry.completed ||= isCompleted(view.activeSeconds, view.maxScrollPercent);
    entry.readingNow ||= now.getTime() - view.lastBeaconAt.getTime() < READING_NOW_MS;
    byDocument.set(view.documentSlug, entry);
  }
  const events = await db
    .select({ kind: linkEvents.kind, count: sql<number>`count(*)`.mapWith(Number) })
    .from(linkEvents)
    .where(and(inArray(linkEvents.visitId, visitIds), inArray(linkEvents.kind, ['download', 'print'])))
    .groupBy(linkEvents.kind);
  const count = (k: string) => events.find((e) => e.kind === k)?.count ?? 0;
  const newReader = folded.find((v) => v.newDevice);
  return {
    ...line,
    kind,
    contactName: visit.contactName,
    contactJobTitle: visit.contactJobTitle,
    newDevice: newReader !== undefined,
    deviceLabel: newReader?.deviceLabel ?? visit.visit.deviceLabel,
    startedAt: visit.visit.startedAt,
    documents: [...byDocument.values()],
    downloads: count('download'),
    prints: count('print'),
  };
}

/** The hot alert with the score as it stands at send time and its strongest reasons. */
export async function loadHotAlertData(db: Queryable, opportunityId: string, reasons: HotReason[], publicBaseUrl: string, now = new Date()): Promise<HotAlertData | null> {
  const line = await opportunityLine(db, opportunityId, publicBaseUrl);
  const engagement = line ? await opportunityEngagementSummary(db as RingiDb, opportunityId, now) : null;
  if (!line || !engagement) return null;
  return { ...line, reasons, score: engagement.score, scoreReasons: topReasons(engagement.reasons).map((r) => reasonText(line.locale, r)) };
}

/** The hand-off alert: the deal in the hand-off owner's language, the evidence queued with it, and who owns the deal now. */
export async function loadHandOffAlertData(db: Queryable, opportunityId: string, recipientUserId: string, evidenceJson: string | null, publicBaseUrl: string): Promise<HandOffAlertData | null> {
  const line = await opportunityLine(db, opportunityId, publicBaseUrl, recipientUserId);
  const [owner] = await db.select({ name: users.displayName }).from(opportunities).innerJoin(users, eq(users.id, opportunities.ownerUserId)).where(eq(opportunities.id, opportunityId)).limit(1);
  if (!line || !owner) return null;
  return { ...line, ownerName: owner.name, evidence: parseEvidence(evidenceJson), opportunityUrl: `${publicBaseUrl}/admin/opportunities/${encodeURIComponent(opportunityId)}#hand-off` };
}

/** The last 24 hours on the opportunities a rep owns. */
export async function loadDigestData(db: Queryable, userId: string, now: Date, publicBaseUrl: string): Promise<DigestData | null> {
  const [user] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!user) return null;
  const since = new Date(now.getTime() - 24 * 60 * 60 * 1000);
  const rows = await db
    .select({
      opportunityId: opportunities.id,
      opportunityName: opportunities.name,
      accountName: accounts.name,
      visits: sql<number>`count(distinct ${visits.id})`.mapWith(Number),
      readers: sql<number>`count(distinct ${visits.contactId}) + count(distinct case when ${visits.newDevice} then ${visits.id} end)`.mapWith(Number),
    })
    .from(visits)
    .innerJoin(opportunities, eq(opportunities.id, visits.opportunityId))
    .innerJoin(accounts, eq(accounts.id, opportunities.accountId))
    .where(and(eq(opportunities.ownerUserId, userId), gte(visits.startedAt, since)))
    .groupBy(opportunities.id, accounts.id); // PostgreSQL wants every selected table's key grouped
  const seconds = async (opportunityId: string) =>
    (await db
      .select({ total: sql<number>`coalesce(sum(${documentViews.activeSeconds}), 0)`.mapWith(Number) })
      .from(documentViews)
      .where(and(eq(documentViews.opportunityId, opportunityId), gte(documentViews.startedAt, since))).limit(1))[0]?.total ?? 0;
  return {
    locale: user.locale,
    slackUserId: user.slackUserId,
    periodEnd: now,
    opportunities: await Promise.all(rows.map(async (r) => ({ ...r, activeSeconds: await seconds(r.opportunityId), timelineUrl: timelineUrl(publicBaseUrl, r.opportunityId) }))),
  };
}

/** Opportunities with reading since the given time: the candidates for hot alerts. */
export async function recentlyActiveOpportunities(db: Queryable, since: Date): Promise<string[]> {
  return (await db
    .select({ id: opportunityEngagement.opportunityId })
    .from(opportunityEngagement)
    .where(gte(opportunityEngagement.lastSeenAt, since)))
    .map((r) => r.id);
}

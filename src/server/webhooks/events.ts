// Which webhook events happened: read from the tracking rows the request path already writes, so
// ingestion stays as it is and a restart loses nothing (each round looks back over its window again;
// the outbox's unique (endpoint, event key) makes seeing an event twice harmless).
//
// - visit.started: a visit (a person confirmed on a link) began.
// - link.new_reader: that visit came from a browser other than the link's first: a forwarded link.
// - document.read: a view has had no beacon for `settleMs`: the reader left, its active time is final.
// - download.confirmed: an attachment download by a browser that showed a person on the link.
// - opportunity.hot: the hot-alert thresholds of the Slack rules (hot-alerts.ts), once per workspace day.
import { and, eq, gte, inArray, lte } from 'drizzle-orm';
import { accounts, contacts, documentViews, linkEvents, opportunities, visits } from '../db/tables';
import type { Queryable } from '../db/client';
import { recentlyActiveOpportunities } from '../slack/alert-data';
import { hotReasons, hotSignals, workspaceDay } from '../slack/hot-alerts';
import type { AlertPolicy } from '../slack/policy';
import { workspaceTimeZone } from '../i18n/calendar';
import { HEARTBEAT_SECONDS, IDLE_CUTOFF_SECONDS, isCompleted } from '../tracking/rules';
import type { WebhookEventType } from './endpoints';

/**
 * A view counts as finished after this long without a beacon: the tracker's idle cut-off, after
 * which the reader counts as away. Never less than two heartbeats and some slack (a reader between
 * beacons is still reading; Slack's "reading now" uses the same 25 s).
 */
export const DEFAULT_READ_SETTLE_MS = IDLE_CUTOFF_SECONDS * 1000;
export const MIN_READ_SETTLE_MS = (2 * HEARTBEAT_SECONDS + 5) * 1000;

export interface WebhookEvent {
  type: WebhookEventType;
  /** Unique per cause: `visit.started:<visitId>`, `document.read:<viewId>`, … */
  key: string;
  occurredAt: Date;
  opportunityId: string;
  contactId: string | null;
  accessLinkId: string | null;
  data: Record<string, unknown>;
}

const iso = (d: Date) => d.toISOString();

/** Events whose cause falls in [since, now] (document.read: views that went quiet in that window). */
export async function collectEvents(
  db: Queryable,
  since: Date,
  now: Date,
  options: { settleMs?: number; policy?: AlertPolicy; scoreOf?: (opportunityId: string, now: Date) => Promise<number | null> | number | null; timeZone?: string } = {},
): Promise<WebhookEvent[]> {
  const requested = options.settleMs ?? DEFAULT_READ_SETTLE_MS;
  const settleMs = Number.isFinite(requested) ? Math.max(requested, MIN_READ_SETTLE_MS) : DEFAULT_READ_SETTLE_MS;
  const events: WebhookEvent[] = [];

  const started = await db.select().from(visits).where(and(gte(visits.startedAt, since), lte(visits.startedAt, now)));
  for (const v of started) {
    const base = { occurredAt: v.startedAt, opportunityId: v.opportunityId, contactId: v.contactId, accessLinkId: v.accessLinkId };
    const visit = { id: v.id, startedAt: iso(v.startedAt), deviceLabel: v.deviceLabel, newDevice: v.newDevice };
    events.push({ ...base, type: 'visit.started', key: `visit.started:${v.id}`, data: { visit } });
    if (v.newDevice) events.push({ ...base, type: 'link.new_reader', key: `link.new_reader:${v.id}`, data: { visit } });
  }

  const settled = await db
    .select()
    .from(documentViews)
    .where(and(gte(documentViews.lastBeaconAt, new Date(since.getTime() - settleMs)), lte(documentViews.lastBeaconAt, new Date(now.getTime() - settleMs))));
  for (const view of settled) {
    events.push({
      type: 'document.read',
      key: `document.read:${view.id}`,
      occurredAt: view.lastBeaconAt,
      opportunityId: view.opportunityId,
      contactId: view.contactId,
      accessLinkId: view.accessLinkId,
      data: {
        document: { slug: view.documentSlug, title: view.documentTitle, category: view.documentCategory },
        view: {
          id: view.id,
          visitId: view.visitId,
          startedAt: iso(view.startedAt),
          lastActivityAt: iso(view.lastBeaconAt),
          activeSeconds: view.activeSeconds,
          maxScrollPercent: view.maxScrollPercent,
          completed: isCompleted(view.activeSeconds, view.maxScrollPercent),
        },
      },
    });
  }

  const downloads = await db
    .select()
    .from(linkEvents)
    .where(and(eq(linkEvents.kind, 'download'), gte(linkEvents.occurredAt, since), lte(linkEvents.occurredAt, now)));
  for (const d of downloads) {
    events.push({
      type: 'download.confirmed',
      key: `download.confirmed:${d.id}`,
      occurredAt: d.occurredAt,
      opportunityId: d.opportunityId,
      contactId: d.contactId,
      accessLinkId: d.accessLinkId,
      data: { download: { documentSlug: d.documentSlug, file: d.detail, visitId: d.visitId, occurredAt: iso(d.occurredAt) } },
    });
  }

  if (options.policy) {
    const timeZone = options.timeZone ?? workspaceTimeZone();
    for (const opportunityId of await recentlyActiveOpportunities(db, since)) {
      const score = (await options.scoreOf?.(opportunityId, now)) ?? null;
      const reasons = hotReasons(await hotSignals(db, opportunityId, now, score), options.policy);
      if (reasons.length === 0) continue;
      events.push({
        type: 'opportunity.hot',
        key: `opportunity.hot:${opportunityId}:${workspaceDay(now, timeZone)}`,
        occurredAt: now,
        opportunityId,
        contactId: null,
        accessLinkId: null,
        data: { hot: { score, reasons } },
      });
    }
  }
  return events;
}

/** The payload a receiver gets (Standard Webhooks' {type, timestamp, data}), with the CRM's external ids. */
export async function composePayloads(db: Queryable, events: readonly WebhookEvent[]): Promise<Map<string, string>> {
  const opportunityIds = [...new Set(events.map((e) => e.opportunityId))];
  const contactIds = [...new Set(events.map((e) => e.contactId).filter((id): id is string => id !== null))];
  const subjects = opportunityIds.length
    ? await db
        .select({
          id: opportunities.id,
          externalId: opportunities.externalId,
          name: opportunities.name,
          stage: opportunities.stage,
          accountId: accounts.id,
          accountExternalId: accounts.externalId,
          accountName: accounts.name,
        })
        .from(opportunities)
        .innerJoin(accounts, eq(accounts.id, opportunities.accountId))
        .where(inArray(opportunities.id, opportunityIds))
    : [];
  const people = contactIds.length
    ? await db.select({ id: contacts.id, externalId: contacts.externalId, name: contacts.name, email: contacts.email }).from(contacts).where(inArray(contacts.id, contactIds))
    : [];
  const byOpportunity = new Map(subjects.map((s) => [s.id, s]));
  const byContact = new Map(people.map((p) => [p.id, p]));
  const payloads = new Map<string, string>();
  for (const event of events) {
    const s = byOpportunity.get(event.opportunityId);
    if (!s) continue; // the opportunity is gone: nothing to tell
    const contact = event.contactId ? (byContact.get(event.contactId) ?? null) : null;
    payloads.set(
      event.key,
      JSON.stringify({
        type: event.type,
        timestamp: iso(event.occurredAt),
        data: {
          opportunity: { id: s.id, externalId: s.externalId, name: s.name, stage: s.stage },
          account: { id: s.accountId, externalId: s.accountExternalId, name: s.accountName },
          contact,
          accessLinkId: event.accessLinkId,
          ...event.data,
        },
      }),
    );
  }
  return payloads;
}

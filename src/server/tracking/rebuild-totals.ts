// The running totals of one opportunity (reading_totals, opportunity_engagement) computed again from
// its raw rows, the same way ingest.ts adds them up beacon by beacon. Re-attributing a browser to a
// contact (link-browsers.ts) moves raw rows between contacts and then rebuilds. The dashboard's
// aggregates are then rebuilt from these totals by the one rebuild, rebuildOpportunityAggregates.
import { and, eq, inArray } from 'drizzle-orm';
import { documentViews, linkEvents, opportunities, opportunityEngagement, readingTotals, visits } from '../db/tables';
import type { RingiTx } from '../db/client';
import { isCompleted } from './rules';
import { lockOpportunityAggregates, rebuildOpportunityAggregates } from './aggregates';

type TotalsRow = typeof readingTotals.$inferInsert & { views: number; activeSeconds: number; maxScrollPercent: number; completedViews: number; downloads: number; prints: number };

const earlier = (a: Date | null | undefined, b: Date) => (a && a.getTime() <= b.getTime() ? a : b);
const later = (a: Date | null | undefined, b: Date) => (a && a.getTime() >= b.getTime() ? a : b);

/**
 * Replaces the opportunity's running totals with those its raw visits, views and link events give.
 * Rows purged by retention are gone from the raw tables, so for an opportunity with purged history
 * the rebuild keeps only what is left: callers rebuild opportunities whose raw rows are complete.
 */
export async function rebuildOpportunityTotals(tx: RingiTx, opportunityId: string): Promise<void> {
  const [opportunity] = await tx.select({ accountId: opportunities.accountId }).from(opportunities).where(eq(opportunities.id, opportunityId)).limit(1);
  if (!opportunity) return;
  const { accountId } = opportunity;
  const visitRows = await tx.select().from(visits).where(eq(visits.opportunityId, opportunityId));
  const viewRows = await tx.select().from(documentViews).where(eq(documentViews.opportunityId, opportunityId));
  const eventRows = await tx
    .select()
    .from(linkEvents)
    .where(and(eq(linkEvents.opportunityId, opportunityId), inArray(linkEvents.kind, ['download', 'print', 'automated_open'])));

  const totals = new Map<string, TotalsRow>();
  const totalsOf = (contactId: string, documentSlug: string, at: Date): TotalsRow => {
    const key = JSON.stringify([contactId, documentSlug]);
    let row = totals.get(key);
    if (!row) {
      row = { opportunityId, accountId, contactId, documentSlug, views: 0, activeSeconds: 0, maxScrollPercent: 0, completedViews: 0, downloads: 0, prints: 0, firstSeenAt: at, lastSeenAt: at };
      totals.set(key, row);
    }
    return row;
  };
  let firstSeenAt: Date | null = null;
  let lastSeenAt: Date | null = null;
  let activeSeconds = 0;
  for (const view of viewRows) {
    const row = totalsOf(view.contactId, view.documentSlug, view.startedAt);
    row.views += 1;
    row.activeSeconds += view.activeSeconds;
    row.maxScrollPercent = Math.max(row.maxScrollPercent, view.maxScrollPercent);
    if (isCompleted(view.activeSeconds, view.maxScrollPercent)) row.completedViews += 1;
    row.firstSeenAt = earlier(row.firstSeenAt, view.startedAt);
    row.lastSeenAt = later(row.lastSeenAt, view.lastBeaconAt);
    activeSeconds += view.activeSeconds;
    firstSeenAt = earlier(firstSeenAt, view.startedAt);
    lastSeenAt = later(lastSeenAt, view.lastBeaconAt);
  }
  let automatedOpens = 0;
  for (const event of eventRows) {
    if (event.kind === 'automated_open') {
      automatedOpens += 1;
      continue;
    }
    if (event.documentSlug === null) continue;
    const row = totalsOf(event.contactId, event.documentSlug, event.occurredAt);
    if (event.kind === 'download') row.downloads += 1;
    else row.prints += 1;
    row.firstSeenAt = earlier(row.firstSeenAt, event.occurredAt);
    row.lastSeenAt = later(row.lastSeenAt, event.occurredAt);
    firstSeenAt = earlier(firstSeenAt, event.occurredAt);
    lastSeenAt = later(lastSeenAt, event.occurredAt);
  }
  const devices = new Set<string>();
  for (const visit of visitRows) {
    devices.add(JSON.stringify([visit.accessLinkId, visit.deviceId]));
    firstSeenAt = earlier(firstSeenAt, visit.startedAt);
    lastSeenAt = later(lastSeenAt, visit.lastActivityAt);
  }

  // The engagement row before reading_totals: the ingest's lock order (aggregates.ts).
  await lockOpportunityAggregates(tx, [opportunityId]);
  await tx.delete(readingTotals).where(eq(readingTotals.opportunityId, opportunityId));
  for (const row of totals.values()) await tx.insert(readingTotals).values(row);
  const counters = {
    visits: visitRows.length,
    devices: devices.size,
    newDevices: visitRows.filter((v) => v.newDevice).length,
    automatedOpens,
    activeSeconds,
    firstSeenAt,
    lastSeenAt,
  };
  // Updated in place: the aggregates' rebuild takes the opportunity's old share of the document table out by its row.
  await tx.insert(opportunityEngagement).values({ opportunityId, accountId, ...counters }).onConflictDoUpdate({ target: opportunityEngagement.opportunityId, set: counters });
  await rebuildOpportunityAggregates(tx, opportunityId);
}

// Writes what the page script confirmed. Each write keeps the raw rows and the running totals in
// one transaction, so the dashboards never disagree with the timeline.
import crypto from 'node:crypto';
import { and, desc, eq, gt, gte, ne, sql } from 'drizzle-orm';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { documentViews, linkEvents, opportunityEngagement, readingTotals, visits } from '../db/tables';
import type { Queryable, RingiDb, RingiTx as Tx } from '../db/client';
import type { HeartbeatPayload } from './beacon-payloads';
import type { LinkScope } from './link-scope';
import { enqueueVisitAlert } from '../slack/outbox';
import { downloadKind } from './presence';
import { isCompleted, mergeHeartbeat, VISIT_GAP_MS } from './rules';
import { ensureOpportunityAggregates, recordReading, seenAt } from './aggregates';

/** 128 random bits: a view id is a capability for its beacons, together with the link's token. */
export function newTrackingId(): string {
  return encodeBase32LowerCaseNoPadding(crypto.randomBytes(16));
}

export interface ViewStart {
  scope: LinkScope;
  documentSlug: string;
  documentCategory?: string | null;
  documentTitle?: string | null;
  /** The document version the reader has on screen. */
  documentVersionId?: string | null;
  /** Heading ids of the document: the only sections its beacons may report. */
  sectionIds: readonly string[];
  deviceId: string;
  deviceLabel: string;
  networkHash: string | null;
  now: Date;
}

export interface StartedView {
  viewId: string;
  visitId: string;
  newVisit: boolean;
  newDevice: boolean;
}

/**
 * Records a confirmed view. With `alerts`, a new visit also queues its Slack alert in the same
 * transaction, so an alert is never lost nor sent for a view that was not stored.
 */
export async function startView(db: RingiDb, start: ViewStart, alerts?: { delayMs: number }): Promise<StartedView> {
  const { scope, now } = start;
  return await db.transaction(async (tx) => {
    await ensureOpportunityAggregates(tx, scope.opportunityId);
    const [readBefore] = await tx
      .select({ views: readingTotals.views })
      .from(readingTotals)
      .where(and(eq(readingTotals.opportunityId, scope.opportunityId), eq(readingTotals.contactId, scope.contactId), gt(readingTotals.views, 0)))
      .limit(1);
    const { visitId, newVisit, newDevice, returning } = await findOrStartVisit(tx, start);
    if (newVisit && alerts) await enqueueVisitAlert(tx, { visitId, opportunityId: scope.opportunityId, contactId: scope.contactId, isReturn: returning }, now, alerts.delayMs);
    const viewId = newTrackingId();
    await tx.insert(documentViews)
      .values({
        id: viewId,
        visitId,
        ...scope,
        documentSlug: start.documentSlug,
        documentCategory: start.documentCategory ?? null,
        documentTitle: start.documentTitle ?? null,
        documentVersionId: start.documentVersionId ?? null,
        startedAt: now,
        lastBeaconAt: now,
        sectionSeconds: JSON.stringify(Object.fromEntries(start.sectionIds.map((id) => [id, 0]))),
      });
    await tx.insert(readingTotals)
      .values({
        opportunityId: scope.opportunityId,
        accountId: scope.accountId,
        contactId: scope.contactId,
        documentSlug: start.documentSlug,
        views: 1,
        firstSeenAt: now,
        lastSeenAt: now,
      })
      .onConflictDoUpdate({
        target: [readingTotals.opportunityId, readingTotals.contactId, readingTotals.documentSlug],
        set: { views: sql`${readingTotals.views} + 1`, lastSeenAt: now },
      });
    await recordReading(tx, scope.opportunityId, start.documentSlug, { views: 1, newContact: !readBefore }, now);
    return { viewId, visitId, newVisit, newDevice };
  });
}

/** The browser's visit still open at `now` (last activity within the visit gap), if any. */
async function currentVisit(tx: Tx, accessLinkId: string, deviceId: string, now: Date): Promise<{ id: string } | undefined> {
  return (await tx
    .select({ id: visits.id })
    .from(visits)
    .where(and(eq(visits.accessLinkId, accessLinkId), eq(visits.deviceId, deviceId), gte(visits.lastActivityAt, new Date(now.getTime() - VISIT_GAP_MS))))
    .orderBy(desc(visits.lastActivityAt))
    .limit(1))[0];
}

async function findOrStartVisit(tx: Tx, start: ViewStart): Promise<{ visitId: string; newVisit: boolean; newDevice: boolean; returning: boolean }> {
  const { scope, now, deviceId } = start;
  const recent = await currentVisit(tx, scope.accessLinkId, deviceId, now);
  if (recent) {
    await tx.update(visits).set({ lastActivityAt: now }).where(eq(visits.id, recent.id));
    await touchOpportunity(tx, scope, now);
    return { visitId: recent.id, newVisit: false, newDevice: false, returning: false };
  }

  const [seenOnThisDevice] = await tx
    .select({ id: visits.id })
    .from(visits)
    .where(and(eq(visits.accessLinkId, scope.accessLinkId), eq(visits.deviceId, deviceId)))
    .limit(1);
  const seenOnOtherDevice = seenOnThisDevice
    ? undefined
    : (await tx
        .select({ id: visits.id })
        .from(visits)
        .where(and(eq(visits.accessLinkId, scope.accessLinkId), ne(visits.deviceId, deviceId)))
        .limit(1))[0];
  // The link's first browser is its contact; another browser later is a forwarded link or a second device.
  const newDevice = !seenOnThisDevice && seenOnOtherDevice !== undefined;
  const visitId = newTrackingId();
  await tx.insert(visits)
    .values({
      id: visitId,
      ...scope,
      deviceId,
      newDevice,
      deviceLabel: start.deviceLabel,
      networkHash: start.networkHash,
      startedAt: now,
      lastActivityAt: now,
    });
  await tx.insert(opportunityEngagement)
    .values({
      opportunityId: scope.opportunityId,
      accountId: scope.accountId,
      visits: 1,
      devices: seenOnThisDevice ? 0 : 1,
      newDevices: newDevice ? 1 : 0,
      firstSeenAt: now,
      lastSeenAt: now,
    })
    .onConflictDoUpdate({
      target: opportunityEngagement.opportunityId,
      set: {
        visits: sql`${opportunityEngagement.visits} + 1`,
        devices: sql`${opportunityEngagement.devices} + ${seenOnThisDevice ? 0 : 1}`,
        newDevices: sql`${opportunityEngagement.newDevices} + ${newDevice ? 1 : 0}`,
        ...seenAt(now),
      },
    });
  // A return: this browser read this link before. A new browser is announced as a new reader instead.
  return { visitId, newVisit: true, newDevice, returning: seenOnThisDevice !== undefined };
}

export type HeartbeatResult = 'applied' | 'replay' | 'not-found' | 'unknown-section';

/** A placeholder where drizzle's types want a value (a `set`): bound as given, so pass what the column stores. */
const bound = (name: string) => sql`${sql.placeholder(name)}`;

function prepareHeartbeatQueries(db: RingiDb) {
  return {
    view: db
      .select()
      .from(documentViews)
      .where(and(eq(documentViews.id, sql.placeholder('viewId')), eq(documentViews.accessLinkId, sql.placeholder('accessLinkId'))))
      .prepare(),
    updateView: db
      .update(documentViews)
      .set({
        activeSeconds: bound('activeSeconds'),
        maxScrollPercent: bound('maxScrollPercent'),
        sectionSeconds: bound('sectionSeconds'),
        lastSequence: bound('sequence'),
        lastBeaconAt: bound('nowMs'),
      })
      .where(eq(documentViews.id, sql.placeholder('viewId')))
      .prepare(),
    updateVisit: db.update(visits).set({ lastActivityAt: bound('nowMs') }).where(eq(visits.id, sql.placeholder('visitId'))).prepare(),
    updateTotals: db
      .update(readingTotals)
      .set({
        activeSeconds: sql`${readingTotals.activeSeconds} + ${sql.placeholder('activeDelta')}`,
        maxScrollPercent: sql`case when ${readingTotals.maxScrollPercent} > ${sql.placeholder('maxScrollPercent')} then ${readingTotals.maxScrollPercent} else ${sql.placeholder('maxScrollPercent')} end`,
        completedViews: sql`${readingTotals.completedViews} + ${sql.placeholder('newlyCompleted')}`,
        lastSeenAt: bound('nowMs'),
      })
      .where(
        and(
          eq(readingTotals.opportunityId, sql.placeholder('opportunityId')),
          eq(readingTotals.contactId, sql.placeholder('contactId')),
          eq(readingTotals.documentSlug, sql.placeholder('documentSlug')),
        ),
      )
      .prepare(),
  };
}

// Beacons arrive every few seconds per reader: build and compile their statements once per connection
// (building drizzle queries on every call cost more than running them; docs/performance.md).
const heartbeatQueries = new WeakMap<RingiDb, ReturnType<typeof prepareHeartbeatQueries>>();

/** Applies one beacon of a view. The view must belong to the link whose token came with it. */
export async function recordHeartbeat(db: RingiDb, scope: LinkScope, viewId: string, beacon: HeartbeatPayload, now: Date): Promise<HeartbeatResult> {
  let q = heartbeatQueries.get(db);
  if (!q) heartbeatQueries.set(db, (q = prepareHeartbeatQueries(db)));
  const queries = q;
  // The prepared statements run on the same connection, so inside this transaction.
  return await db.transaction(async (tx) => {
    const [view] = await queries.view.execute({ viewId, accessLinkId: scope.accessLinkId });
    if (!view) return 'not-found';
    const outcome = mergeHeartbeat({ ...view, sectionSeconds: JSON.parse(view.sectionSeconds) as Record<string, number> }, beacon, now);
    if (outcome.kind === 'replay') return 'replay';
    if (outcome.kind === 'unknown-section') return 'unknown-section';

    const nowMs = now.getTime();
    await queries.updateView.execute({
      activeSeconds: outcome.activeSeconds,
      maxScrollPercent: outcome.maxScrollPercent,
      sectionSeconds: JSON.stringify(outcome.sectionSeconds),
      sequence: outcome.sequence,
      nowMs,
      viewId,
    });
    await queries.updateVisit.execute({ nowMs, visitId: view.visitId });

    const newlyCompleted =
      !isCompleted(view.activeSeconds, view.maxScrollPercent) && isCompleted(outcome.activeSeconds, outcome.maxScrollPercent);
    await queries.updateTotals.execute({
      activeDelta: outcome.activeDelta,
      maxScrollPercent: outcome.maxScrollPercent,
      newlyCompleted: newlyCompleted ? 1 : 0,
      nowMs,
      opportunityId: scope.opportunityId,
      contactId: scope.contactId,
      documentSlug: view.documentSlug,
    });
    await recordReading(
      tx,
      scope.opportunityId,
      view.documentSlug,
      { activeSeconds: outcome.activeDelta, completedViews: newlyCompleted ? 1 : 0, category: view.documentCategory },
      now,
      db,
    );

    if (beacon.printed) await recordPrintOnce(tx, scope, view.visitId, viewId, view.documentSlug, now);
    return 'applied';
  });
}

async function recordPrintOnce(tx: Tx, scope: LinkScope, visitId: string, viewId: string, documentSlug: string, now: Date): Promise<void> {
  const [already] = await tx
    .select({ id: linkEvents.id })
    .from(linkEvents)
    .where(and(eq(linkEvents.viewId, viewId), eq(linkEvents.kind, 'print'))).limit(1);
  if (already) return;
  await tx.insert(linkEvents).values({ ...scope, kind: 'print', visitId, viewId, documentSlug, occurredAt: now });
  await bumpTotals(tx, scope, documentSlug, now, { prints: sql`${readingTotals.prints} + 1` });
  await recordReading(tx, scope.opportunityId, documentSlug, { prints: 1 }, now);
}

/** Whether this browser showed a person on this link: it started a view there (presence.ts). */
export async function hasShownPresence(db: Queryable, accessLinkId: string, deviceId: string | null): Promise<boolean> {
  if (!deviceId) return false;
  return (
    (await db
      .select({ id: visits.id })
      .from(visits)
      .where(and(eq(visits.accessLinkId, accessLinkId), eq(visits.deviceId, deviceId)))
      .limit(1))[0] !== undefined
  );
}

/**
 * An attachment fetched by a browser. It counts (totals, score, timeline, CSV) only when the browser
 * showed a person on this link; otherwise it is kept apart as an unconfirmed download.
 */
export async function recordDownload(db: RingiDb, scope: LinkScope, documentSlug: string, file: string, deviceId: string | null, now: Date): Promise<'download' | 'unconfirmed_download'> {
  return await db.transaction(async (tx) => {
    const kind = downloadKind(await hasShownPresence(tx, scope.accessLinkId, deviceId));
    if (kind === 'unconfirmed_download') {
      await tx.insert(linkEvents).values({ ...scope, kind, documentSlug, detail: file, occurredAt: now });
      return kind;
    }
    const visit = deviceId ? await currentVisit(tx, scope.accessLinkId, deviceId, now) : undefined;
    await tx.insert(linkEvents).values({ ...scope, kind: 'download', visitId: visit?.id ?? null, documentSlug, detail: file, occurredAt: now });
    if (visit) await tx.update(visits).set({ lastActivityAt: now }).where(eq(visits.id, visit.id));
    await bumpTotals(tx, scope, documentSlug, now, { downloads: sql`${readingTotals.downloads} + 1` });
    await recordReading(tx, scope.opportunityId, documentSlug, { downloads: 1 }, now);
    return kind;
  });
}

/** A scanner, link preview, crawler or prefetch opened the link: shown to reps apart, never as reading. */
export async function recordAutomatedOpen(db: RingiDb, scope: LinkScope, documentSlug: string | null, agent: string, now: Date): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(linkEvents).values({ ...scope, kind: 'automated_open', documentSlug, detail: agent.slice(0, 100), occurredAt: now });
    await tx.insert(opportunityEngagement)
      .values({ opportunityId: scope.opportunityId, accountId: scope.accountId, automatedOpens: 1 })
      .onConflictDoUpdate({
        target: opportunityEngagement.opportunityId,
        set: { automatedOpens: sql`${opportunityEngagement.automatedOpens} + 1` },
      });
  });
}

async function bumpTotals(tx: Tx, scope: LinkScope, documentSlug: string, now: Date, set: Partial<Record<'downloads' | 'prints', ReturnType<typeof sql>>>): Promise<void> {
  await tx.insert(readingTotals)
    .values({
      opportunityId: scope.opportunityId,
      accountId: scope.accountId,
      contactId: scope.contactId,
      documentSlug,
      downloads: set.downloads ? 1 : 0,
      prints: set.prints ? 1 : 0,
      firstSeenAt: now,
      lastSeenAt: now,
    })
    .onConflictDoUpdate({
      target: [readingTotals.opportunityId, readingTotals.contactId, readingTotals.documentSlug],
      set: { ...set, lastSeenAt: now },
    });
  await touchOpportunity(tx, scope, now);
}

/** Any reading activity (a view, a download, a print) moves the opportunity's last-seen time: the dashboard sorts by it. */
async function touchOpportunity(tx: Tx, scope: LinkScope, now: Date): Promise<void> {
  await tx.insert(opportunityEngagement)
    .values({ opportunityId: scope.opportunityId, accountId: scope.accountId, firstSeenAt: now, lastSeenAt: now })
    .onConflictDoUpdate({
      target: opportunityEngagement.opportunityId,
      set: seenAt(now),
    });
}

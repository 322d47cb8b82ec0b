// Writes what the page script confirmed. Each write keeps the raw rows and the running totals in
// one transaction, so the dashboards never disagree with the timeline.
import crypto from 'node:crypto';
import { and, desc, eq, gt, gte, inArray, isNull, ne, sql } from 'drizzle-orm';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { documentViews, linkBrowsers, linkEvents, opportunityEngagement, readingTotals, visits } from '../db/tables';
import type { Queryable, RingiDb, RingiTx as Tx } from '../db/client';
import { serialiseOn } from '../db/locks';
import { isPostgres } from '../db/postgres';
import type { HeartbeatPayload } from './beacon-payloads';
import type { LinkScope } from './link-scope';
import { enqueueVisitAlert } from '../slack/outbox';
import { downloadKind } from './presence';
import { isCompleted, mergeHeartbeat, VISIT_GAP_MS } from './rules';
import { ensureOpportunityAggregates, rebuildOpportunityAggregates, recordReading, seenAt } from './aggregates';
import { readsClearlyDiffer } from './readers';

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
  const { now } = start;
  return await db.transaction(async (tx) => {
    await ensureOpportunityAggregates(tx, start.scope.opportunityId);
    const { visitId, newVisit, newDevice, returning, contactId } = await findOrStartVisit(tx, start);
    // A browser the rep named reads as that contact, whoever's link it came in on.
    const scope = { ...start.scope, contactId };
    if (newVisit && alerts) await enqueueVisitAlert(tx, { visitId, opportunityId: scope.opportunityId, contactId, isReturn: returning }, now, alerts.delayMs);
    const browsersChanged = (await markDistinctReader(tx, start)) || newDevice;
    const [readBefore] = await tx
      .select({ views: readingTotals.views })
      .from(readingTotals)
      .where(and(eq(readingTotals.opportunityId, scope.opportunityId), eq(readingTotals.contactId, contactId), gt(readingTotals.views, 0)))
      .limit(1);
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
    // Readers counted from the link's browsers (a new one, or one now reading as someone else): rare.
    if (browsersChanged) await rebuildOpportunityAggregates(tx, scope.opportunityId);
    return { viewId, visitId, newVisit, newDevice };
  });
}

/** The browser's visit still open at `now` (last activity within the visit gap), if any. */
async function currentVisit(tx: Tx, accessLinkId: string, deviceId: string, now: Date): Promise<{ id: string; contactId: string } | undefined> {
  return (await tx
    .select({ id: visits.id, contactId: visits.contactId })
    .from(visits)
    .where(and(eq(visits.accessLinkId, accessLinkId), eq(visits.deviceId, deviceId), gte(visits.lastActivityAt, new Date(now.getTime() - VISIT_GAP_MS))))
    .orderBy(desc(visits.lastActivityAt))
    .limit(1))[0];
}

/** Who reads in this browser: the contact the rep named it as, else the link's contact. */
async function browserContact(tx: Tx, scope: LinkScope, deviceId: string | null): Promise<string> {
  if (!deviceId) return scope.contactId;
  const [named] = await tx
    .select({ contactId: linkBrowsers.contactId })
    .from(linkBrowsers)
    .where(and(eq(linkBrowsers.accessLinkId, scope.accessLinkId), eq(linkBrowsers.deviceId, deviceId)))
    .limit(1);
  return named?.contactId ?? scope.contactId;
}

/**
 * An unnamed other browser opening a document becomes a reader of its own when its reading clearly
 * differs from the link's contact's (readers.ts). Once shown, it stays so.
 */
async function markDistinctReader(tx: Tx, start: ViewStart): Promise<boolean> {
  const { scope, deviceId } = start;
  const [browser] = await tx
    .select({ contactId: linkBrowsers.contactId, distinctReader: linkBrowsers.distinctReader })
    .from(linkBrowsers)
    .where(and(eq(linkBrowsers.accessLinkId, scope.accessLinkId), eq(linkBrowsers.deviceId, deviceId)))
    .limit(1);
  if (!browser || browser.contactId !== null || browser.distinctReader) return false;
  // The link's contact reads in the link's browsers that are not unnamed other browsers.
  const otherUnnamed = sql`(select ${linkBrowsers.deviceId} from ${linkBrowsers} where ${linkBrowsers.accessLinkId} = ${scope.accessLinkId} and ${linkBrowsers.contactId} is null)`;
  const owner = and(eq(visits.accessLinkId, scope.accessLinkId), eq(visits.contactId, scope.contactId), sql`${visits.deviceId} not in ${otherUnnamed}`);
  const browserVisits = await tx
    .select({ networkHash: visits.networkHash })
    .from(visits)
    .where(and(eq(visits.accessLinkId, scope.accessLinkId), eq(visits.deviceId, deviceId)));
  const ownerVisits = await tx.select({ networkHash: visits.networkHash }).from(visits).where(owner);
  const [ownerOpened] = await tx
    .select({ id: documentViews.id })
    .from(documentViews)
    .innerJoin(visits, eq(visits.id, documentViews.visitId))
    .where(and(owner, eq(documentViews.documentSlug, start.documentSlug)))
    .limit(1);
  const differs = readsClearlyDiffer({
    browserNetworks: new Set(browserVisits.map((v) => v.networkHash)),
    ownerNetworks: new Set(ownerVisits.map((v) => v.networkHash)),
    documentSlug: start.documentSlug,
    ownerDocuments: new Set(ownerOpened ? [start.documentSlug] : []),
  });
  if (differs) {
    await tx
      .update(linkBrowsers)
      .set({ distinctReader: true })
      .where(and(eq(linkBrowsers.accessLinkId, scope.accessLinkId), eq(linkBrowsers.deviceId, deviceId)));
  }
  return differs;
}

async function findOrStartVisit(
  tx: Tx,
  start: ViewStart,
): Promise<{ visitId: string; newVisit: boolean; newDevice: boolean; returning: boolean; contactId: string }> {
  const { scope, now, deviceId } = start;
  // Which visit, and whether this browser is new on the link, are read and then written: instances
  // starting views on one link at once (PostgreSQL) queue here, so the second sees the first's visit.
  await serialiseOn(tx, [`visit-start:${scope.accessLinkId}`]);
  const recent = await currentVisit(tx, scope.accessLinkId, deviceId, now);
  if (recent) {
    await tx.update(visits).set({ lastActivityAt: now }).where(eq(visits.id, recent.id));
    await touchOpportunity(tx, scope, now);
    return { visitId: recent.id, newVisit: false, newDevice: false, returning: false, contactId: recent.contactId };
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
  if (newDevice) {
    await tx
      .insert(linkBrowsers)
      .values({ accessLinkId: scope.accessLinkId, deviceId, opportunityId: scope.opportunityId, firstSeenAt: now })
      .onConflictDoNothing();
  }
  const contactId = await browserContact(tx, scope, deviceId);
  const visitId = newTrackingId();
  await tx.insert(visits)
    .values({
      id: visitId,
      ...scope,
      contactId,
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
  return { visitId, newVisit: true, newDevice, returning: seenOnThisDevice !== undefined, contactId };
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
  return await db.transaction(async (tx) => await applyHeartbeat(db, tx, { scope, viewId, beacon, now }));
}

/** A beacon to apply: its view, the link it came with (the view must belong to it) and when it arrived. */
export interface Heartbeat {
  scope: LinkScope;
  viewId: string;
  beacon: HeartbeatPayload;
  now: Date;
}

/**
 * Applies beacons of any views in one transaction, in order, as recordHeartbeat would one by one: a
 * commit costs more than a beacon's statements (it writes every page they touched), and beacons of
 * different readers touch the same pages (an opportunity's aggregates, the document table, the
 * indexes). When any of them fails, nothing of the group is kept and each is applied on its own, so
 * every beacon gets the answer (or the error) it would have got alone. SQLite only: there a
 * transaction holds the one connection anyway; on PostgreSQL a group would hold several
 * opportunities' row locks in arrival order, not the lock order of aggregates.ts.
 */
export async function recordHeartbeats(db: RingiDb, heartbeats: readonly Heartbeat[]): Promise<Array<PromiseSettledResult<HeartbeatResult>>> {
  if (heartbeats.length > 1 && !isPostgres(db)) {
    try {
      const results = await db.transaction(async (tx) => {
        const applied: HeartbeatResult[] = [];
        for (const heartbeat of heartbeats) applied.push(await applyHeartbeat(db, tx, heartbeat));
        return applied;
      });
      return results.map((value) => ({ status: 'fulfilled', value }));
    } catch {
      // Rolled back as a whole: one by one below, where the failing beacon fails alone.
    }
  }
  const settled: Array<PromiseSettledResult<HeartbeatResult>> = [];
  for (const { scope, viewId, beacon, now } of heartbeats) {
    try {
      settled.push({ status: 'fulfilled', value: await recordHeartbeat(db, scope, viewId, beacon, now) });
    } catch (reason) {
      settled.push({ status: 'rejected', reason });
    }
  }
  return settled;
}

// At most this many beacons share a commit: a group holds the write lock (and, SQLite being
// synchronous, the event loop) for about 5 ms, well inside the 20 ms of a background transaction
// (db/batch-budget.ts).
const MAX_GROUP = 32;
interface QueuedHeartbeat {
  heartbeat: Heartbeat;
  settle: (result: PromiseSettledResult<HeartbeatResult>) => void;
}
const queuedHeartbeats = new WeakMap<RingiDb, QueuedHeartbeat[]>();

/**
 * recordHeartbeat for the beacon endpoint: on SQLite, the beacons that arrive within one turn of the
 * event loop are applied together (recordHeartbeats), each answered once its group has committed.
 * Call it outside any transaction: the group runs in the async context of its first beacon.
 */
export async function queueHeartbeat(db: RingiDb, heartbeat: Heartbeat): Promise<HeartbeatResult> {
  // PostgreSQL runs beacons side by side on its pool: nothing to gain from waiting for others.
  if (isPostgres(db)) return await recordHeartbeat(db, heartbeat.scope, heartbeat.viewId, heartbeat.beacon, heartbeat.now);
  return await new Promise((resolve, reject) => {
    let queue = queuedHeartbeats.get(db);
    if (!queue) {
      queuedHeartbeats.set(db, (queue = []));
      setImmediate(() => void applyQueued(db));
    }
    queue.push({ heartbeat, settle: (result) => (result.status === 'fulfilled' ? resolve(result.value) : reject(result.reason)) });
  });
}

async function applyQueued(db: RingiDb): Promise<void> {
  const queue = queuedHeartbeats.get(db) ?? [];
  queuedHeartbeats.delete(db);
  for (let i = 0; i < queue.length; i += MAX_GROUP) {
    const group = queue.slice(i, i + MAX_GROUP);
    const results = await recordHeartbeats(db, group.map((queued) => queued.heartbeat));
    group.forEach((queued, j) => queued.settle(results[j]!));
  }
}

async function applyHeartbeat(db: RingiDb, tx: Tx, { scope, viewId, beacon, now }: Heartbeat): Promise<HeartbeatResult> {
  let queries = heartbeatQueries.get(db);
  if (!queries) heartbeatQueries.set(db, (queries = prepareHeartbeatQueries(db)));
  // The prepared statements run on the same connection, so inside this transaction.
  // pagehide and visibilitychange send the same beacon, possibly to two instances (PostgreSQL): the
  // second must see the first's sequence, or both add the same seconds (and print) to the totals.
  await serialiseOn(tx, [`view:${viewId}`]);
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
  // The aggregates first, as in every ingest path (aggregates.ts, lock order).
  const rebuilt = await recordReading(
    tx,
    scope.opportunityId,
    view.documentSlug,
    { activeSeconds: outcome.activeDelta, completedViews: newlyCompleted ? 1 : 0, category: view.documentCategory },
    now,
    db,
  );

  await queries.updateTotals.execute({
    activeDelta: outcome.activeDelta,
    maxScrollPercent: outcome.maxScrollPercent,
    newlyCompleted: newlyCompleted ? 1 : 0,
    nowMs,
    opportunityId: scope.opportunityId,
    // The view's reader: a named browser's views belong to its contact, not the link's.
    contactId: view.contactId,
    documentSlug: view.documentSlug,
  });
  // Aggregates never built before this beacon were built without it: again, now that the totals have it.
  if (rebuilt) await rebuildOpportunityAggregates(tx, scope.opportunityId);
  if (beacon.printed) await recordPrintOnce(tx, { ...scope, contactId: view.contactId }, view.visitId, viewId, view.documentSlug, now);
  return 'applied';
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
    const reader = { ...scope, contactId: visit?.contactId ?? (await browserContact(tx, scope, deviceId)) };
    await tx.insert(linkEvents).values({ ...reader, kind: 'download', visitId: visit?.id ?? null, documentSlug, detail: file, occurredAt: now });
    if (visit) await tx.update(visits).set({ lastActivityAt: now }).where(eq(visits.id, visit.id));
    await bumpTotals(tx, reader, documentSlug, now, { downloads: sql`${readingTotals.downloads} + 1` });
    await recordReading(tx, scope.opportunityId, documentSlug, { downloads: 1 }, now);
    return kind;
  });
}

/**
 * The whole room printed from its print-all page: a print of each document, counted (totals, score,
 * timeline) like a download only from a browser that showed a person on this link, and once per
 * document within a visit (the print dialog may be opened again). Without that evidence nothing is
 * recorded: unlike a fetched file, a print that no person was seen behind leaves no trace worth listing.
 */
export async function recordRoomPrint(db: RingiDb, scope: LinkScope, documentSlugs: readonly string[], deviceId: string | null, now: Date): Promise<{ counted: boolean; printed: string[] }> {
  if (documentSlugs.length === 0) return { counted: false, printed: [] };
  return await db.transaction(async (tx) => {
    if (!(await hasShownPresence(tx, scope.accessLinkId, deviceId))) return { counted: false, printed: [] };
    // Two instances receiving the same print at once must not both find it new.
    await serialiseOn(tx, [`room-print:${scope.accessLinkId}`]);
    const visit = await currentVisit(tx, scope.accessLinkId, deviceId!, now);
    const already = new Set(
      (await tx
        .select({ slug: linkEvents.documentSlug })
        .from(linkEvents)
        .where(
          and(
            eq(linkEvents.opportunityId, scope.opportunityId),
            eq(linkEvents.accessLinkId, scope.accessLinkId),
            eq(linkEvents.kind, 'print'),
            inArray(linkEvents.documentSlug, [...documentSlugs]),
            // Outside a visit (the browser read here before, but not lately): within the visit gap.
            visit ? eq(linkEvents.visitId, visit.id) : and(isNull(linkEvents.visitId), gte(linkEvents.occurredAt, new Date(now.getTime() - VISIT_GAP_MS))),
          ),
        )).map((e) => e.slug),
    );
    const printed = documentSlugs.filter((slug) => !already.has(slug));
    const reader = { ...scope, contactId: visit?.contactId ?? (await browserContact(tx, scope, deviceId)) };
    // The visit's row before the totals, in the order beacons and downloads lock them (no deadlock on PostgreSQL).
    if (visit) await tx.update(visits).set({ lastActivityAt: now }).where(eq(visits.id, visit.id));
    for (const documentSlug of printed) {
      await tx.insert(linkEvents).values({ ...reader, kind: 'print', visitId: visit?.id ?? null, documentSlug, occurredAt: now });
      await bumpTotals(tx, reader, documentSlug, now, { prints: sql`${readingTotals.prints} + 1` });
    }
    return { counted: true, printed };
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
  // opportunity_engagement before reading_totals, as in every ingest path (aggregates.ts, lock order).
  await touchOpportunity(tx, scope, now);
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

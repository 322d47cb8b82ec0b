// Retention of raw view tracking (docs/adr/0004: personal data is kept no longer than needed).
// Raw visits, document views and link events older than the retention period are deleted; the
// running totals (reading_totals, opportunity_engagement) are kept, so summaries and scores do not move.
// The same daily job purges Slack alerts that are done with (delivered or skipped) and sign-in
// throttle counters whose window has ended.
import { and, eq, gte, inArray, lt, lte, or, sql } from 'drizzle-orm';
import { documentViews, linkEvents, slackOutbox, visits } from '../db/tables';
import { purgeExpiredSignInFailures } from '../auth/throttle';
import type { RingiDb } from '../db/client';
import { firstBatchSize, nextBatchSize } from '../db/batch-budget';
import { getSettingValues } from '../settings/settings';
import { VISIT_GAP_MS } from './rules';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface PurgeOptions {
  /** Raw rows whose activity ended more than this many days before `now` are deleted (≥ 1). */
  olderThanDays: number;
  now: Date;
  /**
   * At most this many visits (then loose events) per transaction, 1-10000; default 1000. Batches start
   * smaller and are sized so each transaction takes about `transactionBudgetMs` (db/batch-budget.ts).
   */
  batchSize?: number;
  /** Default TRANSACTION_BUDGET_MS (20 ms). */
  transactionBudgetMs?: number;
  /** Milliseconds, to time the transactions (tests give a clock of their own). */
  clock?: () => number;
}

export interface PurgeResult {
  cutoff: Date;
  visits: number;
  documentViews: number;
  linkEvents: number;
  /** Transactions used. */
  batches: number;
}

/**
 * Deletes raw tracking rows whose activity ended before `now - olderThanDays`:
 *
 * - a visit whose last activity is before the cutoff, with all its document views and its link
 *   events (a visit spanning the cutoff is kept whole, so the timeline never shows half a visit);
 * - link events before the cutoff that belong to no kept visit (automated opens, downloads outside
 *   visits).
 *
 * Each batch (visits with their views and events; then loose events) is one transaction: a visit is
 * never half deleted. Batches are sized by time, so each holds the write lock (and, on SQLite, this
 * process's event loop) for about the budget whatever the size of the history: beacons keep flowing
 * while a year of history goes, and the event loop turns between batches.
 * Running totals are never touched. Running it again deletes nothing more.
 */
export async function purgeRawTracking(db: RingiDb, options: PurgeOptions): Promise<PurgeResult> {
  const { olderThanDays, now } = options;
  if (!Number.isFinite(olderThanDays) || olderThanDays < 1) throw new RangeError('olderThanDays must be at least 1');
  const maxBatch = options.batchSize ?? 1000;
  if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > 10_000) throw new RangeError('batchSize must be an integer from 1 to 10000');
  const clock = options.clock ?? (() => performance.now());
  const cutoff = new Date(now.getTime() - olderThanDays * DAY_MS);
  const result: PurgeResult = { cutoff, visits: 0, documentViews: 0, linkEvents: 0, batches: 0 };

  let batchSize = firstBatchSize(maxBatch);
  for (;;) {
    const startedAt = clock();
    const more = await db.transaction(async (tx) => {
      let deleted = 0;
      // Visits: found through visits_started_idx (a visit that ended before the cutoff started before it).
      const batch = await tx
        .select({ id: visits.id, startedAt: visits.startedAt, lastActivityAt: visits.lastActivityAt })
        .from(visits)
        .where(and(lt(visits.startedAt, cutoff), lt(visits.lastActivityAt, cutoff)))
        .orderBy(visits.startedAt)
        .limit(batchSize);
      if (batch.length > 0) {
        const ids = batch.map((r) => r.id);
        const views = (await tx.delete(documentViews).where(inArray(documentViews.visitId, ids)).returning({ id: documentViews.id })).length;
        // Their events happened while the visits lasted: read only that span of link_events_occurred_idx
        // (with a visit gap of slack). A stray one is caught below, once its visit is gone.
        const from = Math.min(...batch.map((r) => r.startedAt.getTime())) - VISIT_GAP_MS;
        const to = Math.max(...batch.map((r) => r.lastActivityAt.getTime())) + VISIT_GAP_MS;
        const events = (await tx
          .delete(linkEvents)
          .where(and(gte(linkEvents.occurredAt, new Date(from)), lte(linkEvents.occurredAt, new Date(to)), inArray(linkEvents.visitId, ids))).returning({ id: linkEvents.id })).length;
        const gone = (await tx.delete(visits).where(inArray(visits.id, ids)).returning({ id: visits.id })).length;
        result.documentViews += views;
        result.linkEvents += events;
        result.visits += gone;
        deleted += gone;
        if (batch.length === batchSize) {
          result.batches += 1;
          return true;
        }
      }
      // Loose events before the cutoff: automated opens, downloads outside visits, and events whose
      // visit is gone. Events of a kept visit (one spanning the cutoff) stay with it.
      const loose = (await tx
        .select({ id: linkEvents.id })
        .from(linkEvents)
        .where(
          and(
            lt(linkEvents.occurredAt, cutoff),
            sql`(${linkEvents.visitId} is null or not exists (select 1 from ${visits} where ${visits.id} = ${linkEvents.visitId}))`,
          ),
        )
        .orderBy(linkEvents.occurredAt)
        .limit(batchSize))
        .map((r) => r.id);
      if (loose.length > 0) {
        const events = (await tx.delete(linkEvents).where(inArray(linkEvents.id, loose)).returning({ id: linkEvents.id })).length;
        result.linkEvents += events;
        deleted += events;
      }
      if (deleted > 0) result.batches += 1;
      return loose.length === batchSize;
    });
    if (!more) break;
    batchSize = nextBatchSize(batchSize, clock() - startedAt, maxBatch, options.transactionBudgetMs);
    // Let requests and beacons in between two batches: the purge never holds the event loop long.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return result;
}

/**
 * Delivered and skipped Slack alerts stay this long (the admins' alert page lists the newest), then
 * go. Well past any re-enqueue of the same cause (idempotency keys name a visit or a day), so a
 * purged row never lets an alert be sent twice. Pending, sending and failed rows are never purged.
 */
export const DONE_ALERT_DAYS = 30;

export async function purgeDoneSlackAlerts(db: RingiDb, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - DONE_ALERT_DAYS * DAY_MS);
  return (await db
    .delete(slackOutbox)
    .where(or(and(eq(slackOutbox.status, 'sent'), lt(slackOutbox.sentAt, cutoff)), and(eq(slackOutbox.status, 'skipped'), lt(slackOutbox.dueAt, cutoff)))).returning({ id: slackOutbox.id })).length;
}

/**
 * The daily purge with the retention in force: the workspace setting, or RINGI_RETENTION_DAYS when
 * that is set (getSettingValues applies it); Slack alerts that are done with; expired sign-in counters.
 */
export async function purgeExpiredTracking(db: RingiDb, now: Date, env: NodeJS.ProcessEnv = process.env): Promise<PurgeResult & { slackAlerts: number; signInCounters: number }> {
  const tracking = await purgeRawTracking(db, { olderThanDays: (await getSettingValues(db, env)).retentionDays, now });
  return { ...tracking, slackAlerts: await purgeDoneSlackAlerts(db, now), signInCounters: await purgeExpiredSignInFailures(db, now) };
}

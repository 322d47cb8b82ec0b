// The webhook outbox, Slack's design (docs/adr/0005, 0008) per endpoint: one row per event and
// endpoint (unique), claimed with a lease so two workers never send the same row, retried with
// backoff for a day, failed rows resent by an admin.
import crypto from 'node:crypto';
import { and, desc, eq, inArray, lt, lte, or, sql } from 'drizzle-orm';
import { webhookDeliveries, webhookEndpoints } from '../db/tables';
import type { Queryable } from '../db/client';
import type { WebhookEventType } from './endpoints';

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export const LEASE_MS = 60_000;

/** Queues an event for an endpoint unless it is queued already. Returns whether it was new. */
export async function enqueueDelivery(
  db: Queryable,
  delivery: { endpointId: string; eventKey: string; eventType: WebhookEventType; payload: string; dueAt: Date },
): Promise<boolean> {
  const inserted = await db
    .insert(webhookDeliveries)
    .values({ ...delivery, messageId: `msg_${crypto.randomUUID().replaceAll('-', '')}` })
    .onConflictDoNothing({ target: [webhookDeliveries.endpointId, webhookDeliveries.eventKey] })
    .returning({ id: webhookDeliveries.id });
  return inserted.length > 0;
}

/** The event keys of these causes already queued for an endpoint: the dispatcher composes only new ones. */
export async function queuedEventKeys(db: Queryable, endpointId: string, eventKeys: readonly string[]): Promise<Set<string>> {
  if (eventKeys.length === 0) return new Set();
  const rows = await db
    .select({ key: webhookDeliveries.eventKey })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.endpointId, endpointId), inArray(webhookDeliveries.eventKey, [...eventKeys])));
  return new Set(rows.map((r) => r.key));
}

const claimable = (now: Date) =>
  or(and(eq(webhookDeliveries.status, 'pending'), lte(webhookDeliveries.dueAt, now)), and(eq(webhookDeliveries.status, 'sending'), lt(webhookDeliveries.leaseUntil, now)));

/** Takes due rows (and rows whose worker died mid-send) with a lease; the UPDATE re-checks, so a row goes to one worker. */
export async function claimDueDeliveries(db: Queryable, now: Date, limit = 10): Promise<DeliveryRow[]> {
  const due = (await db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(claimable(now)).orderBy(webhookDeliveries.dueAt).limit(limit)).map((r) => r.id);
  if (due.length === 0) return [];
  return db
    .update(webhookDeliveries)
    .set({ status: 'sending', leaseUntil: new Date(now.getTime() + LEASE_MS), attempts: sql`${webhookDeliveries.attempts} + 1` })
    .where(and(inArray(webhookDeliveries.id, due), claimable(now)))
    .returning();
}

export async function markDelivered(db: Queryable, id: number, now: Date, status: number | null): Promise<void> {
  await db.update(webhookDeliveries).set({ status: 'sent', sentAt: now, leaseUntil: null, lastError: null, lastStatus: status, firstFailedAt: null }).where(eq(webhookDeliveries.id, id));
}

export async function markDeliveryFailed(db: Queryable, id: number, error: string, status: number | null, finalStatus: 'failed' | 'skipped' = 'failed'): Promise<void> {
  await db.update(webhookDeliveries).set({ status: finalStatus, leaseUntil: null, lastError: error, lastStatus: status }).where(eq(webhookDeliveries.id, id));
}

/** A transient failure: pending again at `dueAt`; the first failure's time is kept for the day's budget. */
export async function scheduleDeliveryRetry(db: Queryable, row: DeliveryRow, dueAt: Date, error: string, status: number | null, now: Date): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ status: 'pending', dueAt, leaseUntil: null, lastError: error, lastStatus: status, firstFailedAt: row.firstFailedAt ?? now })
    .where(eq(webhookDeliveries.id, row.id));
}

/** An admin resends a failed delivery: the same message (id and body), signed anew. */
export async function resendDelivery(db: Queryable, id: number, now: Date): Promise<boolean> {
  const updated = await db
    .update(webhookDeliveries)
    .set({ status: 'pending', attempts: 0, dueAt: now, lastError: null, firstFailedAt: null })
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, 'failed')))
    .returning({ id: webhookDeliveries.id });
  return updated.length > 0;
}

/**
 * Deliveries done with for 30 days (sent, skipped, or failed and not resent) go: their payloads name
 * people. Far beyond the dispatcher's look-back (a day), so a purged event is never queued again.
 */
export const DONE_DELIVERY_DAYS = 30;

export async function purgeDoneDeliveries(db: Queryable, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - DONE_DELIVERY_DAYS * 24 * 60 * 60 * 1000);
  const gone = await db
    .delete(webhookDeliveries)
    .where(
      or(
        and(eq(webhookDeliveries.status, 'sent'), lt(webhookDeliveries.sentAt, cutoff)),
        and(inArray(webhookDeliveries.status, ['skipped', 'failed']), lt(webhookDeliveries.dueAt, cutoff)),
      ),
    )
    .returning({ id: webhookDeliveries.id });
  return gone.length;
}

/** The newest deliveries with their endpoint's URL, failures first, for the admins' page. */
export async function recentDeliveries(db: Queryable, limit = 100) {
  return db
    .select({ delivery: webhookDeliveries, endpointUrl: webhookEndpoints.url })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .orderBy(sql`case when ${webhookDeliveries.status} = 'failed' then 0 else 1 end`, desc(webhookDeliveries.id))
    .limit(limit);
}

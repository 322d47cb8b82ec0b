// Outgoing webhooks from inside the server process, beside the Slack worker: each round turns new
// tracking rows into outbox rows (events.ts), then delivers due rows, signed (signature.ts).
import { and, isNull, lte } from 'drizzle-orm';
import { webhookEndpoints } from '../db/tables';
import type { Queryable } from '../db/client';
import type { SecretKey } from '../security/secret-box';
import type { AlertPolicy } from '../slack/policy';
import { nextStep, type DeliveryResult } from '../slack/retry';
import { endpointEvents, endpointSecret, getWebhookEndpoint } from './endpoints';
import { collectEvents, composePayloads } from './events';
import { claimDueDeliveries, enqueueDelivery, markDelivered, markDeliveryFailed, purgeDoneDeliveries, queuedEventKeys, scheduleDeliveryRetry, type DeliveryRow } from './outbox';
import { sendWebhook } from './sender';
import { webhookHeaders } from './signature';
import { startRounds, type RoundLoop } from '../http/worker-rounds';

export interface WebhookWorkerDeps {
  db: Queryable;
  key: SecretKey;
  now: () => Date;
  /** The hot thresholds (the Slack alert policy); without it no opportunity.hot events. */
  policy?: () => AlertPolicy | Promise<AlertPolicy>;
  scoreOf?: (opportunityId: string, now: Date) => Promise<number | null> | number | null;
  /** Quiet time after which a view's reading is final (document.read). */
  settleMs?: number;
  send?: (url: string, headers: Record<string, string>, body: string) => Promise<DeliveryResult & { httpStatus?: number }>;
  retryBaseDelayMs?: number;
  timeZone?: string;
}

/** Queues the events of [since, now] for every active endpoint that wants them and existed when they happened. */
export async function dispatchEvents(deps: WebhookWorkerDeps, since: Date): Promise<number> {
  const { db } = deps;
  const now = deps.now();
  const endpoints = await db.select().from(webhookEndpoints).where(and(isNull(webhookEndpoints.disabledAt), lte(webhookEndpoints.createdAt, now)));
  if (endpoints.length === 0) return 0;
  const events = await collectEvents(db, since, now, { settleMs: deps.settleMs, policy: deps.policy ? await deps.policy() : undefined, scoreOf: deps.scoreOf, timeZone: deps.timeZone });
  if (events.length === 0) return 0;
  let queued = 0;
  for (const endpoint of endpoints) {
    const wanted = new Set(endpointEvents(endpoint));
    const mine = events.filter((e) => wanted.has(e.type) && e.occurredAt.getTime() >= endpoint.createdAt.getTime());
    const already = await queuedEventKeys(db, endpoint.id, mine.map((e) => e.key));
    const fresh = mine.filter((e) => !already.has(e.key));
    if (fresh.length === 0) continue;
    const payloads = await composePayloads(db, fresh);
    for (const event of fresh) {
      const payload = payloads.get(event.key);
      if (payload && (await enqueueDelivery(db, { endpointId: endpoint.id, eventKey: event.key, eventType: event.type, payload, dueAt: now }))) queued++;
    }
  }
  return queued;
}

async function deliverRow(deps: WebhookWorkerDeps, row: DeliveryRow): Promise<void> {
  const { db } = deps;
  const endpoint = await getWebhookEndpoint(db, row.endpointId);
  if (!endpoint || endpoint.disabledAt) return markDeliveryFailed(db, row.id, 'The endpoint was removed.', null, 'skipped');
  const secret = endpointSecret(deps.key, endpoint);
  if (!secret) return markDeliveryFailed(db, row.id, 'The endpoint secret cannot be opened with this server key.', null);
  const headers = webhookHeaders(secret, row.messageId, deps.now(), row.payload);
  const send = deps.send ?? ((url, h, body) => sendWebhook(url, h, body, { now: deps.now }));
  const result = await send(endpoint.url, headers, row.payload);
  const status = result.httpStatus ?? null;
  const now = deps.now();
  const step = nextStep(result, row.attempts, row.firstFailedAt ?? now, now, deps.retryBaseDelayMs);
  const message = result.kind === 'sent' ? '' : result.kind === 'rate-limited' ? 'Rate-limited by the endpoint (429).' : result.message;
  if (step.kind === 'done') return markDelivered(db, row.id, now, status);
  if (step.kind === 'fail') return markDeliveryFailed(db, row.id, result.kind === 'rejected' ? `Refused: ${message}` : step.reason, status);
  await scheduleDeliveryRetry(db, row, new Date(now.getTime() + step.delayMs), message, status, now);
}

/** One round: queue new events, then deliver due rows one at a time. */
export async function runWebhookRound(deps: WebhookWorkerDeps, since: Date): Promise<{ queued: number; delivered: number }> {
  const queued = await dispatchEvents(deps, since);
  let delivered = 0;
  for (;;) {
    const rows = await claimDueDeliveries(deps.db, deps.now(), 5);
    if (rows.length === 0) break;
    for (const row of rows) {
      await deliverRow(deps, row);
      delivered++;
    }
  }
  return { queued, delivered };
}

/** Look back a little each round: a row stamped just before a round may have been committed after its queries. */
const ROUND_OVERLAP_MS = 60_000;
const PURGE_EVERY_MS = 60 * 60 * 1000;

/** Rounds every `intervalMs` until stopped (http/worker-rounds.ts); after a restart the first looks back a day. */
export function startWebhookWorker(deps: WebhookWorkerDeps, intervalMs = 5000): RoundLoop {
  let purgedAt = 0;
  return startRounds(
    'webhook worker',
    deps.now,
    async (since) => {
      const now = deps.now();
      if (now.getTime() - purgedAt >= PURGE_EVERY_MS) {
        await purgeDoneDeliveries(deps.db, now);
        purgedAt = now.getTime();
      }
      return runWebhookRound(deps, since);
    },
    intervalMs,
    ROUND_OVERLAP_MS,
  );
}

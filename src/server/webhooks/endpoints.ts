// Webhook endpoints: where a CRM integration wants events. Registered by admins (settings page or
// POST /api/v1/webhook-endpoints); the signing secret is answered once and kept sealed with the
// server key, like Slack webhooks and access-link secrets.
import crypto from 'node:crypto';
import { desc, eq, isNull } from 'drizzle-orm';
import { webhookEndpoints, webhookEventTypes } from '../db/tables';
import { canManageWorkspace } from '../auth/permissions';
import type { Actor } from '../crm/common';
import type { Queryable } from '../db/client';
import { openSecret, sealSecret, type SecretKey } from '../security/secret-box';
import { checkEndpointUrl } from './destination';
import { generateWebhookSecret } from './signature';

export type WebhookEventType = (typeof webhookEventTypes)[number];
export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export { webhookEventTypes };

export const MAX_ENDPOINTS = 20;

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: WebhookEventType[];
  createdAt: Date;
  disabledAt: Date | null;
}

export type EndpointFailure =
  | { ok: false; reason: 'forbidden' }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'invalid'; field: 'url' | 'events'; message: string };

export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === 'string' && (webhookEventTypes as readonly string[]).includes(value);
}

export function endpointEvents(row: Pick<WebhookEndpointRow, 'events'>): WebhookEventType[] {
  try {
    const parsed: unknown = JSON.parse(row.events);
    return Array.isArray(parsed) ? parsed.filter(isWebhookEventType) : [];
  } catch {
    return [];
  }
}

const toEndpoint = (row: WebhookEndpointRow): WebhookEndpoint => ({ id: row.id, url: row.url, events: endpointEvents(row), createdAt: row.createdAt, disabledAt: row.disabledAt });

/** Registers an endpoint and returns it with its secret (`whsec_…`): the only time the secret is shown. */
export async function createWebhookEndpoint(
  db: Queryable,
  key: SecretKey,
  actor: Actor,
  input: { url: string; events: readonly string[] },
  options: { allowPrivate?: boolean } = {},
): Promise<{ ok: true; value: WebhookEndpoint & { secret: string } } | EndpointFailure> {
  if (!canManageWorkspace(actor)) return { ok: false, reason: 'forbidden' };
  const events = [...new Set(input.events)];
  const unknown = events.filter((e) => !isWebhookEventType(e));
  if (events.length === 0) return { ok: false, reason: 'invalid', field: 'events', message: 'Choose at least one event.' };
  if (unknown.length) return { ok: false, reason: 'invalid', field: 'events', message: `Unknown event: ${unknown.slice(0, 3).join(', ')}. Known: ${webhookEventTypes.join(', ')}.` };
  const destination = await checkEndpointUrl(input.url.trim(), options.allowPrivate);
  if (!destination.ok) return { ok: false, reason: 'invalid', field: 'url', message: destination.message };
  const active = await db.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(isNull(webhookEndpoints.disabledAt));
  if (active.length >= MAX_ENDPOINTS) return { ok: false, reason: 'invalid', field: 'url', message: `At most ${MAX_ENDPOINTS} endpoints; remove one first.` };
  const id = crypto.randomUUID();
  const secret = generateWebhookSecret();
  const [row] = await db
    .insert(webhookEndpoints)
    .values({ id, url: destination.url.href, events: JSON.stringify(events), sealedSecret: sealSecret(key, secret, `webhook-endpoint:${id}`), createdByUserId: actor.id })
    .returning();
  return { ok: true, value: { ...toEndpoint(row!), secret } };
}

export async function listWebhookEndpoints(db: Queryable, options: { includeDisabled?: boolean } = {}): Promise<WebhookEndpoint[]> {
  const rows = await db
    .select()
    .from(webhookEndpoints)
    .where(options.includeDisabled ? undefined : isNull(webhookEndpoints.disabledAt))
    .orderBy(desc(webhookEndpoints.createdAt), desc(webhookEndpoints.id));
  return rows.map(toEndpoint);
}

export async function getWebhookEndpoint(db: Queryable, id: string): Promise<WebhookEndpointRow | null> {
  const [row] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).limit(1);
  return row ?? null;
}

/** The endpoint's signing secret, or null if it was sealed under another server key. */
export function endpointSecret(key: SecretKey, row: Pick<WebhookEndpointRow, 'id' | 'sealedSecret'>): string | null {
  return openSecret(key, row.sealedSecret, `webhook-endpoint:${row.id}`);
}

/** Stops an endpoint: nothing more is queued for it and its pending deliveries are skipped. Kept for its history. */
export async function disableWebhookEndpoint(db: Queryable, actor: Actor, id: string, now = new Date()): Promise<{ ok: true } | EndpointFailure> {
  if (!canManageWorkspace(actor)) return { ok: false, reason: 'forbidden' };
  const row = await getWebhookEndpoint(db, id);
  if (!row || row.disabledAt) return { ok: false, reason: 'not_found' };
  await db.update(webhookEndpoints).set({ disabledAt: now }).where(eq(webhookEndpoints.id, id));
  return { ok: true };
}

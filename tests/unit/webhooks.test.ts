// Outgoing webhooks end to end minus the browser: tracking rows become outbox rows, the worker signs
// and sends them to a real loopback receiver that checks signatures with its own implementation.
import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { accounts, contacts, opportunities, users, webhookDeliveries, webhookEndpoints } from '../../src/server/db/tables';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { heartbeatPayload } from '../../src/server/tracking/beacon-payloads';
import { recordDownload, recordHeartbeat, startView } from '../../src/server/tracking/ingest';
import type { LinkScope } from '../../src/server/tracking/link-scope';
import { checkEndpointUrl, checkEndpointUrlForm, isInternalAddress } from '../../src/server/webhooks/destination';
import { createWebhookEndpoint, disableWebhookEndpoint } from '../../src/server/webhooks/endpoints';
import { claimDueDeliveries, DONE_DELIVERY_DAYS, LEASE_MS, purgeDoneDeliveries, resendDelivery } from '../../src/server/webhooks/outbox';
import { sendWebhook } from '../../src/server/webhooks/sender';
import { generateWebhookSecret, signPayload, webhookHeaders } from '../../src/server/webhooks/signature';
import { dispatchEvents, runWebhookRound, type WebhookWorkerDeps } from '../../src/server/webhooks/worker';
import { defaultAlertPolicy } from '../../src/server/slack/policy';
import { useTempDatabase } from './support/temp-db';
import { seedTrackingFixture } from './support/tracking-fixture';
import { startWebhookReceiver, verifyStandardWebhook } from './support/webhook-receiver';

const db = useTempDatabase();
const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));
const minute = 60_000;
const settleMs = 2 * minute;
// Endpoints are stamped with the real time when created; the test clock starts just after.
let clock = new Date(Date.now() + 1000);
const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));
let receiverStatus = 204;
let secret: string | null = null;
const receiver = await startWebhookReceiver({ secret: () => secret, status: () => receiverStatus, now: () => clock });
afterAll(() => receiver.close());

const admin = { id: 'wh-admin', role: 'admin' as const };
await db.insert(users).values({ id: admin.id, email: 'wh-admin@example.com', displayName: 'Admin', role: 'admin' });

const deps: WebhookWorkerDeps = {
  db,
  key,
  now: () => clock,
  policy: () => defaultAlertPolicy,
  settleMs,
  retryBaseDelayMs: 1000,
  send: (url, headers, body) => sendWebhook(url, headers, body, { allowPrivate: true, now: () => clock }),
};
let lastRound = new Date(clock.getTime() - minute);
async function round() {
  const since = lastRound;
  lastRound = clock;
  return runWebhookRound(deps, since);
}

let world: Awaited<ReturnType<typeof seedTrackingFixture>>;
let n = 0;
let endpointId = '';
beforeEach(async () => {
  world = await seedTrackingFixture(db, `wh${++n}`);
  receiver.received.length = 0;
  receiverStatus = 204;
  await db.update(webhookEndpoints).set({ disabledAt: new Date() });
  const created = await createWebhookEndpoint(db, key, admin, { url: receiver.url, events: ['visit.started', 'document.read', 'link.new_reader', 'download.confirmed', 'opportunity.hot'] }, { allowPrivate: true });
  if (!created.ok) throw new Error('endpoint refused');
  endpointId = created.value.id;
  secret = created.value.secret;
  // Each test starts on its own: the endpoint exists from now on the test clock, earlier tests' events are before it.
  advance(60 * minute);
  await db.update(webhookEndpoints).set({ createdAt: clock }).where(eq(webhookEndpoints.id, endpointId));
  lastRound = clock;
});

async function read(scope: LinkScope, device: string) {
  return startView(db, { scope, documentSlug: 'pricing', documentCategory: 'pricing', documentTitle: '料金表', sectionIds: ['plans'], deviceId: device, deviceLabel: 'Chrome / Windows', networkHash: null, now: clock });
}
const beacon = (seq: number, activeSeconds: number) => heartbeatPayload.parse({ seq, activeSeconds, maxScrollPercent: 95 });

describe('Standard Webhooks signatures', () => {
  it('verify with an independent implementation of the specification, and not when anything changes', async () => {
    const s = generateWebhookSecret();
    expect(s).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ type: 'visit.started', data: { name: '山田' } });
    const headers = webhookHeaders(s, 'msg_1', clock, body);
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(clock.getTime() / 1000)));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    const nowSeconds = clock.getTime() / 1000;
    expect(await verifyStandardWebhook(s, 'msg_1', headers['webhook-timestamp']!, body, headers['webhook-signature']!, nowSeconds)).toBe(true);
    expect(await verifyStandardWebhook(s, 'msg_2', headers['webhook-timestamp']!, body, headers['webhook-signature']!, nowSeconds)).toBe(false);
    expect(await verifyStandardWebhook(s, 'msg_1', headers['webhook-timestamp']!, body + ' ', headers['webhook-signature']!, nowSeconds)).toBe(false);
    expect(await verifyStandardWebhook(generateWebhookSecret(), 'msg_1', headers['webhook-timestamp']!, body, headers['webhook-signature']!, nowSeconds)).toBe(false);
    // The published example of the specification's reference libraries.
    const example = signPayload('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(example).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    // Receivers accept any of several space-separated signatures, and refuse stale timestamps.
    expect(await verifyStandardWebhook(s, 'msg_1', headers['webhook-timestamp']!, body, `v1,bogus ${headers['webhook-signature']!}`, nowSeconds)).toBe(true);
    expect(await verifyStandardWebhook(s, 'msg_1', headers['webhook-timestamp']!, body, headers['webhook-signature']!, nowSeconds + 6 * 60)).toBe(false);
  });
});

describe('webhook destinations', () => {
  it('refuse loopback, private, link-local and mapped addresses, and names that resolve to them', async () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect(isInternalAddress(address), address).toBe(true);
    }
    for (const address of ['8.8.8.8', '203.0.114.1', '2606:4700::1111', '::ffff:8.8.8.8']) expect(isInternalAddress(address), address).toBe(false);

    for (const url of ['http://127.0.0.1:9/x', 'http://[::1]/x', 'http://localhost/x', 'http://api.localhost/x', 'http://169.254.169.254/latest/meta-data', 'http://[::ffff:7f00:1]/']) {
      const check = await checkEndpointUrl(url, false);
      expect(check.ok, url).toBe(false);
    }
    // A public-looking name that resolves inside is refused too.
    const rebinding = (async () => [{ address: '10.0.0.7', family: 4 }]) as unknown as Parameters<typeof checkEndpointUrl>[2];
    expect(await checkEndpointUrl('https://crm.example.com/hook', false, rebinding)).toEqual({ ok: false, message: expect.stringContaining('private') });
    const publicName = (async () => [{ address: '93.184.215.14', family: 4 }]) as unknown as Parameters<typeof checkEndpointUrl>[2];
    expect((await checkEndpointUrl('https://crm.example.com/hook', false, publicName)).ok).toBe(true);
    // Only http(s), no credentials in the URL.
    for (const url of ['ftp://crm.example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'https://user:pw@crm.example.com/', 'not a url']) {
      expect(checkEndpointUrlForm(url).ok, url).toBe(false);
    }
    // Registering one is refused with the reason; RINGI_WEBHOOKS_ALLOW_PRIVATE lifts it.
    const refused = await createWebhookEndpoint(db, key, admin, { url: receiver.url, events: ['visit.started'] }, { allowPrivate: false });
    expect(refused).toMatchObject({ ok: false, reason: 'invalid', field: 'url' });
    expect(await createWebhookEndpoint(db, key, { id: 'r', role: 'rep' }, { url: receiver.url, events: ['visit.started'] }, { allowPrivate: true })).toEqual({ ok: false, reason: 'forbidden' });
    expect(await createWebhookEndpoint(db, key, admin, { url: receiver.url, events: ['visit.begun'] }, { allowPrivate: true })).toMatchObject({ ok: false, field: 'events' });
  });

  it('refuse to connect to an internal address at send time, even for an endpoint stored earlier', async () => {
    const before = receiver.received.length;
    const literal = await sendWebhook(receiver.url, { 'webhook-id': 'x' }, '{}', { allowPrivate: false });
    expect(literal).toMatchObject({ kind: 'rejected' });
    const named = await sendWebhook(receiver.url.replace('127.0.0.1', 'localhost'), { 'webhook-id': 'x' }, '{}', { allowPrivate: false });
    expect(named).toMatchObject({ kind: 'rejected', message: expect.stringContaining('internal address') });
    expect(receiver.received.length).toBe(before);
  });
});

describe('webhook outbox', () => {
  it('sends visit.started, document.read (final active time), download.confirmed and link.new_reader once, signed, with external ids', async () => {
    await db.update(opportunities).set({ externalId: '006SF0001' }).where(eq(opportunities.id, world.yamada.scope.opportunityId));
    await db.update(accounts).set({ externalId: '001SF0001' }).where(eq(accounts.id, world.yamada.scope.accountId));
    await db.update(contacts).set({ externalId: '003SF0001' }).where(eq(contacts.id, world.yamada.scope.contactId));
    const view = await read(world.yamada.scope, 'a'.repeat(26));
    await round();
    expect(receiver.events().map((e) => e.type)).toEqual(['visit.started']);
    advance(20_000);
    await recordHeartbeat(db, world.yamada.scope, view.viewId, beacon(1, 20), clock);
    await recordDownload(db, world.yamada.scope, 'pricing', 'pricing.pdf', 'a'.repeat(26), clock);
    await round();
    expect(receiver.events().map((e) => e.type)).toEqual(['visit.started', 'download.confirmed']); // the view is still being read
    advance(10_000);
    await recordHeartbeat(db, world.yamada.scope, view.viewId, beacon(2, 28), clock);
    advance(settleMs);
    await round();
    await round();
    const events = receiver.events();
    expect(events.map((e) => e.type)).toEqual(['visit.started', 'download.confirmed', 'document.read']);
    expect(events[2]!.data).toMatchObject({
      opportunity: { externalId: '006SF0001' },
      account: { externalId: '001SF0001' },
      contact: { externalId: '003SF0001', name: '山田 太郎' },
      document: { slug: 'pricing', title: '料金表' },
      view: { id: view.viewId, activeSeconds: 28, maxScrollPercent: 95 },
    });
    expect(receiver.received.every((r) => r.verified === true)).toBe(true);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(3);

    // A second browser on the same link: a new (possible) reader, half a reader until the rep names
    // it (issue 19), so one contact on two devices does not make the deal hot; a third browser does.
    await read(world.yamada.scope, 'b'.repeat(26));
    await round();
    await round();
    const later = receiver.events().slice(3);
    expect(later.map((e) => e.type).sort()).toEqual(['link.new_reader', 'visit.started']);
    await read(world.yamada.scope, 'd'.repeat(26));
    await round();
    await round();
    const third = receiver.events().slice(5);
    expect(third.map((e) => e.type).sort()).toEqual(['link.new_reader', 'opportunity.hot', 'visit.started']);
    expect(third.find((e) => e.type === 'opportunity.hot')!.data).toMatchObject({
      opportunity: { externalId: '006SF0001' },
      contact: null,
      hot: { reasons: [{ code: 'many-readers', readers: 1, possibleReaders: 2 }] },
    });
  });

  it('retries a failing endpoint with backoff, keeps the message id, gives up after 24 hours, and can be resent', async () => {
    receiverStatus = 500;
    await read(world.suzuki.scope, 'c'.repeat(26));
    await round();
    const [row] = (await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId)));
    expect(row).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 500, lastError: 'HTTP 500' });
    expect(row!.dueAt.getTime()).toBe(clock.getTime() + 1000);
    await round(); // not due yet
    expect(receiver.received).toHaveLength(1);
    advance(1000);
    await round();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.id).toBe(receiver.received[0]!.id); // same webhook-id on every attempt
    expect(receiver.received[1]!.body).toBe(receiver.received[0]!.body);
    advance(25 * 60 * minute);
    await round();
    const failed = (await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, row!.id)))[0]!;
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toMatch(/^Gave up after 25 h and 3 attempts/);

    receiverStatus = 204;
    expect(await resendDelivery(db, row!.id, clock)).toBe(true);
    await round();
    expect((await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, row!.id)))[0]!.status).toBe('sent');
    expect(receiver.received.at(-1)!.verified).toBe(true);
    expect(await resendDelivery(db, row!.id, clock)).toBe(false); // only failed ones

    // Done rows go after 30 days (their payloads name people); the look-back of a day never re-queues them.
    expect(await purgeDoneDeliveries(db, new Date(clock.getTime() + (DONE_DELIVERY_DAYS - 2) * 24 * 60 * minute))).toBe(0);
    expect(await purgeDoneDeliveries(db, new Date(clock.getTime() + DONE_DELIVERY_DAYS * 24 * 60 * minute + 1))).toBeGreaterThanOrEqual(1);
    expect((await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, row!.id)))[0]).toBeUndefined();
  });

  it('queues each event once per endpoint across rounds and a restarted worker, and a lease makes one worker send it', async () => {
    await read(world.yamada.scope, 'd'.repeat(26));
    const since = new Date(clock.getTime() - 5 * minute);
    // The dispatcher of two processes (or a restart that looks back) sees the same visit: one row.
    const restarted: WebhookWorkerDeps = { ...deps, send: async () => ({ kind: 'sent' }) };
    await runWebhookRound({ ...restarted, send: deps.send }, since);
    await runWebhookRound(restarted, since);
    await runWebhookRound(restarted, new Date(since.getTime() - 24 * 60 * minute));
    const rows = (await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId)));
    expect(rows.map((r) => r.eventType)).toEqual(['visit.started']);
    expect(receiver.received).toHaveLength(1);

    // Two endpoints get the event each once.
    const second = await createWebhookEndpoint(db, key, admin, { url: receiver.url, events: ['visit.started'] }, { allowPrivate: true });
    if (second.ok) await db.update(webhookEndpoints).set({ createdAt: clock }).where(eq(webhookEndpoints.id, second.value.id));
    await read(world.suzuki.scope, 'e'.repeat(26));
    await runWebhookRound(restarted, since);
    const suzukiRows = (await db.select().from(webhookDeliveries)).filter((r) => r.payload.includes(world.suzuki.scope.contactId));
    expect(suzukiRows.map((r) => r.endpointId).sort()).toEqual([endpointId, second.ok ? second.value.id : ''].sort());

    // A claimed row is not claimed again until its lease runs out.
    await read(world.suzuki.scope, 'f'.repeat(26));
    await dispatchEvents(restarted, since);
    const first = await claimDueDeliveries(db, clock);
    expect(first.length).toBeGreaterThan(0);
    expect(await claimDueDeliveries(db, clock)).toEqual([]);
    const again = await claimDueDeliveries(db, new Date(clock.getTime() + LEASE_MS + 1));
    expect(again.map((r) => r.id).sort()).toEqual(first.map((r) => r.id).sort());
  });

  it('sends nothing to a removed endpoint, nor events from before an endpoint existed', async () => {
    await read(world.yamada.scope, 'g'.repeat(26));
    await disableWebhookEndpoint(db, admin, endpointId, clock);
    await round();
    expect(receiver.received).toHaveLength(0);
    advance(1000);
    const late = await createWebhookEndpoint(db, key, admin, { url: receiver.url, events: ['visit.started'] }, { allowPrivate: true });
    if (!late.ok) throw new Error('refused');
    await db.update(webhookEndpoints).set({ createdAt: clock }).where(eq(webhookEndpoints.id, late.value.id));
    await runWebhookRound(deps, new Date(clock.getTime() - 10 * minute)); // the visit began before this endpoint
    expect(receiver.received).toHaveLength(0);
  });
});

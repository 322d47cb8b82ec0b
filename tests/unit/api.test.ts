// The REST API through its real pipeline (router, routes, domain functions, a migrated SQLite file):
// tokens and scopes, errors, rate limit, Idempotency-Key, external ids, paging, the CRM flow, OpenAPI.
import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { accounts, apiIdempotency, apiTokens, users } from '../../src/server/db/tables';
import { buildOpenApi, jsonSchemaOf } from '../../src/server/api/openapi';
import { ApiRouter, type ApiServices } from '../../src/server/api/router';
import { apiRoutes } from '../../src/server/api/routes';
import * as schemas from '../../src/server/api/schemas';
import { InFlightKeys } from '../../src/server/api/idempotency';
import { authenticateApiToken, createApiToken, LAST_USED_PRECISION_MS, listApiTokens, revokeApiToken, scopeAllows } from '../../src/server/api/tokens';
import { sha256 } from '@oslojs/crypto/sha2';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { heartbeatPayload } from '../../src/server/tracking/beacon-payloads';
import { recordHeartbeat, startView } from '../../src/server/tracking/ingest';
import { activeLinkScope } from '../../src/server/tracking/link-scope';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();
const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));
let clock = new Date('2026-12-03T01:00:00Z');
const admin = { id: 'api-admin', role: 'admin' as const };
await db.insert(users).values([
  { id: admin.id, email: 'admin@example.com', displayName: '管理者', role: 'admin' },
  { id: 'api-rep', email: 'rep@example.com', displayName: '営業', role: 'rep' },
  { id: 'api-admin2', email: 'admin2@example.com', displayName: '管理者2', role: 'admin' },
]);

const catalog = [
  { slug: 'pricing', title: '料金表', summary: '', category: 'pricing', language: 'ja' as const, version: '1', updated: new Date('2026-10-01'), readingMinutes: 3 },
  { slug: 'security-checklist', title: 'セキュリティ', summary: '', category: 'security', language: 'ja' as const, version: '1', updated: new Date('2026-10-01'), readingMinutes: 5 },
];
const services: ApiServices = {
  db,
  key,
  publicBaseUrl: 'https://ringi.example.com',
  now: () => clock,
  documents: async () => catalog,
  defaults: () => ({ roomLocale: 'ja', linkExpiryDays: 0 }),
};
const router = new ApiRouter(apiRoutes, () => buildOpenApi(apiRoutes, services.publicBaseUrl));

async function tokenFor(actor: { id: string; role: 'admin' | 'rep' }, scope: 'read' | 'write') {
  const created = await createApiToken(db, actor, { name: `${scope} token`, scope });
  if (!created.ok) throw new Error('token refused');
  return created.value;
}
const writer = await tokenFor(admin, 'write');
const reader = await tokenFor(admin, 'read');

async function call(method: string, path: string, options: { token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string>; via?: ApiRouter } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? writer.token : options.token;
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.raw !== undefined || options.body !== undefined) {
    body = options.raw ?? JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const url = new URL(`http://127.0.0.1/api/v1${path}`);
  const response = await (options.via ?? router).handle(new Request(url, { method, headers, body }), url, services);
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? (JSON.parse(text) as Record<string, any>) : null };
}

describe('API tokens', () => {
  it('are made by admins only, stored as a hash, shown once, and checked in full', async () => {
    expect(await createApiToken(db, { id: 'api-rep', role: 'rep' }, { name: 'x' })).toEqual({ ok: false, reason: 'forbidden' });
    expect(await createApiToken(db, admin, { name: ' ', scope: 'read' })).toMatchObject({ ok: false, fieldErrors: { name: 'required' } });
    expect(await createApiToken(db, admin, { name: 'x', scope: 'admin' })).toMatchObject({ ok: false, fieldErrors: { scope: 'invalidChoice' } });
    expect(writer.token).toMatch(/^[a-z2-7]{16}\.[a-z2-7]{32}$/);
    const [id, secret] = writer.token.split('.') as [string, string];
    const row = (await db.select().from(apiTokens).where(eq(apiTokens.id, id)))[0]!;
    expect(Buffer.from(row.secretHash)).toEqual(Buffer.from(sha256(new TextEncoder().encode(secret))));
    expect(JSON.stringify((await db.select().from(apiTokens)))).not.toContain(secret);

    expect(await authenticateApiToken(db, writer.token, clock)).toEqual({ ok: true, value: { tokenId: id, scope: 'write', actor: admin } });
    const wrongSecret = `${id}.${'a'.repeat(32)}`;
    expect((await authenticateApiToken(db, wrongSecret, clock)).ok).toBe(false);
    expect((await authenticateApiToken(db, `${writer.token}x`, clock)).ok).toBe(false);
    expect((await authenticateApiToken(db, null, clock)).ok).toBe(false);
  });

  it('record when they were last used, at most once a minute', async () => {
    const token = await tokenFor(admin, 'read');
    const lastUsed = async () => (await db.select().from(apiTokens).where(eq(apiTokens.id, token.id)))[0]!.lastUsedAt;
    expect(await lastUsed()).toBeNull();
    await authenticateApiToken(db, token.token, clock);
    expect(await lastUsed()).toEqual(clock);
    await authenticateApiToken(db, token.token, new Date(clock.getTime() + 1000));
    expect(await lastUsed()).toEqual(clock);
    await authenticateApiToken(db, token.token, new Date(clock.getTime() + LAST_USED_PRECISION_MS));
    expect(await lastUsed()).toEqual(new Date(clock.getTime() + LAST_USED_PRECISION_MS));
    expect((await listApiTokens(db)).find((t) => t.id === token.id)).toMatchObject({ lastUsedAt: await lastUsed(), scope: 'read', ownerInactive: false });
  });

  it('stop working when revoked, or when their admin is deactivated or no longer an admin', async () => {
    const revoked = await tokenFor(admin, 'read');
    expect(await revokeApiToken(db, { id: 'api-rep', role: 'rep' }, revoked.id)).toBe('forbidden');
    expect(await revokeApiToken(db, admin, revoked.id, clock)).toBe(true);
    expect((await call('GET', '/accounts', { token: revoked.token })).status).toBe(401);

    const other = await tokenFor({ id: 'api-admin2', role: 'admin' }, 'write');
    expect((await call('GET', '/accounts', { token: other.token })).status).toBe(200);
    await db.update(users).set({ deactivatedAt: clock }).where(eq(users.id, 'api-admin2'));
    expect((await call('GET', '/accounts', { token: other.token })).status).toBe(401);
    expect((await listApiTokens(db)).find((t) => t.id === other.id)!.ownerInactive).toBe(true);
    await db.update(users).set({ deactivatedAt: null, role: 'rep' }).where(eq(users.id, 'api-admin2'));
    expect((await call('GET', '/accounts', { token: other.token })).status).toBe(401);
    await db.update(users).set({ role: 'admin' }).where(eq(users.id, 'api-admin2'));
    expect((await call('GET', '/accounts', { token: other.token })).status).toBe(200);
  });

  it('have scopes: read tokens read, write tokens also write', async () => {
    expect([scopeAllows('read', 'read'), scopeAllows('read', 'write'), scopeAllows('write', 'read'), scopeAllows('write', 'write')]).toEqual([true, false, true, true]);
    const refused = await call('POST', '/accounts', { token: reader.token, body: { name: '読取商事' } });
    expect(refused).toMatchObject({ status: 403, json: { error: { code: 'forbidden', message: expect.stringContaining('needs write') } } });
    expect((await db.select().from(accounts).where(eq(accounts.name, '読取商事')))).toHaveLength(0);
    expect((await call('GET', '/token', { token: reader.token })).json).toEqual({ id: reader.id, scope: 'read' });
  });
});

describe('API errors', () => {
  it('answer 401, 404, 405, 415, 400 and 422 in the one error shape', async () => {
    const anonymous = await call('GET', '/accounts', { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
    expect(anonymous.json).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    expect((await call('GET', '/accounts', { token: 'nonsense' })).status).toBe(401);
    expect((await call('GET', '/nothing-here')).json!.error.code).toBe('not_found');
    expect((await call('GET', '/accounts/no-such-id')).status).toBe(404);
    const wrongMethod = await call('PATCH', '/accounts');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, POST');
    expect((await call('POST', '/accounts', { raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(415);
    expect((await call('POST', '/accounts', { raw: '{"name": ' })).json).toEqual({ error: { code: 'bad_request', message: 'The body is not valid JSON.' } });
    expect(await call('POST', '/accounts', { body: { name: 'x'.repeat(201) } })).toMatchObject({ status: 422, json: { error: { code: 'invalid_payload', message: expect.stringContaining('name') } } });
    expect((await call('POST', '/accounts', { body: { name: 'A', unknownField: 1 } })).status).toBe(422);
    expect(await call('POST', '/accounts', { body: { name: '  ' } })).toMatchObject({ status: 422, json: { error: { message: 'name: required' } } });
    expect((await call('GET', '/accounts?limit=0')).status).toBe(400);
    expect((await call('GET', '/accounts?cursor=bogus')).status).toBe(400);
  });

  it('limit each token: 429 with Retry-After, other tokens unaffected', async () => {
    const tight = new ApiRouter(apiRoutes, () => ({}), { burst: 3, perMinute: 6 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call('GET', '/token', { via: tight })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await call('GET', '/token', { via: tight });
    expect(limited.headers.get('retry-after')).toBe('10');
    expect(limited.json!.error.code).toBe('rate_limited');
    expect((await call('GET', '/token', { via: tight, token: reader.token })).status).toBe(200);
    clock = new Date(clock.getTime() + 10_000);
    expect((await call('GET', '/token', { via: tight })).status).toBe(200);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first answer for the same request, refuses another request with the key, and stores answers sealed', async () => {
    const body = { name: '冪等商事', externalId: 'SF-IDEM-1' };
    const first = await call('POST', '/accounts', { body, headers: { 'idempotency-key': 'k-1' } });
    expect(first.status).toBe(201);
    const again = await call('POST', '/accounts', { body, headers: { 'idempotency-key': 'k-1' } });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.json).toEqual(first.json);
    expect((await db.select().from(accounts).where(eq(accounts.name, '冪等商事')))).toHaveLength(1);
    const other = await call('POST', '/accounts', { body: { name: '別商事' }, headers: { 'idempotency-key': 'k-1' } });
    expect(other).toMatchObject({ status: 422, json: { error: { message: expect.stringContaining('different request') } } });
    // Without a key, the same POST is a new request: the externalId is taken.
    expect((await call('POST', '/accounts', { body })).status).toBe(409);
    // Another token has its own keys.
    const otherToken = await tokenFor(admin, 'write');
    expect((await call('POST', '/accounts', { token: otherToken.token, body: { name: '別トークン商事' }, headers: { 'idempotency-key': 'k-1' } })).status).toBe(201);
    expect(JSON.stringify((await db.select().from(apiIdempotency)))).not.toContain('冪等商事');
    expect((await call('POST', '/accounts', { body, headers: { 'idempotency-key': 'bad key with spaces' } })).status).toBe(400);
    // A key whose first request is still running.
    const inFlight = new InFlightKeys();
    expect([inFlight.claim('t', 'k'), inFlight.claim('t', 'k'), inFlight.claim('t2', 'k')]).toEqual([true, false, true]);
    inFlight.release('t', 'k');
    expect(inFlight.claim('t', 'k')).toBe(true);
  });

  it('forgets answers after 24 hours', async () => {
    const body = { name: '期限商事' };
    const first = await call('POST', '/accounts', { body, headers: { 'idempotency-key': 'k-ttl' } });
    clock = new Date(clock.getTime() + 24 * 60 * 60 * 1000 + 1);
    const later = await call('POST', '/accounts', { body, headers: { 'idempotency-key': 'k-ttl' } });
    expect(later.status).toBe(201);
    expect(later.json!.id).not.toBe(first.json!.id);
  });
});

describe('the CRM flow through the API', () => {
  it('upserts by external id, sets the room, issues a link once, and reads back who read what', async () => {
    const account = await call('PUT', '/accounts/by-external-id/001SF000001', { body: { name: '株式会社ミナト', industry: '物流' } });
    expect(account).toMatchObject({ status: 201, json: { externalId: '001SF000001', name: '株式会社ミナト' } });
    const renamed = await call('PUT', '/accounts/by-external-id/001SF000001', { body: { name: '株式会社ミナト物流', industry: '物流' } });
    expect(renamed).toMatchObject({ status: 200, json: { id: account.json!.id, name: '株式会社ミナト物流' } });
    const found = await call('GET', '/accounts?externalId=001SF000001');
    expect(found.json!.data.map((a: { id: string }) => a.id)).toEqual([account.json!.id]);

    const contact = await call('PUT', '/contacts/by-external-id/003SF000001', { body: { accountId: account.json!.id, name: '山田 花子', email: 'hanako@minato.example.jp' } });
    expect(contact).toMatchObject({ status: 201, json: { externalId: '003SF000001', accountId: account.json!.id } });
    expect((await call('PUT', '/contacts/by-external-id/003SF000001', { body: { accountId: 'nope', name: 'x' } })).status).toBe(422);
    // null clears a field.
    const cleared = await call('PUT', '/contacts/by-external-id/003SF000001', { body: { accountId: account.json!.id, name: '山田 花子', email: null, jobTitle: '部長' } });
    expect(cleared).toMatchObject({ status: 200, json: { id: contact.json!.id, email: null, jobTitle: '部長' } });
    // The buying role: unknown until set, kept when an update leaves it out, one of the list or 422.
    expect(contact.json).toMatchObject({ buyingRole: 'unknown' });
    const role = (buyingRole?: string) => call('PUT', '/contacts/by-external-id/003SF000001', { body: { accountId: account.json!.id, name: '山田 花子', ...(buyingRole && { buyingRole }) } });
    expect(await role('decision-maker')).toMatchObject({ status: 200, json: { buyingRole: 'decision-maker' } });
    expect(await role()).toMatchObject({ status: 200, json: { buyingRole: 'decision-maker' } });
    expect(await role('ceo')).toMatchObject({ status: 422 });
    expect((await call('GET', `/contacts/${contact.json!.id}`)).json).toMatchObject({ buyingRole: 'decision-maker' });
    expect((await call('PUT', '/accounts/by-external-id/001SF000001', { body: { name: '株式会社ミナト物流', industry: null } })).json).toMatchObject({ industry: null });

    const opportunityBody = { accountId: account.json!.id, name: '経費精算 全社導入', stage: 3, amountJpy: 4_800_000, channel: 'event', expectedCloseDate: '2027-03-31' as string | null };
    const opportunity = await call('PUT', '/opportunities/by-external-id/006SF000001', { body: opportunityBody });
    expect(opportunity).toMatchObject({ status: 201, json: { externalId: '006SF000001', stage: 3, ownerUserId: admin.id, salesCycle: 'short' } });
    const moved = await call('PUT', '/opportunities/by-external-id/006SF000001', { body: { ...opportunityBody, stage: 4, salesCycle: 'long' } });
    expect(moved).toMatchObject({ status: 200, json: { id: opportunity.json!.id, stage: 4, salesCycle: 'long' } });
    expect((await call('PUT', '/opportunities/by-external-id/006SF000001', { body: { ...opportunityBody, expectedCloseDate: null } })).json).toMatchObject({ expectedCloseDate: null, salesCycle: 'long' });
    expect(await call('PUT', '/opportunities/by-external-id/006SF000001', { body: { ...opportunityBody, stage: 99 } })).toMatchObject({ status: 422, json: { error: { message: 'stage: unknownStage' } } });
    const oppId = opportunity.json!.id as string;

    expect((await call('GET', '/documents')).json!.data.map((d: { slug: string }) => d.slug)).toEqual(['pricing', 'security-checklist']);
    expect((await call('GET', `/opportunities/${oppId}/room`)).json).toMatchObject({ id: null, documents: [] });
    const room = await call('PUT', `/opportunities/${oppId}/room`, { body: { documents: ['security-checklist', 'pricing'], message: 'ご検討ください。' } });
    expect(room).toMatchObject({ status: 200, json: { documents: ['security-checklist', 'pricing'], message: 'ご検討ください。', locale: 'ja' } });
    const messageOnly = await call('PUT', `/opportunities/${oppId}/room`, { body: { message: '更新しました。' } });
    expect(messageOnly.json).toMatchObject({ documents: ['security-checklist', 'pricing'], message: '更新しました。' });
    expect(await call('PUT', `/opportunities/${oppId}/room`, { body: { documents: ['no-such-doc'] } })).toMatchObject({ status: 422, json: { error: { message: 'documents: unknownDocument (no-such-doc)' } } });

    const link = await call('POST', `/opportunities/${oppId}/access-links`, { body: { contactId: contact.json!.id } });
    expect(link).toMatchObject({ status: 201, json: { contactId: contact.json!.id, status: 'active', url: expect.stringMatching(/^https:\/\/ringi\.example\.com\/r\/[a-z2-7]{16}\.[a-z2-7]{32}$/) } });
    expect((await call('POST', `/opportunities/${oppId}/access-links`, { body: { contactId: contact.json!.id } })).status).toBe(409);
    const links = await call('GET', `/opportunities/${oppId}/access-links`);
    expect(links.json!.data).toEqual([expect.objectContaining({ id: link.json!.id, status: 'active' })]);
    expect(JSON.stringify(links.json)).not.toContain('/r/');

    // A person reads (what the beacons record), then the CRM reads it back.
    const token = (link.json!.url as string).split('/r/')[1]!;
    const scope = (await activeLinkScope(db, token, clock))!;
    const started = await startView(db, { scope, documentSlug: 'pricing', documentCategory: 'pricing', documentTitle: '料金表', sectionIds: [], deviceId: 'd'.repeat(26), deviceLabel: 'Chrome / macOS', networkHash: null, now: clock });
    await recordHeartbeat(db, scope, started.viewId, heartbeatPayload.parse({ seq: 1, activeSeconds: 95, maxScrollPercent: 100 }), new Date(clock.getTime() + 95_000));
    const visits = await call('GET', `/opportunities/${oppId}/visits`);
    expect(visits.json).toMatchObject({ nextCursor: null, data: [{ contactId: contact.json!.id, contactName: '山田 花子', views: [{ documentSlug: 'pricing', activeSeconds: 95, completed: true }] }] });
    const views = await call('GET', `/views?opportunityId=${oppId}&since=${encodeURIComponent(clock.toISOString())}`);
    expect(views.json!.data).toEqual([expect.objectContaining({ id: started.viewId, contactId: contact.json!.id, activeSeconds: 95, completed: true })]);
    expect((await call('GET', `/views?opportunityId=${oppId}&since=${encodeURIComponent(new Date(clock.getTime() + 1).toISOString())}`)).json!.data).toEqual([]);
    const engagement = await call('GET', `/opportunities/${oppId}/engagement`);
    expect(engagement.json).toMatchObject({ opportunityId: oppId, readers: 1, activeSeconds: 95, documentsRead: 1, documentsInRoom: 2 });
    expect(engagement.json!.reasons.reduce((sum: number, r: { points: number }) => sum + r.points, 0)).toBe(engagement.json!.score);

    const revoked = await call('POST', `/opportunities/${oppId}/access-links/${link.json!.id}/revoke`);
    expect(revoked).toMatchObject({ status: 200, json: { id: link.json!.id, revokedAt: expect.any(String) } });
    expect(await activeLinkScope(db, token, clock)).toBeNull();
    expect((await call('POST', `/opportunities/${oppId}/access-links/nope/revoke`)).status).toBe(404);
  });

  it('pages lists with a stable cursor', async () => {
    for (const name of ['頁1', '頁2', '頁3']) await call('POST', '/accounts', { body: { name } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof call>> = await call('GET', `/accounts?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.json!.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.json!.data.map((a: { id: string }) => a.id));
      cursor = page.json!.nextCursor;
    } while (cursor);
    const all = (await db.select({ id: accounts.id }).from(accounts)).map((a) => a.id);
    expect([...seen].sort()).toEqual([...all].sort());
    expect(new Set(seen).size).toBe(seen.length);
  });
});

describe('OpenAPI', () => {
  it('is OpenAPI 3.1 generated from the schemas the handlers parse with', async () => {
    const doc = (await call('GET', '/openapi.json', { token: null })).json!;
    expect(doc.openapi).toBe('3.1.0');
    for (const route of apiRoutes) expect(doc.paths[route.path][route.method.toLowerCase()].operationId).toBe(route.operationId);
    expect(doc.paths['/accounts'].post.requestBody.content['application/json'].schema).toEqual(jsonSchemaOf(schemas.accountCreate, 'input'));
    expect(doc.paths['/opportunities/{id}/access-links'].post.responses['201'].content['application/json'].schema).toEqual(jsonSchemaOf(schemas.createdAccessLink, 'output'));
    expect(doc.paths['/webhook-endpoints'].post.requestBody.content['application/json'].schema.properties.events.items.enum).toEqual([
      'visit.started',
      'document.read',
      'link.new_reader',
      'opportunity.hot',
      'download.confirmed',
    ]);
    expect(doc.paths['/accounts'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['limit', 'cursor', 'externalId']);
    expect(doc.paths['/accounts'].post.parameters.map((p: { name: string }) => p.name)).toEqual(['Idempotency-Key']);
    expect(doc.components.securitySchemes.bearerToken).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});

// The API and webhooks page's forms through the admin form pipeline's act step: a new token or
// secret is shown once (never in a redirect), changes redirect with a notice, refused input comes
// back with its errors, and anything else is a refusal.
import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listApiTokens } from '../../src/server/api/tokens';
import type { Actor } from '../../src/server/auth/permissions';
import { apiTokens, users, webhookDeliveries, webhookEndpoints } from '../../src/server/db/tables';
import type { PostedForm } from '../../src/server/http/forms';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { apiSettingsView, submitApiSettingsForm } from '../../src/server/settings/api-settings-form';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();
const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));
await db.insert(users).values([
  { id: 'admin-1', email: 'admin@example.com', displayName: 'Admin', role: 'admin' },
  { id: 'rep-1', email: 'rep@example.com', displayName: 'Rep', role: 'rep' },
]);
const admin = { id: 'admin-1', role: 'admin' as const };
const rep = { id: 'rep-1', role: 'rep' as const };

function posted(fields: Record<string, string>, lists: Record<string, string[]> = {}): PostedForm {
  return { fields, lists: { ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, [v]])), ...lists }, files: {}, fileLists: {} };
}
const submit = (fields: Record<string, string>, lists?: Record<string, string[]>, actor: Actor = admin) => submitApiSettingsForm(db, key, actor, posted(fields, lists));

let allowPrivate: string | undefined;
beforeAll(() => {
  allowPrivate = process.env.RINGI_WEBHOOKS_ALLOW_PRIVATE;
  process.env.RINGI_WEBHOOKS_ALLOW_PRIVATE = '1'; // the receiver below is on loopback
});
afterAll(() => {
  if (allowPrivate === undefined) delete process.env.RINGI_WEBHOOKS_ALLOW_PRIVATE;
  else process.env.RINGI_WEBHOOKS_ALLOW_PRIVATE = allowPrivate;
});

describe('API settings forms', () => {
  it('shows a new token once, in the answer; a refused one comes back with its errors in the page language', async () => {
    const created = await submit({ _action: 'token-create', name: 'Salesforce', scope: 'write' });
    expect(created).toMatchObject({ ok: true, show: { shown: 'token', token: expect.stringMatching(/^[a-z2-7]{16}\.[a-z2-7]{32}$/) } });
    const view = apiSettingsView('en', created.ok && 'show' in created ? created.show : null, null);
    expect(view.shownToken).toMatch(/^[a-z2-7]{16}\./);
    expect(view.tokenSubmitted).toEqual({}); // the name field is empty again

    const refused = await submit({ _action: 'token-create', name: ' ', scope: 'admin' });
    expect(refused).toMatchObject({ ok: false, reason: 'invalid', failed: { refused: 'token', fieldErrors: { name: 'required', scope: 'invalidChoice' } } });
    const again = apiSettingsView('ja', refused.ok === false && refused.reason === 'invalid' ? refused.failed : null, null);
    expect([again.tokenError('name'), again.tokenError('scope'), again.tokenSubmitted.scope]).toEqual(['入力してください。', '選択してください。', 'admin']);
    expect(again.shownToken).toBeNull();
  });

  it('revokes a token and redirects with a notice; an unknown token is not found, and a rep is refused', async () => {
    const [token] = await listApiTokens(db);
    expect(await submit({ _action: 'token-revoke', id: token!.id }, {}, rep)).toEqual({ ok: false, reason: 'forbidden' });
    expect((await db.select().from(apiTokens).where(eq(apiTokens.id, token!.id)))[0]!.revokedAt).toBeNull();
    expect(await submit({ _action: 'token-revoke', id: token!.id })).toEqual({ ok: true, redirect: '/admin/settings/api?saved=tokenRevoked#tokens' });
    expect((await db.select().from(apiTokens).where(eq(apiTokens.id, token!.id)))[0]!.revokedAt).not.toBeNull();
    expect(await submit({ _action: 'token-revoke', id: 'nope' })).toEqual({ ok: false, reason: 'not_found' });
    expect(await submit({ _action: 'token-revoke' })).toEqual({ ok: false, reason: 'not_found' });
    expect(apiSettingsView('en', null, 'tokenRevoked').notice).toBe('tokenRevoked');
    expect(apiSettingsView('en', null, 'somethingElse').notice).toBeNull();
  });

  it('adds an endpoint (its secret shown once), keeps a refused one’s URL and events, removes one with a notice', async () => {
    const refused = await submit({ _action: 'endpoint-create', url: 'ftp://crm.example.com/hooks' }, { events: ['download.confirmed'] });
    expect(refused).toMatchObject({ ok: false, reason: 'invalid', failed: { refused: 'endpoint', field: 'url', events: ['download.confirmed'] } });
    const view = apiSettingsView('en', refused.ok === false && refused.reason === 'invalid' ? refused.failed : null, null);
    expect([view.endpointError?.field, view.endpointSubmitted.url, view.endpointEvents]).toEqual(['url', 'ftp://crm.example.com/hooks', ['download.confirmed']]);
    expect(await db.select().from(webhookEndpoints)).toHaveLength(0);

    const created = await submit({ _action: 'endpoint-create', url: 'http://127.0.0.1:9/hooks' }, { events: ['visit.started'] });
    expect(created).toMatchObject({ ok: true, show: { shown: 'secret', secret: expect.stringMatching(/^whsec_/) } });
    const [endpoint] = await db.select().from(webhookEndpoints);
    expect(await submit({ _action: 'endpoint-remove', id: endpoint!.id })).toEqual({ ok: true, redirect: '/admin/settings/api?saved=endpointRemoved#endpoints' });
    expect(await submit({ _action: 'endpoint-remove', id: endpoint!.id })).toEqual({ ok: false, reason: 'not_found' }); // already removed
  });

  it('resends a failed delivery only, and refuses a form it does not know', async () => {
    const [endpoint] = await db.select().from(webhookEndpoints);
    const [failed, sent] = await db
      .insert(webhookDeliveries)
      .values(['failed', 'sent'].map((status) => ({ endpointId: endpoint!.id, eventKey: `k-${status}`, messageId: `msg_${status}`, eventType: 'visit.started' as const, payload: '{}', status: status as 'failed' | 'sent', dueAt: new Date() })))
      .returning();
    expect(await submit({ _action: 'delivery-resend', id: String(sent!.id) })).toEqual({ ok: false, reason: 'not_found' });
    expect(await submit({ _action: 'delivery-resend', id: String(failed!.id) })).toEqual({ ok: true, redirect: '/admin/settings/api?saved=resent#deliveries' });
    expect((await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, failed!.id)))[0]!.status).toBe('pending');
    expect(await submit({ _action: 'delete-everything' })).toEqual({ ok: false, reason: 'bad_request' });
  });
});

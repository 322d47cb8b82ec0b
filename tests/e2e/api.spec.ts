// The REST API and outgoing webhooks against the built server. A CRM integration does everything
// through the API alone: upsert account, contact and opportunity by external id, set the room,
// create a link; a person (support/human.ts) reads through that link; a loopback receiver checks
// every webhook's signature with its own Standard Webhooks implementation and sees visit.started and
// document.read exactly once each; the API then tells who read what. Runs on its own server
// (support/second-server.ts): private webhook destinations allowed (the receiver is on 127.0.0.1),
// the shortest settle time for document.read (25 s: two heartbeats) and a fast worker tick.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { APIRequestContext } from '@playwright/test';
import { startWebhookReceiver } from '../unit/support/webhook-receiver';
import { e2eServerEnv, E2E_SECRET_KEY, REPO_ROOT } from './support/env';
import { expect, signIn, test } from './support/fixtures';
import { humanContext, scrollLikeAReader } from './support/human';
import { startSecondServer, watchedPage, type SecondServer } from './support/second-server';
import { openTrackingDb } from './support/tracking-db';
import { addUserWithCli } from './support/users';

let server: SecondServer;
let secret: string | null = null;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
const admin = { email: 'api-admin@vendor.example', password: 'api-e2e-admin-password', name: '連携 管理者' };

test.beforeAll(async () => {
  test.setTimeout(90_000);
  receiver = await startWebhookReceiver({ secret: () => secret });
  server = await startSecondServer({ RINGI_WEBHOOKS_ALLOW_PRIVATE: '1', RINGI_WEBHOOK_READ_SETTLE_SECONDS: '25', RINGI_WEBHOOK_WORKER_INTERVAL_MS: '250' });
  await addUserWithCli(admin, { role: 'admin', databasePath: server.databasePath });
});

test.afterAll(async () => {
  await server?.stop();
  await receiver?.close();
});

/** `npm run ringi -- api-token create` against the second server's database; returns the printed token. */
async function tokenFromCli(name: string, scope: 'read' | 'write'): Promise<string> {
  const { NODE_OPTIONS: _loader, ...env } = process.env;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/ringi.ts', 'api-token', 'create', '--name', name, '--scope', scope, '--admin', admin.email], {
    cwd: REPO_ROOT,
    env: { ...env, ...e2eServerEnv, DATABASE_PATH: server.databasePath },
  });
  const token = /^Token \(shown once.*\): (\S+)$/m.exec(stdout)?.[1];
  expect(token, stdout).toMatch(/^[a-z2-7]{16}\.[a-z2-7]{32}$/);
  return token!;
}

function api(request: APIRequestContext, token: string) {
  const headers = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, ...extra });
  const url = (path: string) => `${server.baseURL}/api/v1${path}`;
  return {
    get: (path: string) => request.get(url(path), { headers: headers() }),
    put: (path: string, data: unknown) => request.put(url(path), { headers: headers(), data }),
    post: (path: string, data: unknown, extra: Record<string, string> = {}) => request.post(url(path), { headers: headers(extra), data }),
  };
}

test('a CRM integration through the API alone: upsert, room, link; a person reads; signed webhooks once each; the API tells who read what', async ({ browser, request }) => {
  test.setTimeout(120_000);
  // The admin creates a write token in the settings page: shown once.
  const { context: adminContext, page: adminPage, problems } = await watchedPage(browser, server);
  let token = '';
  try {
    await signIn(adminPage, admin, '/admin/settings/api');
    await adminPage.getByLabel('名前').fill('Salesforce 連携');
    await adminPage.getByLabel('権限').selectOption('write');
    await adminPage.getByRole('button', { name: 'トークンを作成' }).click();
    token = (await adminPage.locator('[data-token]').textContent()) ?? '';
    expect(token).toMatch(/^[a-z2-7]{16}\.[a-z2-7]{32}$/);
    await adminPage.goto('/admin/settings/api');
    await expect(adminPage.locator('[data-token]')).toHaveCount(0); // never again
    await expect(adminPage.locator(`tr[data-token-id="${token.split('.')[0]}"]`)).toContainText('Salesforce 連携');
    expect(problems).toEqual([]);
  } finally {
    await adminContext.close();
  }
  const crm = api(request, token);

  // Webhooks: registered through the API, the secret answered once.
  const endpoint = await crm.post('/webhook-endpoints', { url: receiver.url, events: ['visit.started', 'document.read'] });
  expect(endpoint.status()).toBe(201);
  const endpointBody = (await endpoint.json()) as { id: string; secret: string; events: string[] };
  expect(endpointBody.secret).toMatch(/^whsec_/);
  secret = endpointBody.secret;
  expect(JSON.stringify(await (await crm.get('/webhook-endpoints')).json())).not.toContain(endpointBody.secret);

  // Upserts by the CRM's ids.
  const account = await crm.put('/accounts/by-external-id/001E2E0000001', { name: '株式会社みなと物流', industry: '物流' });
  expect(account.status()).toBe(201);
  const accountId = ((await account.json()) as { id: string }).id;
  expect((await crm.put('/accounts/by-external-id/001E2E0000001', { name: '株式会社みなと物流', industry: '運輸' })).status()).toBe(200);
  const contact = await crm.put('/contacts/by-external-id/003E2E0000001', { accountId, name: '港 花子', email: 'hanako@minato.example.jp' });
  expect(contact.status()).toBe(201);
  const contactId = ((await contact.json()) as { id: string }).id;
  const opportunity = await crm.put('/opportunities/by-external-id/006E2E0000001', { accountId, name: '経費精算 全社導入', stage: 3, amountJpy: 3_600_000, channel: 'partner' });
  expect(opportunity.status()).toBe(201);
  const opportunityId = ((await opportunity.json()) as { id: string }).id;
  const lookedUp = (await (await crm.get('/opportunities?externalId=006E2E0000001')).json()) as { data: { id: string }[] };
  expect(lookedUp.data.map((o) => o.id)).toEqual([opportunityId]);

  // The room, from the catalog.
  const catalog = (await (await crm.get('/documents')).json()) as { data: { slug: string }[] };
  expect(catalog.data.map((d) => d.slug)).toContain('pricing');
  const room = await crm.put(`/opportunities/${opportunityId}/room`, { documents: ['pricing'], message: '港様\n稟議用の資料です。' });
  expect(room.status()).toBe(200);
  expect(await room.json()).toMatchObject({ documents: ['pricing'], message: '港様\n稟議用の資料です。' });

  // The link: its URL in the answer only, the same answer for a retried POST.
  const created = await crm.post(`/opportunities/${opportunityId}/access-links`, { contactId }, { 'idempotency-key': 'crm-link-1' });
  expect(created.status()).toBe(201);
  const link = (await created.json()) as { id: string; url: string };
  expect(link.url).toMatch(new RegExp(`^${server.baseURL}/r/[a-z2-7]{16}\\.[a-z2-7]{32}$`));
  const retried = await crm.post(`/opportunities/${opportunityId}/access-links`, { contactId }, { 'idempotency-key': 'crm-link-1' });
  expect(retried.headers()['idempotent-replayed']).toBe('true');
  expect(((await retried.json()) as { url: string }).url).toBe(link.url);
  expect(JSON.stringify(await (await crm.get(`/opportunities/${opportunityId}/access-links`)).json())).not.toContain(link.url);

  // A person reads the pricing sheet and leaves.
  const reader = await browser.newContext(humanContext());
  try {
    const page = await reader.newPage();
    await page.goto(`${link.url}/d/pricing`);
    const tokenPath = new URL(link.url).pathname;
    const started = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `${tokenPath}/views`);
    await scrollLikeAReader(page);
    expect((await started).status()).toBe(201);
    const timed = page.waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname.startsWith(`${tokenPath}/views/`) && ((r.request().postDataJSON() as { activeSeconds?: number }).activeSeconds ?? 0) >= 3,
      { timeout: 30_000 },
    );
    await page.mouse.wheel(0, 300);
    await timed;
  } finally {
    await reader.close(); // the last beacon goes out as the page closes
  }

  // The receiver gets visit.started, then document.read once the view has been quiet for the settle time.
  await expect.poll(() => receiver.events().map((e) => e.type), { timeout: 60_000, message: 'webhooks received' }).toEqual(['visit.started', 'document.read']);
  expect(receiver.received.map((r) => r.verified)).toEqual([true, true]);
  const [visitStarted, documentRead] = receiver.events() as { type: string; data: Record<string, any> }[];
  for (const event of [visitStarted!, documentRead!]) {
    expect(event.data).toMatchObject({
      opportunity: { id: opportunityId, externalId: '006E2E0000001' },
      account: { id: accountId, externalId: '001E2E0000001' },
      contact: { id: contactId, externalId: '003E2E0000001', name: '港 花子' },
      accessLinkId: link.id,
    });
  }

  // Who read what, through the API; document.read carried the view's final active time.
  const views = (await (await crm.get(`/views?opportunityId=${opportunityId}`)).json()) as { data: { id: string; documentSlug: string; activeSeconds: number; contactId: string }[] };
  expect(views.data).toHaveLength(1);
  expect(views.data[0]).toMatchObject({ documentSlug: 'pricing', contactId });
  expect(views.data[0]!.activeSeconds).toBeGreaterThanOrEqual(3);
  expect(documentRead!.data.view).toMatchObject({ id: views.data[0]!.id, activeSeconds: views.data[0]!.activeSeconds });
  const visits = (await (await crm.get(`/opportunities/${opportunityId}/visits`)).json()) as { data: { contactName: string; views: { documentSlug: string }[] }[] };
  expect(visits.data).toMatchObject([{ contactName: '港 花子', views: [{ documentSlug: 'pricing' }] }]);
  const engagement = (await (await crm.get(`/opportunities/${opportunityId}/engagement`)).json()) as { readers: number; score: number; reasons: { code: string; points: number }[] };
  expect(engagement.readers).toBe(1);
  expect(engagement.reasons.reduce((sum, r) => sum + r.points, 0)).toBe(engagement.score);

  // Exactly once: one outbox row per event for the endpoint, both sent, as many requests as rows.
  const db = openTrackingDb(server.databasePath);
  try {
    const rows = db.all<{ event_type: string; status: string; message_id: string }>('SELECT event_type, status, message_id FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY id', endpointBody.id);
    expect(rows.map((r) => [r.event_type, r.status])).toEqual([
      ['visit.started', 'sent'],
      ['document.read', 'sent'],
    ]);
    expect(receiver.received.map((r) => r.id)).toEqual(rows.map((r) => r.message_id));
    // Secrets at rest are sealed, never in clear.
    expect(JSON.stringify(db.all('SELECT * FROM webhook_endpoints'))).not.toContain(endpointBody.secret.slice('whsec_'.length));
    expect(JSON.stringify(db.all('SELECT token_id, key, body FROM api_idempotency'))).not.toContain(link.url.split('/r/')[1]!);
  } finally {
    db.close();
  }
  for (const secretText of [token, token.split('.')[1]!, endpointBody.secret, link.url.split('/r/')[1]!, E2E_SECRET_KEY]) expect(server.output()).not.toContain(secretText);

  // Admins see the deliveries, and when the token was last used.
  const { context: after, page: afterPage, problems: afterProblems } = await watchedPage(browser, server);
  try {
    await signIn(afterPage, admin, '/admin/settings/api');
    await expect(afterPage.locator('tr[data-event="visit.started"][data-status="sent"]')).toHaveCount(1);
    await expect(afterPage.locator('tr[data-event="document.read"][data-status="sent"]')).toHaveCount(1);
    await expect(afterPage.locator(`tr[data-token-id="${token.split('.')[0]}"]`)).not.toContainText('未使用');
    expect(afterProblems).toEqual([]);
  } finally {
    await after.close();
  }
});

test('admins register a webhook endpoint in the settings page: the secret is shown once, the URL checked', async ({ browser }) => {
  const { context, page, problems } = await watchedPage(browser, server);
  try {
    await signIn(page, admin, '/admin/settings/api');
    await page.getByLabel('URL').fill('ftp://crm.example.com/hooks');
    await page.getByRole('checkbox', { name: 'download.confirmed' }).check();
    await page.getByRole('button', { name: 'エンドポイントを追加' }).click();
    await expect(page.locator('#webhook-endpoint-url-error')).toContainText('Only http and https');
    await expect(page.locator('[data-secret]')).toHaveCount(0);
    await page.getByLabel('URL').fill(`${receiver.url}?from=settings`);
    await page.getByRole('button', { name: 'エンドポイントを追加' }).click();
    await expect(page.locator('[data-secret]')).toHaveText(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const row = page.locator('tr[data-endpoint-id]', { hasText: '?from=settings' });
    await expect(row).toContainText('download.confirmed');
    await page.goto('/admin/settings/api');
    await expect(page.locator('[data-secret]')).toHaveCount(0);
    await page.locator('tr[data-endpoint-id]', { hasText: '?from=settings' }).getByRole('button', { name: '削除' }).click();
    await expect(page.locator('tr[data-endpoint-id]', { hasText: '?from=settings' })).toHaveCount(0);
    // The refused form answered 400, which Chromium logs as a console error for the document.
    expect(problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
  } finally {
    await context.close();
  }
});

test('a failing endpoint: its delivery is listed as failed for admins, and resent once the receiver is fixed', async ({ browser }) => {
  test.setTimeout(90_000);
  let status = 410; // Gone: refused for good at the first attempt
  let failingSecret: string | null = null;
  const failing = await startWebhookReceiver({ secret: () => failingSecret, status: () => status });
  const { context, page, problems } = await watchedPage(browser, server);
  try {
    await signIn(page, admin, '/admin/settings/api');
    await page.getByLabel('URL').fill(`${failing.url}?case=resend`);
    await page.getByRole('checkbox', { name: 'visit.started' }).check();
    await page.getByRole('button', { name: 'エンドポイントを追加' }).click();
    failingSecret = (await page.locator('[data-secret]').textContent()) ?? null;

    // A person opens a document on a seeded link: a visit starts.
    const reader = await browser.newContext(humanContext({ baseURL: server.baseURL }));
    try {
      const readerPage = await reader.newPage();
      const token = server.fixtures.tokens.enActive;
      await readerPage.goto(`/r/${token}/d/pricing`);
      const started = readerPage.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/r/${token}/views`);
      await scrollLikeAReader(readerPage);
      expect((await started).status()).toBe(201);
    } finally {
      await reader.close();
    }
    await expect.poll(() => failing.received.length, { timeout: 30_000, message: 'attempts at the failing receiver' }).toBe(1);

    const failedRow = page.locator('tr[data-event="visit.started"][data-status="failed"]', { hasText: '?case=resend' });
    await expect(async () => {
      await page.goto('/admin/settings/api');
      await expect(failedRow).toHaveCount(1, { timeout: 1000 });
    }).toPass({ timeout: 30_000 });
    await expect(failedRow).toContainText('410');
    status = 204;
    await failedRow.getByRole('button', { name: '再送' }).click();
    await expect(page.locator('p.notice[role="status"]')).toHaveText('再送を予約しました。');
    await expect.poll(() => failing.received.length, { timeout: 30_000, message: 'the resent delivery' }).toBe(2);
    expect(failing.received.map((r) => r.verified)).toEqual([true, true]);
    expect(failing.received[1]!.id).toBe(failing.received[0]!.id); // the same message, signed again
    await page.goto('/admin/settings/api');
    await expect(page.locator('tr[data-event="visit.started"][data-status="sent"]', { hasText: '?case=resend' })).toHaveCount(1);
    await page.locator('tr[data-endpoint-id]', { hasText: '?case=resend' }).getByRole('button', { name: '削除' }).click();
    await expect(page.locator('tr[data-endpoint-id]', { hasText: '?case=resend' })).toHaveCount(0);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
    await failing.close();
  }
});

test('401, 403, 404, 409, 422 and 429 answers in the one error shape; a revoked token stops at once', async ({ request, browser }) => {
  test.setTimeout(90_000);
  const writer = api(request, await tokenFromCli('e2e writer', 'write'));
  const readerToken = await tokenFromCli('e2e reader', 'read');
  const reader = api(request, readerToken);
  const error = { error: { code: expect.any(String), message: expect.any(String) } };

  const anonymous = await request.get(`${server.baseURL}/api/v1/accounts`);
  expect(anonymous.status()).toBe(401);
  expect(anonymous.headers()['www-authenticate']).toContain('Bearer');
  expect(await anonymous.json()).toEqual(error);
  expect((await request.get(`${server.baseURL}/api/v1/accounts`, { headers: { authorization: 'Bearer abc.def' } })).status()).toBe(401);

  const forbidden = await reader.post('/accounts', { name: '読取専用商事' });
  expect(forbidden.status()).toBe(403);
  expect(await forbidden.json()).toMatchObject({ error: { code: 'forbidden' } });
  expect((await reader.get('/accounts')).status()).toBe(200);

  const missing = await writer.get('/opportunities/no-such-opportunity/engagement');
  expect(missing.status()).toBe(404);
  expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });

  const invalid = await writer.post('/opportunities', { name: '', accountId: 'x', stage: 'three', amountJpy: -1, channel: 'fax' });
  expect(invalid.status()).toBe(422);
  expect(((await invalid.json()) as { error: { message: string } }).error.message).toMatch(/stage.*amountJpy.*channel|stage/);
  const account = (await (await writer.post('/accounts', { name: '重複商事', externalId: 'DUP-1' })).json()) as { id: string };
  expect(account.id).toBeTruthy();
  expect((await writer.post('/accounts', { name: '重複商事2', externalId: 'DUP-1' })).status()).toBe(409);
  const sameKey = await writer.post('/accounts', { name: 'A' }, { 'idempotency-key': 'k-e2e' });
  expect(sameKey.status()).toBe(201);
  expect((await writer.post('/accounts', { name: 'B' }, { 'idempotency-key': 'k-e2e' })).status()).toBe(422);

  // The OpenAPI document needs no token and names every status.
  const doc = (await (await request.get(`${server.baseURL}/api/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  expect(doc.openapi).toBe('3.1.0');
  expect(Object.keys(doc.paths['/accounts']!.post!.responses)).toEqual(expect.arrayContaining(['201', '401', '403', '409', '422', '429']));

  // The read token's budget: a burst, then 429 with Retry-After, the writer unaffected.
  const statuses: number[] = [];
  let retryAfter: string | undefined;
  for (let round = 0; round < 40 && !statuses.includes(429); round++) {
    const answers = await Promise.all(Array.from({ length: 10 }, () => reader.get('/token')));
    for (const answer of answers) {
      statuses.push(answer.status());
      if (answer.status() === 429) retryAfter = answer.headers()['retry-after'];
    }
  }
  expect(statuses).toContain(429);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect((await writer.get('/token')).status()).toBe(200);

  // Revoked in the settings page: the next request is refused.
  const { context, page, problems } = await watchedPage(browser, server);
  try {
    await signIn(page, admin, '/admin/settings/api');
    const row = page.locator(`tr[data-token-id="${readerToken.split('.')[0]}"]`);
    await expect(row).toHaveAttribute('data-state', 'active');
    await expect(row).not.toContainText('未使用'); // last used: just now
    await row.getByRole('button', { name: '無効化' }).click();
    await expect(page.locator(`tr[data-token-id="${readerToken.split('.')[0]}"]`)).toHaveAttribute('data-state', 'revoked');
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
  const revoked = await reader.get('/accounts');
  expect(revoked.status()).toBe(401);
});

// Slack alerts end to end: a person reads a document (trusted scrolling, no automation markers:
// support/human.ts) and the loopback Slack stand-in receives the rep's alert; a mail sandbox's
// headless browser sitting on a document raises nothing and is listed as a scanner; a flood of view
// starts on one link is cut off with 429 and still gives one alert. The shared server has no webhook,
// so this spec runs its own server (support/second-server.ts) with RINGI_SLACK_WEBHOOK_URL pointing at
// the stand-in, a two-second coalescing delay and a fast worker tick.
import type { Response } from '@playwright/test';
import type { SlackStandIn } from '../unit/support/slack-stand-in';
import { readDocument } from './support/content';
import { E2E_SECRET_KEY } from './support/env';
import { contactsById, expect, rooms, signIn, test, tracking } from './support/fixtures';
import { humanUserAgent, scannerContext } from './support/human';
import { readOnSecondServer, startAlertingServer, watchedPage, type SecondServer } from './support/second-server';
import { openTrackingDb } from './support/tracking-db';

let slack: SlackStandIn;
let server: SecondServer;
const admin = { email: 'slack-admin@vendor.example', password: 'slack-e2e-admin-password', name: '管理 通知' };

test.beforeAll(async () => {
  test.setTimeout(90_000);
  ({ slack, server } = await startAlertingServer(admin));
});

test.afterAll(async () => {
  await server?.stop();
  await slack?.close();
});

test('a person scrolling a document gets a view with plausible active time and Slack one alert for the visit', async ({ browser }) => {
  test.setTimeout(90_000);
  const room = rooms.ja;
  const doc = readDocument('pricing');
  const token = server.fixtures.tokens.jaActive;

  const { context, page, problems } = await watchedPage(browser, server);
  const openedAt = Date.now();
  let viewId = '';
  try {
    viewId = await readOnSecondServer(page, token, 'pricing');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(doc.title);
    // Keeps reading until a heartbeat reports active time.
    const timed = page.waitForResponse((r) => isBeaconOf(r, token, viewId) && ((r.request().postDataJSON() as { activeSeconds?: number }).activeSeconds ?? 0) >= 5, { timeout: 30_000 });
    await page.mouse.wheel(0, 300);
    expect((await timed).status()).toBe(204);

    // The alert waits for the coalescing delay, then the worker posts it.
    await expect.poll(() => slack.received.length, { timeout: 30_000, message: 'messages received by the Slack stand-in' }).toBeGreaterThanOrEqual(1);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }

  // Exactly one: the outbox holds one row for this opportunity, sent, and nothing left to send.
  const db = openTrackingDb(server.databasePath);
  try {
    const views = db.all<{ id: string; active_seconds: number }>('SELECT id, active_seconds FROM document_views WHERE opportunity_id = ?', room.opportunityId);
    expect(views.map((v) => v.id)).toEqual([viewId]);
    expect(views[0]!.active_seconds).toBeGreaterThanOrEqual(5);
    expect(views[0]!.active_seconds).toBeLessThanOrEqual(Math.ceil((Date.now() - openedAt) / 1000));
    await expect
      .poll(() => db.all<{ kind: string; status: string }>('SELECT kind, status FROM slack_outbox WHERE opportunity_id = ? ORDER BY id', room.opportunityId), { timeout: 10_000 })
      .toEqual([{ kind: 'visit', status: 'sent' }]);
  } finally {
    db.close();
  }
  expect(slack.received).toHaveLength(1);

  const [message] = slack.received;
  expect(message!.path).toBe(new URL(slack.url).pathname);
  expect(message!.status).toBe(200);
  const { text, blocks } = message!.body;
  expect(text).toBe(`${contactsById.yamada.name} 様（${room.account.name}）が資料を閲覧しました`);
  const whole = JSON.stringify(message!.body);
  expect(whole).toContain(room.opportunityName);
  // Sent while the reader was still reading ("閲覧中"), or with the real total: never a time read so far.
  expect(whole).toMatch(/• [^\n"]+ — (閲覧中|\d+分|[1-9]\d*秒)/);
  expect(whole).toContain(`• ${doc.title} — `);
  const button = (blocks as { type: string; elements?: { url?: string }[] }[]).find((b) => b.type === 'actions');
  expect(button?.elements?.[0]?.url).toBe(`${server.baseURL}/admin/opportunities/${room.opportunityId}/timeline`);

  // No way into the room and no secret in the message, nor in what the server printed.
  for (const secret of [token, token.split('.')[1]!, slack.url, new URL(slack.url).pathname, E2E_SECRET_KEY]) {
    expect(whole).not.toContain(secret);
    expect(server.output()).not.toContain(secret);
  }
});

const isBeaconOf = (r: Response, token: string, viewId: string) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/r/${token}/views/${viewId}`;

test("a mail sandbox's headless browser running the page for 10 s without input: no view, no alert, listed as a security scanner", async ({ browser, playwright }) => {
  test.setTimeout(90_000);
  const headless = server.fixtures.tracking!.headless;
  const sandbox = await scannerContext(playwright.chromium, server.baseURL);
  try {
    const page = await sandbox.context.newPage();
    await page.clock.install();
    await page.goto(`/r/${headless.token}`);
    const reported = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/r/${headless.token}/views`);
    await page.goto(`/r/${headless.token}/d/pricing`);
    // The default markers of automated Chromium, as detonation sandboxes have them.
    expect(await page.evaluate(() => [navigator.webdriver, /HeadlessChrome/.test(navigator.userAgent), document.visibilityState])).toEqual([true, true, 'visible']);
    const report = await reported;
    expect(report.status()).toBe(202); // { scanner: true }: recorded as a scanner, nothing started
    // Ten visible seconds on the page's own clock, no input at all.
    await page.clock.runFor(10_000);
    await sandbox.context.close();
  } finally {
    await sandbox.browser.close();
  }
  // An alert row is only ever written with the view that causes it: none here, so none can reach Slack later.
  const db = openTrackingDb(server.databasePath);
  try {
    expect(db.visits(headless.linkId)).toEqual([]);
    expect(db.views(headless.linkId)).toEqual([]);
    expect(db.all('SELECT o.id FROM slack_outbox o JOIN visits v ON v.id = o.visit_id WHERE v.access_link_id = ?', headless.linkId)).toEqual([]);
    expect(db.linkEvents(headless.linkId).map((e) => [e.kind, e.document_slug, e.detail])).toEqual([['automated_open', 'pricing', 'Security scanner (ran scripts)']]);
  } finally {
    db.close();
  }
  expect(slack.received.filter((m) => JSON.stringify(m.body).includes('前田 陽介'))).toEqual([]);

  // The sandbox also follows the attachment link without cookies: an unconfirmed download.
  expect((await fetch(`${server.baseURL}/r/${headless.token}/d/pricing/files/pricing-2026.pdf`, { headers: { 'User-Agent': humanUserAgent() } })).status).toBe(200);

  // The rep sees both beside the other automated opens, never as reading or downloads.
  const { context, page } = await watchedPage(browser, server);
  try {
    await signIn(page, admin, `/admin/opportunities/${tracking.rooms.reading.opportunityId}/timeline`);
    const rows = page.locator('[data-automated] tr[data-automated-open]', { hasText: '前田 陽介' });
    await expect(rows).toHaveCount(2);
    await expect(rows.filter({ has: page.locator('td[data-kind="automated_open"]') })).toContainText('セキュリティスキャナー（スクリプトを実行）');
    await expect(rows.filter({ has: page.locator('td[data-kind="unconfirmed_download"]') })).toContainText('未確認のダウンロード：pricing-2026.pdf');
    await expect(page.locator('[data-visit-id]', { hasText: '前田 陽介' })).toHaveCount(0);
  } finally {
    await context.close();
  }
});

test('a flood of view starts on one link is cut off with 429 and gives Slack one alert for the contact', async () => {
  test.setTimeout(90_000);
  const flood = server.fixtures.tracking!.flood;
  const before = slack.received.length;
  // 30 starts at once from a script that keeps no cookies: every one would be a new browser, so a new visit.
  const floodStartedAt = Date.now();
  const answers = await Promise.all(
    Array.from({ length: 30 }, () =>
      fetch(`${server.baseURL}/r/${flood.token}/views`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': humanUserAgent() },
        body: JSON.stringify({ slug: 'security-check-sheet', input: 'wheel' }),
      }),
    ),
  );
  // The rule (view-start-limits.ts): a burst of 20 per link, then 20 a minute. The server took every
  // start within the time the flood took, so the bucket refilled by at most that much meanwhile (a
  // slow machine lets a few more through; a broken limit lets all 30 through in a moment).
  const refilled = Math.floor(((Date.now() - floodStartedAt) / 60_000) * 20);
  const statuses = answers.map((a) => a.status);
  const started = statuses.filter((s) => s === 201).length;
  expect(statuses.filter((s) => s !== 201 && s !== 429), 'only started or refused').toEqual([]);
  expect(started).toBeGreaterThanOrEqual(20);
  expect(started).toBeLessThanOrEqual(20 + refilled);
  expect(started, 'the flood was cut off').toBeLessThan(30);
  const refused = answers.find((a) => a.status === 429)!;
  expect(await refused.json()).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/^Too many views started; try again in \d+ s\.$/) } });
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

  await expect.poll(() => slack.received.slice(before).filter((m) => JSON.stringify(m.body).includes('岡田 悠')).length, { timeout: 30_000 }).toBe(1);
  const db = openTrackingDb(server.databasePath);
  try {
    expect(db.visits(flood.linkId)).toHaveLength(started);
    expect(db.all('SELECT o.id FROM slack_outbox o JOIN visits v ON v.id = o.visit_id WHERE v.access_link_id = ?', flood.linkId)).toHaveLength(1);
    // Whatever else the flood queued (a hot alert) is sent before the next test scripts Slack's answers.
    await expect.poll(() => db.all("SELECT id FROM slack_outbox WHERE status IN ('pending', 'sending')").length, { timeout: 30_000 }).toBe(0);
  } finally {
    db.close();
  }
});

test('a webhook Slack refuses (404) marks the alert failed; an admin sees it and resends it', async ({ browser }) => {
  test.setTimeout(90_000);
  const room = rooms.en;
  slack.script({ status: 404, body: 'no_service' });
  const outbox = () => {
    const db = openTrackingDb(server.databasePath);
    try {
      return db.all<{ status: string; attempts: number }>('SELECT status, attempts FROM slack_outbox WHERE opportunity_id = ? ORDER BY id', room.opportunityId);
    } finally {
      db.close();
    }
  };

  const reader = await watchedPage(browser, server);
  try {
    await readOnSecondServer(reader.page, server.fixtures.tokens.enActive, 'product-overview-en');
    expect(reader.problems).toEqual([]);
  } finally {
    await reader.context.close();
  }
  // Permanent: failed after one attempt, never retried on its own.
  await expect.poll(outbox, { timeout: 30_000 }).toEqual([{ status: 'failed', attempts: 1 }]);

  const { context, page } = await watchedPage(browser, server);
  try {
    await signIn(page, admin, '/admin/alerts');
    const row = page.locator('tr[data-status="failed"]', { hasText: room.opportunityName });
    await expect(row).toHaveCount(1);
    // The error says what Slack answered, never where the webhook is.
    await expect(row).toContainText('404');
    expect(await page.content()).not.toContain(new URL(slack.url).pathname);

    // Every admin page says Slack is failing until the alert goes through.
    await expect(page.locator('[data-slack-health]')).toContainText('失敗しました');
    await row.getByRole('button', { name: '再送' }).click();
    await expect(page.getByRole('status')).toHaveText('再送を予約しました。');
    await expect.poll(outbox, { timeout: 30_000 }).toEqual([{ status: 'sent', attempts: 1 }]);
    await page.reload();
    await expect(page.locator('tr[data-status="sent"]', { hasText: room.opportunityName })).toHaveCount(1);
    await expect(page.locator('[data-slack-health]')).toHaveCount(0);
    await expect(page.locator('tr[data-status="failed"]')).toHaveCount(0);
  } finally {
    await context.close();
  }
  const delivered = slack.delivered().filter((m) => JSON.stringify(m.body).includes(room.opportunityName));
  expect(delivered).toHaveLength(1);
});

test('the settings page marks the alert delay overridden by RINGI_SLACK_ALERT_DELAY_SECONDS, as it does the webhook', async ({ browser }) => {
  const { context, page } = await watchedPage(browser, server);
  try {
    await signIn(page, admin, '/admin/settings');
    const delay = page.getByLabel('通知をまとめる待ち時間（分）');
    await expect(delay).toHaveAccessibleDescription('環境変数 RINGI_SLACK_ALERT_DELAY_SECONDS により 2 秒が使われています。ここでの値は、環境変数を外すと有効になります。');
    await expect(page.locator('#slack [data-overridden="env"]')).toHaveText('RINGI_SLACK_ALERT_DELAY_SECONDS');
    await expect(page.locator('[data-source="env"]')).toContainText('RINGI_SLACK_WEBHOOK_URL');
  } finally {
    await context.close();
  }
});

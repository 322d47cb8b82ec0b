// Slack alerts end to end: a real browser reads a document and the loopback Slack stand-in receives
// the rep's alert. The shared server has no webhook, so this spec runs its own server (support/
// second-server.ts) with RINGI_SLACK_WEBHOOK_URL pointing at the stand-in, a two-second coalescing
// delay and a fast worker tick.
import type { Page } from '@playwright/test';
import { startSlackStandIn, type SlackStandIn } from '../unit/support/slack-stand-in';
import { readDocument } from './support/content';
import { E2E_SECRET_KEY } from './support/env';
import { contactsById, expect, rooms, signIn, test } from './support/fixtures';
import { startSecondServer, watchedPage, type SecondServer } from './support/second-server';
import { openTrackingDb } from './support/tracking-db';
import { addUserWithCli } from './support/users';

let slack: SlackStandIn;
let server: SecondServer;
const admin = { email: 'slack-admin@vendor.example', password: 'slack-e2e-admin-password', name: '管理 通知' };

test.beforeAll(async () => {
  test.setTimeout(90_000);
  slack = await startSlackStandIn();
  server = await startSecondServer({
    RINGI_SLACK_WEBHOOK_URL: slack.url,
    RINGI_SLACK_ALERT_DELAY_SECONDS: '2',
    RINGI_SLACK_WORKER_INTERVAL_MS: '250',
  });
  await addUserWithCli(admin, { role: 'admin', databasePath: server.databasePath });
});

test.afterAll(async () => {
  await server?.stop();
  await slack?.close();
});

test('a real browser reads a document and Slack receives one alert for the visit', async ({ browser }) => {
  test.setTimeout(90_000);
  const room = rooms.ja;
  const doc = readDocument('pricing');
  const token = server.fixtures.tokens.jaActive;

  const { context, page, problems } = await watchedPage(browser, server);
  try {
    await readOnSecondServer(page, token, 'pricing');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(doc.title);

    // The alert waits for the coalescing delay, then the worker posts it.
    await expect.poll(() => slack.received.length, { timeout: 30_000, message: 'messages received by the Slack stand-in' }).toBeGreaterThanOrEqual(1);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }

  // Exactly one: the outbox holds one row for this opportunity, sent, and nothing left to send.
  const db = openTrackingDb(server.databasePath);
  try {
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
  expect(whole).toContain(`• ${doc.title} — `);
  const button = (blocks as { type: string; elements?: { url?: string }[] }[]).find((b) => b.type === 'actions');
  expect(button?.elements?.[0]?.url).toBe(`${server.baseURL}/admin/opportunities/${room.opportunityId}/timeline`);

  // No way into the room and no secret in the message, nor in what the server printed.
  for (const secret of [token, token.split('.')[1]!, slack.url, new URL(slack.url).pathname, E2E_SECRET_KEY]) {
    expect(whole).not.toContain(secret);
    expect(server.output()).not.toContain(secret);
  }
});

/** Reads a document on the second server until the page's script has started a view. */
async function readOnSecondServer(page: Page, token: string, slug: string): Promise<void> {
  await page.goto(`/r/${token}/d/${slug}`);
  const started = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/r/${token}/views`);
  await page.mouse.move(200, 200);
  await page.mouse.wheel(0, 400);
  expect((await started).status()).toBe(201);
}

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

    await row.getByRole('button', { name: '再送' }).click();
    await expect(page.getByRole('status')).toHaveText('再送を予約しました。');
    await expect.poll(outbox, { timeout: 30_000 }).toEqual([{ status: 'sent', attempts: 1 }]);
    await page.reload();
    await expect(page.locator('tr[data-status="sent"]', { hasText: room.opportunityName })).toHaveCount(1);
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

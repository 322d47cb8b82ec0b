// Slack alerts end to end: a real browser reads a document and the loopback Slack stand-in receives
// the rep's alert. The shared server has no webhook, so this spec runs its own server (support/
// second-server.ts) with RINGI_SLACK_WEBHOOK_URL pointing at the stand-in, a two-second coalescing
// delay and a fast worker tick.
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { startSlackStandIn, type SlackStandIn } from '../unit/support/slack-stand-in';
import { readDocument } from './support/content';
import { E2E_SECRET_KEY } from './support/env';
import { contactsById, expect, rooms, test } from './support/fixtures';
import { startSecondServer, type SecondServer } from './support/second-server';
import { openTrackingDb } from './support/tracking-db';

let slack: SlackStandIn;
let server: SecondServer;

test.beforeAll(async () => {
  test.setTimeout(90_000);
  slack = await startSlackStandIn();
  server = await startSecondServer({
    RINGI_SLACK_WEBHOOK_URL: slack.url,
    RINGI_SLACK_ALERT_DELAY_SECONDS: '2',
    RINGI_SLACK_WORKER_INTERVAL_MS: '250',
  });
});

test.afterAll(async () => {
  await server?.stop();
  await slack?.close();
});

/** A context on the second server, failing on what the shared `page` fixture fails on. */
async function watchedPage(browser: Browser): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ baseURL: server.baseURL, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol !== 'data:' && url.host !== new URL(server.baseURL).host) problems.push(`request to ${request.url()}`);
  });
  page.on('console', (message) => void (message.type() === 'error' && problems.push(`console: ${message.text()}`)));
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { context, page, problems };
}

test('a real browser reads a document and Slack receives one alert for the visit', async ({ browser }) => {
  test.setTimeout(90_000);
  const room = rooms.ja;
  const doc = readDocument('pricing');
  const token = server.fixtures.tokens.jaActive;
  const startPath = `/r/${token}/views`;

  const { context, page, problems } = await watchedPage(browser);
  try {
    await page.goto(`/r/${token}/d/pricing`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(doc.title);
    const started = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === startPath);
    await page.mouse.move(200, 200);
    await page.mouse.wheel(0, 400);
    expect((await started).status()).toBe(201);

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
      .poll(() => db.all<{ kind: string; status: string }>('SELECT kind, status FROM slack_outbox ORDER BY id'), { timeout: 10_000 })
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

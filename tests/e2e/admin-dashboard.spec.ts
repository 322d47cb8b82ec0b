// The rep's home dashboard (/admin): its four sections, the channel and stage filters, a refused
// filter, and the live feed picking up a prospect who starts reading in another browser without
// the rep reloading (the page script swaps in /admin/activity, the feed the server renders).
//
// The seeded scenario has no passwords and its rooms are read by other specs, so this file creates
// its own rep, account, contact, opportunities, rooms and links in beforeAll (createUser, plain
// inserts as the seed does, createAccessLink with the test key). Every name carries a run-unique
// suffix, so assertions never depend on what other specs read.
import crypto from 'node:crypto';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { eq } from 'drizzle-orm';
import { accessLinks, accounts, contacts, opportunities, roomDocuments, rooms } from '../../db/schema';
import { createAccessLink } from '../../src/server/access-links/access-links';
import { rebuildOpportunityAggregates } from '../../src/server/tracking/aggregates';
import { openDatabase, type SqliteDb } from '../../src/server/db/client';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { createUser } from '../../src/server/users/users';
import { readDocument, type ContentDocument } from './support/content';
import { E2E_BASE_URL, E2E_DATABASE_PATH, E2E_SECRET_KEY, REPO_ROOT } from './support/env';
import { expect, signIn, test } from './support/fixtures';
import { humanContext } from './support/human';

interface Rep {
  email: string;
  password: string;
  name: string;
}

const DAY = 24 * 60 * 60 * 1000;
let db: SqliteDb;
let suffix = '';
let rep: Rep;
let repEn: Rep;
let pricing: ContentDocument;
const world = {
  accountName: '',
  contactName: '',
  waitingContactName: '',
  /** partner, stage 4: the prospect reads its room during the test. */
  reading: { id: '', name: '', token: '' },
  /** outbound, stage 2: a link shared five days ago, never opened. */
  waiting: { id: '', name: '' },
};

test.beforeAll(async () => {
  test.setTimeout(60_000);
  pricing = readDocument('pricing');
  suffix = crypto.randomBytes(3).toString('hex');
  db = openDatabase(E2E_DATABASE_PATH, path.join(REPO_ROOT, 'db/migrations'));
  const password = `dashboard-e2e-${suffix}-password`;
  rep = { email: `dash-${suffix}@vendor.example`, password, name: `営業 ダッシュ ${suffix}` };
  repEn = { email: `dash-en-${suffix}@vendor.example`, password, name: `Dana ${suffix}` };
  const { id: repId } = await createUser(db, { email: rep.email, displayName: rep.name, role: 'rep', locale: 'ja', password });
  await createUser(db, { email: repEn.email, displayName: repEn.name, role: 'rep', locale: 'en', password });

  const accountId = `dash-e2e-account-${suffix}`;
  world.accountName = `株式会社ダッシュボード検証 ${suffix}`;
  world.contactName = `山田 読者 ${suffix}`;
  world.waitingContactName = `鈴木 未読 ${suffix}`;
  world.reading = { id: `dash-e2e-reading-${suffix}`, name: `閲覧される商談 ${suffix}`, token: '' };
  world.waiting = { id: `dash-e2e-waiting-${suffix}`, name: `未開封の商談 ${suffix}` };
  await db.transaction(async (tx) => {
    await tx.insert(accounts).values({ id: accountId, name: world.accountName });
    await tx.insert(contacts)
      .values([
        { id: `dash-e2e-yamada-${suffix}`, accountId, name: world.contactName },
        { id: `dash-e2e-suzuki-${suffix}`, accountId, name: world.waitingContactName },
      ]);
    await tx.insert(opportunities)
      .values([
        { id: world.reading.id, accountId, name: world.reading.name, stage: 4, amountJpy: 2_400_000, channel: 'partner', ownerUserId: repId },
        { id: world.waiting.id, accountId, name: world.waiting.name, stage: 2, amountJpy: 1_200_000, channel: 'outbound', ownerUserId: repId },
      ]);
    for (const opp of [world.reading, world.waiting]) {
      await tx.insert(rooms).values({ id: `${opp.id}-room`, opportunityId: opp.id, locale: 'ja' });
      await tx.insert(roomDocuments).values({ roomId: `${opp.id}-room`, documentSlug: 'pricing', position: 0 });
    }
  });
  const key = parseSecretKey(E2E_SECRET_KEY);
  world.reading.token = (await createAccessLink(db, key, { roomId: `${world.reading.id}-room`, contactId: `dash-e2e-yamada-${suffix}` })).token;
  const waitingLink = await createAccessLink(db, key, { roomId: `${world.waiting.id}-room`, contactId: `dash-e2e-suzuki-${suffix}` });
  // Shared five days ago (the default threshold is three).
  await db.update(accessLinks).set({ createdAt: new Date(Date.now() - 5 * DAY) }).where(eq(accessLinks.id, waitingLink.id));
  // Written around the link code, which keeps the dashboard's aggregates itself (ADR 0020).
  await rebuildOpportunityAggregates(db, world.waiting.id);
});

test.afterAll(() => {
  db?.$client.close();
});

const section = (page: Page, name: string) => page.getByRole('region', { name });

test('anonymous visitors are sent to sign in, and the feed answers 401 in the JSON error shape', async ({ page, request }) => {
  await page.goto('/admin');
  await expect(page).toHaveURL('/admin/sign-in?next=%2Fadmin');
  const feed = await request.get('/admin/activity.json');
  expect(feed.status()).toBe(401);
  expect(await feed.json()).toEqual({ error: { code: 'unauthorized', message: 'Sign in first.' } });
});

test('the four sections, the filters, and a refused filter', async ({ page, guard }) => {
  await signIn(page, rep, '/admin');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('ホーム');
  await expect(page.getByRole('link', { name: 'ホーム' })).toHaveAttribute('aria-current', 'page');
  for (const heading of ['ライブ閲覧状況', '温度の高い商談', '共有後に開かれていないルーム', '資料別の効果']) {
    await expect(page.getByRole('heading', { level: 2, name: heading })).toBeVisible();
  }

  // The room shared five days ago and never opened is waiting, with whom it was shared.
  const unopened = section(page, '共有後に開かれていないルーム');
  const waitingRow = unopened.locator(`tr[data-opportunity-id="${world.waiting.id}"]`);
  await expect(waitingRow).toContainText(world.waitingContactName);
  await expect(waitingRow.locator('td.num')).toHaveText('5日');
  await expect(waitingRow.getByRole('link', { name: world.waiting.name })).toHaveAttribute('href', `/admin/opportunities/${world.waiting.id}`);
  await expect(unopened).not.toContainText(world.reading.name); // shared today: not overdue

  // Filters: GET form with labelled selects. A rep starts on their own deals.
  await expect(page.getByLabel('対象の商談')).toHaveValue('mine');
  await page.getByLabel('流入経路').selectOption('partner');
  await page.getByRole('button', { name: '絞り込む' }).click();
  await expect(page).toHaveURL(/\/admin\?channel=partner&stage=&deals=mine$/);
  await expect(page.getByLabel('流入経路')).toHaveValue('partner');
  await expect(page.locator('[data-active-filters]')).toHaveText('絞り込み中: パートナー / 自分の商談');
  await expect(section(page, '共有後に開かれていないルーム').locator(`tr[data-opportunity-id="${world.waiting.id}"]`)).toHaveCount(0);
  await page.getByLabel('流入経路').selectOption('outbound');
  await page.getByLabel('フェーズ').selectOption('2');
  await page.getByRole('button', { name: '絞り込む' }).click();
  await expect(page).toHaveURL(/\/admin\?channel=outbound&stage=2&deals=mine$/);
  await expect(section(page, '共有後に開かれていないルーム').locator(`tr[data-opportunity-id="${world.waiting.id}"]`)).toBeVisible();
  // The document table under these filters: the waiting room offers the price list, unread.
  const pricingRow = section(page, '資料別の効果').locator('tr[data-slug="pricing"]');
  await expect(pricingRow.getByRole('link', { name: pricing.title })).toBeVisible();
  await expect(pricingRow.locator('[data-col="read-share"]')).toContainText('0%');

  // A channel that does not exist: 400, the error named, nothing else shown.
  guard.expectDocumentStatus(400);
  const refused = await page.goto('/admin?channel=fax');
  expect(refused?.status()).toBe(400);
  await expect(page.getByRole('alert')).toContainText('流入経路の指定が正しくありません。');
  await expect(page.getByRole('heading', { level: 2, name: 'ライブ閲覧状況' })).toHaveCount(0);
  await page.getByRole('link', { name: '条件をクリア' }).click();
  await expect(page).toHaveURL('/admin');
});

test('a prospect starts reading and the live feed shows it without a reload', async ({ page, browser }) => {
  test.setTimeout(90_000);
  await signIn(page, rep, '/admin?channel=partner');
  const live = section(page, 'ライブ閲覧状況');
  await expect(live.locator('li', { hasText: world.contactName })).toHaveCount(0);
  const feedRefreshed = page.waitForResponse((r) => new URL(r.url()).pathname === '/admin/activity' && r.status() === 200, { timeout: 40_000 });

  const prospectContext = await browser.newContext(humanContext());
  try {
    const prospect = await prospectContext.newPage();
    const startPath = `/r/${world.reading.token}/views`;
    const started = prospect.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === startPath);
    const beacon = prospect.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.startsWith(`${startPath}/`));
    const opened = await prospect.goto(`${E2E_BASE_URL}/r/${world.reading.token}/d/pricing`);
    expect(opened?.status()).toBe(200);
    await prospect.mouse.move(200, 200);
    await prospect.mouse.wheel(0, 300);
    expect((await started).status()).toBe(201);
    expect((await beacon).status()).toBe(204);

    // The rep's page polls the feed (filters kept) and shows the reader as "reading now".
    const response = await feedRefreshed;
    expect(new URL(response.url()).search).toBe('?channel=partner&deals=mine');
    const item = live.locator('li[data-kind="reading"]', { hasText: world.contactName });
    await expect(item).toBeVisible({ timeout: 20_000 });
    await expect(item).toContainText(`${world.contactName} 様（${world.accountName}）が「${pricing.title}」を`);
    await expect(item).toContainText('閲覧中');
    await expect(item.getByRole('link', { name: `商談「${world.reading.name}」の閲覧タイムライン` })).toHaveAttribute(
      'href',
      `/admin/opportunities/${world.reading.id}/timeline`,
    );
    await expect(item.getByRole('link', { name: `商談「${world.reading.name}」を開く` })).toHaveAttribute('href', `/admin/opportunities/${world.reading.id}`);
    await expect(page.locator('[data-feed-status]')).toContainText('自動更新');
  } finally {
    await prospectContext.close();
  }

  // Reloaded: the reader is in the server-rendered feed, and the deal now ranks with its reasons.
  await page.reload();
  await expect(live.locator('li[data-kind="reading"]', { hasText: world.contactName })).toBeVisible();
  const hotRow = section(page, '温度の高い商談').locator(`tr[data-opportunity-id="${world.reading.id}"]`);
  await expect(hotRow).toBeVisible();
  await expect(hotRow.locator('[data-reason="readers"]')).toContainText('閲覧者 1名');

  // Another stage filter leaves the reader out of the feed.
  await page.goto('/admin?channel=partner&stage=2');
  await expect(section(page, 'ライブ閲覧状況').locator('li', { hasText: world.contactName })).toHaveCount(0);

  // The JSON feed itself: the same line, GET only.
  const json = await page.request.get('/admin/activity.json?channel=partner');
  expect(json.status()).toBe(200);
  expect(json.headers()['cache-control']).toBe('private, no-store');
  const body = (await json.json()) as { entries: { kind: string; text: string; timelineHref: string }[] };
  expect(body.entries.find((e) => e.text.includes(world.contactName))).toMatchObject({ kind: 'reading', timelineHref: `/admin/opportunities/${world.reading.id}/timeline` });
  const bad = await page.request.get('/admin/activity.json?stage=99');
  expect(bad.status()).toBe(400);
  expect(await bad.json()).toEqual({ error: { code: 'bad_request', message: 'Unknown or repeated filter: stage.' } });
  const post = await page.request.post('/admin/activity.json', { headers: { Origin: E2E_BASE_URL } });
  expect(post.status()).toBe(405);
  expect((await post.json()).error.code).toBe('method_not_allowed');
});

test('English for a rep whose language is English', async ({ page }) => {
  await signIn(page, repEn, '/admin?channel=outbound');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Home');
  for (const heading of ['Live activity', 'Hottest opportunities', 'Shared but unopened', 'Document performance']) {
    await expect(page.getByRole('heading', { level: 2, name: heading })).toBeVisible();
  }
  await expect(page.getByLabel('Channel')).toHaveValue('outbound');
  // This rep owns none of the world's deals: "My deals" (a rep's default) leaves them out, "All deals" shows them.
  await expect(page.getByLabel('Deals')).toHaveValue('mine');
  const waitingRow = section(page, 'Shared but unopened').locator(`tr[data-opportunity-id="${world.waiting.id}"]`);
  await expect(waitingRow).toHaveCount(0);
  await page.getByLabel('Deals').selectOption('all');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page.locator('[data-active-filters]')).toHaveText('Filtered: Outbound');
  await expect(waitingRow.locator('td.num')).toHaveText('5 d');

  // Half-width punctuation in English: the signed-in rep and required fields.
  await expect(page.locator('.whoami a[href="/admin/account"]')).toHaveText(`${repEn.name} (Rep)`);
  await page.goto('/admin/accounts/new');
  const required = page.locator('.form-required').first();
  await expect(required).toHaveText('(required)');
  expect(await page.locator('main').innerText()).not.toMatch(/[（）]/);
});

test('a skip link is the first Tab stop and takes the keyboard past the menu to the page', async ({ page }) => {
  await signIn(page, rep, '/admin');
  await page.reload();
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: '本文へ移動' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.locator('main#main')).toBeFocused();
  // The next Tab lands inside the page, not on the menu.
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.closest('main')?.id)).toBe('main');
});

// Issue 19 end to end: two people read one contact's link in two browsers; the opportunity shows the
// second as a possible (unknown) reader on that contact's link; the rep records it as a new contact
// with the IT role; its reading of the security sheet then shows in the approval map under IT, and
// the IT gap closes. Readers are people (human.ts): real input, no automation markers.
//
// The file builds its own account, opportunity, room and link in the e2e database (no other spec
// reads them), with its own rep who signs in through the real form.
import crypto from 'node:crypto';
import path from 'node:path';
import type { Page, Response } from '@playwright/test';
import { accounts, contacts, opportunities, roomDocuments, rooms } from '../../src/server/db/tables';
import { openDatabase, type SqliteDb } from '../../src/server/db/client';
import { createAccessLink } from '../../src/server/access-links/access-links';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { createUser } from '../../src/server/users/users';
import { readDocument } from './support/content';
import { E2E_BASE_URL, E2E_DATABASE_PATH, E2E_SECRET_KEY, REPO_ROOT } from './support/env';
import { expect, signIn, test } from './support/fixtures';
import { humanContext, scrollLikeAReader } from './support/human';

const suffix = crypto.randomBytes(3).toString('hex');
const ids = {
  account: `e2e-approval-account-${suffix}`,
  contact: `e2e-approval-yamada-${suffix}`,
  opportunity: `e2e-approval-opp-${suffix}`,
  room: `e2e-approval-room-${suffix}`,
};
const rep = { email: `approval-rep-${suffix}@vendor.example`, password: `approval-e2e-${suffix}-password`, name: `佐々木 健 ${suffix}` };
const opportunityPath = `/admin/opportunities/${ids.opportunity}`;
let db: SqliteDb;
let token = '';

test.beforeAll(async () => {
  db = openDatabase(E2E_DATABASE_PATH, path.join(REPO_ROOT, 'db/migrations'));
  const { id: repId } = await createUser(db, { email: rep.email, displayName: rep.name, role: 'rep', locale: 'ja', password: rep.password });
  await db.insert(accounts).values({ id: ids.account, name: `株式会社みどり工業 ${suffix}` });
  await db.insert(contacts).values({ id: ids.contact, accountId: ids.account, name: '山田 太郎', department: '経理部', buyingRole: 'champion' });
  await db.insert(opportunities).values({ id: ids.opportunity, accountId: ids.account, name: '経費精算の刷新', stage: 3, amountJpy: 3_000_000, channel: 'event', ownerUserId: repId });
  await db.insert(rooms).values({ id: ids.room, opportunityId: ids.opportunity, locale: 'ja' });
  for (const [position, documentSlug] of ['product-overview', 'security-check-sheet', 'pricing'].entries()) await db.insert(roomDocuments).values({ roomId: ids.room, documentSlug, position });
  ({ token } = await createAccessLink(db, parseSecretKey(E2E_SECRET_KEY), { roomId: ids.room, contactId: ids.contact }));
});

test.afterAll(() => {
  db?.$client.close();
});

const viewsPath = () => `/r/${token}/views`;
const isPost = (response: Response, pathname: string) => response.request().method() === 'POST' && new URL(response.url()).pathname === pathname;

/** A person opens a document of the link and starts reading: the tracker's view start is answered. */
async function startReading(page: Page, slug: string): Promise<string> {
  await page.goto(`/r/${token}/d/${slug}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(readDocument(slug).title);
  const started = page.waitForResponse((r) => isPost(r, viewsPath()) && r.status() < 500);
  await scrollLikeAReader(page, 200);
  const response = await started;
  expect(response.status()).toBe(201);
  return ((await response.json()) as { beaconPath: string }).beaconPath;
}

test('a second browser on a link is an unknown reader until the rep names it; named as IT, its reading fills the approval map', async ({ page, browser }) => {
  test.setTimeout(120_000);
  // 山田さん opens his link and starts on the overview.
  const yamada = await browser.newContext(humanContext({ baseURL: E2E_BASE_URL }));
  const yamadaPage = await yamada.newPage();
  await startReading(yamadaPage, 'product-overview');
  await yamada.close();

  // Someone else opens the same link in another browser and reads the security sheet for half a
  // minute: the tracker reports active time every 10 s while the reader is there (the idle cut-off is
  // two minutes, so one scroll keeps them active); wait for a beacon with 30 active seconds.
  const colleague = await browser.newContext(humanContext({ baseURL: E2E_BASE_URL }));
  const colleaguePage = await colleague.newPage();
  const beaconPath = await startReading(colleaguePage, 'security-check-sheet');
  await colleaguePage.waitForResponse(
    (r) => isPost(r, beaconPath) && ((r.request().postDataJSON() as { activeSeconds?: number } | null)?.activeSeconds ?? 0) >= 30,
    { timeout: 60_000 },
  );
  await colleague.close();

  // The rep: the second browser is a possible reader on 山田さん's link, with what it read.
  await signIn(page, rep, opportunityPath);
  const unknown = page.locator('#unknown-readers [data-unknown-reader]');
  await expect(unknown).toHaveCount(1);
  await expect(unknown).toHaveAttribute('data-reader-kind', 'possible');
  await expect(unknown.getByRole('heading', { level: 3 })).toHaveText('山田 太郎さんのリンクの不明な読者');
  await expect(unknown.locator('[data-reader-badge]')).toContainText('閲覧者候補');
  await expect(unknown.locator('[data-reader-documents] li')).toHaveCount(1);
  await expect(unknown.locator('[data-reader-documents] li')).toContainText(readDocument('security-check-sheet').title);

  // Before naming: the map shows the reading as an unknown reader's, and IT has not read the sheet.
  const map = page.locator('[data-approval-map]');
  const securityTitle = readDocument('security-check-sheet').title;
  await expect(map.locator('tr[data-role="unknown"] td[data-slug="security-check-sheet"]')).toContainText('山田 太郎さんのリンクの不明な読者');
  await expect(map.locator('tr[data-role="it-security"] td[data-slug="security-check-sheet"]')).toHaveAttribute('data-gap', 'true');
  await expect(map.locator('[data-gaps]')).toContainText(`${securityTitle}: 情報システムの誰もまだ読んでいません`);
  await expect(map.locator('tr[data-role="champion"] td[data-slug="product-overview"] li')).toContainText('山田 太郎');

  // The timeline counts 山田さん as a reader and the other browser as a possible one, not as two people.
  await page.goto(`${opportunityPath}/timeline`);
  await expect(page.locator('[data-total-readers]')).toContainText('1');
  await expect(page.locator('[data-possible-readers]')).toHaveAttribute('data-possible-readers', '1');

  // The rep records the reader as a new contact in IT.
  await page.goto(opportunityPath);
  const form = unknown.locator('form').filter({ has: page.getByRole('button', { name: '作成して記録する' }) });
  await form.getByLabel('氏名').fill('情シス 花子');
  await form.getByLabel('稟議での役割').selectOption({ label: '情報システム' });
  await form.getByRole('button', { name: '作成して記録する' }).click();
  await expect(page.locator('[data-reader-named]')).toHaveText('閲覧履歴を 情シス 花子 さんに移しました。');
  await expect(page.locator('[data-unknown-reader]')).toHaveCount(0);

  // Its reading of the security sheet is now IT's: the cell names her, read, and the gap is gone.
  const itCell = map.locator('tr[data-role="it-security"] td[data-slug="security-check-sheet"]');
  await expect(itCell.locator('li')).toContainText('情シス 花子');
  await expect(itCell.locator('li')).toHaveAttribute('data-read', 'true');
  await expect(itCell).not.toHaveAttribute('data-gap', 'true');
  await expect(map.locator('[data-gaps]')).not.toContainText(`${securityTitle}: 情報システム`);
  await expect(map.locator('tr[data-role="unknown"]')).toHaveCount(0);

  // Two people read now, no possible reader; the new contact has her role on the account.
  await page.goto(`${opportunityPath}/timeline`);
  await expect(page.locator('[data-total-readers]')).toHaveText('2');
  await page.goto(`/admin/accounts/${ids.account}`);
  const row = page.locator('table.crm-contacts tr', { hasText: '情シス 花子' });
  await expect(row.locator('[data-buying-role]')).toHaveText('情報システム');
  // The contact page keeps the role, and the rep can change it there.
  await row.getByRole('link', { name: '情シス 花子 を編集' }).click();
  await expect(page.getByLabel('稟議での役割')).toHaveValue('it-security');
  await page.getByLabel('稟議での役割').selectOption({ label: '法務' });
  await page.getByRole('button', { name: '保存' }).click();
  await expect(row.locator('[data-buying-role]')).toHaveText('法務');
});

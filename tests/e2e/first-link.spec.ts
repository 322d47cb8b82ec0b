// A rep meeting a new buyer: account, contact and opportunity in one form, then the link in one
// click; and a second contact added with their link right on the opportunity page.
import crypto from 'node:crypto';
import path from 'node:path';
import { openDatabase, type SqliteDb } from '../../src/server/db/client';
import { createUser } from '../../src/server/users/users';
import { E2E_DATABASE_PATH, REPO_ROOT } from './support/env';
import { expect, signIn, test } from './support/fixtures';

let db: SqliteDb;
const suffix = crypto.randomBytes(3).toString('hex');
const rep = { email: `first-${suffix}@vendor.example`, password: `first-link-e2e-${suffix}-password`, name: `営業 はじめ ${suffix}` };

test.beforeAll(async () => {
  db = openDatabase(E2E_DATABASE_PATH, path.join(REPO_ROOT, 'db/migrations'));
  await createUser(db, { email: rep.email, displayName: rep.name, role: 'rep', locale: 'ja', password: rep.password });
});

test.afterAll(() => {
  db?.$client.close();
});

test('account, contact and opportunity in one form, then the contact’s link and a second contact inline', async ({ page, guard }) => {
  guard.expectDocumentStatus(400);
  const account = `株式会社はじめて商事 ${suffix}`;
  await signIn(page, rep, '/admin/opportunities');
  await page.getByRole('link', { name: '新しい取引先の商談をまとめて登録' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('新しい取引先の商談');

  // A refused form keeps what was typed and names every problem.
  await page.getByLabel('取引先名').fill(account);
  await page.getByLabel('氏名').fill('木村 彩');
  await page.getByLabel('メールアドレス').fill('not an email');
  await page.getByRole('button', { name: 'まとめて登録' }).click();
  const summary = page.getByRole('alert');
  await expect(summary).toContainText('メールアドレス');
  await expect(summary).toContainText('商談名');
  await expect(page.getByLabel('取引先名')).toHaveValue(account);

  await page.getByLabel('メールアドレス').fill('kimura@hajimete.example');
  await page.getByLabel('役職').fill('経理部長');
  await page.getByLabel('商談名').fill(`経費精算 導入 ${suffix}`);
  await page.getByLabel('フェーズ').selectOption('2');
  await page.getByLabel('金額（円）').fill('1200000');
  await page.getByLabel('流入経路').selectOption('event');
  await page.getByRole('button', { name: 'まとめて登録' }).click();

  // The opportunity page: the contact is there, one click from a link.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`経費精算 導入 ${suffix}`);
  await page.getByRole('button', { name: '木村 彩 様のリンクを発行' }).click();
  await expect(page.locator('[data-notice="created"]')).toContainText('木村 彩');

  // A second contact and their link, without leaving the page.
  const inline = page.locator('details.rooms-add-contact');
  await inline.locator('summary').click();
  await inline.getByLabel('氏名').fill('森 翔');
  await inline.getByLabel('役職').fill('情報システム部');
  await inline.getByRole('button', { name: '追加してリンクを発行' }).click();
  await expect(page.locator('[data-notice="created"]')).toContainText('森 翔');
  const card = page.locator('.rooms-contact', { has: page.getByRole('heading', { name: '森 翔' }) });
  await expect(card).toHaveAttribute('data-link-status', 'active');
  await expect(page.locator('.rooms-contact')).toHaveCount(2);
});

// The content studio end to end (issue 18): a content editor signs in, uploads a Markdown whitepaper
// with a PDF, fixes the two problems the studio reports (with their lines and fields), previews it as
// a prospect will see it, and publishes it; a rep adds it to a room; a prospect reads it (trusted
// input); the editor publishes version 2; the prospect sees "updated since you last read" with the
// date and the version's note; the rep's timeline shows which version each view read.
//
// Publishing changes the catalog every other spec reads, so this runs on a private server
// (support/second-server.ts) with its own database, seeded like the shared one.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { Page } from '@playwright/test';
import { accounts, contacts, documentViews, opportunities, roomDocuments, rooms } from '../../db/schema';
import { createAccessLink } from '../../src/server/access-links/access-links';
import { openDatabase, type SqliteDb } from '../../src/server/db/client';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { createUser } from '../../src/server/users/users';
import { E2E_SECRET_KEY, REPO_ROOT } from './support/env';
import { expect, signIn, test } from './support/fixtures';
import { scrollLikeAReader } from './support/human';
import { startSecondServer, watchedPage, type SecondServer } from './support/second-server';

let server: SecondServer;
let db: SqliteDb;
const suffix = crypto.randomBytes(3).toString('hex');
const password = `studio-e2e-${suffix}-password`;
const editor = { email: `editor-${suffix}@vendor.example`, password, name: `編集 葵 ${suffix}` };
const rep = { email: `rep-${suffix}@vendor.example`, password, name: `営業 悠 ${suffix}` };
const world = { opportunityId: `studio-opp-${suffix}`, token: '' };
const pdf = fs.readFileSync(path.join(REPO_ROOT, 'content/pricing-2026.pdf'));
const title = 'クラウド経費精算のセキュリティ ホワイトペーパー';

function whitepaper(options: { category?: string; summary?: boolean; version?: string; note?: string; extra?: string } = {}): string {
  return [
    '---',
    `title: "${title}"`,
    ...(options.summary === false ? [] : ['summary: "暗号化・アクセス管理・監査ログの考え方をまとめました。"']),
    `category: ${options.category ?? 'whitepaper'}`,
    'language: ja',
    `version: "${options.version ?? '1.0'}"`,
    'updated: 2026-12-01',
    ...(options.note ? [`note: "${options.note}"`] : []),
    'attachments:',
    '  - file: security-whitepaper.pdf',
    '    label: "ホワイトペーパー（PDF・印刷用）"',
    '---',
    '',
    '## 暗号化',
    '',
    '保存時も通信時もすべてのデータを暗号化します。鍵は顧客ごとに分け、定期的に更新します。',
    '',
    '## アクセス管理',
    '',
    'シングルサインオンと多要素認証に対応し、権限は部署と役職で設定できます。',
    ...(options.extra ? ['', options.extra] : []),
    '',
  ].join('\n');
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  server = await startSecondServer({});
  db = openDatabase(server.databasePath, path.join(REPO_ROOT, 'db/migrations'));
  await createUser(db, { email: editor.email, displayName: editor.name, role: 'content', locale: 'ja', password });
  const { id: repId } = await createUser(db, { email: rep.email, displayName: rep.name, role: 'rep', locale: 'ja', password });
  await db.insert(accounts).values({ id: `studio-account-${suffix}`, name: `株式会社スタジオ検証 ${suffix}` });
  await db.insert(contacts).values({ id: `studio-contact-${suffix}`, accountId: `studio-account-${suffix}`, name: `読者 真央 ${suffix}` });
  await db.insert(opportunities).values({ id: world.opportunityId, accountId: `studio-account-${suffix}`, name: `スタジオ検証 ${suffix}`, stage: 3, channel: 'event', ownerUserId: repId });
  await db.insert(rooms).values({ id: `studio-room-${suffix}`, opportunityId: world.opportunityId, locale: 'ja' });
  await db.insert(roomDocuments).values({ roomId: `studio-room-${suffix}`, documentSlug: 'pricing', position: 0 });
  world.token = (await createAccessLink(db, parseSecretKey(E2E_SECRET_KEY), { roomId: `studio-room-${suffix}`, contactId: `studio-contact-${suffix}` })).token;
});

test.afterAll(async () => {
  db?.$client.close();
  await server?.stop();
});

/** Uploads the Markdown as a file with the PDF and presses "確認する". */
async function upload(page: Page, markdown: string): Promise<void> {
  await page.goto('/admin/documents/publish');
  await page.getByLabel('Markdown ファイル（.md）').setInputFiles({ name: 'security-whitepaper.md', mimeType: 'text/markdown', buffer: Buffer.from(markdown) });
  await page.getByLabel('添付ファイル（複数選択可）').setInputFiles({ name: 'security-whitepaper.pdf', mimeType: 'application/pdf', buffer: pdf });
  await page.getByRole('button', { name: '確認する' }).click();
}

async function publishChecked(page: Page, versionNumber: number): Promise<void> {
  await expect(page).toHaveURL(/\/admin\/documents\/versions\/[0-9a-f-]{36}$/);
  await expect(page.getByText(`公開すると第${versionNumber}版になり`)).toBeVisible();
  await page.getByRole('button', { name: 'この版を公開する' }).click();
  await expect(page).toHaveURL(`${server.baseURL}/admin/documents/security-whitepaper/versions?published=${versionNumber}`);
  await expect(page.locator('[data-published]')).toHaveText(`第${versionNumber}版を公開しました。`);
}

test('a content editor publishes a whitepaper, a rep shares it, the prospect is told about version 2', async ({ browser }) => {
  test.setTimeout(180_000);
  // --- The editor: upload with two problems, every one listed with its line and field. ---
  const studio = await watchedPage(browser, server);
  await signIn(studio.page, editor, '/admin/documents');
  // A content editor sees documents only.
  await expect(studio.page.locator('.admin-header nav a')).toHaveText(['資料', '資料の公開', '資料の効果']);
  expect((await studio.page.request.get(`${server.baseURL}/admin/opportunities/${world.opportunityId}`)).status()).toBe(403);

  await upload(studio.page, whitepaper({ category: 'white-paper', summary: false }));
  const problems = studio.page.locator('[data-problem]');
  await expect(problems).toHaveCount(2);
  await expect(studio.page.locator('[data-problems] h2')).toHaveText('2件の問題があります。すべて直してから、もう一度「確認する」を押してください。');
  await expect(problems.nth(0)).toHaveAttribute('data-field', 'summary');
  await expect(problems.nth(0)).toContainText('必須の項目「summary」がありません。');
  await expect(problems.nth(1)).toHaveAttribute('data-field', 'category');
  await expect(problems.nth(1)).toHaveAttribute('data-line', '3');
  await expect(problems.nth(1)).toContainText('「white-paper」は分類にありません。使える分類: overview, whitepaper');
  await expect(problems.first()).toContainText('security-whitepaper.md');
  await expect(studio.page.getByText('添付ファイルはもう一度選んでください')).toBeVisible();
  // The page answered 422 on purpose (the form with its problems): Chromium logs that status once.
  const expected422 = 'console: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)';
  expect(studio.problems).toEqual([expected422]);
  studio.problems.length = 0;

  // Fix both in the text the studio kept, choose the PDF again, check again.
  const markdown = studio.page.getByLabel('Markdown（フロントマター付き）');
  await expect(markdown).toHaveValue(whitepaper({ category: 'white-paper', summary: false }));
  await expect(studio.page.getByLabel('ファイル名（貼り付けた場合。例: security-whitepaper.md）')).toHaveValue('security-whitepaper.md');
  await markdown.fill(whitepaper({ note: '初版' }));
  await studio.page.getByLabel('添付ファイル（複数選択可）').setInputFiles({ name: 'security-whitepaper.pdf', mimeType: 'application/pdf', buffer: pdf });
  await studio.page.getByRole('button', { name: '確認する' }).click();
  await expect(studio.page.locator('h1')).toHaveText(`${title} — 公開前の確認`);

  // The preview is the prospect page: its layout, its article, its strict CSP.
  const previewResponse = studio.page.waitForResponse((r) => r.url().endsWith('/preview'));
  await studio.page.getByRole('link', { name: 'お客様の表示でプレビュー' }).click();
  const preview = await previewResponse;
  expect(preview.headers()['content-security-policy']).toContain("form-action 'none'");
  await expect(studio.page.locator('article.document h1')).toHaveText(title);
  await expect(studio.page.locator('article.document .eyebrow')).toHaveText('ホワイトペーパー');
  await expect(studio.page.locator('.toc a')).toHaveText(['暗号化', 'アクセス管理']);
  await expect(studio.page.locator('.attachments a')).toHaveText('ホワイトペーパー（PDF・印刷用）');
  await expect(studio.page.locator('.site-header')).toBeVisible();
  await studio.page.goBack();
  await publishChecked(studio.page, 1);

  // --- The rep adds it to the room. ---
  const repSide = await watchedPage(browser, server);
  await signIn(repSide.page, rep, `/admin/opportunities/${world.opportunityId}/room`);
  await repSide.page.getByRole('button', { name: `${title} をルームに追加` }).click();
  await expect(repSide.page.locator('[data-saved]')).toBeVisible();

  // --- The prospect reads version 1 as a person. ---
  const reader = await watchedPage(browser, server);
  await reader.page.goto(`/r/${world.token}`);
  await reader.page.getByRole('link', { name: title }).click();
  await expect(reader.page.locator('article.document h1')).toHaveText(title);
  await expect(reader.page.locator('[data-updated-since-read]')).toHaveCount(0);
  const started = reader.page.waitForResponse((r) => r.url().endsWith('/views') && r.request().method() === 'POST');
  await scrollLikeAReader(reader.page);
  expect((await started).status()).toBe(201);

  // --- The editor publishes version 2. ---
  const day = () => new Intl.DateTimeFormat('ja-JP', { dateStyle: 'medium', timeZone: 'Asia/Tokyo' }).format(new Date());
  const publishedOn = [day()];
  await upload(studio.page, whitepaper({ version: '2.0', note: '監査ログの章を追加', extra: '## 監査ログ\n\nすべての操作を 7 年間保存します。' }));
  await publishChecked(studio.page, 2);
  publishedOn.push(day());
  await expect(studio.page.locator('[data-version-history] tbody tr')).toHaveCount(2);
  await expect(studio.page.locator('[data-version-number="1"]')).toContainText('初版');
  await expect(studio.page.locator('[data-version-number="2"]')).toContainText('表示中');

  // --- The prospect comes back: updated since last read, with the date and the note; v2 is shown. ---
  await reader.page.goto(`/r/${world.token}`);
  await expect(reader.page.locator('[data-updated-since-read="security-whitepaper"]')).toHaveText('前回お読みになった後に更新されました');
  await reader.page.getByRole('link', { name: title }).click();
  const notice = reader.page.locator('article.document [data-updated-since-read]');
  await expect(notice).toBeVisible();
  // The date it was published (the day may turn while the test runs: either side of midnight).
  const noticeText = await notice.innerText();
  expect(publishedOn.some((date) => noticeText.includes(`前回お読みになった後、${date} に更新されました。`))).toBe(true);
  await expect(notice).toContainText('変更点: 監査ログの章を追加');
  await expect(reader.page.locator('.toc a')).toHaveText(['暗号化', 'アクセス管理', '監査ログ']);
  const startedAgain = reader.page.waitForResponse((r) => r.url().endsWith('/views') && r.request().method() === 'POST');
  await scrollLikeAReader(reader.page);
  expect((await startedAgain).status()).toBe(201);

  // Every view recorded the version it read.
  const recorded = await db
    .select({ versionId: documentViews.documentVersionId })
    .from(documentViews)
    .where(and(eq(documentViews.opportunityId, world.opportunityId), eq(documentViews.documentSlug, 'security-whitepaper')));
  expect(new Set(recorded.map((r) => r.versionId)).size).toBe(2);

  // --- The rep's timeline shows which version each view read. ---
  await repSide.page.goto(`/admin/opportunities/${world.opportunityId}/timeline`);
  const versions = repSide.page.locator('[data-slug="security-whitepaper"] [data-version-read]');
  await expect(versions).toHaveCount(2);
  expect((await versions.evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-version-read')))).sort()).toEqual(['1', '2']);
  await expect(repSide.page.locator('[data-slug="security-whitepaper"] [data-version-read="2"]')).toHaveText('（第2版・版 2.0）');

  // --- The editor sees how the document does, by channel and stage, and nothing about the deal. ---
  await studio.page.goto('/admin/documents/performance?channel=event&stage=3');
  await expect(studio.page.locator('[data-slug="security-whitepaper"] [data-col="views"]')).toHaveText('2');
  await expect(studio.page.locator('main')).not.toContainText(`スタジオ検証 ${suffix}`);
  await expect(studio.page.locator('main')).not.toContainText(`読者 真央 ${suffix}`);

  for (const side of [studio, repSide, reader]) {
    expect(side.problems).toEqual([]);
    await side.context.close();
  }
});

// The rep's room and link workflow, end to end: the owner builds a room (two documents, reordered,
// a message, English), creates a link for a contact, copies it, opens it in a fresh browser context
// as the prospect (message and documents in the rep's order), revokes it, and the prospect's reload
// answers 410. Another rep sees the opportunity but cannot change it (403, nothing written).
//
// The seeded scenario has no passwords and its rooms are read by other specs, so this file creates
// its own reps, account, contacts and opportunities in beforeAll, through the project's functions
// (createUser) and plain inserts (as the seed does), against the end-to-end database. Every id and
// address carries a run-unique suffix.
import crypto from 'node:crypto';
import path from 'node:path';
import { eq, inArray } from 'drizzle-orm';
import { accessLinks, accounts, contacts, opportunities, rooms as roomsTable } from '../../db/schema';
import { openDatabase, type SqliteDb } from '../../src/server/db/client';
import { createUser } from '../../src/server/users/users';
import { readDocument, type ContentDocument } from './support/content';
import { E2E_BASE_URL, E2E_DATABASE_PATH, REPO_ROOT } from './support/env';
import { expect, signIn, test } from './support/fixtures';
import { humanContext } from './support/human';

interface Rep {
  email: string;
  password: string;
  name: string;
}

let db: SqliteDb;
let suffix = '';
let owner: Rep;
let otherRep: Rep;
const world = {
  accountId: '',
  accountName: '',
  /** The opportunity the owner builds a room for (no room yet). */
  opportunityId: '',
  opportunityName: '',
  /** A second opportunity of the owner's that the other rep tries to change. */
  guardedOpportunityId: '',
  yamada: { id: '', name: '' },
  suzuki: { id: '', name: '' },
};

// Two documents the scenario guarantees in content/ (checked by global-setup); titles from the files.
let pricing: ContentDocument;
let caseStudy: ContentDocument;

test.beforeAll(async () => {
  test.setTimeout(60_000);
  pricing = readDocument('pricing');
  caseStudy = readDocument('case-study-manufacturing');
  suffix = crypto.randomBytes(3).toString('hex');
  db = openDatabase(E2E_DATABASE_PATH, path.join(REPO_ROOT, 'db/migrations'));
  const password = `rooms-e2e-${suffix}-password`;
  owner = { email: `rooms-owner-${suffix}@vendor.example`, password, name: `小川 直人 ${suffix}` };
  otherRep = { email: `rooms-other-${suffix}@vendor.example`, password, name: `森 花子 ${suffix}` };
  const { id: ownerId } = await createUser(db, { email: owner.email, displayName: owner.name, role: 'rep', locale: 'ja', password });
  await createUser(db, { email: otherRep.email, displayName: otherRep.name, role: 'rep', locale: 'ja', password });

  world.accountId = `rooms-e2e-account-${suffix}`;
  world.accountName = `株式会社ルーム検証 ${suffix}`;
  world.opportunityId = `rooms-e2e-opp-${suffix}`;
  world.opportunityName = `ルーム作成の検証 ${suffix}`;
  world.guardedOpportunityId = `rooms-e2e-guarded-${suffix}`;
  world.yamada = { id: `rooms-e2e-yamada-${suffix}`, name: `山田 花 ${suffix}` };
  world.suzuki = { id: `rooms-e2e-suzuki-${suffix}`, name: `鈴木 光 ${suffix}` };
  await db.transaction(async (tx) => {
    await tx.insert(accounts).values({ id: world.accountId, name: world.accountName });
    await tx.insert(contacts)
      .values([
        { id: world.yamada.id, accountId: world.accountId, name: world.yamada.name, department: '経理部' },
        { id: world.suzuki.id, accountId: world.accountId, name: world.suzuki.name, department: '情報システム部' },
      ]);
    await tx.insert(opportunities)
      .values([
        { id: world.opportunityId, accountId: world.accountId, name: world.opportunityName, stage: 3, amountJpy: 4_800_000, channel: 'event', ownerUserId: ownerId },
        { id: world.guardedOpportunityId, accountId: world.accountId, name: `担当外の検証 ${suffix}`, stage: 2, amountJpy: 1_000_000, channel: 'referral', ownerUserId: ownerId },
      ]);
  });
});

test.afterAll(() => {
  db?.$client.close();
});

const detailPath = (id: string) => `/admin/opportunities/${id}`;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('the owner builds a room, shares a link, and revoking it closes the room to the prospect', async ({ page, context, browser }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: E2E_BASE_URL });
  await signIn(page, owner, detailPath(world.opportunityId));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(world.opportunityName);
  await expect(page.locator('[data-room]')).toHaveAttribute('data-room', '');
  // Without documents, a link would open an empty page: the rep is warned and shown what the buyer would see.
  const emptyWarning = page.locator('[data-empty-room-warning]');
  await expect(emptyWarning).toContainText('このルームにはまだ資料がありません');
  await expect(emptyWarning.locator('[data-buyer-view]')).toHaveText(`${world.accountName} 様向け資料 現在ご覧いただける資料はありません。担当者にお問い合わせください。`);
  await expect(page.getByRole('button', { name: `${world.yamada.name} 様のリンクを発行` })).toHaveAttribute('aria-describedby', 'empty-room-warning');

  // --- Build the room: message and language first; every builder button saves the whole form. ---
  await page.getByRole('link', { name: 'ルームを作成' }).click();
  await expect(page).toHaveURL(`${detailPath(world.opportunityId)}/room`);
  const message = `${world.yamada.name} 様\n\n先日はありがとうございました。\n稟議用の資料をお送りします。\n\nご不明点はお気軽にどうぞ。`;
  await page.getByLabel('お客様へのメッセージ').fill(message);
  await page.getByLabel('お客様向け画面の言語').selectOption('en');
  // The heading defaults to the account's name; the rep may give the room its own.
  const roomHeading = page.getByLabel('ルームの見出し（お客様に表示）');
  await expect(roomHeading).toHaveAttribute('placeholder', `${world.accountName} 様向け資料`);
  const buyerTitle = `Approval pack for ${world.accountName}`;
  await roomHeading.fill(buyerTitle);

  // Find the documents through the catalog search, then add them.
  await page.getByLabel('キーワード').fill(pricing.title);
  await page.getByRole('button', { name: '絞り込む' }).click();
  await expect(page.locator('[data-catalog-list] > li').first()).toHaveAttribute('data-slug', 'pricing');
  await page.getByRole('button', { name: `${pricing.title} をルームに追加` }).click();
  await expect(page.locator('[data-saved]')).toBeVisible();
  await page.getByRole('button', { name: '条件をクリア' }).click();
  await page.getByRole('button', { name: `${caseStudy.title} をルームに追加` }).click();
  const selected = page.locator('[data-selected-list] > li');
  await expect(selected).toHaveCount(2);
  expect(await selected.evaluateAll((items) => items.map((li) => li.getAttribute('data-slug')))).toEqual(['pricing', 'case-study-manufacturing']);
  // The message and language were saved with the first button press.
  await expect(page.getByLabel('お客様へのメッセージ')).toHaveValue(message);
  await expect(page.getByLabel('お客様向け画面の言語')).toHaveValue('en');

  // Reorder: the case study first.
  await page.getByRole('button', { name: `${caseStudy.title} を上へ移動` }).click();
  await expect(selected.first()).toHaveAttribute('data-slug', 'case-study-manufacturing');
  await expect(selected.nth(1)).toHaveAttribute('data-slug', 'pricing');
  await expect(page.getByRole('button', { name: `${caseStudy.title} を上へ移動` })).toBeDisabled();
  await page.locator('[data-save]').click();
  await expect(page.locator('[data-saved]')).toHaveText('保存しました。');

  // --- Back on the opportunity: the room summary and the link for a contact. ---
  await page.getByRole('link', { name: '← 商談に戻る' }).click();
  await expect(page).toHaveURL(detailPath(world.opportunityId));
  await expect(page.locator('[data-room-locale]')).toHaveAttribute('data-room-locale', 'en');
  await expect(page.locator('[data-room-documents] > li > a')).toHaveText([caseStudy.title, pricing.title]);
  await expect(page.locator('[data-room-message]')).toHaveText(message);
  await expect(page.locator('[data-room-title]')).toHaveText(buyerTitle);
  await expect(page.locator('[data-empty-room-warning]')).toHaveCount(0);

  const card = page.locator(`[data-contact-id="${world.yamada.id}"]`);
  await expect(card).toHaveAttribute('data-link-status', 'none');
  await card.getByRole('button', { name: `${world.yamada.name} 様のリンクを発行` }).click();
  await expect(page.locator('[data-notice="created"]')).toContainText(world.yamada.name);
  await expect(card).toHaveAttribute('data-link-status', 'active');
  await expect(card.locator('[data-status]')).toHaveText('有効');
  await expect(card.locator('[data-last-opened]')).toHaveText('未閲覧');
  await expect(page.locator('[data-preview-note]')).toContainText('閲覧は記録されません');
  // The other contact still has no link and can get one in one click.
  await expect(page.getByRole('button', { name: `${world.suzuki.name} 様のリンクを発行` })).toBeVisible();

  // --- Copy: the full URL is in a read-only field; the button puts it on the clipboard. ---
  const urlField = card.getByLabel(`${world.yamada.name} 様のリンク`, { exact: true });
  await expect(urlField).toHaveAttribute('readonly', '');
  const url = await urlField.inputValue();
  expect(url).toMatch(new RegExp(`^${escapeRegExp(E2E_BASE_URL)}/r/[a-z2-7]{16}\\.[a-z2-7]{32}$`));
  await card.getByRole('button', { name: `${world.yamada.name} 様のリンクをコピー` }).click();
  await expect(card.locator('[data-copy-status]')).toHaveText('コピーしました');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
  // Preview opens the real link in a new tab (not counted while signed in).
  const preview = card.locator('[data-preview-link]');
  await expect(preview).toHaveAttribute('href', url);
  await expect(preview).toHaveAttribute('target', '_blank');

  // --- The prospect, in a fresh browser context without cookies. ---
  const prospectContext = await browser.newContext(humanContext());
  try {
    const prospect = await prospectContext.newPage();
    expect((await prospect.goto(url))?.status()).toBe(200);
    // Served again from the server's rendered-page cache: revocation must still win below.
    const opened = await prospect.goto(url);
    expect(opened?.status()).toBe(200);
    await expect(prospect.locator('html')).toHaveAttribute('lang', 'en');
    await expect(prospect.getByRole('heading', { level: 1 })).toHaveText(buyerTitle);
    await expect(prospect).toHaveTitle(buyerTitle);
    expect(await prospect.locator('body').innerText()).not.toContain(world.opportunityName);
    await expect(prospect.locator('.greeting')).toHaveText(`Dear ${world.yamada.name}`);
    const paragraphs = message.split(/\n{2,}/);
    const shown = prospect.locator('.rep-message p:not(.signature)');
    await expect(shown).toHaveCount(paragraphs.length);
    // innerText keeps the rep's line breaks (white-space: pre-line from the stylesheet).
    for (const [i, paragraph] of paragraphs.entries()) await expect.poll(() => shown.nth(i).innerText()).toBe(paragraph);
    await expect(prospect.locator('.rep-message .signature')).toHaveText(`— ${owner.name}`);
    await expect(prospect.locator('.document-card > a')).toHaveText([caseStudy.title, pricing.title]);

    // --- Revoke: takes effect with the prospect's next request. ---
    await card.locator('summary', { hasText: 'その他の操作' }).click();
    await card.getByRole('button', { name: `${world.yamada.name} 様のリンクを無効にする` }).click();
    // A second step: the first press changes nothing; the confirm button has the keyboard focus.
    const confirmation = card.getByRole('group', { name: `${world.yamada.name} 様のリンクを無効にしますか？` });
    await expect(confirmation).toBeVisible();
    await expect(card).toHaveAttribute('data-link-status', 'active');
    await expect(confirmation.getByRole('button', { name: '無効にする' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.locator('[data-notice="revoked"]')).toContainText(world.yamada.name);
    await expect(card).toHaveAttribute('data-link-status', 'revoked');
    await expect(card.locator('[data-status]')).toHaveText('無効');
    await expect(card.getByLabel(`${world.yamada.name} 様のリンク`, { exact: true })).toHaveCount(0);
    await expect(card.getByRole('button', { name: `${world.yamada.name} 様のリンクを発行` })).toBeVisible();

    const reloaded = await prospect.reload();
    expect(reloaded?.status()).toBe(410);
    await expect(prospect.getByRole('heading', { level: 1 })).toHaveText('This link is no longer active');
    await expect(prospect.locator('.document-card')).toHaveCount(0);
  } finally {
    await prospectContext.close();
  }
});

test('another rep sees the opportunity but cannot change its room or links (403, nothing changes)', async ({ page }) => {
  const id = world.guardedOpportunityId;
  await signIn(page, otherRep, detailPath(id));
  await expect(page.locator('[data-readonly]')).toContainText(owner.name);
  await expect(page.getByRole('link', { name: 'ルームを作成' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: `${world.suzuki.name} 様のリンクを発行` })).toHaveCount(0);
  await expect(page.locator(`[data-contact-id="${world.suzuki.id}"]`)).toBeVisible();

  // The builder is read-only for them…
  await page.goto(`${detailPath(id)}/room`);
  await expect(page.locator('[data-forbidden]')).toContainText(owner.name);
  await expect(page.locator('[data-save]')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /をルームに追加$/ })).toHaveCount(0);

  // …and the server refuses their posts even when forged (same origin, their own session).
  const headers = { Origin: E2E_BASE_URL };
  const createLink = await page.request.post(`${detailPath(id)}/links`, { form: { action: 'create', contactId: world.suzuki.id }, headers, maxRedirects: 0 });
  expect(createLink.status()).toBe(403);
  const saveRoom = await page.request.post(`${detailPath(id)}/room`, {
    form: { op: 'add:pricing', message: 'forged', locale: 'ja', expiresOn: '' },
    headers,
    maxRedirects: 0,
  });
  expect(saveRoom.status()).toBe(403);
  // Both answer the admin area's one refusal page, with the reason and a way back.
  for (const refused of [createLink, saveRoom]) {
    expect(refused.headers()['content-type']).toBe('text/html; charset=utf-8');
    const html = await refused.text();
    expect(html).toContain('<main data-refusal="forbidden">');
    expect(html).toContain(`<a href="${detailPath(id)}`);
  }
  expect(await saveRoom.text()).toContain(`（${owner.name} さん）と管理者だけです。`);

  expect(await db.select().from(roomsTable).where(eq(roomsTable.opportunityId, id))).toEqual([]);
  expect(await db.select().from(accessLinks).where(inArray(accessLinks.contactId, [world.suzuki.id]))).toEqual([]);
});

test('the builder explains what is wrong and saves nothing', async ({ page, guard }) => {
  guard.expectDocumentStatus(400); // a refused form answers 400 with the errors
  await signIn(page, owner, `${detailPath(world.guardedOpportunityId)}/room`);
  await page.getByLabel('ルームの有効期限（この日まで）').fill('2020-01-31');
  await page.locator('[data-save]').click();
  await expect(page.locator('[data-error-summary]')).toContainText('今日以降の日付を指定してください。');
  await expect(page.getByLabel('ルームの有効期限（この日まで）')).toHaveAttribute('aria-invalid', 'true');
  expect(await db.select().from(roomsTable).where(eq(roomsTable.opportunityId, world.guardedOpportunityId))).toEqual([]);
});

test('the owner mutes Slack alerts for one opportunity and unmutes them; another rep cannot', async ({ page, browser }) => {
  const id = world.guardedOpportunityId;
  const muted = async () => (await db.select({ m: opportunities.alertsMuted }).from(opportunities).where(eq(opportunities.id, id)).limit(1))[0]!.m;
  await signIn(page, owner, detailPath(id));
  await page.getByRole('button', { name: 'この商談の通知をミュート' }).click();
  await expect(page.locator('#alerts')).toHaveAttribute('data-alerts-muted', 'true');
  await expect(page.locator('#alerts')).toContainText('この商談はミュート中');
  expect(await muted()).toBe(true);

  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await signIn(other, otherRep, detailPath(id));
  await expect(other.getByRole('button', { name: 'ミュートを解除' })).toHaveCount(0);
  const forged = await other.request.post(`${detailPath(id)}/alerts`, { form: { muted: '0' }, headers: { Origin: E2E_BASE_URL }, maxRedirects: 0 });
  expect(forged.status()).toBe(403);
  expect(await forged.text()).toContain('<main data-refusal="forbidden">');
  expect(await muted()).toBe(true);
  await otherContext.close();

  await page.getByRole('button', { name: 'ミュートを解除' }).click();
  await expect(page.locator('#alerts')).toHaveAttribute('data-alerts-muted', 'false');
  expect(await muted()).toBe(false);
});

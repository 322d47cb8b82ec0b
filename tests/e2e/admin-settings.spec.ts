// Users and workspace settings, through the real forms: an admin creates a rep (reading the one-time
// password), the rep signs in in a fresh browser context, the admin deactivates the rep and the rep's
// next request lands on the sign-in page; reps are refused the admin-only pages; a settings change
// persists. The seeded scenario has no admin with a password, so this file adds its own through the
// CLI (`npm run ringi -- user add`) against the end-to-end database, with a run-unique suffix.
import crypto from 'node:crypto';
import { expect, signIn, test } from './support/fixtures';
import { addUserWithCli } from './support/users';
import { E2E_BASE_URL } from './support/env';
import { startSecondServer, watchedPage } from './support/second-server';


interface Person {
  email: string;
  password: string;
  name: string;
}

let suffix = '';
let admin: Person;
let rep: Person;

test.beforeAll(async () => {
  test.setTimeout(90_000);
  suffix = crypto.randomBytes(3).toString('hex');
  admin = { email: `settings-admin-${suffix}@vendor.example`, password: `settings-e2e-${suffix}-admin`, name: `管理 花子 ${suffix}` };
  rep = { email: `settings-rep-${suffix}@vendor.example`, password: `settings-e2e-${suffix}-rep`, name: `営業 三郎 ${suffix}` };
  await Promise.all([addUserWithCli(admin, { role: 'admin' }), addUserWithCli(rep)]);
});

test('an admin creates a rep, the rep signs in, and deactivation signs the rep out at once', async ({ page, browser }) => {
  await signIn(page, admin, '/admin/users');
  await page.getByRole('link', { name: 'ユーザーを追加' }).click();
  await expect(page).toHaveURL('/admin/users/new');
  await expect(page.locator('main')).toContainText('Ringi はメールを送信しません');

  const newRep = { email: `settings-new-${suffix}@vendor.example`, name: `新人 四郎 ${suffix}`, password: '' };
  await page.getByLabel('メールアドレス').fill(newRep.email);
  await page.getByLabel('氏名（表示名）').fill(newRep.name);
  await page.getByLabel('権限').selectOption('rep');
  await page.getByLabel('言語').selectOption('ja');
  await page.getByLabel('電話番号').fill('03-1234-9999');
  await page.getByLabel('Slack メンバー ID').fill('u012ab3cd');
  await page.getByRole('button', { name: '作成してパスワードを発行' }).click();

  await expect(page.getByRole('heading', { level: 1 })).toHaveText('ユーザーを作成しました');
  await expect(page.locator('main')).toContainText('このパスワードは今回だけ表示されます');
  newRep.password = (await page.locator('#one-time-password').textContent())?.trim() ?? '';
  expect(newRep.password.length).toBeGreaterThanOrEqual(16);

  // The list shows the new rep, active, with the Slack id normalised.
  await page.goto('/admin/users');
  const row = page.locator(`tr[data-user-email="${newRep.email}"]`);
  await expect(row).toHaveAttribute('data-state', 'active');
  await expect(row).toContainText(newRep.name);
  await expect(row).toContainText('営業担当');
  await expect(row).toContainText('U012AB3CD');

  // The rep signs in with the one-time password in a browser of their own.
  const repContext = await browser.newContext({ baseURL: E2E_BASE_URL, locale: 'ja-JP' });
  const repPage = await repContext.newPage();
  try {
    await signIn(repPage, newRep, '/admin/account');
    await expect(repPage.getByRole('heading', { level: 1 })).toHaveText('アカウント');

    // The admin deactivates the rep.
    await row.getByRole('link', { name: newRep.name }).click();
    await expect(page.getByRole('heading', { level: 1 })).toContainText(newRep.name);
    await page.getByRole('button', { name: 'このユーザーを無効にする' }).click();
    await expect(page).toHaveURL(/\?saved=deactivated$/);
    await expect(page.getByRole('status')).toHaveText('ユーザーを無効にしました。すべてのログインを終了しました。');
    await page.goto('/admin/users');
    await expect(page.locator(`tr[data-user-email="${newRep.email}"]`)).toHaveAttribute('data-state', 'deactivated');

    // The rep's very next request goes to the sign-in page, and signing in again fails.
    await repPage.goto('/admin/account');
    await expect(repPage).toHaveURL(`/admin/sign-in?next=${encodeURIComponent('/admin/account')}`);
    await repPage.getByLabel('メールアドレス').fill(newRep.email);
    await repPage.getByLabel('パスワード').fill(newRep.password);
    await repPage.getByRole('button', { name: 'ログイン' }).click();
    await expect(repPage.getByRole('alert')).toHaveText('メールアドレスまたはパスワードが正しくありません。');
  } finally {
    await repContext.close();
  }
});

test('a rep is refused the settings and users pages (403), on GET and on POST', async ({ page, guard }) => {
  await signIn(page, rep, '/admin/account');
  guard.expectDocumentStatus(403);
  for (const path of ['/admin/settings', '/admin/users', '/admin/users/new']) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
    await expect(page.locator('body'), path).toContainText('この操作の権限がありません。');
  }
  // A hand-made POST with the rep's session cookie: refused before anything is read or written.
  const post = await page.request.post('/admin/users/new', {
    form: { email: `sneaky-${suffix}@vendor.example`, displayName: 'sneaky', role: 'admin', locale: 'ja' },
    headers: { Origin: E2E_BASE_URL },
    maxRedirects: 0,
  });
  expect(post.status()).toBe(403);
  const settingsPost = await page.request.post('/admin/settings', {
    form: { _action: 'general', organisationName: 'sneaky', defaultRoomLocale: 'ja', defaultLinkExpiryDays: '0' },
    headers: { Origin: E2E_BASE_URL },
    maxRedirects: 0,
  });
  expect(settingsPost.status()).toBe(403);
  for (const refused of [post, settingsPost]) expect(await refused.text()).toContain('<main data-refusal="forbidden">');
  // Their own account page stays open to them.
  const own = await page.goto('/admin/account');
  expect(own?.status()).toBe(200);
});

test('a settings change persists, and a refused one explains itself', async ({ page, guard }) => {
  await signIn(page, admin, '/admin/settings');
  const general = page.locator('#general');
  const nameField = general.getByLabel('組織名');
  const original = await nameField.inputValue();
  const organisation = `株式会社テスト ${suffix}`;
  try {
    await nameField.fill(organisation);
    await general.getByRole('button', { name: '保存する' }).click();
    await expect(page).toHaveURL('/admin/settings?saved=general#general');
    await expect(page.getByRole('status')).toHaveText('組織と既定値を保存しました。');
    await page.reload();
    await expect(page.locator('#general').getByLabel('組織名')).toHaveValue(organisation);

    // Out of range: 400, the error next to the field and in the summary, nothing saved.
    guard.expectDocumentStatus(400);
    const engagement = page.locator('#engagement');
    const before = await engagement.getByLabel('「ホット」と判定するスコア').inputValue();
    await engagement.getByLabel('「ホット」と判定するスコア').fill('0');
    const [response] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/admin/settings' && r.request().method() === 'POST'),
      engagement.getByRole('button', { name: '保存する' }).click(),
    ]);
    expect(response.status()).toBe(400);
    await expect(page.locator('#settings-hotScoreThreshold-error')).toHaveText('1〜100 の範囲で入力してください。');
    await expect(page.locator('#settings-hotScoreThreshold')).toHaveAttribute('aria-invalid', 'true');
    await page.goto('/admin/settings');
    await expect(page.locator('#settings-hotScoreThreshold')).toHaveValue(before);
  } finally {
    // Other specs may show the organisation name: put it back.
    await page.goto('/admin/settings');
    await page.locator('#general').getByLabel('組織名').fill(original);
    await page.locator('#general').getByRole('button', { name: '保存する' }).click();
    await expect(page).toHaveURL('/admin/settings?saved=general#general');
  }
});

// Branding is workspace-wide: on the shared server it would change what every other spec's prospect
// pages show while they run, so this test has a server of its own.
test('the organisation name and logo from the settings head the pages prospects see, and go when removed', async ({ browser }) => {
  test.setTimeout(90_000);
  const server = await startSecondServer({});
  const brandAdmin = { email: `brand-admin-${suffix}@vendor.example`, password: `brand-e2e-${suffix}-admin`, name: `管理 ブランド ${suffix}` };
  await addUserWithCli(brandAdmin, { role: 'admin', databasePath: server.databasePath });
  const onePixelPng = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  const organisation = `ベンダー株式会社 ${suffix}`;
  const roomPath = `/r/${server.fixtures.tokens.jaActive}`;
  const adminSide = await watchedPage(browser, server);
  const prospectSide = await watchedPage(browser, server);
  const { page } = adminSide;
  const prospect = prospectSide.page;
  try {
    await signIn(page, brandAdmin, '/admin/settings');
    await page.locator('#general').getByLabel('組織名').fill(organisation);
    await page.locator('#general').getByRole('button', { name: '保存する' }).click();
    await expect(page).toHaveURL('/admin/settings?saved=general#general');
    await page.getByLabel('ロゴ画像ファイル').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: onePixelPng });
    await page.getByRole('button', { name: 'アップロードする' }).click();
    await expect(page).toHaveURL(/saved=logo#logo/);

    // Prospect pages cache the branding for a few seconds.
    await expect
      .poll(
        async () => {
          await prospect.goto(roomPath);
          return prospect.locator('[data-brand-name]').textContent();
        },
        { timeout: 15_000, intervals: [1_000] },
      )
      .toBe(organisation);
    const logo = prospect.locator('img.brand-logo');
    await expect(logo).toBeVisible();
    expect(await logo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
    const response = await prospect.request.get((await logo.getAttribute('src'))!);
    expect(response.headers()['content-type']).toBe('image/png');
    expect(Buffer.from(await response.body())).toEqual(onePixelPng);

    // Removed: every page load until the change shows either has the logo and gets it, or has none.
    await page.getByRole('button', { name: 'ロゴを削除する' }).click();
    await expect(page).toHaveURL(/saved=logoRemoved/);
    await expect
      .poll(
        async () => {
          await prospect.goto(roomPath);
          await prospect.waitForLoadState('load');
          return prospect.locator('img.brand-logo').count();
        },
        { timeout: 15_000, intervals: [250] },
      )
      .toBe(0);
    expect(prospectSide.problems).toEqual([]);
    expect(adminSide.problems).toEqual([]);
  } finally {
    await adminSide.context.close();
    await prospectSide.context.close();
    await server.stop();
  }
});

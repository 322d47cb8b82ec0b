// The rep's CRM pages: accounts, contacts and opportunities, created and edited through the real
// forms; the list filters; validation errors; and the rule that a rep edits only their own deals.
// The seeded scenario has no passwords, so this file signs up its own users through the CLI
// (`npm run ringi -- user add`) against the end-to-end database. Everything it creates carries a
// run-unique suffix, so it never collides with other specs; the seeded records are only read.
import crypto from 'node:crypto';
import { accountsById, expect, rooms, signIn, test } from './support/fixtures';
import { addUserWithCli } from './support/users';
import { E2E_BASE_URL } from './support/env';


interface Rep {
  email: string;
  password: string;
  name: string;
}

let suffix = '';
let repA: Rep;
let repB: Rep;
let repEn: Rep;

test.beforeAll(async () => {
  test.setTimeout(90_000);
  // A fresh suffix each time the hook runs (Playwright re-runs it in a new worker after a failure).
  suffix = crypto.randomBytes(3).toString('hex');
  const password = `crm-e2e-${suffix}-password`;
  repA = { email: `crm-a-${suffix}@vendor.example`, password, name: `営業 一郎 ${suffix}` };
  repB = { email: `crm-b-${suffix}@vendor.example`, password, name: `営業 二郎 ${suffix}` };
  repEn = { email: `crm-en-${suffix}@vendor.example`, password, name: `Casey ${suffix}` };
  await Promise.all([addUserWithCli(repA), addUserWithCli(repB), addUserWithCli(repEn, { locale: 'en' })]);
});

test.describe('anonymous visitors', () => {
  test('get the sign-in page for every CRM page, on GET and on POST', async ({ request }) => {
    const { id: accountId } = accountsById.sakura;
    const paths = [
      '/admin/accounts',
      '/admin/accounts/new',
      `/admin/accounts/${accountId}`,
      `/admin/accounts/${accountId}/edit`,
      `/admin/accounts/${accountId}/contacts/e2e-contact-yamada`,
      '/admin/opportunities',
      '/admin/opportunities/new',
      `/admin/opportunities/${rooms.ja.opportunityId}/edit`,
    ];
    for (const path of paths) {
      const get = await request.get(path, { maxRedirects: 0 });
      expect(get.status(), `GET ${path}`).toBe(303);
      expect(get.headers()['location'], `GET ${path}`).toBe(`/admin/sign-in?next=${encodeURIComponent(path)}`);
      expect(await get.text(), `GET ${path}`).toBe('');
    }
    for (const path of ['/admin/accounts/new', `/admin/opportunities/${rooms.ja.opportunityId}/edit`]) {
      const post = await request.post(path, { form: { name: 'anonymous' }, headers: { Origin: E2E_BASE_URL }, maxRedirects: 0 });
      expect(post.status(), `POST ${path}`).toBe(303);
      expect(post.headers()['location'], `POST ${path}`).toMatch(/^\/admin\/sign-in\?next=/);
    }
  });
});

test.describe('a rep', () => {
  test('creates an account, a contact and an opportunity, finds it with the filters and edits it', async ({ page }) => {
    await signIn(page, repA, '/admin/accounts');
    const accountName = `株式会社E2E商事 ${suffix}`;

    // Account
    await page.getByRole('link', { name: '取引先を登録' }).click();
    await expect(page).toHaveURL('/admin/accounts/new');
    await page.getByLabel('取引先名').fill(accountName);
    await page.getByLabel('業種').fill('卸売業');
    await page.getByLabel('Web サイト').fill('e2e-shoji.example.jp');
    await page.getByRole('button', { name: '取引先を登録' }).click();
    await expect(page).toHaveURL(/\/admin\/accounts\/[0-9a-f-]{36}$/);
    const accountPath = new URL(page.url()).pathname;
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(accountName);
    await expect(page.locator('.crm-details')).toContainText('卸売業');
    await expect(page.getByRole('link', { name: 'https://e2e-shoji.example.jp' })).toHaveAttribute('href', 'https://e2e-shoji.example.jp');
    // Reps may not archive shared records: no button, a note instead.
    await expect(page.getByRole('button', { name: 'アーカイブする' })).toHaveCount(0);

    // Contact
    await expect(page.locator('#contacts')).toContainText('取引先責任者はまだ登録されていません。');
    await page.getByLabel('氏名').fill('高橋 次郎');
    await page.getByLabel('メールアドレス').fill('takahashi@e2e-shoji.example.jp');
    await page.getByLabel('部署').fill('経理部');
    await page.getByLabel('役職').fill('部長');
    await expect(page.getByLabel('稟議での役割')).toHaveValue('unknown');
    await page.getByLabel('稟議での役割').selectOption({ label: '決裁者' });
    await page.getByRole('button', { name: '追加する' }).click();
    await expect(page).toHaveURL(`${accountPath}?done=contactAdded#contacts`);
    await expect(page.getByRole('status')).toHaveText('取引先責任者を追加しました。');
    const contactRow = page.locator('table.crm-contacts tbody tr');
    await expect(contactRow).toHaveCount(1);
    await expect(contactRow.locator('th')).toHaveText('高橋 次郎');
    await expect(contactRow.locator('td')).toHaveText(['経理部', '部長', '決裁者', 'takahashi@e2e-shoji.example.jp', '編集']);

    // Opportunity, from the account page: the account comes preselected.
    await page.getByRole('link', { name: 'この取引先の商談を登録' }).click();
    await expect(page).toHaveURL(/\/admin\/opportunities\/new\?account=/);
    await expect(page.getByLabel('取引先')).toHaveValue(accountPath.split('/').pop()!);
    await expect(page.locator('.crm-owner-note')).toContainText(repA.name);
    const oppName = `会計クラウド導入 ${suffix}`;
    await page.getByLabel('商談名').fill(oppName);
    await page.getByLabel('フェーズ').selectOption({ label: '3. 提案' });
    await page.getByLabel('金額（円）').fill('1,200,000');
    await page.getByLabel('完了予定日').fill('2027-03-31');
    await page.getByLabel('流入経路').selectOption({ label: '展示会・イベント' });
    await page.getByLabel('長期（ナーチャリング）').check();
    await page.getByRole('button', { name: '商談を登録' }).click();
    // The opportunity's own page (built elsewhere) is where a new deal lands.
    await expect(page).toHaveURL(/\/admin\/opportunities\/[0-9a-f-]{36}$/);
    const opportunityId = new URL(page.url()).pathname.split('/').pop()!;

    // The list, filtered by stage and channel through the form.
    await page.goto('/admin/opportunities');
    await page.getByLabel('キーワード').fill(suffix);
    await page.getByLabel('フェーズ').selectOption({ label: '3. 提案' });
    await page.getByLabel('流入経路').selectOption({ label: '展示会・イベント' });
    await page.getByRole('button', { name: '絞り込む' }).click();
    await expect(page).toHaveURL(/[?&]stage=3(&|$)/);
    await expect(page).toHaveURL(/[?&]channel=event(&|$)/);
    const row = page.locator(`tr[data-opportunity-id="${opportunityId}"]`);
    await expect(page.locator('table.crm-opportunities tbody tr')).toHaveCount(1);
    await expect(row.locator('th')).toHaveText(oppName);
    await expect(row.locator('td')).toHaveText([accountName, '3. 提案', '￥1,200,000', '2027/03/31', '展示会・イベント', repA.name, 'ルーム未作成', '編集']);
    await expect(page.locator('.crm-count')).toHaveText('1件中 1〜1件を表示');

    // Other filters leave it out, or keep it, as they should.
    await page.goto(`/admin/opportunities?q=${suffix}&channel=partner`);
    await expect(page.locator('table.crm-opportunities')).toHaveCount(0);
    await expect(page.getByText('条件に合うデータはありません。')).toBeVisible();
    await page.goto(`/admin/opportunities?q=${suffix}&stage=4`);
    await expect(row).toHaveCount(0);
    await page.goto(`/admin/opportunities?q=${suffix}&activity=no_room&owner=me`);
    await expect(row).toHaveCount(1);
    await page.goto(`/admin/opportunities?q=${suffix}&activity=read_7d`);
    await expect(row).toHaveCount(0);

    // Edit it from the list.
    await page.goto(`/admin/opportunities?q=${suffix}`);
    await row.getByRole('link', { name: `${oppName} を編集` }).click();
    await expect(page).toHaveURL(`/admin/opportunities/${opportunityId}/edit`);
    await expect(page.getByLabel('商談名')).toHaveValue(oppName);
    await expect(page.getByLabel('フェーズ')).toHaveValue('3');
    await expect(page.getByLabel('金額（円）')).toHaveValue('1200000');
    await expect(page.getByLabel('完了予定日')).toHaveValue('2027-03-31');
    await expect(page.getByLabel('長期（ナーチャリング）')).toBeChecked();
    await page.getByLabel('商談名').fill(`${oppName}（全社）`);
    await page.getByLabel('フェーズ').selectOption('5');
    await page.getByLabel('金額（円）').fill('2000000');
    await page.getByRole('button', { name: '保存' }).click();
    await expect(page).toHaveURL(`/admin/opportunities/${opportunityId}`);

    await page.goto(`/admin/opportunities?q=${suffix}&stage=5`);
    await expect(row.locator('th')).toHaveText(`${oppName}（全社）`);
    await expect(row.locator('td').nth(1)).toHaveText('5. 価格交渉');
    await expect(row.locator('td').nth(2)).toHaveText('￥2,000,000');

    // The account page lists the deal and counts the contact.
    await page.goto(`/admin/accounts?q=${encodeURIComponent(accountName)}`);
    const accountRow = page.locator(`tr[data-account-id="${accountPath.split('/').pop()}"]`);
    await expect(accountRow.locator('td')).toHaveText(['卸売業', '1', '1', '未閲覧', /^\d{4}\/\d{2}\/\d{2}$/]);
  });

  test('sees validation errors, with the input kept', async ({ page, guard }) => {
    guard.expectDocumentStatus(400);
    await signIn(page, repA, '/admin/accounts/new');

    // A blank name (spaces pass the browser's "required") and a script URL.
    await page.getByLabel('取引先名').fill('   ');
    await page.getByLabel('業種').fill('製造業');
    await page.getByLabel('Web サイト').fill('javascript:alert(1)');
    const accountResponse = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/admin/accounts/new'));
    await page.getByRole('button', { name: '取引先を登録' }).click();
    expect((await accountResponse).status()).toBe(400);
    const summary = page.locator('.error-summary');
    await expect(summary).toContainText('入力内容を確認してください（2件のエラー）。');
    await expect(summary.getByRole('link')).toHaveText([
      '取引先名: 入力してください。',
      'Web サイト: http:// または https:// で始まる URL を入力してください。',
    ]);
    await expect(page.getByLabel('取引先名')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByLabel('業種')).toHaveValue('製造業');
    await expect(page.getByLabel('Web サイト')).toHaveValue('javascript:alert(1)');
    // The error is announced with the field.
    await expect(page.getByLabel('取引先名')).toHaveAttribute('aria-describedby', /account-name-error/);
    await expect(page.locator('#account-name-error')).toHaveText('入力してください。');

    // An opportunity with a negative amount.
    await page.goto('/admin/opportunities/new');
    await page.getByLabel('商談名').fill(`検証用 ${suffix}`);
    await page.getByLabel('取引先').selectOption(accountsById.sakura.id);
    await page.getByLabel('フェーズ').selectOption('2');
    await page.getByLabel('金額（円）').fill('-100');
    await page.getByLabel('流入経路').selectOption('referral');
    await page.getByLabel('短期').check();
    const oppResponse = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/admin/opportunities/new'));
    await page.getByRole('button', { name: '商談を登録' }).click();
    expect((await oppResponse).status()).toBe(400);
    await expect(page.locator('.error-summary').getByRole('link')).toHaveText(['金額（円）: 0 以上の整数（円）で入力してください。']);
    await expect(page.getByLabel('商談名')).toHaveValue(`検証用 ${suffix}`);
    await expect(page.getByLabel('取引先')).toHaveValue(accountsById.sakura.id);
    await expect(page.getByLabel('フェーズ')).toHaveValue('2');
    await expect(page.getByLabel('金額（円）')).toHaveValue('-100');
    await expect(page.getByLabel('流入経路')).toHaveValue('referral');
    await expect(page.getByLabel('短期')).toBeChecked();
    // Nothing was created.
    await page.goto(`/admin/opportunities?q=${encodeURIComponent(`検証用 ${suffix}`)}&status=all`);
    await expect(page.locator('.crm-count')).toHaveText('0件');
  });

  test("cannot edit another rep's opportunity: no edit link, 403 on the page and on POST, nothing changes", async ({ page, guard }) => {
    guard.expectDocumentStatus(403);
    const theirs = rooms.ja; // owned by the seeded rep 佐藤
    await signIn(page, repB, '/admin/opportunities');
    const listOfTheirs = `/admin/opportunities?q=${encodeURIComponent(theirs.opportunityName)}`;
    await page.goto(listOfTheirs);

    const row = page.locator(`tr[data-opportunity-id="${theirs.opportunityId}"]`);
    await expect(row.locator('th')).toHaveText(theirs.opportunityName);
    await expect(row.locator('td').nth(5)).toHaveText(theirs.rep.displayName);
    await expect(row.getByRole('link', { name: /編集/ })).toHaveCount(0);
    // What must not change (the last-read column may: other specs read this room meanwhile).
    const fixedColumns = [theirs.account.name, '3. 提案', '￥9,600,000', '', '展示会・イベント', theirs.rep.displayName];
    for (const [i, text] of fixedColumns.entries()) await expect(row.locator('td').nth(i)).toHaveText(text);

    // Nor on the opportunity's own page.
    const detail = await page.goto(`/admin/opportunities/${theirs.opportunityId}`);
    expect(detail?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(theirs.opportunityName);
    await expect(page.locator(`main a[href$="/${theirs.opportunityId}/edit"]`)).toHaveCount(0);

    const response = await page.goto(`/admin/opportunities/${theirs.opportunityId}/edit`);
    expect(response?.status()).toBe(403);
    // The admin area's one refusal page: the rep's language first, the reason, a way back.
    await expect(page.locator('main[data-refusal="forbidden"] section[lang="ja"] h1')).toHaveText('権限がありません');
    await expect(page.locator('section[lang="ja"] p').first()).toHaveText('この商談を編集できるのは、担当者と管理者のみです。');
    await expect(page.locator('section[lang="ja"] a')).toHaveAttribute('href', `/admin/opportunities/${theirs.opportunityId}`);
    await expect(page.locator('form input[name="name"]')).toHaveCount(0);

    // A hand-made POST, same origin and signed in: refused by the server, not just hidden.
    const edit = await page.request.post(`/admin/opportunities/${theirs.opportunityId}/edit`, {
      headers: { Origin: E2E_BASE_URL },
      form: { intent: 'save', name: '乗っ取り', accountId: theirs.account.id, stage: '7', amountJpy: '1', channel: 'email', salesCycle: 'short' },
      maxRedirects: 0,
    });
    expect(edit.status()).toBe(403);
    expect(await edit.text()).toContain('data-refusal="forbidden"');
    const archive = await page.request.post(`/admin/opportunities/${theirs.opportunityId}/edit`, {
      headers: { Origin: E2E_BASE_URL },
      form: { intent: 'archive' },
      maxRedirects: 0,
    });
    expect(archive.status()).toBe(403);

    await page.goto(listOfTheirs);
    await expect(row.locator('th')).toHaveText(theirs.opportunityName);
    for (const [i, text] of fixedColumns.entries()) await expect(row.locator('td').nth(i)).toHaveText(text);
    await expect(row.locator('.badge')).toHaveCount(0); // not archived
  });

  test('reads the pages in English when that is their language', async ({ page }) => {
    await signIn(page, repEn, '/admin/opportunities');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Opportunities');
    await expect(page.getByRole('search', { name: 'Filters' })).toBeVisible();
    await page.getByLabel('Channel').selectOption({ label: 'Trade show / event' });
    await page.getByLabel('Reading activity').selectOption({ label: 'No room yet' });
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/[?&]channel=event(&|$)/);
    await expect(page).toHaveURL(/[?&]activity=no_room(&|$)/);
    // The seeded deals all have rooms: none of them is listed under "No room yet".
    for (const room of Object.values(rooms)) await expect(page.locator(`tr[data-opportunity-id="${room.opportunityId}"]`)).toHaveCount(0);

    await page.goto('/admin/accounts/new');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('New account');
    await expect(page.getByLabel('Account name')).toBeVisible();
  });
});

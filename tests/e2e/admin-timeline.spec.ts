// The opportunity timeline and the CSV export, end to end: a prospect reads a document in a fresh
// browser (the real tracker sends its beacons), then a rep finds that reading on the opportunity's
// timeline (contact, document title, active time) and in the per-opportunity CSV (BOM, header, the
// view's row); the date-range export refuses a bad range with 400.
//
// The seeded scenario has no passwords, so this file creates its own rep (createUser, as
// admin-rooms.spec.ts does). The prospect reads through the seeded jaFutureExpiry link; other specs
// read the same opportunity, so the test finds its own view by the id the tracker was given.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase, type SqliteDb } from '../../src/server/db/client';
import { createUser } from '../../src/server/users/users';
import { readDocument } from './support/content';
import { E2E_DATABASE_PATH, REPO_ROOT } from './support/env';
import { contactsById, expect, rooms, signIn, test } from './support/fixtures';
import { humanContext } from './support/human';

interface Rep {
  email: string;
  password: string;
  name: string;
}

let db: SqliteDb;
let rep: Rep;
const opportunityId = rooms.ja.opportunityId;
const base = `/admin/opportunities/${opportunityId}`;

/** The CSV header a Japanese-speaking rep gets (src/server/exports/messages.ts), spelled out on purpose. */
const JA_HEADER = [
  '開始日時 (Asia/Tokyo)',
  '取引先',
  '取引先責任者',
  'メールアドレス',
  '資料名',
  '閲覧秒数',
  '読了(1/0)',
  '最大スクロール率(%)',
  'ダウンロード数',
  '印刷数',
  '商談',
  '担当者',
  '金額(円)',
  'フェーズ',
  '流入経路',
  'デバイス',
  '新しい閲覧者(1/0)',
  '最終記録日時 (Asia/Tokyo)',
  '資料スラッグ',
  'ビューID',
  '訪問ID',
];

test.beforeAll(async () => {
  const suffix = crypto.randomBytes(3).toString('hex');
  db = openDatabase(E2E_DATABASE_PATH, path.join(REPO_ROOT, 'db/migrations'));
  rep = { email: `timeline-rep-${suffix}@vendor.example`, password: `timeline-e2e-${suffix}-password`, name: `木村 陽介 ${suffix}` };
  await createUser(db, { email: rep.email, displayName: rep.name, role: 'rep', locale: 'ja', password: rep.password });
});

test.afterAll(() => {
  db?.$client.close();
});

/** RFC 4180 lines into cells (quoted cells may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  expect(cell + row.join(''), 'the CSV ends with CRLF').toBe('');
  return rows;
}

test('the timeline shows the prospect’s reading, and the opportunity’s CSV export has it', async ({ page, browser, links }) => {
  test.setTimeout(90_000);
  const doc = readDocument('security-check-sheet');
  const token = links.token('jaFutureExpiry');

  // --- The prospect reads in a fresh browser until a beacon reports active time. ---
  const prospectContext = await browser.newContext(humanContext());
  let viewId = '';
  let reportedSeconds = 0;
  try {
    const prospect = await prospectContext.newPage();
    const opened = await prospect.goto(links.doc('jaFutureExpiry', 'security-check-sheet'));
    expect(opened?.status()).toBe(200);
    const started = prospect.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/r/${token}/views`);
    await prospect.mouse.move(200, 200);
    await prospect.mouse.wheel(0, 400);
    const start = await started;
    expect(start.status()).toBe(201);
    viewId = ((await start.json()) as { viewId: string }).viewId;
    // The first beacon goes out at once with 0 s; the heartbeat (every 10 s) carries the active time.
    const timed = await prospect.waitForResponse(
      (r) => {
        if (r.request().method() !== 'POST' || new URL(r.url()).pathname !== `/r/${token}/views/${viewId}`) return false;
        const body = JSON.parse(r.request().postData() ?? '{}') as { activeSeconds?: number };
        return (body.activeSeconds ?? 0) > 0;
      },
      { timeout: 40_000 },
    );
    expect(timed.status()).toBe(204);
    reportedSeconds = (JSON.parse(timed.request().postData()!) as { activeSeconds: number }).activeSeconds;
    expect(reportedSeconds).toBeGreaterThan(0);
  } finally {
    await prospectContext.close();
  }

  // --- The rep: the timeline lists that view under the contact, newest visits first. ---
  await signIn(page, rep, `${base}/timeline`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`${rooms.ja.opportunityName} — 閲覧タイムライン`);
  await expect(page.locator('[data-totals]')).toBeVisible();
  await expect(page.locator('[data-stage]')).toHaveAttribute('data-stage', /\d+/);
  // Other specs read this opportunity at the same time: page through "older" until the view shows.
  const row = page.locator(`tr[data-view-id="${viewId}"]`);
  for (let i = 0; i < 10 && (await row.count()) === 0; i++) {
    const older = page.locator('[data-older]');
    if ((await older.count()) === 0) break;
    await older.click();
  }
  await expect(row).toBeVisible();
  await expect(row.locator('[data-document-title]')).toHaveText(doc.title);
  const shownSeconds = Number(await row.getAttribute('data-active-seconds'));
  expect(shownSeconds).toBeGreaterThanOrEqual(reportedSeconds);
  await expect(row.locator('[data-active]')).toHaveText(/^\d+(秒|分)/);
  await expect(row.locator('[data-active]')).not.toHaveText('0秒');
  const visit = page.locator('li.timeline-visit', { has: row });
  await expect(visit.locator('[data-contact]')).toHaveText(contactsById.yamada.name);
  await expect(visit.locator('[data-device]')).not.toHaveText('');
  // The score is explained in words, and scanner hits have their own section.
  await expect(page.locator('[data-score-summary]')).toContainText('名');
  await expect(page.locator('[data-score]')).toHaveAttribute('data-score', /^\d{1,3}$/);
  await expect(page.locator('[data-automated] h2')).toHaveText('スキャナー・リンクプレビューによるアクセス（閲覧とは別に表示）');

  // --- The per-opportunity CSV, downloaded from the timeline's button. ---
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-export-csv]').click()]);
  expect(download.suggestedFilename()).toMatch(/\.csv$/);
  const bytes = fs.readFileSync((await download.path())!);
  expect([...bytes.subarray(0, 3)], 'UTF-8 BOM').toEqual([0xef, 0xbb, 0xbf]);
  const rows = parseCsv(bytes.subarray(3).toString('utf8'));
  expect(rows[0]).toEqual(JA_HEADER);
  const mine = rows.find((r) => r[JA_HEADER.indexOf('ビューID')] === viewId);
  expect(mine, 'a row for the view just read').toBeDefined();
  const cells = Object.fromEntries(JA_HEADER.map((name, i) => [name, mine![i]]));
  expect(cells).toMatchObject({
    取引先: rooms.ja.account.name,
    商談: rooms.ja.opportunityName,
    取引先責任者: contactsById.yamada.name,
    担当者: rooms.ja.rep.displayName,
    資料スラッグ: 'security-check-sheet',
    資料名: doc.title,
  });
  expect(Number(cells['閲覧秒数'])).toBeGreaterThanOrEqual(reportedSeconds);
  expect(cells['開始日時 (Asia/Tokyo)']).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  // Never the link's token.
  expect(bytes.toString('utf8')).not.toContain(token.split('.')[1]!);

  // The download's headers.
  const response = await page.request.get(`${base}/views.csv`);
  expect(response.status()).toBe(200);
  const headers = response.headers();
  expect(headers['content-type']).toBe('text/csv; charset=utf-8');
  expect(headers['cache-control']).toBe('no-store');
  expect(headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="ringi-views-${opportunityId}-\\d{4}-\\d{2}-\\d{2}\\.csv"; filename\\*=UTF-8''%E9%96%B2`));
});

test('the date-range export refuses a bad range with 400, and exports a good one', async ({ page, guard }) => {
  await signIn(page, rep, '/admin/exports');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('閲覧データのCSVエクスポート');

  // Scripts get the JSON error shape.
  for (const query of ['from=2026-12-01&to=2026-11-01', 'from=2026-02-30&to=2026-03-01', 'from=2025-01-01&to=2026-03-01', 'to=2026-03-01']) {
    const bad = await page.request.get(`/admin/exports/views.csv?${query}`, { headers: { Accept: 'application/json' } });
    expect(bad.status(), query).toBe(400);
    const body = (await bad.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('bad_request');
    expect(body.error.message.length).toBeGreaterThan(0);
  }
  expect((await page.request.get('/admin/exports/views.csv?from=2026-11-01&to=2026-11-02&opportunity=no-such-opportunity', { headers: { Accept: 'application/json' } })).status()).toBe(404);

  // A browser sending the form with the dates reversed gets a page saying what to fix.
  guard.expectDocumentStatus(400);
  await page.getByLabel('開始日').fill('2026-12-01');
  await page.getByLabel('終了日（この日を含む）').fill('2026-11-01');
  const [refused] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/admin/exports/views.csv'), page.getByRole('button', { name: 'CSVをダウンロード' }).click()]);
  expect(refused.status()).toBe(400);
  await expect(page.getByRole('alert')).toHaveText('終了日は開始日と同じか、それより後の日付にしてください。');
  await page.getByRole('link', { name: '← 入力に戻る' }).click();
  await expect(page.getByLabel('開始日')).toHaveValue('2026-12-01');

  // A good range downloads: BOM, the header, and every row inside it.
  await page.getByLabel('開始日').fill('2020-01-01');
  await page.getByLabel('終了日（この日を含む）').fill('2020-12-31');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'CSVをダウンロード' }).click()]);
  expect(download.suggestedFilename()).toBe('閲覧データ_2020-01-01_2020-12-31.csv');
  const bytes = fs.readFileSync((await download.path())!);
  expect(bytes.toString('utf8')).toBe(`\uFEFF${JA_HEADER.join(',')}\r\n`);

  // An unknown opportunity: 404 for its timeline and its CSV.
  guard.expectDocumentStatus(404);
  const missing = await page.goto('/admin/opportunities/no-such-opportunity/timeline');
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole('alert')).toHaveText('商談が見つかりません。');
  const missingCsv = await page.request.get('/admin/opportunities/no-such-opportunity/views.csv', { headers: { Accept: 'application/json' } });
  expect(missingCsv.status()).toBe(404);
  expect(((await missingCsv.json()) as { error: { code: string } }).error.code).toBe('not_found');

  // A timeline page position that is not a cursor: 400 and a way back.
  const response = await page.goto(`${base}/timeline?before=not-a-cursor`);
  expect(response?.status()).toBe(400);
  await expect(page.locator('[data-bad-cursor]')).toContainText('ページの指定（before）が正しくありません。');
  await expect(page.locator('[data-totals]')).toBeVisible();
});

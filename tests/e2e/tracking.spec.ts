// View tracking end to end: what a real reading session records, that leaving flushes the last
// beacon, that opens without the page script (scanners, scripts, a browser with script off), a page
// left open without any input and a signed-in rep's preview are never counted as reading, that a
// download counts only from a browser that showed a reader, and that a forged beacon changes nothing.
// Readers are people (support/human.ts): no automation markers, and trusted wheel, key and pointer
// input through page.mouse / page.keyboard.
// Results are read back from the end-to-end database itself (read-only), filtered by the dedicated
// links of `tracking` in support/scenario.ts, which no other spec opens.
import crypto from 'node:crypto';
import path from 'node:path';
import type { Page, Response } from '@playwright/test';
import { openDatabase } from '../../src/server/db/client';
import { createUser } from '../../src/server/users/users';
import { readDocument } from './support/content';
import { E2E_BASE_URL, E2E_DATABASE_PATH, REPO_ROOT } from './support/env';
import { expect, expectProspectHeaders, seeded, test, tracking, type TrackingLinkName } from './support/fixtures';
import { humanContext, scrollLikeAReader } from './support/human';
import { openTrackingDb, type TrackingDb, type ViewRow } from './support/tracking-db';

const CHROME_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
// Mimecast's URL protection fetches with a browser-like user agent that names itself.
const SCANNER_UA = `${CHROME_UA} Mimecast`;

let db: TrackingDb;

test.beforeAll(() => {
  db = openTrackingDb();
});
test.afterAll(() => {
  db?.close();
});

function link(name: TrackingLinkName) {
  const fixtures = seeded().tracking;
  if (!fixtures) throw new Error('fixtures.json has no tracking links: the seed is older than tracking.spec.ts');
  const { token, linkId } = fixtures[name];
  return { token, linkId, room: `/r/${token}`, doc: (slug: string) => `/r/${token}/d/${slug}`, views: `/r/${token}/views` };
}

const isPost = (response: Response, pathname: string) => response.request().method() === 'POST' && new URL(response.url()).pathname === pathname;

const BEACON_PATH = /\/views\/[a-z2-7]{26}$/;
const seqOf = (response: Response) => (response.request().postDataJSON() as { seq?: number } | null)?.seq ?? 0;

/**
 * Confirms a reader by scrolling as a person does; returns the started view and its first beacon's
 * answer (the page sends one as soon as the view starts). A 5xx start is one the page retries, so it
 * is passed over.
 */
async function startReading(page: Page, startPath: string): Promise<{ viewId: string; beaconPath: string }> {
  const started = page.waitForResponse((r) => isPost(r, startPath) && r.status() < 500);
  const firstBeacon = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.startsWith(`${startPath}/`) && BEACON_PATH.test(new URL(r.url()).pathname) && seqOf(r) === 1);
  await scrollLikeAReader(page, 120);
  const response = await started;
  expect(response.status()).toBe(201);
  const body = (await response.json()) as { viewId: string; beaconPath: string };
  expect(body.beaconPath).toBe(`${startPath}/${body.viewId}`);
  const beacon = await firstBeacon;
  expect(new URL(beacon.url()).pathname).toBe(body.beaconPath);
  expect(beacon.status()).toBe(204);
  return body;
}

/** Waits for a beacon of this view with at least this sequence number to be answered. */
async function beaconAnswered(page: Page, beaconPath: string, minSeq: number, timeout = 20_000): Promise<Response> {
  const response = await page.waitForResponse((r) => isPost(r, beaconPath) && seqOf(r) >= minSeq, { timeout });
  expect(response.status()).toBe(204);
  return response;
}

/** Wheels the page until the heading sits near the top of the screen, as a reader would. */
async function scrollHeadingToTop(page: Page, text: string): Promise<string> {
  const heading = page.locator('.document-body').getByRole('heading', { name: text, exact: true });
  await expect
    .poll(async () => {
      const top = (await heading.boundingBox())!.y;
      if (top > 80 || top < 0) await page.mouse.wheel(0, top - 40);
      return top >= 0 && top <= 80;
    }, { message: `"${text}" near the top` })
    .toBe(true);
  return (await heading.getAttribute('id'))!;
}

/** The End key, as a reader jumping to the end. */
async function scrollToEnd(page: Page): Promise<void> {
  await page.keyboard.press('End');
  await expect.poll(() => page.evaluate(() => Math.ceil(window.scrollY + window.innerHeight) >= document.documentElement.scrollHeight)).toBe(true);
}

const sections = (view: ViewRow) => JSON.parse(view.section_seconds) as Record<string, number>;

test('a real reading session is one visit with a view per document, plausible active seconds and section times', async ({ page }) => {
  test.setTimeout(90_000);
  const reader = link('reader');
  const pricing = readDocument('pricing');
  const caseStudy = readDocument('case-study-manufacturing');
  const openedAt = Date.now();

  await page.goto(reader.doc('pricing'));
  const headingIds = await page.locator('.document-body').locator('h2[id], h3[id], h4[id]').evaluateAll((els) => els.map((el) => el.id));
  const first = await startReading(page, reader.views);
  // Read one section until a heartbeat reports it (the page sends one every 10 s).
  const readSection = await scrollHeadingToTop(page, 'お見積り例');
  await beaconAnswered(page, first.beaconPath, 2);
  // Then to the end and back to the room: the navigation's pagehide sends the last beacon.
  await scrollToEnd(page);
  await page.getByRole('link', { name: /資料一覧に戻る/ }).click();
  await expect(page.locator('.document-card').first()).toBeVisible();

  await page.getByRole('link', { name: caseStudy.title }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(caseStudy.title);
  const second = await startReading(page, reader.views);
  await page.close();

  await expect.poll(() => db.views(reader.linkId).length, { timeout: 10_000 }).toBe(2);
  await expect.poll(() => db.views(reader.linkId).find((v) => v.id === first.viewId)?.max_scroll_percent, { message: 'the last beacon of the first document' }).toBe(100);
  const elapsedSeconds = Math.ceil((Date.now() - openedAt) / 1000);

  const visits = db.visits(reader.linkId);
  expect(visits, 'one visit for the whole session').toHaveLength(1);
  expect(visits[0]!.contact_id).toBe(tracking.contacts.reader.id);
  expect(visits[0]!.device_label).toMatch(/^Chrome \/ /);
  const views = db.views(reader.linkId);
  expect(views.map((v) => v.visit_id)).toEqual([visits[0]!.id, visits[0]!.id]);
  expect(views.map((v) => v.id)).toEqual([first.viewId, second.viewId]);

  const pricingView = db.views(reader.linkId).find((v) => v.id === first.viewId)!;
  expect(pricingView.document_slug).toBe('pricing');
  expect(pricingView.document_title).toBe(pricing.title);
  expect(pricingView.last_sequence).toBeGreaterThanOrEqual(3);
  // About ten seconds of active reading before the heartbeat, never more than the time that passed.
  expect(pricingView.active_seconds).toBeGreaterThanOrEqual(5);
  expect(pricingView.active_seconds).toBeLessThanOrEqual(elapsedSeconds);
  const pricingSections = sections(pricingView);
  expect(Object.keys(pricingSections).sort()).toEqual([...headingIds].sort());
  expect(pricingSections[readSection], `seconds on ${readSection}`).toBeGreaterThanOrEqual(4);
  const sectionTotal = Object.values(pricingSections).reduce((a, b) => a + b, 0);
  expect(sectionTotal).toBeGreaterThan(0);
  expect(sectionTotal).toBeLessThanOrEqual(pricingView.active_seconds);

  const caseView = db.views(reader.linkId).find((v) => v.id === second.viewId)!;
  expect(caseView.document_slug).toBe('case-study-manufacturing');
  expect(caseView.document_title).toBe(caseStudy.title);

  const totals = db.all<{ document_slug: string; views: number; active_seconds: number }>(
    'SELECT document_slug, views, active_seconds FROM reading_totals WHERE contact_id = ? ORDER BY document_slug',
    tracking.contacts.reader.id,
  );
  expect(totals.map((t) => [t.document_slug, t.views])).toEqual([
    ['case-study-manufacturing', 1],
    ['pricing', 1],
  ]);
  expect(totals.find((t) => t.document_slug === 'pricing')!.active_seconds).toBe(pricingView.active_seconds);
  expect(db.linkEvents(reader.linkId).filter((e) => e.kind === 'automated_open')).toEqual([]);
});

test('closing the tab flushes the last beacon', async ({ page }) => {
  test.setTimeout(60_000);
  const leaver = link('leaver');
  const beaconsSent: number[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && BEACON_PATH.test(new URL(request.url()).pathname)) beaconsSent.push((request.postDataJSON() as { seq: number }).seq);
  });

  await page.goto(leaver.doc('pricing'));
  const view = await startReading(page, leaver.views);
  const before = db.views(leaver.linkId);
  expect(before).toHaveLength(1);
  expect(before[0]!.last_sequence).toBe(1);
  expect(before[0]!.max_scroll_percent).toBeLessThan(100);

  // A quick look at the end, then the tab is closed: only the closing beacon can carry this.
  await scrollToEnd(page);
  const sentWhileOpen = beaconsSent.length;
  await page.close();

  await expect.poll(() => db.views(leaver.linkId)[0]?.max_scroll_percent, { timeout: 10_000 }).toBe(100);
  const after = db.views(leaver.linkId);
  expect(after).toHaveLength(1);
  expect(after[0]!.id).toBe(view.viewId);
  expect(after[0]!.last_sequence).toBeGreaterThan(sentWhileOpen);
  expect(db.visits(leaver.linkId)).toHaveLength(1);
});

test('a start that fails on the network or the server is retried without an error in the page', async ({ page, guard }) => {
  test.setTimeout(60_000);
  const retry = link('retry');
  // Chromium logs the refused attempts as failed resources; anything else still fails the test.
  guard.expectDocumentStatus(503);
  let attempts = 0;
  await page.route(`**${retry.views}`, async (route) => {
    attempts++;
    if (attempts === 1) return route.abort('failed');
    if (attempts === 2) return route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"bad_request","message":"busy"}}' });
    return route.continue();
  });

  await page.goto(retry.doc('case-study-manufacturing'));
  const view = await startReading(page, retry.views);
  expect(attempts).toBe(3);
  expect(db.views(retry.linkId).map((v) => v.id)).toEqual([view.viewId]);
  expect(db.visits(retry.linkId)).toHaveLength(1);

  // The aborted fetch is the one expected network error; an unhandled rejection would be a page error.
  const networkErrors = guard.consoleErrors.filter((text) => /net::ERR_FAILED/.test(text));
  expect(networkErrors).toHaveLength(1);
  guard.consoleErrors.splice(guard.consoleErrors.indexOf(networkErrors[0]!), 1);
  expect(guard.pageErrors).toEqual([]);
});

test('a scanner fetching the link without script is an automated open, never a view', async ({ request }) => {
  const scanned = link('scanned');
  for (const target of [scanned.room, scanned.doc('pricing')]) {
    const response = await request.get(target, { headers: { 'User-Agent': SCANNER_UA } });
    expect(response.status(), target).toBe(200);
    expectProspectHeaders(response);
    expect(await response.text()).toContain(tracking.account.name);
  }
  // A scanner that does run the script is refused at the start.
  const start = await request.post(scanned.views, { headers: { 'User-Agent': SCANNER_UA, 'Content-Type': 'application/json' }, data: { slug: 'pricing', input: 'pointer' } });
  expect(start.status()).toBe(403);
  expect(((await start.json()) as { error: { code: string } }).error.code).toBe('forbidden');

  expect(db.visits(scanned.linkId)).toEqual([]);
  expect(db.views(scanned.linkId)).toEqual([]);
  expect(db.linkEvents(scanned.linkId).map((e) => [e.kind, e.document_slug, e.detail])).toEqual([
    ['automated_open', null, 'Mimecast'],
    ['automated_open', 'pricing', 'Mimecast'],
  ]);
  expect(db.all('SELECT * FROM reading_totals WHERE contact_id = ?', tracking.contacts.scanned.id)).toEqual([]);
});

test('a browser user agent without the page script is not a view', async ({ request, browser }) => {
  const noScript = link('noScript');
  // A script fetching with a browser's user agent: served, neither counted nor labelled automated.
  for (const target of [noScript.room, noScript.doc('pricing')]) {
    const response = await request.get(target, { headers: { 'User-Agent': CHROME_UA } });
    expect(response.status(), target).toBe(200);
    expect(await response.text()).toContain(tracking.account.name);
  }
  // A real browser with script off, opening the room and a document and moving about.
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'ja-JP' });
  try {
    const page = await context.newPage();
    const posts: string[] = [];
    page.on('request', (r) => void (r.method() === 'POST' && posts.push(r.url())));
    expect((await page.goto(noScript.room))?.status()).toBe(200);
    await page.getByRole('link', { name: readDocument('pricing').title }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(readDocument('pricing').title);
    await expect(page.locator('[data-reading-tracker]')).toHaveCount(1);
    await page.mouse.move(200, 200);
    await page.mouse.wheel(0, 600);
    expect(posts).toEqual([]);
  } finally {
    await context.close();
  }
  expect(db.visits(noScript.linkId)).toEqual([]);
  expect(db.views(noScript.linkId)).toEqual([]);
  expect(db.linkEvents(noScript.linkId)).toEqual([]);
  expect(db.all('SELECT * FROM reading_totals WHERE contact_id = ?', tracking.contacts.noScript.id)).toEqual([]);
});

test('a forged beacon for another link, view or secret changes nothing', async ({ request }) => {
  const owner = link('forgeOwner');
  const other = link('forgeOther');
  const headers = { 'User-Agent': CHROME_UA, 'Content-Type': 'application/json' };
  // A view of the owner's link, started and beaten exactly as the page script does.
  const start = await request.post(owner.views, { headers, data: { slug: 'security-check-sheet', input: 'wheel' } });
  expect(start.status()).toBe(201);
  const { viewId, beaconPath } = (await start.json()) as { viewId: string; beaconPath: string };
  const own = await request.post(beaconPath, { headers, data: { seq: 1, activeSeconds: 2, maxScrollPercent: 20, sections: {}, printed: false } });
  expect(own.status()).toBe(204);
  const before = db.opportunitySnapshot(tracking.rooms.forge.opportunityId);
  expect(db.views(owner.linkId).map((v) => [v.id, v.last_sequence, v.max_scroll_percent])).toEqual([[viewId, 1, 20]]);

  const forged = { seq: 99, activeSeconds: 3, maxScrollPercent: 100, sections: {}, printed: true };
  const [ownerId, ownerSecret] = owner.token.split('.') as [string, string];
  const otherId = other.token.split('.')[0]!;
  const flipped = (ownerSecret[0] === 'a' ? 'b' : 'a') + ownerSecret.slice(1);
  const attempts = [
    `/r/${other.token}/views/${viewId}`, // the other link's valid token with this view
    `/r/${ownerId}.${flipped}/views/${viewId}`, // the right link id with a wrong secret
    `/r/${otherId}.${ownerSecret}/views/${viewId}`, // the other link's id with the owner's secret
    `/r/${owner.token}/views/${'a'.repeat(26)}`, // the right token with a made-up view
  ];
  for (const target of attempts) {
    const response = await request.post(target, { headers, data: forged });
    expect(response.status(), target).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'No such view.' } });
  }
  // The owner's own token with a section the document does not have.
  const unknownSection = await request.post(beaconPath, { headers, data: { ...forged, sections: { 'not-a-heading': 1 } } });
  expect(unknownSection.status()).toBe(422);
  expect(((await unknownSection.json()) as { error: { code: string } }).error.code).toBe('unknown_section');

  expect(db.opportunitySnapshot(tracking.rooms.forge.opportunityId)).toEqual(before);
  expect(db.views(other.linkId)).toEqual([]);
  expect(db.visits(other.linkId)).toEqual([]);
});

test('a signed-in rep previewing a room is not counted', async ({ page }) => {
  test.setTimeout(60_000);
  const previewed = link('previewed');
  const suffix = crypto.randomBytes(3).toString('hex');
  const rep = { email: `tracking-preview-${suffix}@vendor.example`, password: `tracking-${suffix}-password`, name: `中村 翔 ${suffix}` };
  const writable = openDatabase(E2E_DATABASE_PATH, path.join(REPO_ROOT, 'db/migrations'));
  try {
    await createUser(writable, { email: rep.email, displayName: rep.name, role: 'rep', locale: 'ja', password: rep.password });
  } finally {
    writable.$client.close();
  }
  await page.goto('/admin/sign-in?next=%2Fadmin%2Faccount');
  await page.getByLabel('メールアドレス').fill(rep.email);
  await page.getByLabel('パスワード').fill(rep.password);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await expect(page).toHaveURL('/admin/account');

  await page.goto(previewed.room);
  await page.getByRole('link', { name: readDocument('pricing').title }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(readDocument('pricing').title);
  const started = page.waitForResponse((r) => isPost(r, previewed.views));
  await page.mouse.move(200, 200);
  const response = await started;
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ preview: true });

  expect(db.visits(previewed.linkId)).toEqual([]);
  expect(db.views(previewed.linkId)).toEqual([]);
  expect(db.linkEvents(previewed.linkId)).toEqual([]);
  expect(db.all('SELECT * FROM reading_totals WHERE contact_id = ?', tracking.contacts.previewed.id)).toEqual([]);
});

test('a page left open without any input never starts a view, however long it is visible', async ({ page }) => {
  const idle = link('idle');
  const starts: string[] = [];
  page.on('request', (r) => void (r.method() === 'POST' && starts.push(new URL(r.url()).pathname)));
  // The page's timers run on a controlled clock: ten visible seconds pass without waiting for them.
  await page.clock.install();
  await page.goto(idle.doc('pricing'));
  await expect(page.locator('[data-reading-tracker]')).toHaveCount(1);
  expect(await page.evaluate(() => [document.visibilityState, navigator.webdriver])).toEqual(['visible', false]);
  await page.clock.runFor(10_000);
  // A script scrolling the page is no person either.
  await page.evaluate(() => window.scrollTo(0, 600));
  await page.evaluate(() => window.dispatchEvent(new WheelEvent('wheel', { deltaY: 100 })));
  await page.clock.runFor(10_000);
  expect(starts).toEqual([]);
  expect(db.visits(idle.linkId)).toEqual([]);
  expect(db.views(idle.linkId)).toEqual([]);

  // The server asks for the evidence too: a start that reports no input is refused.
  const refused = await page.request.post(idle.views, { headers: { 'Content-Type': 'application/json' }, data: { slug: 'pricing' } });
  expect(refused.status()).toBe(422);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('invalid_payload');
  expect(db.views(idle.linkId)).toEqual([]);
});

test('a download counts only from a browser that showed a reader on the link; a cookie-less fetch is kept apart', async ({ page, request }) => {
  const downloader = link('downloader');
  const pdf = readDocument('pricing').attachments.find((a) => a.file === 'pricing-2026.pdf')!;
  // A scanner following the attachment link with a browser user agent and no cookies.
  const fetched = await request.get(`${downloader.doc('pricing')}/files/pricing-2026.pdf`, { headers: { 'User-Agent': CHROME_UA } });
  expect(fetched.status()).toBe(200);
  expect(db.linkEvents(downloader.linkId).map((e) => [e.kind, e.detail, e.visit_id])).toEqual([['unconfirmed_download', 'pricing-2026.pdf', null]]);
  expect(db.all('SELECT * FROM reading_totals WHERE contact_id = ?', tracking.contacts.downloader.id)).toEqual([]);

  // A person opens the document and clicks the PDF straight away: the click is the reader's evidence,
  // the view starts first, and the download is theirs.
  await page.goto(downloader.doc('pricing'));
  const started = page.waitForResponse((r) => isPost(r, downloader.views));
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: pdf.label }).click()]);
  expect((await started).status()).toBe(201);
  expect(download.suggestedFilename()).toBe('pricing-2026.pdf');
  await expect.poll(() => db.linkEvents(downloader.linkId).map((e) => e.kind)).toEqual(['unconfirmed_download', 'download']);
  const [visit] = db.visits(downloader.linkId);
  expect(db.linkEvents(downloader.linkId)[1]!.visit_id).toBe(visit!.id);
  expect(db.all<{ downloads: number }>('SELECT downloads FROM reading_totals WHERE contact_id = ?', tracking.contacts.downloader.id)).toEqual([{ downloads: 1 }]);
});

test('printing the whole room counts a print of each document, only from a browser that showed a reader on the link', async ({ page, browser }) => {
  const printer = link('printer');
  const documents = tracking.rooms.reading.documents;
  const printRoom = async (reader: Page) => {
    await reader.goto(`${printer.room}/print`);
    const reported = reader.waitForResponse((r) => isPost(r, `${printer.room}/prints`));
    // The reader clicks the page's print button; the browser announces the print (beforeprint). Its
    // print dialog keeps the page busy, so the answer is judged by its status and the database.
    const button = (await reader.getByRole('button', { name: '印刷する' }).boundingBox())!;
    await reader.mouse.click(button.x + button.width / 2, button.y + button.height / 2);
    return await reported;
  };

  // A browser that never started a view on this link (a forwarded print page, a sandbox that clicks):
  // answered, nothing recorded.
  const stranger = await browser.newContext(humanContext({ baseURL: E2E_BASE_URL }));
  try {
    const answer = await printRoom(await stranger.newPage());
    expect(answer.status()).toBe(202);
  } finally {
    await stranger.close();
  }
  expect(db.linkEvents(printer.linkId)).toEqual([]);

  // A person reads a document, then prints the room for circulation: one print per document, in the visit.
  await page.goto(printer.doc('pricing'));
  await startReading(page, printer.views);
  const answer = await printRoom(page);
  expect(answer.status()).toBe(201);
  const [visit] = db.visits(printer.linkId);
  expect(db.linkEvents(printer.linkId).map((e) => [e.kind, e.document_slug, e.visit_id])).toEqual(documents.map((slug) => ['print', slug, visit!.id]));
  expect(db.all('SELECT document_slug, prints FROM reading_totals WHERE contact_id = ? ORDER BY document_slug', tracking.contacts.printer.id)).toEqual(
    [...documents].sort().map((slug) => ({ document_slug: slug, prints: 1 })),
  );
});

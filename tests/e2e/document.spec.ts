// The document page: reading, navigating, printing, and the reading tracker starting in a real browser.
import { expect, rooms, test } from './support/fixtures';
import { expectedDate, readDocument } from './support/content';
import { categoryLabels, firstTableHeader, ui } from './support/expectations';

test.describe('Japanese document', () => {
  const t = ui.ja;
  const room = rooms.ja;

  test('shows title, category, version, last update, reading time and the account it was prepared for', async ({ page, links }) => {
    const doc = readDocument('pricing');
    const response = await page.goto(links.doc('jaActive', 'pricing'));
    expect(response?.status()).toBe(200);
    await expect(page).toHaveTitle(doc.title);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(doc.title);
    await expect(page.locator('article.document')).toHaveAttribute('data-slug', 'pricing');
    await expect(page.locator('article.document')).toHaveAttribute('lang', doc.language);
    await expect(page.locator('.document-header .eyebrow')).toHaveText(categoryLabels.ja[doc.category]);
    await expect(page.locator('.document-header .meta span')).toHaveText([
      t.version(doc.version),
      t.updated(expectedDate('ja', doc.updated)),
      t.readingTime(doc.readingMinutes),
    ]);
    await expect(page.locator('.site-header .prepared-for')).toHaveText(t.preparedFor(room.account.name));
    await expect(page.getByRole('complementary', { name: t.yourContact }).locator('.rep-name')).toContainText(room.rep.displayName);
    await expect(page.locator('.notice-bar .privacy-notice')).toHaveText(t.privacy);
    await expect(page.locator('script:not([src])')).toHaveCount(0);
    await expect(page.locator('[style]')).toHaveCount(0);

    // Attachments are listed with their label and a download link through this link.
    const attachments = page.locator('section.attachments li');
    await expect(attachments).toHaveCount(doc.attachments.length);
    for (const [i, attachment] of doc.attachments.entries()) {
      const link = attachments.nth(i).getByRole('link');
      await expect(link).toHaveText(attachment.label);
      await expect(link).toHaveAttribute('href', links.file('jaActive', 'pricing', attachment.file));
      await expect(link).toHaveAttribute('download', attachment.file);
    }
  });

  test('renders Markdown tables', async ({ page, links }) => {
    const doc = readDocument('pricing');
    const header = firstTableHeader(doc.body);
    expect(header, 'content/pricing.md should contain a Markdown table').not.toBeNull();
    await page.goto(links.doc('jaActive', 'pricing'));
    const table = page.locator('.document-body table').first();
    await expect(table).toBeVisible();
    await expect(table.locator('thead th')).toHaveText(header!);
    expect(await table.locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await table.locator('tbody td').count()).toBeGreaterThan(0);
    // Markdown was rendered, not shown raw.
    await expect(page.locator('.document-body')).not.toContainText('|---');
  });

  test('table of contents lists the headings and each entry jumps to its heading', async ({ page, links }) => {
    // A short window, so the last heading starts below the fold.
    await page.setViewportSize({ width: 1000, height: 420 });
    await page.goto(links.doc('jaActive', 'pricing'));
    const toc = page.getByRole('navigation', { name: t.toc });
    await expect(toc.getByRole('heading')).toHaveText(t.toc);
    const entries = toc.getByRole('link');
    const headings = page.locator('.document-body').locator('h2[id], h3[id]');
    const headingTexts = await headings.allInnerTexts();
    expect(headingTexts.length).toBeGreaterThan(1);
    await expect(entries).toHaveText(headingTexts.map((h) => h.trim()));
    // Numbered per level: each ## is an item of the outer list, its ### a list of their own (1, 2, … again).
    const chapters = toc.locator(':scope > ol > li');
    await expect(chapters).toHaveCount(await page.locator('.document-body h2[id]').count());
    const plans = chapters.filter({ has: page.getByRole('link', { name: '料金プラン', exact: true }) });
    await expect(plans.locator('ol > li > a')).toHaveText(['プラン一覧', 'プラン別の機能比較']);

    const hrefs = await entries.evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
    for (const [i, href] of hrefs.entries()) {
      expect(href.startsWith('#')).toBe(true);
      expect(decodeURIComponent(href.slice(1))).toBe(await headings.nth(i).getAttribute('id'));
    }

    const last = headings.last();
    await expect(last).not.toBeInViewport();
    await entries.last().click();
    await expect(last).toBeInViewport();
    expect(decodeURIComponent(new URL(page.url()).hash.slice(1))).toBe(await last.getAttribute('id'));

    await entries.first().click();
    await expect(headings.first()).toBeInViewport();
  });

  test('print button prints, and the print stylesheet hides the page chrome', async ({ page, links }) => {
    await page.addInitScript(() => {
      (window as unknown as { __prints: number }).__prints = 0;
      window.print = () => void ((window as unknown as { __prints: number }).__prints += 1);
    });
    await page.goto(links.doc('jaActive', 'pricing'));
    const button = page.getByRole('button', { name: t.print });
    await expect(button).toBeVisible();
    await button.click();
    expect(await page.evaluate(() => (window as unknown as { __prints: number }).__prints)).toBe(1);

    const chrome = ['.notice-bar', '.breadcrumb', '.rep-card', '.print-button', 'section.attachments', '.reading-time'];
    for (const selector of chrome) await expect(page.locator(selector).first(), `${selector} on screen`).toBeVisible();

    await page.emulateMedia({ media: 'print' });
    for (const selector of chrome) await expect(page.locator(selector).first(), `${selector} in print`).toBeHidden();
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await expect(page.locator('.document-body')).toBeVisible();
    await expect(page.locator('.document-body table').first()).toHaveCSS('display', 'table');
    await expect(page.locator('.toc')).toBeVisible();
    // The printed header: the vendor, whom the copy is for, the document's version and date; no reading time.
    await expect(page.locator('.site-header [data-brand-name]')).toBeVisible();
    await expect(page.locator('.site-header .prepared-for')).toHaveText(t.preparedFor(rooms.ja.account.name));
    const doc = readDocument('pricing');
    await expect(page.locator('.document-header .meta span:visible')).toHaveText([t.version(doc.version), t.updated(expectedDate('ja', doc.updated))]);

    await page.emulateMedia({ media: 'screen' });
    await expect(page.locator('.rep-card')).toBeVisible();
  });

  test('the reading tracker starts a view and its first beacon is accepted', async ({ page, links }) => {
    await page.goto(links.doc('jaActive', 'security-check-sheet'));
    const started = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/r/${links.token('jaActive')}/views`);
    const beacon = page.waitForResponse((r) => r.request().method() === 'POST' && /\/views\/[a-z2-7]{26}$/.test(new URL(r.url()).pathname));
    // An interaction confirms a reader at once (otherwise after a few visible seconds).
    await page.mouse.move(200, 200);
    await page.mouse.wheel(0, 300);
    const start = await started;
    expect(start.status()).toBe(201);
    const body = (await start.json()) as { viewId: string; beaconPath: string };
    expect(body.beaconPath).toBe(`/r/${links.token('jaActive')}/views/${body.viewId}`);
    expect((await beacon).status()).toBe(204);
  });
});

test.describe('English document', () => {
  const t = ui.en;
  const room = rooms.en;

  test('English UI around an English document', async ({ page, links }) => {
    const doc = readDocument('product-overview-en');
    const response = await page.goto(links.doc('enActive', 'product-overview-en'));
    expect(response?.status()).toBe(200);
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(doc.title);
    await expect(page.locator('.document-header .eyebrow')).toHaveText(categoryLabels.en[doc.category]);
    await expect(page.locator('.document-header .meta span')).toHaveText([
      t.version(doc.version),
      t.updated(expectedDate('en', doc.updated)),
      t.readingTime(doc.readingMinutes),
    ]);
    await expect(page.locator('.site-header .prepared-for')).toHaveText(t.preparedFor(room.account.name));
    await expect(page.getByRole('link', { name: t.back })).toHaveAttribute('href', links.room('enActive'));
    await expect(page.getByRole('button', { name: t.print })).toBeVisible();
    await expect(page.getByRole('navigation', { name: t.toc }).getByRole('heading')).toHaveText(t.toc);
    await expect(page.locator('.notice-bar .privacy-notice')).toHaveText(t.privacy);
  });

  test('a Japanese document in an English room keeps the English UI', async ({ page, links }) => {
    const doc = readDocument('pricing');
    await page.goto(links.doc('enActive', 'pricing'));
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.locator('article.document')).toHaveAttribute('lang', 'ja');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(doc.title);
    await expect(page.locator('.document-header .meta span')).toHaveText([
      t.version(doc.version),
      t.updated(expectedDate('en', doc.updated)),
      t.readingTime(doc.readingMinutes),
    ]);
    await expect(page.locator('section.attachments h2')).toHaveText(t.attachments);
    await expect(page.getByRole('complementary', { name: t.yourContact }).locator('dt')).toHaveText([t.email, t.phone]);
  });
});

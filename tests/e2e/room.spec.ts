// The room page: what a prospect sees first when opening their link.
import { REMOVED_SLUG, expect, rooms, test } from './support/fixtures';
import { expectedDate } from './support/content';
import { categoryLabels, expectedDocuments, telHref, ui } from './support/expectations';

test.describe('Japanese room', () => {
  const room = rooms.ja;
  const t = ui.ja;

  test('greets the contact, shows the rep message and the rep contact card', async ({ page, links }) => {
    const response = await page.goto(links.room('jaActive'));
    expect(response?.status()).toBe(200);
    await expect(page.locator('html')).toHaveAttribute('lang', 'ja');
    await expect(page).toHaveTitle(t.roomTitle(room.account.name));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.roomTitle(room.account.name));
    // The opportunity name is the rep's internal deal name: never shown to the buyer.
    expect(await page.locator('body').innerText()).not.toContain(room.opportunityName);
    await expect(page.locator('.greeting')).toHaveText(t.greeting('山田 太郎'));

    // The message keeps the rep's paragraphs and is signed by the rep.
    const paragraphs = room.message.split(/\n{2,}/);
    const shown = page.locator('.rep-message p:not(.signature)');
    await expect(shown).toHaveCount(paragraphs.length);
    for (const [i, paragraph] of paragraphs.entries()) expect(await shown.nth(i).innerText()).toBe(paragraph);
    await expect(page.locator('.rep-message .signature')).toHaveText(`— ${room.rep.displayName}`);

    const card = page.getByRole('complementary', { name: t.yourContact });
    await expect(card.getByRole('heading', { level: 2 })).toHaveText(t.yourContact);
    await expect(card.locator('.rep-name')).toContainText(room.rep.displayName);
    await expect(card.locator('.rep-title')).toHaveText(room.rep.jobTitle);
    await expect(card.getByRole('link', { name: room.rep.email })).toHaveAttribute('href', `mailto:${room.rep.email}`);
    await expect(card.getByRole('link', { name: room.rep.phone })).toHaveAttribute('href', telHref(room.rep.phone));
    await expect(card.locator('dt')).toHaveText([t.email, t.phone]);

    await expect(page.locator('.notice-bar .privacy-notice')).toHaveText(t.privacy);
    // Everything is served as files: no inline script the CSP would have to allow.
    await expect(page.locator('script:not([src])')).toHaveCount(0);
    await expect(page.locator('[style]')).toHaveCount(0);
  });

  test('lists the documents in exactly the rep order, each with its category, summary, reading time and last update', async ({ page, links }) => {
    await page.goto(links.room('jaActive'));
    await expect(page.locator('#documents-heading')).toHaveText(t.documents);
    const documents = expectedDocuments(room.documents);
    // The scenario's two case studies are not adjacent: grouping by category would reorder them.
    const caseStudies = documents.flatMap((d, i) => (d.category === 'case-study' ? [i] : []));
    expect(caseStudies[1]! - caseStudies[0]!).toBeGreaterThan(1);

    const cards = page.locator('.documents li.document-card');
    await expect(cards).toHaveCount(documents.length);
    for (const [j, doc] of documents.entries()) {
      const card = cards.nth(j);
      await expect(card).toHaveAttribute('data-category', doc.category);
      await expect(card.locator('.category-label')).toHaveText(categoryLabels.ja[doc.category]);
      const link = card.locator('> a');
      await expect(link).toHaveText(doc.title);
      await expect(link).toHaveAttribute('href', links.doc('jaActive', doc.slug));
      await expect(link).toHaveAttribute('lang', doc.language);
      await expect(card.locator('.summary')).toHaveText(doc.summary);
      const meta = card.locator('.meta span');
      await expect(meta.nth(0)).toHaveText(t.readingTime(doc.readingMinutes));
      await expect(meta.nth(1)).toHaveText(t.updated(expectedDate('ja', doc.updated)));
      const extras: string[] = [];
      if (doc.language !== 'ja') extras.push(t.otherLanguage[doc.language]);
      if (doc.attachments.length) extras.push(`${t.attachments}: ${doc.attachments.length}`);
      await expect(meta).toHaveText([t.readingTime(doc.readingMinutes), t.updated(expectedDate('ja', doc.updated)), ...extras]);
    }
  });

  test('skips a document whose file was removed; its URL answers 404', async ({ page, links, request }) => {
    await page.goto(links.room('jaActive'));
    await expect(page.locator(`a[href$="/d/${REMOVED_SLUG}"]`)).toHaveCount(0);
    const response = await request.get(links.doc('jaActive', REMOVED_SLUG));
    expect(response.status()).toBe(404);
  });

  test('opens a document from the list and comes back', async ({ page, links }) => {
    await page.goto(links.room('jaActive'));
    const first = expectedDocuments(room.documents)[0]!;
    await page.getByRole('link', { name: first.title, exact: true }).click();
    await expect(page).toHaveURL(links.doc('jaActive', first.slug));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(first.title);
    await page.getByRole('link', { name: t.back }).click();
    await expect(page).toHaveURL(links.room('jaActive'));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.roomTitle(room.account.name));
  });

  test('prints every document in the rep order as one copy for circulation, with a cover and contents', async ({ page, links }) => {
    await page.addInitScript(() => {
      (window as unknown as { __prints: number }).__prints = 0;
      window.print = () => void ((window as unknown as { __prints: number }).__prints += 1);
    });
    await page.goto(links.room('jaActive'));
    await page.getByRole('link', { name: 'すべての資料をまとめて印刷（回覧用）' }).click();
    await expect(page).toHaveURL(`${links.room('jaActive')}/print`);
    const documents = expectedDocuments(room.documents);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.roomTitle(room.account.name));
    await expect(page.getByRole('navigation', { name: t.toc }).locator('li > a')).toHaveText(documents.map((d) => d.title));
    await expect(page.locator('article.print-document')).toHaveCount(documents.length);
    expect(await page.locator('article.print-document').evaluateAll((as) => as.map((a) => a.getAttribute('data-slug')))).toEqual(documents.map((d) => d.slug));
    expect(await page.locator('body').innerText()).not.toContain(room.opportunityName);

    await page.getByRole('button', { name: t.print }).click();
    expect(await page.evaluate(() => (window as unknown as { __prints: number }).__prints)).toBe(1);
    await page.emulateMedia({ media: 'print' });
    // Each document starts on a new page; the header says whom the copy is for.
    await expect(page.locator('article.print-document').first()).toHaveCSS('break-before', 'page');
    await expect(page.locator('.site-header .prepared-for')).toHaveText(t.preparedFor(room.account.name));
    await expect(page.locator('.breadcrumb')).toBeHidden();
  });

  test('a link whose expiry is still ahead opens the room', async ({ page, links }) => {
    const response = await page.goto(links.room('jaFutureExpiry'));
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.roomTitle(room.account.name));
  });
});

test.describe('English room', () => {
  const room = rooms.en;
  const t = ui.en;

  test('speaks English: texts, labels and dates', async ({ page, links }) => {
    const response = await page.goto(links.room('enActive'));
    expect(response?.status()).toBe(200);
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.roomTitle(room.account.name));
    await expect(page.locator('.greeting')).toHaveText(t.greeting('Jordan Smith'));
    await expect(page.locator('#documents-heading')).toHaveText(t.documents);
    await expect(page.locator('.rep-message .signature')).toHaveText(`— ${room.rep.displayName}`);

    const card = page.getByRole('complementary', { name: t.yourContact });
    await expect(card.locator('dt')).toHaveText([t.email, t.phone]);
    await expect(card.getByRole('link', { name: room.rep.phone })).toHaveAttribute('href', telHref(room.rep.phone));

    const documents = expectedDocuments(room.documents);
    const cards = page.locator('.documents li.document-card');
    await expect(cards.locator('.category-label')).toHaveText(documents.map((d) => categoryLabels.en[d.category]));
    for (const [j, doc] of documents.entries()) {
      const meta = cards.nth(j).locator('.meta span');
      const updated = t.updated(expectedDate('en', doc.updated));
      expect(updated).toMatch(/^Updated (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}$/);
      const extras: string[] = [];
      if (doc.language !== 'en') extras.push(t.otherLanguage[doc.language]);
      if (doc.attachments.length) extras.push(`${t.attachments}: ${doc.attachments.length}`);
      await expect(meta).toHaveText([t.readingTime(doc.readingMinutes), updated, ...extras]);
    }
    // The Japanese pricing document is offered, labelled as Japanese.
    await expect(page.locator('li.document-card', { has: page.locator('a[href$="/d/pricing"]') }).locator('.meta')).toContainText('Japanese');
    await expect(page.locator('.notice-bar .privacy-notice')).toHaveText(t.privacy);
    // No Japanese UI text leaks into the English room.
    const chrome = await page.locator('.site-header, .room-intro h1, .greeting, #documents-heading, .category-label, .meta, .rep-card, .notice-bar').allInnerTexts();
    expect(chrome.join('\n')).not.toMatch(/[\u3040-\u30ff]/);
  });
});

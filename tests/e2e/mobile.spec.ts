// Phones: most prospects open the link from an email on their phone. Nothing may scroll sideways.
import type { Page } from '@playwright/test';
import { expect, rooms, seeded, test } from './support/fixtures';
import { ui } from './support/expectations';

test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 });

async function expectNoHorizontalOverflow(page: Page) {
  const sizes = await page.evaluate(() => ({
    innerWidth: window.innerWidth,
    documentScrollWidth: document.documentElement.scrollWidth,
    bodyScrollWidth: document.body.scrollWidth,
  }));
  expect(sizes.innerWidth).toBe(390);
  expect(sizes.documentScrollWidth, `page is ${sizes.documentScrollWidth}px wide in a 390px window`).toBeLessThanOrEqual(sizes.innerWidth);
  expect(sizes.bodyScrollWidth).toBeLessThanOrEqual(sizes.innerWidth);
}

test('the room page fits a 390px phone, rep card included', async ({ page, links }) => {
  await page.goto(links.room('jaActive'));
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expectNoHorizontalOverflow(page);
  const card = page.locator('.rep-card');
  await card.scrollIntoViewIfNeeded();
  await expect(card.getByRole('link', { name: rooms.ja.rep.phone })).toBeInViewport();
  // The document list comes before the rep card on a phone (one column).
  const listBox = (await page.locator('.documents').boundingBox())!;
  const cardBox = (await card.boundingBox())!;
  expect(cardBox.y).toBeGreaterThan(listBox.y);
  expect(cardBox.x + cardBox.width).toBeLessThanOrEqual(390);
});

for (const [link, slug] of [
  ['jaActive', 'pricing'],
  ['jaActive', 'security-check-sheet'],
  ['jaActive', 'case-study-logistics-en'],
  ['enActive', 'product-overview-en'],
] as const) {
  test(`the ${slug} document fits a 390px phone; wide tables scroll inside themselves`, async ({ page, links }) => {
    await page.goto(links.doc(link, slug));
    await expect(page.locator('.document-body')).toBeVisible();
    await expectNoHorizontalOverflow(page);
    // Each table stays within the screen (it scrolls on its own if its content is wider).
    for (const table of await page.locator('.document-body table').all()) {
      const box = (await table.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
      // No column is squeezed to a character or two per line: the table scrolls sideways instead.
      const narrowest = await table.evaluate((t) =>
        Math.min(...[...t.querySelectorAll('th, td')].map((cell) => cell.getBoundingClientRect().width / parseFloat(getComputedStyle(cell).fontSize))),
      );
      expect(narrowest, 'narrowest cell, in em').toBeGreaterThanOrEqual(5);
    }
    await expect(page.getByRole('button', { name: link === 'enActive' ? ui.en.print : ui.ja.print })).toBeVisible();
  });
}

for (const [link, slug, t] of [
  ['jaActive', 'security-check-sheet', ui.ja],
  ['enActive', 'product-overview-en', ui.en],
] as const) {
  test(`the recording notice of the ${slug} page is seen without scrolling, in one line`, async ({ page, links }) => {
    await page.goto(links.doc(link, slug));
    const notice = page.locator('.privacy-notice');
    await expect(notice).toHaveText(t.privacy);
    await expect(notice).toBeInViewport();
    // A long page: the notice is above the document, not after it.
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeGreaterThan(844 * 2);
    const lines = await notice.evaluate((p) => {
      const style = getComputedStyle(p);
      return (p.getBoundingClientRect().height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom)) / parseFloat(style.lineHeight);
    });
    expect(lines).toBeLessThan(1.5);
  });
}

test("the rep's email breaks after the @ on a narrow card, never inside the domain", async ({ page, links }) => {
  await page.goto(links.room('jaActive'));
  const card = page.locator('.rep-card');
  // Narrower than any phone, so the address cannot fit on one line.
  await card.evaluate((el) => (el.style.width = '190px'));
  const email = card.getByRole('link', { name: rooms.ja.rep.email });
  await expect(email).toHaveAttribute('href', `mailto:${rooms.ja.rep.email}`);
  const lines = await email.evaluate((a) => {
    const domain = a.querySelector('.email-domain')!;
    return { link: a.getClientRects().length, domain: domain.getClientRects().length, text: domain.textContent };
  });
  expect(lines).toEqual({ link: 2, domain: 1, text: rooms.ja.rep.email.split('@')[1] });
});

test('a wide Japanese table scrolls sideways inside itself on a phone', async ({ page, links }) => {
  await page.goto(links.doc('jaActive', 'security-check-sheet'));
  const table = page.locator('.document-body table').first();
  const { scrollWidth, clientWidth } = await table.evaluate((t) => ({ scrollWidth: t.scrollWidth, clientWidth: t.clientWidth }));
  expect(scrollWidth).toBeGreaterThan(clientWidth);
  await expectNoHorizontalOverflow(page);
});

test('the 404 and 410 pages fit a 390px phone', async ({ page, guard }) => {
  guard.expectDocumentStatus(404, 410);
  await page.goto('/r/aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb');
  await expect(page.getByRole('heading', { name: ui.en.notFoundTitle })).toBeVisible();
  await expectNoHorizontalOverflow(page);
  await page.goto(`/r/${seeded().tokens.jaRevoked}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(ui.ja.revokedTitle);
  await expectNoHorizontalOverflow(page);
});

import { expect, test } from './support/fixtures';
test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
test('shots', async ({ page, links }) => {
  await page.goto(links.doc('jaActive', 'pricing'));
  await page.locator('.document-body table').first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'tests/.tmp/shots/pricing-table.png' });
  await page.goto(links.doc('jaActive', 'security-check-sheet'));
  await page.locator('.document-body table').first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'tests/.tmp/shots/security-table.png' });
  await page.goto(links.room('jaActive'));
  await page.screenshot({ path: 'tests/.tmp/shots/room.png', fullPage: true });
  expect(1).toBe(1);
});

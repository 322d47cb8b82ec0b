// Attachments: downloaded through the access link only, byte for byte, and only those the document declares.
import fs from 'node:fs';
import { expect, expectProspectHeaders, test } from './support/fixtures';
import { readContentFile, readDocument } from './support/content';

test('downloading the pricing PDF from the document page gives the file from content/', async ({ page, links }) => {
  const doc = readDocument('pricing');
  const attachment = doc.attachments.find((a) => a.file === 'pricing-2026.pdf')!;
  await page.goto(links.doc('jaActive', 'pricing'));
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: attachment.label }).click()]);
  expect(download.suggestedFilename()).toBe('pricing-2026.pdf');
  expect(new URL(download.url()).pathname).toBe(links.file('jaActive', 'pricing', 'pricing-2026.pdf'));
  const bytes = fs.readFileSync((await download.path())!);
  expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect(bytes.equals(readContentFile('pricing-2026.pdf'))).toBe(true);
  // Still on the document: a download never navigates away.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(doc.title);
});

test('the PDF is served as an attachment with its type, length and the prospect headers', async ({ request, links }) => {
  const response = await request.get(links.file('jaActive', 'pricing', 'pricing-2026.pdf'));
  expect(response.status()).toBe(200);
  const headers = response.headers();
  expect(headers['content-type']).toBe('application/pdf');
  expect(headers['content-disposition']).toBe('attachment; filename="pricing-2026.pdf"');
  const body = await response.body();
  expect(headers['content-length']).toBe(String(body.length));
  expect(body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expectProspectHeaders(response);
});

test('the CSV of the security check sheet is served as UTF-8 text, byte for byte', async ({ request, links }) => {
  const response = await request.get(links.file('jaActive', 'security-check-sheet', 'security-check-sheet.csv'));
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toBe('text/csv; charset=utf-8');
  expect(response.headers()['content-disposition']).toBe('attachment; filename="security-check-sheet.csv"');
  expect((await response.body()).equals(readContentFile('security-check-sheet.csv'))).toBe(true);
  expectProspectHeaders(response);
});

test('the same attachment in the English room downloads too (pricing is offered there)', async ({ request, links }) => {
  const response = await request.get(links.file('enActive', 'pricing', 'pricing-2026.pdf'));
  expect(response.status()).toBe(200);
  expect((await response.body()).equals(readContentFile('pricing-2026.pdf'))).toBe(true);
});

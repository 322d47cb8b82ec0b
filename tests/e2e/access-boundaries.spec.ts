// A link opens exactly its room's documents and their declared attachments: nothing else in
// content/, nothing outside it, whatever the path looks like.
import { expect, expectProspectHeaders, rawGet, rooms, seeded, test } from './support/fixtures';
import { readContentFile, readDocument } from './support/content';
import { ui } from './support/expectations';

test.describe('documents outside the room', () => {
  test('a document in content/ but not in this room is a 404 page that offers the way back', async ({ page, links, guard }) => {
    guard.expectDocumentStatus(404);
    const forbidden = readDocument('roi-model');
    const response = await page.goto(links.doc('jaActive', 'roi-model'));
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(ui.ja.notFoundTitle);
    await expect(page.getByRole('link', { name: ui.ja.back })).toHaveAttribute('href', links.room('jaActive'));
    // The link is real, so the rep is shown; the document is not.
    await expect(page.locator('.rep-card .rep-name')).toContainText(rooms.ja.rep.displayName);
    const text = await page.locator('body').innerText();
    expect(text).not.toContain(forbidden.title);
    expect(text).not.toContain(forbidden.summary);
    await expect(page.locator('.document-body')).toHaveCount(0);
  });

  test('the English room cannot open the Japanese room documents, nor their attachments', async ({ request, links }) => {
    const cases = [
      // roi-model is in content/ but in neither room: its page and any file it declares.
      links.doc('enActive', 'roi-model'),
      ...readDocument('roi-model').attachments.map((a) => links.file('jaActive', 'roi-model', a.file)),
      links.doc('enActive', 'security-check-sheet'),
      links.doc('enActive', 'case-study-manufacturing'),
      links.file('enActive', 'security-check-sheet', 'security-check-sheet.csv'),
      links.doc('jaActive', 'product-overview-en'),
      links.doc('jaActive', 'roi-model'),
    ];
    for (const path of cases) {
      const response = await request.get(path);
      expect(response.status(), path).toBe(404);
      expectProspectHeaders(response);
    }
  });

  test('an attachment is served only from the document that declares it', async ({ request, links }) => {
    const csv = readContentFile('security-check-sheet.csv');
    for (const path of [
      // Declared by security-check-sheet, asked for through pricing (both in the room).
      links.file('jaActive', 'pricing', 'security-check-sheet.csv'),
      links.file('jaActive', 'case-study-manufacturing', 'pricing-2026.pdf'),
      // Files in content/ that no frontmatter declares.
      links.file('jaActive', 'pricing', 'pricing.md'),
      links.file('jaActive', 'pricing', 'zz-not-declared.pdf'),
      // Case and extension games.
      links.file('jaActive', 'pricing', 'PRICING-2026.PDF'),
      links.file('jaActive', 'pricing', 'pricing-2026.pdf.md'),
      links.file('jaActive', 'pricing', 'pricing-2026'),
    ]) {
      const response = await request.get(path);
      expect(response.status(), path).toBe(404);
      expect(response.headers()['content-disposition'], path).toBeUndefined();
      const body = await response.body();
      expect(body.subarray(0, 4).toString('latin1'), path).not.toBe('%PDF');
      expect(body.equals(csv), path).toBe(false);
    }
  });
});

test.describe('path tricks', () => {
  // Sent byte for byte (see rawGet): browsers would resolve the dots before sending. Each one
  // aims outside the room: at files beside or above content/, or at a document the room lacks.
  const tricks = (token: string): string[] => [
    `/r/${token}/d/../../data/secret.key`,
    `/r/${token}/d/pricing/files/../../../../data/secret.key`,
    `/r/${token}/d/pricing/files/../../../../package.json`,
    `/r/${token}/d/pricing/files/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json`,
    `/r/${token}/d/pricing/files/..%2f..%2f..%2f..%2fdata%2fsecret.key`,
    `/r/${token}/d/pricing/files/..%5c..%5cpackage.json`,
    `/r/${token}/d/pricing/files/pricing-2026.pdf%00.md`,
    `/r/${token}/d/pricing/files/%2e%2e/%2e%2e/roi-model`,
    `/r/${token}/d/pricing/files/%2E%2E%2F%2E%2E%2Froi-model`,
    `/r/${token}/d/%2e%2e/files/pricing-2026.pdf`,
    `/r/${token}/d/..%2fpricing/files/pricing-2026.pdf`,
    `/r/${token}/d/pricing%2f..%2froi-model`,
    `/r/${token}/d/roi-model%2f..%2fpricing/files/pricing-2026.pdf`,
    `/r/${token}/d/pricing/files/%2fetc%2fpasswd`,
    `/r/${token}/d/pricing/files//etc/passwd`,
    `/r/${token}/d/pricing.md`,
    `/r/${token}/../../db/schema.ts`,
    `/r/${token}/d/pricing/../../../../content/pricing-2026.pdf`,
    `/../../../../etc/passwd`,
    `/content/pricing-2026.pdf`,
    `/content/pricing.md`,
    `/_astro/../../package.json`,
    `/_astro/%2e%2e/%2e%2e/package.json`,
    `/dist/server/entry.mjs`,
    `/db/migrations/0000_foundation.sql`,
    `/data/secret.key`,
    `/tests/.tmp/e2e/fixtures.json`,
  ];

  test('dots, encoded dots and undeclared names answer 404, never a file', async () => {
    const token = seeded().tokens.jaActive;
    const forbiddenBytes = [readContentFile('pricing-2026.pdf'), readContentFile('security-check-sheet.csv')];
    // Double encoding is refused by the node adapter (it logs "Multi-level URL encoding is not allowed").
    for (const path of [...tricks(token), `/r/${token}/d/pricing/files/%252e%252e%252f%252e%252e%252fpackage.json`]) {
      const response = await rawGet(path);
      expect(response.status, path).toBe(404);
      expect(response.headers['content-disposition'], path).toBeUndefined();
      expect(String(response.headers['content-type']), path).toContain('text/html');
      const body = response.body.toString('utf8');
      expect(body, path).toContain(ui.ja.notFoundTitle);
      for (const leak of ['%PDF', 'sqliteTable', '"devDependencies"', 'root:x:0:0', 'CREATE TABLE', seeded().tokens.enActive, seeded().tokens.jaRevoked]) {
        expect(body, `${path} leaks ${leak}`).not.toContain(leak);
      }
      for (const bytes of forbiddenBytes) expect(response.body.equals(bytes), path).toBe(false);
    }
  });

  test('dot segments resolve like in a browser, and only to pages the link may open', async () => {
    const token = seeded().tokens.jaActive;
    const pricing = await rawGet(`/r/${token}/d/pricing`);
    expect(pricing.status).toBe(200);
    for (const path of [`/r/${token}/d/roi-model/%2e%2e/pricing`, `/r/${token}/d/pricing/files/..`, `/r/${token}/d/pricing/files/%2e%2e`]) {
      const response = await rawGet(path);
      expect(response.status, path).toBe(200);
      expect(String(response.headers['content-type']), path).toContain('text/html');
      expect(response.headers['content-disposition'], path).toBeUndefined();
      // Exactly the pricing page the link may open anyway; nothing of roi-model.
      expect(response.body.toString('utf8'), path).toBe(pricing.body.toString('utf8'));
    }
  });

  test('the same tricks through a revoked link answer 404 or 410, never a file', async () => {
    const token = seeded().tokens.jaRevoked;
    for (const path of tricks(token)) {
      const response = await rawGet(path);
      expect([404, 410], path).toContain(response.status);
      expect(response.body.subarray(0, 4).toString('latin1'), path).not.toBe('%PDF');
    }
  });
});

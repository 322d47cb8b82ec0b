// Links that open nothing: unknown (404, says nothing), revoked or expired (410, names the rep to ask).
import { accountsById, contactsById, expect, reps, rooms, seeded, test, type LinkName } from './support/fixtures';
import { readDocument } from './support/content';
import { ui } from './support/expectations';
import type { Page } from '@playwright/test';

/** A token of the right shape that no link has. */
const unknownToken = 'aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

/** The id of a real link with another secret: must look exactly like an unknown token. */
function wrongSecretToken(): string {
  const [id, secret] = seeded().tokens.jaActive.split('.') as [string, string];
  return `${id}.${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`;
}

/** Anything from the scenario a page for a dead link must not reveal. */
const secrets = [
  ...Object.values(accountsById).map((a) => a.name),
  ...Object.values(contactsById).map((c) => c.name),
  ...Object.values(rooms).map((r) => r.opportunityName),
  ...Object.values(rooms).map((r) => r.message.split('\n').pop()!),
];

async function expectNothingRevealed(page: Page, except: string[] = []) {
  const text = await page.locator('body').innerText();
  for (const secret of secrets.filter((s) => !except.includes(s))) expect(text).not.toContain(secret);
  for (const slug of ['pricing', 'security-check-sheet', 'product-overview-en']) expect(text).not.toContain(readDocument(slug).title);
  await expect(page.locator('a[href*="/d/"]')).toHaveCount(0);
}

test.describe('unknown links', () => {
  test('a wrong token shows a bilingual 404 without any rep details', async ({ page, guard }) => {
    guard.expectDocumentStatus(404);
    const response = await page.goto(`/r/${unknownToken}`);
    expect(response?.status()).toBe(404);
    await expect(page.locator('.unavailable')).toHaveAttribute('data-reason', 'not-found');
    await expect(page.locator('.unavailable [lang="ja"] h1')).toHaveText(ui.ja.notFoundTitle);
    await expect(page.locator('.unavailable [lang="ja"] p')).toContainText(ui.ja.notFoundBody);
    await expect(page.locator('.unavailable [lang="en"] h1')).toHaveText(ui.en.notFoundTitle);
    await expect(page.locator('.unavailable [lang="en"] p')).toContainText(ui.en.notFoundBody);
    await expect(page.locator('.rep-card')).toHaveCount(0);
    const text = await page.locator('body').innerText();
    for (const rep of Object.values(reps)) {
      expect(text).not.toContain(rep.displayName);
      expect(text).not.toContain(rep.email);
      expect(text).not.toContain(rep.phone);
    }
    await expectNothingRevealed(page);
  });

  test('a real link id with a wrong secret answers exactly like an unknown token', async ({ request }) => {
    const unknown = await request.get(`/r/${unknownToken}`);
    const wrongSecret = await request.get(`/r/${wrongSecretToken()}`);
    expect(unknown.status()).toBe(404);
    expect(wrongSecret.status()).toBe(404);
    expect(await wrongSecret.text()).toBe(await unknown.text());
  });

  for (const token of ['junk', unknownToken.toUpperCase(), `${unknownToken}x`, '']) {
    test(`malformed token "${token}" answers 404 on every prospect path`, async ({ request }) => {
      for (const path of [`/r/${token}`, `/r/${token}/d/pricing`, `/r/${token}/d/pricing/files/pricing-2026.pdf`]) {
        const response = await request.get(path);
        expect(response.status(), path).toBe(404);
        expect((await response.body()).subarray(0, 4).toString('latin1'), path).not.toBe('%PDF');
      }
    });
  }

  test('unknown and wrong-secret tokens answer 404 for documents and attachments too', async ({ request }) => {
    for (const token of [unknownToken, wrongSecretToken()]) {
      for (const path of [`/r/${token}/d/pricing`, `/r/${token}/d/pricing/files/pricing-2026.pdf`]) {
        const response = await request.get(path);
        expect(response.status(), path).toBe(404);
        expect(await response.text(), path).toContain(ui.ja.notFoundTitle);
      }
    }
  });
});

interface GoneCase {
  link: LinkName;
  title: string;
  body: string;
  rep: (typeof reps)[keyof typeof reps];
  lang: 'ja' | 'en';
  reason: 'revoked' | 'expired';
}

const goneCases: GoneCase[] = [
  { link: 'jaRevoked', reason: 'revoked', title: ui.ja.revokedTitle, body: ui.ja.goneBody, rep: reps.sato, lang: 'ja' },
  { link: 'jaExpired', reason: 'expired', title: ui.ja.expiredTitle, body: ui.ja.goneBody, rep: reps.sato, lang: 'ja' },
  { link: 'expiredRoom', reason: 'expired', title: ui.ja.expiredTitle, body: ui.ja.goneBody, rep: reps.tanaka, lang: 'ja' },
  { link: 'enRevoked', reason: 'revoked', title: ui.en.revokedTitle, body: ui.en.goneBody, rep: reps.lee, lang: 'en' },
];

test.describe('links that stopped working', () => {
  for (const c of goneCases) {
    test(`${c.link}: 410 names the rep to ask for a new link, and nothing of the room`, async ({ page, guard }) => {
      guard.expectDocumentStatus(410);
      const response = await page.goto(`/r/${seeded().tokens[c.link]}`);
      expect(response?.status()).toBe(410);
      await expect(page.locator('html')).toHaveAttribute('lang', c.lang);
      await expect(page.locator('.unavailable')).toHaveAttribute('data-reason', c.reason);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(c.title);
      await expect(page.locator('.unavailable p')).toHaveText(c.body);
      const card = page.getByRole('complementary', { name: ui[c.lang].yourContact });
      await expect(card.locator('.rep-name')).toContainText(c.rep.displayName);
      await expect(card.getByRole('link', { name: c.rep.email })).toHaveAttribute('href', `mailto:${c.rep.email}`);
      await expect(card.getByRole('link', { name: c.rep.phone })).toBeVisible();
      // Only this link's rep: no other rep is named.
      const text = await page.locator('body').innerText();
      for (const other of Object.values(reps).filter((r) => r !== c.rep)) expect(text).not.toContain(other.displayName);
      await expectNothingRevealed(page);
    });

    test(`${c.link}: documents and attachments answer 410 as well, never the file`, async ({ request }) => {
      const token = seeded().tokens[c.link];
      const slug = c.link === 'expiredRoom' ? 'case-study-manufacturing' : 'pricing';
      for (const path of [`/r/${token}/d/${slug}`, `/r/${token}/d/pricing/files/pricing-2026.pdf`]) {
        const response = await request.get(path);
        expect(response.status(), path).toBe(410);
        expect(response.headers()['content-type'], path).toContain('text/html');
        const body = await response.text();
        expect(body, path).toContain(c.title);
        expect(body, path).not.toContain('%PDF');
      }
    });
  }
});

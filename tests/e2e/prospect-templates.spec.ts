// The built server renders each room's pages once as templates and fills in every link's own token
// and contact (docs/adr/0006). Two links of one room must each get a page with only their own values,
// exactly what Astro renders for that link, with a hostile contact name shown as text; revoking a
// link whose page came from a template stops it on the next request. Runs on its own server: it adds
// a room the shared server's specs do not expect.
import { openDatabase } from '../../src/server/db/client';
import { accounts, contacts, opportunities, roomDocuments, rooms } from '../../db/schema';
import { createAccessLink, revokeAccessLink } from '../../src/server/access-links/access-links';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { E2E_SECRET_KEY } from './support/env';
import { expect, expectProspectHeaders, reps, test } from './support/fixtures';
import { startSecondServer, type SecondServer } from './support/second-server';

const BROWSER_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
// HTML, quotes, an ampersand and text shaped like the server's marks (letters + 32 hex digits).
const HOSTILE = `"><img src=x onerror="document.title='pwned'"> ringitoken${'0'.repeat(32)} & ringicontact${'f'.repeat(32)}`;
const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;').replace(/"/g, '&quot;');

let server: SecondServer;
const links: { id: string; token: string; contact: string }[] = [];

test.beforeAll(async () => {
  server = await startSecondServer({});
  const db = openDatabase(server.databasePath);
  try {
    const key = parseSecretKey(E2E_SECRET_KEY);
    await db.insert(accounts).values({ id: 'tpl-account', name: '株式会社テンプレート' });
    await db.insert(opportunities).values({ id: 'tpl-opp', accountId: 'tpl-account', name: '全社導入', stage: 3, channel: 'event', ownerUserId: reps.sato.id });
    await db.insert(rooms).values({ id: 'tpl-room', opportunityId: 'tpl-opp', locale: 'ja', message: 'ご確認ください。' });
    await db.insert(roomDocuments).values([{ roomId: 'tpl-room', documentSlug: 'pricing', position: 0 }, { roomId: 'tpl-room', documentSlug: 'security-check-sheet', position: 1 }]);
    for (const [id, name] of [['tpl-contact-a', '高橋 直子'], ['tpl-contact-b', HOSTILE]] as const) {
      await db.insert(contacts).values({ id, accountId: 'tpl-account', name });
      links.push({ ...await createAccessLink(db, key, { roomId: 'tpl-room', contactId: id }), contact: name });
    }
  } finally {
    db.$client.close();
  }
});

test.afterAll(async () => {
  await server?.stop();
});

async function get(path: string) {
  const response = await fetch(server.baseURL + path, { headers: { 'user-agent': BROWSER_UA, accept: 'text/html' } });
  return { response, body: await response.text() };
}

test('two links of one room: each page carries only its own contact and token, as Astro renders it', async () => {
  const [a, b] = links as [(typeof links)[0], (typeof links)[0]];
  for (const suffix of ['', '/d/pricing', '/d/security-check-sheet']) {
    for (const [link, other] of [[a, b], [b, a]] as const) {
      const { response, body } = await get(`/r/${link.token}${suffix}`);
      expect(response.status).toBe(200);
      expectProspectHeaders({ headers: () => Object.fromEntries(response.headers), url: () => response.url });
      expect(body).toContain(`/r/${link.token}`);
      expect(body).not.toContain(other.token);
      expect(body).not.toContain(other.token.split('.')[0]);
      expect(body.split(escaped(link.contact)).join(''), 'no mark left unfilled').not.toMatch(/ringi(?:token|contact)[0-9a-f]{32}/);
      if (suffix === '') {
        expect(body).toContain(`${escaped(link.contact)} 様`);
        expect(body).not.toContain(escaped(other.contact));
      }
      // A query string always goes through Astro: the page from the template is the same bytes.
      const direct = await get(`/r/${link.token}${suffix}?render=astro`);
      expect(direct.response.status).toBe(200);
      expect(body).toBe(direct.body);
    }
  }
});

test('a hostile contact name is shown as text in a real browser, and injects nothing', async ({ browser }) => {
  // A person's browser (not HeadlessChrome, which is classified as a tool and always goes through Astro).
  const context = await browser.newContext({ baseURL: server.baseURL, userAgent: BROWSER_UA, locale: 'ja-JP' });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`/r/${links[1]!.token}`);
    await expect(page.locator('.greeting')).toHaveText(`${HOSTILE} 様`);
    await expect(page.locator('img[src="x"]')).toHaveCount(0);
    await expect(page).not.toHaveTitle('pwned');
    expect(errors).toEqual([]);
  } finally {
    await context.close();
  }
});

test('revoking a link whose page came from a template stops it on the next request; the room other link goes on', async () => {
  const [a, b] = links as [(typeof links)[0], (typeof links)[0]];
  for (const link of [a, b]) expect((await get(`/r/${link.token}/d/pricing`)).response.status).toBe(200);
  const db = openDatabase(server.databasePath);
  try {
    await revokeAccessLink(db, b.id, new Date(Date.now() - 1000));
  } finally {
    db.$client.close();
  }
  const revoked = await get(`/r/${b.token}/d/pricing`);
  expect(revoked.response.status).toBe(410);
  expect(revoked.body).not.toContain(b.token);
  expect((await get(`/r/${b.token}`)).response.status).toBe(410);
  expect((await get(`/r/${a.token}/d/pricing`)).response.status).toBe(200);
});

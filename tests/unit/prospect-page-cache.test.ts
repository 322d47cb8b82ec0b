import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, contacts, opportunities, roomDocuments, rooms, users } from '../../src/server/db/tables';
import { createAccessLink, revokeAccessLink } from '../../src/server/access-links/access-links';
import {
  compileTemplate,
  createTemplateMarks,
  escapeHtml,
  fillTemplate,
  lookUpProspectPage,
  matchProspectPagePath,
  PageTemplateCache,
  ProspectPages,
  renderedPage,
  type PageTemplate,
  type RenderedPage,
  type TemplateRenderer,
} from '../../src/server/http/prospect-page-cache';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { updateSettings } from '../../src/server/settings/settings';
import { useTempDatabase } from './support/temp-db';
import { changeLastCharacter } from './support/tamper';

const db = useTempDatabase();
const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));
const now = new Date('2026-11-22T10:00:00Z');
const browser = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const TOKEN = 'abcdefghijklmnop.abcdefghijklmnopqrstuvwxyz234567';
const marks = createTemplateMarks();
const html = { 'content-type': 'text/html; charset=utf-8' };

function page(text: string, headers: http.OutgoingHttpHeaders = html, status = 200): RenderedPage {
  return { status, headers, body: Buffer.from(text) };
}

function template(text: string): PageTemplate {
  const compiled = compileTemplate(page(text), marks);
  if (!compiled) throw new Error(`not a template: ${text}`);
  return compiled;
}

describe('prospect page paths', () => {
  it('match the room page and a document page, nothing else', () => {
    expect(matchProspectPagePath(`/r/${TOKEN}`)).toEqual({ token: TOKEN, slug: undefined });
    expect(matchProspectPagePath(`/r/${TOKEN}/d/pricing`)).toEqual({ token: TOKEN, slug: 'pricing' });
    expect(matchProspectPagePath(`/r/${TOKEN}?x=1`)).toBeNull();
    expect(matchProspectPagePath(`/r/${TOKEN}/d/pricing/files/a.pdf`)).toBeNull();
    expect(matchProspectPagePath(`/r/${TOKEN}/d/../pricing`)).toBeNull();
    expect(matchProspectPagePath(`/r/${TOKEN}/views`)).toBeNull();
    expect(matchProspectPagePath(`/r/${TOKEN.toUpperCase()}`)).toBeNull();
  });
});

describe('page templates', () => {
  it('marks are unguessable letters and digits, new for every process', () => {
    const other = createTemplateMarks();
    for (const mark of [marks.token, marks.contact]) expect(mark).toMatch(/^[a-z]+[0-9a-f]{32}$/);
    expect(other.token).not.toBe(marks.token);
    expect(other.contact).not.toBe(marks.contact);
  });

  it('fill every slot with the link own token and contact, escaped as Astro escapes', () => {
    const t = template(`<a href="/r/${marks.token}/d/x">x</a><p>${marks.contact} 様</p><div data-start-path="/r/${marks.token}/views"></div>`);
    expect(t.slots).toEqual(['token', 'contact', 'token']);
    expect(fillTemplate(t, { token: TOKEN, contact: '山田 太郎' }).toString()).toBe(
      `<a href="/r/${TOKEN}/d/x">x</a><p>山田 太郎 様</p><div data-start-path="/r/${TOKEN}/views"></div>`,
    );
    expect(escapeHtml(`<b a='1' b="2">&amp;</b>`)).toBe('&lt;b a=&#39;1&#39; b=&quot;2&quot;&gt;&amp;amp;&lt;/b&gt;');
  });

  it('a contact name with HTML or the mark syntax cannot inject anything', () => {
    const t = template(`<p title="${marks.contact}">${marks.contact}</p><a href="/r/${marks.token}">room</a>`);
    const hostile = `"><script>alert(1)</script>${marks.token}${marks.contact}ringitoken${'0'.repeat(32)}'`;
    const filled = fillTemplate(t, { token: TOKEN, contact: hostile }).toString();
    expect(filled).not.toContain('<script>');
    expect(filled).not.toContain('"><');
    // The marks inside the value are text, not slots: one pass over the template, never over a value.
    expect(filled.split(TOKEN)).toHaveLength(2);
    expect(filled).toBe(`<p title="${escapeHtml(hostile)}">${escapeHtml(hostile)}</p><a href="/r/${TOKEN}">room</a>`);
    expect(filled.match(/<[a-z/]/g)).toEqual(['<p', '</', '<a', '</']);
  });

  it('are refused where a value would be unsafe or the page is not a plain HTML answer', () => {
    const link = `<a href="/r/${marks.token}">room</a>`;
    expect(compileTemplate(page(`${link}<script>const name = "${marks.contact}";</script>`), marks)).toBeNull();
    expect(compileTemplate(page(`${link}<style>p::after { content: "${marks.contact}" }</style>`), marks)).toBeNull();
    expect(compileTemplate(page(`${link}<a href="${marks.contact}">x</a>`), marks)).toBeNull();
    expect(compileTemplate(page(`${link}<a title=${marks.contact}>x</a>`), marks)).toBeNull();
    expect(compileTemplate(page(`<p>${marks.contact}</p>`), marks)).toBeNull(); // no token: not rendered from the template room
    expect(compileTemplate(page(link, { ...html, location: `/r/${marks.token}` }), marks)).toBeNull();
    expect(compileTemplate(page(link, { ...html, 'set-cookie': 'a=1' }), marks)).toBeNull();
    expect(compileTemplate(page(link, { 'content-type': 'application/json' }), marks)).toBeNull();
    expect(compileTemplate(page(link, html, 404), marks)).toBeNull();
    // A script elsewhere on the page is fine while the name stays out of it.
    expect(compileTemplate(page(`<script type="module" src="/a.js"></script>${link}<p>${marks.contact}</p><script>1</script>`), marks)).not.toBeNull();
  });
});

describe('the template cache', () => {
  it('answers only for the same fingerprint, and forgets a stale template', () => {
    const cache = new PageTemplateCache();
    cache.set('r1/', 'v1', template(`one ${marks.token}`));
    expect(cache.get('r1/', 'v1')?.parts[0]?.toString()).toBe('one ');
    expect(cache.get('r1/', 'v2')).toBeUndefined();
    expect(cache.get('r1/', 'v1')).toBeUndefined();
    expect(cache.totalBytes).toBe(0);
    cache.set('r1/x', 'v1', null); // remembered: that page is left to Astro
    expect(cache.get('r1/x', 'v1')).toBeNull();
  });

  it('drops the least recently used template past its count or byte bound', () => {
    const withBytes = (n: number) => template(`${marks.token}${'x'.repeat(n)}`);
    const size = withBytes(0).bytes;
    const cache = new PageTemplateCache(2, size * 2 + 10);
    cache.set('a', 'f', withBytes(3));
    cache.set('b', 'f', withBytes(3));
    cache.get('a', 'f'); // a is now the most recent
    cache.set('c', 'f', withBytes(3));
    expect(cache.get('b', 'f')).toBeUndefined();
    expect(cache.get('a', 'f')).toBeDefined();
    cache.set('d', 'f', withBytes(8)); // (size + 3) + (size + 8) > the bound
    expect(cache.size).toBe(1);
    expect(cache.totalBytes).toBe(size + 8);
    cache.set('e', 'f', withBytes(size * 3)); // larger than the whole bound: not kept
    expect(cache.get('e', 'f')).toBeUndefined();
  });
});

describe('looking up a prospect page', () => {
  const tokens: string[] = [];
  let firstLinkId = '';

  beforeAll(async () => {
    await db.insert(users).values({ id: 'u1', email: 'rep@example.com', displayName: '佐藤 健太' });
    await db.insert(accounts).values({ id: 'a1', name: '株式会社テスト' });
    await db.insert(contacts).values({ id: 'c1', accountId: 'a1', name: '山田 太郎' });
    await db.insert(contacts).values({ id: 'c2', accountId: 'a1', name: `鈴木 "<b>花子</b>" & ${marks.contact}` });
    await db.insert(opportunities).values({ id: 'o1', accountId: 'a1', name: '全社導入', stage: 3, amountJpy: 1_000_000, channel: 'event', ownerUserId: 'u1' });
    await db.insert(rooms).values({ id: 'r1', opportunityId: 'o1', message: 'よろしくお願いします', locale: 'ja' });
    await db.insert(roomDocuments).values({ roomId: 'r1', documentSlug: 'pricing', position: 0 });
    const first = await createAccessLink(db, key, { roomId: 'r1', contactId: 'c1' });
    firstLinkId = first.id;
    tokens.push(first.token, (await createAccessLink(db, key, { roomId: 'r1', contactId: 'c2' })).token);
  });

  const request = (url: string, headers: http.IncomingHttpHeaders = { 'user-agent': browser }, method = 'GET') => ({ method, url, headers });

  it('shares one template between the links of a room, page by page', async () => {
    const cache = new PageTemplateCache();
    const [a, b] = await Promise.all(tokens.map((t) => lookUpProspectPage(db, cache, request(`/r/${t}/d/pricing`), now)));
    if (a?.kind !== 'template' || b?.kind !== 'template') throw new Error('expected template lookups');
    expect(a.template).toBeUndefined();
    expect([a.key, a.fingerprint]).toEqual([b.key, b.fingerprint]);
    expect(a.room.contactName).toBe('山田 太郎');
    expect(b.room.contactName).toContain('鈴木');
    const room = await lookUpProspectPage(db, cache, request(`/r/${tokens[0]}`), now);
    expect(room.kind === 'template' && room.key).not.toBe(a.key);
    cache.set(a.key, a.fingerprint, template(`doc ${marks.token}`));
    const again = await lookUpProspectPage(db, cache, request(`/r/${tokens[1]}/d/pricing`), now);
    expect(again.kind === 'template' && again.template?.parts[0]?.toString()).toBe('doc ');
  });

  it('leaves to Astro whatever Astro must answer or record', async () => {
    const cache = new PageTemplateCache();
    const astro = async (r: ReturnType<typeof request>) => (await lookUpProspectPage(db, cache, r, now)).kind;
    const token = tokens[0]!;
    expect(await astro(request(`/r/${token}/d/roi-model`))).toBe('astro'); // not offered: 404 page
    expect(await astro(request(`/r/${token}/d/pricing`, { 'user-agent': browser }, 'HEAD'))).toBe('astro');
    expect(await astro(request(`/r/${token}/d/pricing`, { 'user-agent': 'Mozilla/5.0 (compatible; Slackbot-LinkExpanding 1.0; +https://api.slack.com/robots)' }))).toBe('astro');
    expect(await astro(request(`/r/${token}/d/pricing`, { 'user-agent': browser, 'sec-purpose': 'prefetch' }))).toBe('astro');
    expect(await astro(request(`/r/${token}/d/pricing`, { 'user-agent': browser, cookie: 'a=1; ringi_session=x.y' }))).toBe('astro');
    expect(await astro(request(`/r/${changeLastCharacter(token)}/d/pricing`))).toBe('astro'); // wrong secret
  });

  it('misses as soon as anything the page prints changes, and stops at revocation', async () => {
    const cache = new PageTemplateCache();
    const url = `/r/${tokens[0]}`;
    const before = await lookUpProspectPage(db, cache, request(url), now);
    if (before.kind !== 'template') throw new Error('expected a template lookup');
    cache.set(before.key, before.fingerprint, template(`old message ${marks.token}`));

    await db.update(rooms).set({ message: '新しいメッセージ' }).where(eq(rooms.id, 'r1'));
    expect(await lookUpProspectPage(db, cache, request(url), now)).toMatchObject({ kind: 'template', template: undefined });

    const current = await lookUpProspectPage(db, cache, request(url), now);
    if (current.kind !== 'template') throw new Error('expected a template lookup');
    cache.set(current.key, current.fingerprint, template(`new message ${marks.token}`));
    expect((await updateSettings(db, { id: 'u1', role: 'admin' }, { organisationName: '株式会社リンギ' }, { env: {} })).ok).toBe(true);
    const afterBranding = await lookUpProspectPage(db, cache, request(url), new Date(now.getTime() + 60_000)); // past the branding cache
    expect(afterBranding).toMatchObject({ kind: 'template', template: undefined });

    const expiring = await createAccessLink(db, key, { roomId: 'r1', contactId: 'c1', expiresAt: new Date(now.getTime() + 30 * 60_000) });
    expect(await lookUpProspectPage(db, cache, request(`/r/${expiring.token}`), now)).toMatchObject({ kind: 'template', key: current.key });
    expect((await lookUpProspectPage(db, cache, request(`/r/${expiring.token}`), new Date(now.getTime() + 30 * 60_000))).kind).toBe('astro');

    await revokeAccessLink(db, firstLinkId, now);
    expect((await lookUpProspectPage(db, cache, request(url), new Date(now.getTime() + 60_000))).kind).toBe('astro');
    expect((await lookUpProspectPage(db, cache, request(`/r/${tokens[1]}`), new Date(now.getTime() + 60_000))).kind).toBe('template');
  });
});

describe('serving pages from templates over HTTP', () => {
  let server: http.Server;
  let base = '';
  const renders: string[] = [];
  let astroAnswers = 0;
  const tokens: string[] = [];

  // Stands in for Astro's page (the real pages are checked end to end in tests/e2e/room.spec.ts and
  // prospect-templates.spec.ts): rendered from the room it is given, answered as a Response.
  const astroPage = (path: string, room: { accountName: string; contactName: string }) => {
    const token = /^\/r\/([^/?]+)/.exec(path)?.[1] ?? '';
    const body = `<h1>${escapeHtml(room.accountName)}</h1><p>${escapeHtml(room.contactName)} 様</p><a href="/r/${token}/d/pricing">pricing</a>`;
    return new Response(body, { headers: { 'Content-Type': 'text/html; charset=utf-8', 'X-Robots-Tag': 'noindex' } });
  };
  const render: TemplateRenderer = async (path, room) => {
    await Promise.resolve();
    renders.push(path);
    return astroPage(path, room);
  };
  const astro = (_req: http.IncomingMessage, res: http.ServerResponse) => {
    astroAnswers++;
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('from astro');
  };

  beforeAll(async () => {
    await db.insert(accounts).values({ id: 'a2', name: '<i>A&B</i>' });
    await db.insert(contacts).values({ id: 'c3', accountId: 'a2', name: '田中 一郎' });
    await db.insert(contacts).values({ id: 'c4', accountId: 'a2', name: `<img src=x onerror=alert(1)> ${'"'}` });
    await db.insert(opportunities).values({ id: 'o2', accountId: 'a2', name: '試験導入', stage: 2, channel: 'event', ownerUserId: 'u1' });
    await db.insert(rooms).values({ id: 'r2', opportunityId: 'o2', locale: 'ja' });
    await db.insert(roomDocuments).values({ roomId: 'r2', documentSlug: 'pricing', position: 0 });
    tokens.push((await createAccessLink(db, key, { roomId: 'r2', contactId: 'c3' })).token, (await createAccessLink(db, key, { roomId: 'r2', contactId: 'c4' })).token);
    const pages = new ProspectPages(db, render);
    server = http.createServer((req, res) => void pages.serve(req, res, astro));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const get = (path: string) => fetch(base + path, { headers: { 'user-agent': browser } });

  it('renders one template for two links of a room, and each page carries only its own contact and token', async () => {
    const [first, second] = await Promise.all(tokens.map((t) => get(`/r/${t}`)));
    expect(renders).toHaveLength(1); // both waited for the same render
    expect(renders[0]).not.toContain(tokens[0]!.slice(0, 16));
    const bodies = [await first!.text(), await second!.text()];
    expect(bodies[0]).toBe(`<h1>&lt;i&gt;A&amp;B&lt;/i&gt;</h1><p>田中 一郎 様</p><a href="/r/${tokens[0]}/d/pricing">pricing</a>`);
    expect(bodies[1]).toBe(`<h1>&lt;i&gt;A&amp;B&lt;/i&gt;</h1><p>&lt;img src=x onerror=alert(1)&gt; &quot; 様</p><a href="/r/${tokens[1]}/d/pricing">pricing</a>`);
    expect(bodies[0]).not.toContain(tokens[1]);
    expect(bodies[1]).not.toContain(tokens[0]);
    expect(bodies[1]).not.toContain('田中');
    expect(first!.headers.get('x-robots-tag')).toBe('noindex');
    expect(first!.headers.get('content-length')).toBe(String(Buffer.byteLength(bodies[0]!)));
    expect(astroAnswers).toBe(0);
  });

  it('renders a template per page, and leaves everything else to Astro', async () => {
    expect(await (await get(`/r/${tokens[1]}/d/pricing`)).text()).toContain(`/r/${tokens[1]}/d/pricing`);
    expect(renders).toHaveLength(2);
    expect(await (await get(`/r/${tokens[0]}/d/pricing`)).text()).toContain('田中 一郎');
    expect(renders).toHaveLength(2);
    expect(await (await get(`/r/${tokens[0]}?preview=1`)).text()).toBe('from astro');
    expect(await (await get(`/r/${changeLastCharacter(tokens[0]!)}`)).text()).toBe('from astro');
    expect(astroAnswers).toBe(2);
  });

  it('reads a rendered Response whole; a cookie or a failed render leaves the page to Astro', async () => {
    const rendered = await renderedPage(astroPage(`/r/${marks.token}`, { accountName: 'X', contactName: marks.contact }));
    expect(rendered).toEqual({
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', 'x-robots-tag': 'noindex' },
      body: Buffer.from(`<h1>X</h1><p>${marks.contact} 様</p><a href="/r/${marks.token}/d/pricing">pricing</a>`),
    });
    expect(compileTemplate(rendered, marks)).not.toBeNull();
    const withCookie = new Response(`<a href="/r/${marks.token}">x</a>`, { headers: [['content-type', 'text/html'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2']] });
    const cookiePage = await renderedPage(withCookie);
    expect(cookiePage.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(compileTemplate(cookiePage, marks)).toBeNull();

    const before = astroAnswers;
    const failing = new ProspectPages(db, () => Promise.reject(new Error('boom')));
    const unrouted = new ProspectPages(db, async () => null);
    for (const pages of [failing, unrouted]) {
      const local = http.createServer((req, res) => void pages.serve(req, res, astro));
      await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
      const answer = await fetch(`http://127.0.0.1:${(local.address() as AddressInfo).port}/r/${tokens[0]}`, { headers: { 'user-agent': browser } });
      expect(await answer.text()).toBe('from astro');
      await new Promise((resolve) => local.close(resolve));
    }
    expect(astroAnswers).toBe(before + 2);
  });
});

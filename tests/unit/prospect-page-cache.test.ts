import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, contacts, opportunities, roomDocuments, rooms, users } from '../../db/schema';
import { createAccessLink, revokeAccessLink } from '../../src/server/access-links/access-links';
import {
  captureRenderedPage,
  lookUpProspectPage,
  matchProspectPagePath,
  RenderedPageCache,
  sendRenderedPage,
  type RenderedPage,
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

function page(text: string): RenderedPage {
  return { status: 200, headers: { 'content-type': 'text/html' }, body: Buffer.from(text) };
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

describe('the rendered page cache', () => {
  it('answers only for the same fingerprint, and forgets a stale page', () => {
    const cache = new RenderedPageCache();
    cache.set('/a', 'v1', page('one'));
    expect(cache.get('/a', 'v1')?.body.toString()).toBe('one');
    expect(cache.get('/a', 'v2')).toBeUndefined();
    expect(cache.get('/a', 'v1')).toBeUndefined();
    expect(cache.totalBytes).toBe(0);
  });

  it('drops the least recently used page past its count or byte bound', () => {
    const cache = new RenderedPageCache(2, 10);
    cache.set('/a', 'f', page('aaa'));
    cache.set('/b', 'f', page('bbb'));
    cache.get('/a', 'f'); // /a is now the most recent
    cache.set('/c', 'f', page('ccc'));
    expect(cache.get('/b', 'f')).toBeUndefined();
    expect(cache.get('/a', 'f')).toBeDefined();
    cache.set('/d', 'f', page('dddddddd')); // 3 + 8 bytes > 10
    expect(cache.size).toBe(1);
    expect(cache.totalBytes).toBe(8);
    cache.set('/e', 'f', page('x'.repeat(11))); // larger than the whole bound: not kept
    expect(cache.get('/e', 'f')).toBeUndefined();
  });
});

describe('looking up a prospect page', () => {
  let token = '';
  let linkId = '';

  beforeAll(() => {
    db.insert(users).values({ id: 'u1', email: 'rep@example.com', displayName: '佐藤 健太' }).run();
    db.insert(accounts).values({ id: 'a1', name: '株式会社テスト' }).run();
    db.insert(contacts).values({ id: 'c1', accountId: 'a1', name: '山田 太郎' }).run();
    db.insert(opportunities).values({ id: 'o1', accountId: 'a1', name: '全社導入', stage: 3, amountJpy: 1_000_000, channel: 'event', ownerUserId: 'u1' }).run();
    db.insert(rooms).values({ id: 'r1', opportunityId: 'o1', message: 'よろしくお願いします', locale: 'ja' }).run();
    db.insert(roomDocuments).values({ roomId: 'r1', documentSlug: 'pricing', position: 0 }).run();
    ({ token, id: linkId } = createAccessLink(db, key, { roomId: 'r1', contactId: 'c1' }));
  });

  const request = (url: string, headers: http.IncomingHttpHeaders = { 'user-agent': browser }, method = 'GET') => ({ method, url, headers });

  it('is cacheable for a human GET of an offered document, and hits once stored', () => {
    const cache = new RenderedPageCache();
    const first = lookUpProspectPage(db, cache, request(`/r/${token}/d/pricing`), now);
    expect(first).toMatchObject({ kind: 'cacheable', page: undefined });
    if (first.kind !== 'cacheable') return;
    cache.set(first.key, first.fingerprint, page('rendered'));
    const second = lookUpProspectPage(db, cache, request(`/r/${token}/d/pricing`), now);
    expect(second.kind === 'cacheable' && second.page?.body.toString()).toBe('rendered');
  });

  it('leaves to Astro whatever Astro must answer or record', () => {
    const cache = new RenderedPageCache();
    const astro = (r: ReturnType<typeof request>) => lookUpProspectPage(db, cache, r, now).kind;
    expect(astro(request(`/r/${token}/d/roi-model`))).toBe('astro'); // not offered: 404 page
    expect(astro(request(`/r/${token}/d/pricing`, { 'user-agent': browser }, 'HEAD'))).toBe('astro');
    expect(astro(request(`/r/${token}/d/pricing`, { 'user-agent': 'Mozilla/5.0 (compatible; Slackbot-LinkExpanding 1.0; +https://api.slack.com/robots)' }))).toBe('astro');
    expect(astro(request(`/r/${token}/d/pricing`, { 'user-agent': browser, 'sec-purpose': 'prefetch' }))).toBe('astro');
    expect(astro(request(`/r/${token}/d/pricing`, { 'user-agent': browser, cookie: 'a=1; ringi_session=x.y' }))).toBe('astro');
    expect(astro(request(`/r/${changeLastCharacter(token)}/d/pricing`))).toBe('astro'); // wrong secret
  });

  it('misses as soon as anything the page prints changes, and stops at revocation', () => {
    const cache = new RenderedPageCache();
    const url = `/r/${token}`;
    const before = lookUpProspectPage(db, cache, request(url), now);
    if (before.kind !== 'cacheable') throw new Error('expected a cacheable page');
    cache.set(before.key, before.fingerprint, page('old message'));

    db.update(rooms).set({ message: '新しいメッセージ' }).where(eq(rooms.id, 'r1')).run();
    expect(lookUpProspectPage(db, cache, request(url), now)).toMatchObject({ kind: 'cacheable', page: undefined });

    const current = lookUpProspectPage(db, cache, request(url), now);
    if (current.kind !== 'cacheable') throw new Error('expected a cacheable page');
    cache.set(current.key, current.fingerprint, page('new message'));
    expect(updateSettings(db, { id: 'u1', role: 'admin' }, { organisationName: '株式会社リンギ' }, { env: {} }).ok).toBe(true);
    const afterBranding = lookUpProspectPage(db, cache, request(url), new Date(now.getTime() + 60_000)); // past the branding cache
    expect(afterBranding).toMatchObject({ kind: 'cacheable', page: undefined });

    revokeAccessLink(db, linkId, now);
    expect(lookUpProspectPage(db, cache, request(url), new Date(now.getTime() + 60_000)).kind).toBe('astro');
  });
});

describe('capturing what Astro rendered', () => {
  let server: http.Server;
  let base = '';
  const kept: RenderedPage[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      captureRenderedPage(res, (p) => kept.push(p));
      const [status, type, cookie] = ({
        '/ok': [200, 'text/html; charset=utf-8', undefined],
        '/missing': [404, 'text/html; charset=utf-8', undefined],
        '/json': [200, 'application/json', undefined],
        '/cookie': [200, 'text/html', 'a=1'],
      } as Record<string, [number, string, string | undefined]>)[req.url!]!;
      res.writeHead(status, { 'Content-Type': type, 'X-Robots-Tag': 'noindex', ...(cookie ? { 'Set-Cookie': cookie } : {}) });
      res.write(new TextEncoder().encode('<p>one</p>'));
      res.write('<p>two</p>');
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('keeps a complete 200 HTML answer with its headers, and nothing else', async () => {
    for (const path of ['/ok', '/missing', '/json', '/cookie']) expect((await fetch(base + path)).ok || path === '/missing').toBe(true);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.body.toString()).toBe('<p>one</p><p>two</p>');
    expect(kept[0]!.headers).toMatchObject({ 'content-type': 'text/html; charset=utf-8', 'x-robots-tag': 'noindex' });
  });

  it('sends a kept page with the same headers and bytes', async () => {
    const copy = http.createServer((_req, res) => sendRenderedPage(res, kept[0]!));
    await new Promise<void>((resolve) => copy.listen(0, '127.0.0.1', resolve));
    try {
      const response = await fetch(`http://127.0.0.1:${(copy.address() as AddressInfo).port}/`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-robots-tag')).toBe('noindex');
      expect(response.headers.get('content-length')).toBe(String('<p>one</p><p>two</p>'.length));
      expect(await response.text()).toBe('<p>one</p><p>two</p>');
    } finally {
      await new Promise<void>((resolve) => copy.close(() => resolve()));
    }
  });
});

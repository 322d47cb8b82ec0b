// Every prospect-facing answer, whatever its status, is private, unindexed, leaks no Referer and
// runs under a strict Content-Security-Policy.
import { expect, expectProspectHeaders, rawGet, seeded, test } from './support/fixtures';

const unknownToken = 'aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

test('room, document, attachment, 404 and 410 answers all carry the prospect headers', async ({ request }) => {
  const t = seeded().tokens;
  const cases: { path: string; status: number }[] = [
    { path: `/r/${t.jaActive}`, status: 200 },
    { path: `/r/${t.enActive}`, status: 200 },
    { path: `/r/${t.jaActive}/d/pricing`, status: 200 },
    { path: `/r/${t.enActive}/d/product-overview-en`, status: 200 },
    { path: `/r/${t.jaActive}/d/pricing/files/pricing-2026.pdf`, status: 200 },
    { path: `/r/${t.jaActive}/d/security-check-sheet/files/security-check-sheet.csv`, status: 200 },
    { path: `/r/${unknownToken}`, status: 404 },
    { path: `/r/${unknownToken}/d/pricing`, status: 404 },
    { path: `/r/${t.jaActive}/d/roi-model`, status: 404 },
    { path: `/r/${t.jaActive}/d/pricing/files/nothing.pdf`, status: 404 },
    { path: `/r/${t.jaActive}/no-such-page`, status: 404 },
    { path: '/no-such-page', status: 404 },
    { path: `/r/${t.jaRevoked}`, status: 410 },
    { path: `/r/${t.jaRevoked}/d/pricing`, status: 410 },
    { path: `/r/${t.jaRevoked}/d/pricing/files/pricing-2026.pdf`, status: 410 },
    { path: `/r/${t.jaExpired}`, status: 410 },
    { path: `/r/${t.expiredRoom}`, status: 410 },
    { path: `/r/${t.enRevoked}`, status: 410 },
  ];
  for (const { path, status } of cases) {
    const response = await request.get(path, { maxRedirects: 0 });
    expect(response.status(), path).toBe(status);
    expectProspectHeaders(response);
    if (response.headers()['content-type']?.startsWith('text/html')) {
      const html = await response.text();
      expect(html, path).toContain('<meta name="robots" content="noindex, nofollow, noarchive">');
      expect(html, path).toContain('<meta name="referrer" content="no-referrer">');
      // No inline script or style for the CSP to allow: scripts and stylesheets are same-origin files.
      expect(html, path).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html, path).not.toMatch(/<style[\s>]/);
      expect(html, path).not.toMatch(/\sstyle="/);
    }
  }
});

test('a page asked for again is the same bytes with the same headers (the server keeps rendered pages)', async ({ request }) => {
  const t = seeded().tokens;
  for (const path of [`/r/${t.jaActive}`, `/r/${t.jaActive}/d/security-check-sheet`, `/r/${t.enActive}/d/product-overview-en`]) {
    const answers = [];
    for (let i = 0; i < 3; i++) {
      const response = await request.get(path);
      expect(response.status(), path).toBe(200);
      expectProspectHeaders(response);
      // Framing may differ (the first answer is streamed, a kept one has a length); nothing else may.
      const { date: _date, 'content-length': _length, 'transfer-encoding': _chunked, connection: _c, 'keep-alive': _k, ...headers } = response.headers();
      answers.push({ headers, body: (await response.body()).toString('base64') });
    }
    expect(answers[1], path).toEqual(answers[0]);
    expect(answers[2], path).toEqual(answers[0]);
  }
});

test('raw requests with dot segments get the prospect headers on their 404', async () => {
  const path = `/r/${seeded().tokens.jaActive}/d/../../data/secret.key`;
  const response = await rawGet(path);
  expect(response.status).toBe(404);
  expectProspectHeaders({ headers: () => response.headers as Record<string, string>, url: () => `raw ${path}` });
});

test('the CSP allows only same-origin resources and forbids framing', async ({ request }) => {
  const response = await request.get(`/r/${seeded().tokens.jaActive}`);
  const directives = new Map(
    (response.headers()['content-security-policy'] ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name!, values] as const),
  );
  expect(directives.get('default-src')).toEqual(["'none'"]);
  for (const name of ['script-src', 'style-src', 'connect-src']) expect(directives.get(name), name).toEqual(["'self'"]);
  expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
  expect(directives.get('base-uri')).toEqual(["'none'"]);
  expect(directives.get('form-action')).toEqual(["'none'"]);
  expect(response.headers()['x-frame-options']).toBe('DENY');
});

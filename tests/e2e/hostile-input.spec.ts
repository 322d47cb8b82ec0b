// Hostile input against the built server (issue #13): bodies refused while they stream in with memory
// bounded, no 5xx for anything an anonymous client sends, standard status texts, forwarded headers
// only from a trusted proxy, sign-out only from our own pages, live links only for their owners.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { expect, rooms, seeded, signIn, test } from './support/fixtures';
import { E2E_BASE_URL, E2E_HOST, E2E_PORT } from './support/env';
import { startSecondServer } from './support/second-server';
import { addUserWithCli } from './support/users';

interface Answer {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One request through plain node:http (any method, any body). `streamBytes` sends that many bytes
 * chunked, without announcing a length, and stops writing once the server has answered.
 */
function send(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer; streamBytes?: number; port?: number } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request({ host: E2E_HOST, port: options.port ?? E2E_PORT, method, path, headers: { 'User-Agent': 'Mozilla/5.0 ringi-e2e', ...options.headers } }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // The server closes the connection after a 413 while the rest is still being written.
    req.on('error', (error) => void (answered || reject(error)));
    if (options.streamBytes === undefined) {
      req.end(options.body);
      return;
    }
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    let sent = 0;
    const pump = () => {
      while (!answered && sent < options.streamBytes!) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

function expectNoServerError(answer: Answer, what: string): void {
  expect(answer.status, what).toBeGreaterThanOrEqual(400);
  expect(answer.status, what).toBeLessThan(500);
  expect(answer.body, `${what}: no stack trace`).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
}

const sameOrigin = { Origin: E2E_BASE_URL, 'Sec-Fetch-Site': 'same-origin' };

test.describe('request bodies', () => {
  test('an oversized body is refused with 413 while it streams in, and memory stays bounded', async () => {
    test.setTimeout(180_000);
    const server = await startSecondServer({});
    try {
      const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1]) * 1024;
      const before = rss();
      const port = server.port;
      const origin = { Origin: server.baseURL, 'Sec-Fetch-Site': 'same-origin' };
      const MB = 1024 * 1024;
      // Announced: refused before a byte is read (600 MB in the header, far less actually sent).
      for (const path of ['/r/aaaa/views', '/admin/sign-in', '/admin/settings', '/', '/r/x']) {
        const answer = await send('POST', path, { port, headers: { ...origin, 'Content-Type': 'application/json', 'Content-Length': String(600 * MB) }, body: undefined });
        expect(answer.status, path).toBe(413);
        expect(JSON.parse(answer.body).error.code).toBe('payload_too_large');
      }
      // Chunked: counted while streaming, four at a time, 64 MB each offered (anonymous routes that read bodies).
      const streamed = await Promise.all(
        ['/r/aaaa/views', '/admin/sign-in', '/r/bbbb/views', '/admin/sign-in'].map((path) =>
          send('POST', path, { port, headers: { ...origin, 'Content-Type': path.endsWith('views') ? 'application/json' : 'application/x-www-form-urlencoded' }, streamBytes: 64 * MB }),
        ),
      );
      for (const answer of streamed) expect(answer.status).toBe(413);
      const after = rss();
      // Holding even one body would add 64 MB; four at once 256 MB.
      expect(after - before, `RSS ${Math.round(before / MB)} MB → ${Math.round(after / MB)} MB`).toBeLessThan(48 * MB);
      // And the server still serves.
      expect((await send('GET', '/admin/sign-in', { port })).status).toBe(200);
      expect(server.output()).not.toMatch(/request failed|Internal server error/);
    } finally {
      await server.stop();
    }
  });

  test('a body under the cap still works: the view start and the sign-in form', async () => {
    const answer = await send('POST', '/admin/sign-in', { headers: { ...sameOrigin, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'email=nobody%40vendor.example&password=wrong-password' });
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('role="alert"');
  });
});

test.describe('no 5xx from anonymous input', () => {
  test('sign-in with JSON, text, XML or broken multipart is a 4xx page', async () => {
    const bodies: [string, string][] = [
      ['application/json', '{"email":"a@b.example","password":"x"}'],
      ['text/plain', 'email=a@b.example'],
      ['application/xml', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'],
      ['multipart/form-data; boundary=zzz', '--zzz\r\nContent-Disposition: form-data; name="email"\r\n\r\nbroken'],
      ['multipart/form-data', 'no boundary at all'],
      ['application/x-www-form-urlencoded', '%E0%A4%A=%ZZ&email[]=1&password=\u0000\uD800'],
    ];
    for (const [type, body] of bodies) {
      const answer = await send('POST', '/admin/sign-in', { headers: { ...sameOrigin, 'Content-Type': type }, body });
      expectNoServerError(answer, type);
    }
    // Cross-site sign-in posts (login CSRF) are refused whatever the body.
    expect((await send('POST', '/admin/sign-in', { headers: { Origin: 'https://evil.example', 'Content-Type': 'application/json' }, body: '{}' })).status).toBe(403);
  });

  test('TRACE and unknown methods are refused with 501 and the JSON error, on every kind of route', async () => {
    const token = seeded().tokens.jaActive;
    for (const path of ['/', '/admin', '/admin/sign-in', `/r/${token}`, `/r/${token}/views`, '/admin/activity.json', '/favicon.svg']) {
      for (const method of ['TRACE', 'PROPFIND', 'MKCOL']) {
        const answer = await send(method, path);
        expect(answer.status, `${method} ${path}`).toBe(501);
        expect(JSON.parse(answer.body).error.code).toBe('method_not_allowed');
      }
    }
  });

  test('404 and 410 answers carry their own status text', async () => {
    const { tokens } = seeded();
    const cases: [string, number][] = [
      [`/r/${'a'.repeat(16)}.${'b'.repeat(32)}`, 404],
      [`/r/${tokens.jaRevoked}`, 410],
      [`/r/${tokens.jaActive}/d/no-such-document`, 404],
      ['/no-such-page', 404],
    ];
    for (const [path, status] of cases) {
      // Twice: the second answer of a prospect page may come from the rendered-page cache.
      for (const round of [1, 2]) {
        const answer = await send('GET', path);
        expect(answer.status, `${path} (${round})`).toBe(status);
        expect(answer.statusText, `${path} (${round})`).toBe(http.STATUS_CODES[status]);
      }
    }
  });

  test('a fuzz sample of the public endpoints answers only 4xx', async () => {
    const token = seeded().tokens.jaActive;
    const json = { ...sameOrigin, 'Content-Type': 'application/json' };
    const requests: [string, string, Record<string, string>, string?][] = [];
    const viewBodies = ['', 'null', '[]', '"x"', '{"slug":1}', '{"slug":"../../etc/passwd"}', '{"slug":"pricing","extra":' + '['.repeat(5000) + '}', '{"slug":"\u202e\uFFFF\uD83D"}', '{"slug":"' + 'x'.repeat(2000) + '"}', '{"__proto__":{"admin":true}}', '\uFEFF{"slug":"pricing"}'];
    for (const body of viewBodies) requests.push(['POST', `/r/${token}/views`, json, body]);
    requests.push(['POST', `/r/${token}/views`, { ...sameOrigin, 'Content-Type': 'text/plain' }, '{}']);
    requests.push(['POST', `/r/${token}/views`, { 'Sec-Fetch-Site': 'cross-site', 'Content-Type': 'application/json' }, '{}']);
    for (const body of ['{}', '{"activeSeconds":-1}', '{"activeSeconds":"1e309"}', 'not json', '{"sections":{"__proto__":1}}']) {
      requests.push(['POST', `/r/${token}/views/${'a'.repeat(26)}`, json, body]);
    }
    for (const path of [
      `/r/${token}/../../etc/passwd`,
      `/r/${token}/d/..%2f..%2fpackage.json`,
      `/r/${token}/d/pricing/files/..%2f..%2f.env`,
      `/r/${token}/d/%00`,
      `/r/${token}/d/${'%E6%97%A5'.repeat(200)}`,
      `/r/%F0%9F%92%A9`,
      `/r/${'x'.repeat(5000)}`,
      '/admin/documents/..%2f..%2fpackage.json',
      '/admin/sign-in?next=%0d%0aSet-Cookie:%20x=1',
      '/admin/activity.json?stage=%FF&from=9999-99-99',
    ]) {
      requests.push(['GET', path, {}]);
    }
    for (const [method, path, headers, body] of requests) {
      const answer = await send(method, path, { headers, body });
      // A redirect to sign-in or the page itself is fine too; what may never come is a 5xx.
      expect(answer.status, `${method} ${path} ${body?.slice(0, 60) ?? ''}`).toBeLessThan(500);
      if (answer.status >= 400) expectNoServerError(answer, `${method} ${path}`);
    }
  });
});

test.describe('sessions and links', () => {
  const suffix = crypto.randomBytes(4).toString('hex');
  const rep = { email: `hostile-${suffix}@vendor.example`, password: `hostile-e2e-${suffix}-password`, name: `営業 攻撃 ${suffix}` };
  test.beforeAll(async () => addUserWithCli(rep));

  const signInForm = `email=${encodeURIComponent(rep.email)}&password=${encodeURIComponent(rep.password)}`;

  test('the Secure cookie flag does not follow a client-sent X-Forwarded-Proto', async () => {
    const answer = await send('POST', '/admin/sign-in', { headers: { ...sameOrigin, 'Content-Type': 'application/x-www-form-urlencoded', 'X-Forwarded-Proto': 'https' }, body: signInForm });
    expect(answer.status).toBe(303);
    const cookie = (answer.headers['set-cookie'] ?? []).find((c) => c.startsWith('ringi_session='));
    expect(cookie).toBeTruthy();
    expect(cookie).not.toMatch(/;\s*Secure/i);
  });

  test('sign-out with a JSON body from another origin keeps the session', async ({ page }) => {
    await signIn(page, rep, '/admin');
    const cookies = await page.context().cookies();
    const cookieHeader = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    for (const headers of <Record<string, string>[]>[
      { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
      { Origin: 'https://evil.example' },
      {},
    ]) {
      const answer = await send('POST', '/admin/sign-out', { headers: { ...headers, Cookie: cookieHeader, 'Content-Type': 'application/json' }, body: '{}' });
      expect(answer.status).toBe(403);
    }
    await page.goto('/admin');
    await expect(page.locator('.whoami')).toContainText(rep.name);
  });

  test("another rep sees that a contact's link exists, not its URL; the owner's page shows it", async ({ page }) => {
    const { tokens } = seeded();
    await signIn(page, rep, '/admin');
    const response = await page.goto(`/admin/opportunities/${rooms.ja.opportunityId}`);
    expect(response?.status()).toBe(200);
    const html = await response!.text();
    for (const token of Object.values(tokens)) expect(html).not.toContain(token);
    await expect(page.locator('[data-link-hidden]').first()).toBeVisible();
    await expect(page.locator('[data-preview-link]')).toHaveCount(0);
  });

  test('the admin document preview has the prospect page CSP: no form may post from it, and signing out still works', async ({ page }) => {
    await signIn(page, rep, '/admin');
    const response = await page.goto('/admin/documents/pricing');
    expect(response?.status()).toBe(200);
    const csp = response!.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("form-action 'none'");
    expect(csp).toContain("base-uri 'none'");
    // No form the CSP would block (the browser would log the refusal, which fails the test): the menu
    // links to the sign-out page, whose button signs out.
    await expect(page.locator('form')).toHaveCount(0);
    await page.getByRole('link', { name: 'ログアウト' }).click();
    await expect(page).toHaveURL('/admin/sign-out');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Ringi からログアウトしますか？');
    expect((await page.request.get('/admin/account', { maxRedirects: 0 })).status(), 'showing the page signs nobody out').toBe(200);
    await page.getByRole('button', { name: 'ログアウト' }).click();
    await expect(page).toHaveURL('/admin/sign-in');
    await page.goto('/admin/documents/pricing');
    await expect(page).toHaveURL(/\/admin\/sign-in\?next=/);
  });
});

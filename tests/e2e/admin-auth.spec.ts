// The rep's workspace, authentication: every admin route refuses anonymous visitors (found by walking
// src/pages/admin at test time, so a new page is covered without editing this file); signing in and
// out through the real form, and a signed-out cookie staying dead; one generic error for a wrong
// password and an unknown address; no open redirect after sign-in; the session cookie's attributes;
// a password change ending the user's other sessions; throttling (growing delays per account ×
// network, per network and account-wide, and a known-device cookie that gets its owner through); CSRF
// refused on forms and JSON; the admin-only 403 page. (A deactivated user's sessions ending at once
// is admin-settings.spec.ts's.)
//
// The seeded scenario has no passwords, so this file adds its own reps through the CLI
// (`npm run ringi -- user add`), each with a run-unique address; the seeded records are only read.
// Throttling must not lock out the specs running beside it, which all sign in from 127.0.0.1: the
// failures here that count against a network are sent from other loopback networks (127.x.y.1,
// a /24 of their own), so the shared 127.0.0.0/24 counter only sees the few failures made in Chromium.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { request as apiRequest, type APIRequestContext, type APIResponse, type BrowserContext, type Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { accountsById, contactsById, expect, reps, requiredDocuments, rooms, signIn, test, tracking } from './support/fixtures';
import { addUserWithCli } from './support/users';
import { E2E_BASE_URL, E2E_DATABASE_PATH, E2E_HOST, E2E_PORT, REPO_ROOT } from './support/env';


// Spelled out on purpose (see support/expectations.ts): a changed text is a visible change.
const text = {
  invalid: 'メールアドレスまたはパスワードが正しくありません。',
  throttled: /^ログインの失敗が続いたため、一時的に制限しています。\d+秒ほど待ってから再度お試しください。$/,
  passwordChanged: 'パスワードを変更しました。ほかの端末のログインは終了しました。',
  forbiddenJa: 'この操作の権限がありません。',
  forbiddenEn: 'You do not have permission for this.',
};
/** src/server/auth/throttle.ts: failures let through before any delay (per account × network, per network, per account). */
const FREE_FAILURES_PER_ACCOUNT_NETWORK = 5;
const FREE_FAILURES_PER_NETWORK = 30;
const FREE_FAILURES_PER_ACCOUNT = 100;
const SESSION_COOKIE = 'ringi_session';
const KNOWN_DEVICE_COOKIE = 'ringi_known_device';
const SESSION_MAX_AGE_SECONDS = 10 * 24 * 60 * 60;
const EVIL_ORIGIN = 'http://evil.example';

interface Person {
  email: string;
  password: string;
  name: string;
}

let suffix = '';
/** Signs in and out, tries redirects and forged posts; its password never changes. */
let rep: Person;
/** Changes its password. */
let mover: Person;
/** Is attacked: slowed down everywhere but in the browser they signed in with before. */
let locked: Person;

test.beforeAll(async () => {
  test.setTimeout(90_000);
  suffix = crypto.randomBytes(3).toString('hex');
  rep = { email: `auth-rep-${suffix}@vendor.example`, password: `auth-e2e-${suffix}-rep`, name: `認証 太郎 ${suffix}` };
  mover = { email: `auth-mover-${suffix}@vendor.example`, password: `auth-e2e-${suffix}-mover`, name: `認証 次郎 ${suffix}` };
  locked = { email: `auth-locked-${suffix}@vendor.example`, password: `auth-e2e-${suffix}-locked`, name: `認証 三郎 ${suffix}` };
  await Promise.all([addUserWithCli(rep), addUserWithCli(mover), addUserWithCli(locked)]);
});

/** Submits the sign-in form and returns the status of the POST (the page stays on the form when refused). */
async function submitSignIn(page: Page, email: string, password: string): Promise<number> {
  await page.goto('/admin/sign-in');
  await page.getByLabel('メールアドレス').fill(email);
  await page.getByLabel('パスワード').fill(password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/admin/sign-in'),
    page.getByRole('button', { name: 'ログイン' }).click(),
  ]);
  return response.status();
}

async function sessionCookieOf(context: BrowserContext): Promise<string> {
  const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
  expect(cookie, `${SESSION_COOKIE} cookie`).toBeDefined();
  return cookie!.value;
}

/** GET `path` from a fresh HTTP client that carries only the given session cookie value. */
async function replayCookie(token: string, path: string): Promise<{ status: number; location: string | undefined }> {
  const client = await apiRequest.newContext({ baseURL: E2E_BASE_URL, extraHTTPHeaders: { Cookie: `${SESSION_COOKIE}=${token}` } });
  try {
    const response = await client.get(path, { maxRedirects: 0 });
    return { status: response.status(), location: response.headers()['location'] };
  } finally {
    await client.dispose();
  }
}

const signInRedirect = (path: string) => `/admin/sign-in?next=${encodeURIComponent(path)}`;

// --- Sign-in POSTs from another loopback network -------------------------------------------------

/** A loopback /24 of its own (127.0.0.0/24 is everyone else's): 127.<1-254>.<0-255>.1. */
function privateNetwork(avoid: string[] = []): string {
  for (;;) {
    const address = `127.${1 + crypto.randomInt(254)}.${crypto.randomInt(256)}.1`;
    if (!avoid.some((other) => other.split('.').slice(0, 3).join('.') === address.split('.').slice(0, 3).join('.'))) return address;
  }
}

interface RawSignIn {
  status: number;
  location: string | undefined;
  retryAfter: string | undefined;
  body: string;
}

/** POST /admin/sign-in over plain node:http, from `localAddress`, so the server sees that address. */
function rawSignIn(localAddress: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<RawSignIn> {
  const body = new URLSearchParams(fields).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: E2E_HOST,
        port: E2E_PORT,
        localAddress,
        agent: false,
        method: 'POST',
        path: '/admin/sign-in',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': Buffer.byteLength(body),
          Origin: E2E_BASE_URL,
          'User-Agent': 'Mozilla/5.0 ringi-e2e',
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, retryAfter: res.headers['retry-after'], body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// --- The admin routes, from src/pages/admin ------------------------------------------------------

interface AdminRoute {
  file: string;
  /** The URL with the seed's ids in place of the parameters. */
  path: string;
  /** Guarded by requireUserForApi (JSON), else by requireUser (the sign-in redirect). */
  json: boolean;
  /** Accepts POST (an exported POST handler, or a page that reads a posted form). */
  mutating: boolean;
}

const PAGES_DIR = path.join(REPO_ROOT, 'src/pages');
const ROUTE_FILE = /\.(astro|ts|js|mjs|md|mdx|html)$/;

/** A real record for every route parameter, keyed by the folder before it: the guard must be what refuses, not a 404. */
const paramValues: Record<string, string> = {
  'accounts/[id]': accountsById.sakura.id,
  'contacts/[contactId]': contactsById.yamada.id,
  'opportunities/[id]': rooms.ja.opportunityId,
  'users/[id]': reps.sato.id,
  'documents/[slug]': 'pricing',
  'files/[attachment]': requiredDocuments.pricing.attachments[0],
  // Versions get random ids when the server publishes content/ at start; every version page asks
  // requireUser() before it looks anything up, so any well-formed id shows what the guard does.
  'versions/[id]': '00000000-0000-4000-8000-000000000000',
};

function toRoute(file: string): AdminRoute {
  const relative = path.relative(PAGES_DIR, file).split(path.sep).join('/');
  const segments = relative.replace(ROUTE_FILE, '').split('/');
  if (segments.at(-1) === 'index') segments.pop();
  const filled = segments.map((segment, i) =>
    segment.replace(/\[(?:\.\.\.)?[^\]]+\]/g, (param) => {
      const key = `${segments[i - 1] ?? ''}/${param}`;
      const value = paramValues[key];
      if (value === undefined) throw new Error(`${relative}: no seeded value for ${key}; add one to paramValues in admin-auth.spec.ts`);
      return encodeURIComponent(value);
    }),
  );
  const source = fs.readFileSync(file, 'utf8');
  return {
    file: relative,
    path: `/${filled.join('/')}`,
    json: source.includes('requireUserForApi') || (filled.at(-1) ?? '').endsWith('.json'),
    mutating: /export const (POST|PUT|PATCH|DELETE)\b/.test(source) || /request\.method === 'POST'|handleAdminForm\(/.test(source),
  };
}

/** Every route file under src/pages/admin (Astro skips names starting with "_"). */
function adminRoutes(): AdminRoute[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('_') || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (ROUTE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(full);
    }
  };
  walk(path.join(PAGES_DIR, 'admin'));
  return files.sort().map(toRoute);
}

/** Seeded names, addresses and phone numbers: none may appear in an answer to an anonymous visitor. */
const seededData = [
  ...Object.values(reps).flatMap((r) => [r.displayName, r.email, r.phone]),
  ...Object.values(accountsById).map((a) => a.name),
  ...Object.values(contactsById).map((c) => c.name),
  ...Object.values(rooms).map((r) => r.opportunityName),
  tracking.account.name,
];

async function expectNoData(response: APIResponse, what: string): Promise<void> {
  const body = await response.text();
  for (const value of seededData) expect(body, `${what} reveals "${value}"`).not.toContain(value);
  expect(response.headers()['content-type'] ?? '', `${what} content type`).not.toMatch(/text\/csv|application\/pdf/);
}

async function expectSignInRedirect(response: APIResponse, path: string, what: string): Promise<void> {
  expect(response.status(), what).toBe(303);
  expect(response.headers()['location'], what).toBe(signInRedirect(path));
  expect(response.headers()['cache-control'], what).toBe('private, no-store');
  expect(await response.text(), what).toBe('');
}

async function expectJsonError(response: APIResponse, status: number, code: string, what: string): Promise<void> {
  expect(response.status(), what).toBe(status);
  expect(response.headers()['content-type'], what).toBe('application/json; charset=utf-8');
  // The one error shape of src/server/http/json.ts, and nothing else.
  expect(await response.json(), what).toEqual({ error: { code, message: expect.any(String) } });
}

/**
 * Every admin route refuses `request` (anonymous, or a cookie whose session is over) as it refuses an
 * anonymous visitor: GET and POST, the sign-in redirect or the JSON 401, and no seeded data.
 */
async function expectRefusedEverywhere(request: APIRequestContext, routes: AdminRoute[]): Promise<void> {
  // A field for every form there is, so a page that skipped the guard would have something to act on.
  const form = { _action: 'preferences', locale: 'en', name: `anonymous ${suffix}`, email: `anonymous-${suffix}@evil.example`, role: 'admin', muted: '1', action: 'create', id: '1' };
  for (const route of routes) {
    const get = await request.get(route.path, { maxRedirects: 0 });
    if (route.json) await expectJsonError(get, 401, 'unauthorized', `GET ${route.path}`);
    else await expectSignInRedirect(get, route.path, `GET ${route.path}`);
    await expectNoData(get, `GET ${route.path}`);

    // Same-origin, so Astro's own origin check lets it through and the guard is what refuses it.
    const post = await request.post(route.path, {
      ...(route.json ? { data: form } : { form }),
      headers: { Origin: E2E_BASE_URL },
      maxRedirects: 0,
    });
    const what = `POST ${route.path}`;
    if (route.mutating) {
      if (route.json) await expectJsonError(post, 401, 'unauthorized', what);
      else await expectSignInRedirect(post, route.path, what);
    } else if (route.json) {
      // A GET-only JSON endpoint may refuse the method before asking who is there.
      expect([401, 405], what).toContain(post.status());
      await expectJsonError(post, post.status(), post.status() === 401 ? 'unauthorized' : 'method_not_allowed', what);
    } else if (post.status() === 303) {
      await expectSignInRedirect(post, route.path, what);
    } else {
      expect([404, 405], what).toContain(post.status());
    }
    await expectNoData(post, what);
  }

}

// --- Tests ---------------------------------------------------------------------------------------

test('anonymous visitors are refused every admin route, on GET and on POST, and shown no data', async ({ request }) => {
  const routes = adminRoutes().filter((r) => r.path !== '/admin/sign-in' && r.path !== '/admin/sign-out');
  // The walk must have found the admin area (an empty or broken walk would prove nothing).
  expect(routes.length, routes.map((r) => r.path).join('\n')).toBeGreaterThanOrEqual(20);
  expect(routes.map((r) => r.path)).toEqual(
    expect.arrayContaining([
      '/admin',
      '/admin/account',
      '/admin/activity.json',
      '/admin/users',
      '/admin/settings',
      `/admin/opportunities/${rooms.ja.opportunityId}/links`,
      '/admin/documents/pricing/files/pricing-2026.pdf',
      '/admin/exports/views.csv',
    ]),
  );
  expect(routes.filter((r) => r.mutating).length).toBeGreaterThanOrEqual(10);
  expect(routes.filter((r) => r.json).length).toBeGreaterThanOrEqual(1);

  await expectRefusedEverywhere(request, routes);

  // Sign-out: GET only shows a signed-in user the button (a link elsewhere cannot sign anyone out), and
  // sends anyone else to sign in; POST just goes to sign-in.
  const signOutGet = await request.get('/admin/sign-out', { maxRedirects: 0 });
  expect(signOutGet.status()).toBe(303);
  expect(signOutGet.headers()['location']).toBe('/admin/sign-in');
  await expectNoData(signOutGet, 'GET /admin/sign-out');
  const signOutPost = await request.post('/admin/sign-out', { headers: { Origin: E2E_BASE_URL }, maxRedirects: 0 });
  expect(signOutPost.status()).toBe(303);
  expect(signOutPost.headers()['location']).toBe('/admin/sign-in');
  expect(await signOutPost.text()).toBe('');

  // The sign-in page itself: the form, nothing else.
  const signInPage = await request.get('/admin/sign-in', { maxRedirects: 0 });
  expect(signInPage.status()).toBe(200);
  expect(await signInPage.text()).toContain('<form class="stack" method="post">');
  await expectNoData(signInPage, 'GET /admin/sign-in');
});

test('a session past its inactivity limit opens no admin route: the same answers as for an anonymous visitor', async ({ page }) => {
  const expiring = { email: `auth-expiring-${suffix}@vendor.example`, password: `auth-e2e-${suffix}-expiring`, name: `認証 四郎 ${suffix}` };
  await addUserWithCli(expiring);
  await signIn(page, expiring, '/admin');
  const token = await sessionCookieOf(page.context());
  // Last verified long ago, as if the rep had walked away (the server's own clock decides it is over).
  const db = new Database(E2E_DATABASE_PATH);
  try {
    const changed = db.prepare('UPDATE auth_sessions SET last_verified_at = 0 WHERE user_id = (SELECT id FROM users WHERE email = ?)').run(expiring.email).changes;
    expect(changed).toBe(1);
  } finally {
    db.close();
  }
  const client = await apiRequest.newContext({ baseURL: E2E_BASE_URL, extraHTTPHeaders: { Cookie: `${SESSION_COOKIE}=${token}` } });
  try {
    await expectRefusedEverywhere(client, adminRoutes().filter((r) => r.path !== '/admin/sign-in' && r.path !== '/admin/sign-out'));
  } finally {
    await client.dispose();
  }
});

test('a rep signs in and out through the form, and the old cookie no longer works anywhere', async ({ page }) => {
  await page.goto('/admin/account');
  await expect(page).toHaveURL(signInRedirect('/admin/account'));
  await page.getByLabel('メールアドレス').fill(rep.email);
  await page.getByLabel('パスワード').fill(rep.password);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await expect(page).toHaveURL('/admin/account');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('アカウント');
  await expect(page.locator('.whoami')).toContainText(rep.name);

  const token = await sessionCookieOf(page.context());
  // The captured cookie is the whole credential: from another client it opens the account page...
  expect(await replayCookie(token, '/admin/account')).toEqual({ status: 200, location: undefined });

  await page.getByRole('button', { name: 'ログアウト' }).click();
  await expect(page).toHaveURL('/admin/sign-in');
  expect((await page.context().cookies()).find((c) => c.name === SESSION_COOKIE)).toBeUndefined();
  await page.goto('/admin');
  await expect(page).toHaveURL(signInRedirect('/admin'));

  // ...and after sign-out it opens nothing: the session is gone from the server, not just the browser.
  expect(await replayCookie(token, '/admin/account')).toEqual({ status: 303, location: signInRedirect('/admin/account') });
  const client = await apiRequest.newContext({ baseURL: E2E_BASE_URL, extraHTTPHeaders: { Cookie: `${SESSION_COOKIE}=${token}` } });
  try {
    await expectJsonError(await client.get('/admin/activity.json'), 401, 'unauthorized', 'activity.json with a signed-out cookie');
  } finally {
    await client.dispose();
  }
});

test('a wrong password and an unknown address get the same error and the same status', async ({ page, guard }) => {
  guard.expectDocumentStatus(400);
  const answers: { status: number; alert: string; cookie: boolean }[] = [];
  for (const [email, password] of [
    [rep.email, `${rep.password}-wrong`],
    [`nobody-${suffix}@vendor.example`, rep.password],
  ] as const) {
    const status = await submitSignIn(page, email, password);
    await expect(page).toHaveURL('/admin/sign-in');
    answers.push({
      status,
      alert: (await page.getByRole('alert').textContent()) ?? '',
      cookie: (await page.context().cookies()).some((c) => c.name === SESSION_COOKIE),
    });
  }
  expect(answers).toEqual([
    { status: 400, alert: text.invalid, cookie: false },
    { status: 400, alert: text.invalid, cookie: false },
  ]);
});

test('after sign-in, next= never leads off the site (no open redirect)', async ({ page, request }) => {
  // In the browser: the destinations of a phishing link end on the admin home.
  for (const next of ['https://evil.example/', '//evil.example']) {
    await page.goto(`/admin/sign-in?next=${encodeURIComponent(next)}`);
    await expect(page.locator('input[name="next"]')).toHaveValue('/admin');
    await page.getByLabel('メールアドレス').fill(rep.email);
    await page.getByLabel('パスワード').fill(rep.password);
    await page.getByRole('button', { name: 'ログイン' }).click();
    await expect(page).toHaveURL('/admin');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('ホーム');
    await page.context().clearCookies();
  }
  // A tampered hidden field is checked again on POST.
  await page.goto('/admin/sign-in?next=%2Fadmin%2Faccount');
  await page.locator('input[name="next"]').evaluate((input: HTMLInputElement) => (input.value = 'https://evil.example/'));
  await page.getByLabel('メールアドレス').fill(rep.email);
  await page.getByLabel('パスワード').fill(rep.password);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await expect(page).toHaveURL('/admin');
  // Already signed in: the sign-in page redirects at once, with the same rule.
  await page.goto('/admin/sign-in?next=%2F%2Fevil.example');
  await expect(page).toHaveURL('/admin');

  // Over HTTP, the tricks a browser would resolve off the admin area or choke on: the Location
  // always resolves to an /admin page on this server, and signing in never fails with a 500.
  const tricks = [
    'https://evil.example/',
    '//evil.example',
    '///evil.example',
    '/\\evil.example',
    'https:evil.example',
    '/admin@evil.example',
    '/admin/../..//evil.example',
    '/admin/%2e%2e/%2e%2e//evil.example',
    '/admin/\r\nSet-Cookie: evil=1',
  ];
  for (const next of tricks) {
    const response = await request.post('/admin/sign-in', {
      form: { email: rep.email, password: rep.password, next },
      headers: { Origin: E2E_BASE_URL },
      maxRedirects: 0,
    });
    const what = `next=${JSON.stringify(next)}`;
    expect(response.status(), what).toBe(303);
    const target = new URL(response.headers()['location'] ?? '', E2E_BASE_URL);
    expect(target.origin, what).toBe(E2E_BASE_URL);
    expect(target.pathname, what).toMatch(/^\/admin(\/|$)/);
    expect(response.headers()['set-cookie'] ?? '', what).not.toContain('evil=');
  }
  // A legitimate destination, query and all, is kept.
  const kept = await request.post('/admin/sign-in', {
    form: { email: rep.email, password: rep.password, next: '/admin/accounts?q=%E3%81%95%E3%81%8F%E3%82%89' },
    headers: { Origin: E2E_BASE_URL },
    maxRedirects: 0,
  });
  expect(kept.headers()['location']).toBe('/admin/accounts?q=%E3%81%95%E3%81%8F%E3%82%89');
});

test('the session cookie is HttpOnly, SameSite=Lax, Path=/ and not Secure over http', async ({ page, request }) => {
  // As the server sends it...
  const response = await request.post('/admin/sign-in', {
    form: { email: rep.email, password: rep.password, next: '/admin' },
    headers: { Origin: E2E_BASE_URL },
    maxRedirects: 0,
  });
  expect(response.status()).toBe(303);
  const setCookies = response.headersArray().filter((h) => h.name.toLowerCase() === 'set-cookie');
  // The session, and the known-device cookie that exempts this browser from others' failures (throttle.ts).
  expect(setCookies.map((h) => h.value.split('=')[0])).toEqual([SESSION_COOKIE, KNOWN_DEVICE_COOKIE]);
  const [pair, ...attributes] = setCookies[0]!.value.split(';').map((part) => part.trim());
  expect(pair).toMatch(new RegExp(`^${SESSION_COOKIE}=[a-z2-7]{16}\\.[a-z2-7]{52}$`));
  const lower = attributes.map((a) => a.toLowerCase());
  expect(lower).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/', `max-age=${SESSION_MAX_AGE_SECONDS}`]));
  expect(lower.filter((a) => a === 'secure' || a.startsWith('domain='))).toEqual([]);
  const [devicePair, ...deviceAttributes] = setCookies[1]!.value.split(';').map((part) => part.trim());
  expect(devicePair).toMatch(new RegExp(`^${KNOWN_DEVICE_COOKIE}=[a-z2-7]{26}\\.[A-Za-z0-9_-]{43}$`));
  expect(deviceAttributes.map((a) => a.toLowerCase())).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/admin']));

  // ...and as Chromium stores it after signing in through the form.
  const before = Date.now() / 1000;
  await signIn(page, rep, '/admin/account');
  const cookie = (await page.context().cookies()).find((c) => c.name === SESSION_COOKIE);
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', secure: false, domain: E2E_HOST });
  expect(cookie!.expires).toBeGreaterThan(before + SESSION_MAX_AGE_SECONDS - 60);
  expect(cookie!.expires).toBeLessThan(Date.now() / 1000 + SESSION_MAX_AGE_SECONDS + 60);
  // HttpOnly: the page's scripts cannot read it.
  expect(await page.evaluate(() => document.cookie)).not.toContain(SESSION_COOKIE);
});

test("changing the password ends the user's other sessions at once", async ({ page, browser }) => {
  const newPassword = `auth-e2e-${suffix}-moved`;
  await signIn(page, mover, '/admin/account');
  const other = await browser.newContext({ baseURL: E2E_BASE_URL, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  try {
    const otherPage = await other.newPage();
    await signIn(otherPage, mover, '/admin/account');
    const here = await sessionCookieOf(page.context());
    const there = await sessionCookieOf(other);
    expect(here).not.toBe(there);

    await page.locator('#account-currentPassword').fill(mover.password);
    await page.locator('#account-newPassword').fill(newPassword);
    await page.locator('#account-confirmPassword').fill(newPassword);
    await page.getByRole('button', { name: 'パスワードを変更する' }).click();
    await expect(page).toHaveURL('/admin/account?saved=password');
    await expect(page.getByRole('status')).toHaveText(text.passwordChanged);

    // This browser goes on with a fresh session...
    const fresh = await sessionCookieOf(page.context());
    expect(fresh).not.toBe(here);
    await page.goto('/admin/accounts');
    await expect(page.locator('.whoami')).toContainText(mover.name);

    // ...the other one is signed out on its very next request...
    await otherPage.goto('/admin/accounts');
    await expect(otherPage).toHaveURL(signInRedirect('/admin/accounts'));
    // ...and both old cookies are dead on the server.
    expect(await replayCookie(there, '/admin/account')).toEqual({ status: 303, location: signInRedirect('/admin/account') });
    expect(await replayCookie(here, '/admin/account')).toEqual({ status: 303, location: signInRedirect('/admin/account') });
    expect((await replayCookie(fresh, '/admin/account')).status).toBe(200);

    // The old password no longer signs in; the new one does.
    await otherPage.getByLabel('メールアドレス').fill(mover.email);
    await otherPage.getByLabel('パスワード').fill(mover.password);
    await otherPage.getByRole('button', { name: 'ログイン' }).click();
    await expect(otherPage.getByRole('alert')).toHaveText(text.invalid);
    await signIn(otherPage, { ...mover, password: newPassword }, '/admin/account');
  } finally {
    await other.close();
  }
});

/** The throttle's alert in a sign-in answer, with its wait in seconds. */
function throttledWait(answer: RawSignIn): number {
  const message = /<p class="alert" role="alert">([^<]*)<\/p>/.exec(answer.body)?.[1] ?? '';
  expect(message).toMatch(text.throttled);
  return Number(/(\d+)秒/.exec(message)![1]);
}

test('an attacker’s failures slow everyone else down but never keep the owner out of a browser they signed in with before', async ({ page }) => {
  test.setTimeout(120_000);
  // The owner signs in once in this browser: it is now a known device for the account.
  await signIn(page, locked, '/admin/account');
  await page.context().clearCookies({ name: SESSION_COOKIE });
  expect((await page.context().cookies()).map((c) => c.name)).toContain(KNOWN_DEVICE_COOKIE);

  // An attacker on a network of its own: free failures, then a wait, even for the right password.
  const network = privateNetwork();
  for (let attempt = 1; attempt <= FREE_FAILURES_PER_ACCOUNT_NETWORK; attempt++) {
    const answer = await rawSignIn(network, { email: locked.email, password: `wrong-${attempt}-password` });
    expect(answer.status, `failure ${attempt}`).toBe(400);
    expect(answer.body, `failure ${attempt}`).toContain(text.invalid);
  }
  const slowed = await rawSignIn(network, { email: locked.email, password: locked.password });
  expect(slowed.status).toBe(429);
  expect(Number(slowed.retryAfter)).toBeGreaterThan(0);
  expect(throttledWait(slowed)).toBe(Number(slowed.retryAfter));

  // Then from many networks (a botnet), past the account-wide allowance.
  const used = [network];
  for (let attempt = FREE_FAILURES_PER_ACCOUNT_NETWORK + 1; attempt <= FREE_FAILURES_PER_ACCOUNT; attempt++) {
    const from = privateNetwork(used);
    used.push(from);
    expect((await rawSignIn(from, { email: locked.email, password: `wrong-${attempt}-password` })).status, `failure ${attempt}`).toBe(400);
  }
  // A browser the account has never used is slowed down on any network now (right after the burst:
  // the first account-wide delay is a few seconds)...
  const stranger = await rawSignIn(privateNetwork(used), { email: locked.email, password: locked.password });
  expect(stranger.status).toBe(429);
  expect(throttledWait(stranger)).toBe(Number(stranger.retryAfter));
  // ...while the owner's browser goes straight in.
  await signIn(page, locked, '/admin/account');
  // Other accounts on the attacker's network are not affected.
  const other = await rawSignIn(network, { email: rep.email, password: rep.password, next: '/admin/account' });
  expect(other.status).toBe(303);
  expect(other.location).toBe('/admin/account');
});

test('many failures from one network slow it down for every address, and X-Forwarded-For does not get around it', async () => {
  const network = privateNetwork();
  const elsewhere = privateNetwork([network]);
  // Password spraying: one failure per address, so no account reaches its own allowance.
  for (let attempt = 1; attempt <= FREE_FAILURES_PER_NETWORK; attempt++) {
    const answer = await rawSignIn(network, { email: `spray-${attempt}-${suffix}@vendor.example`, password: 'wrong-password-1' });
    expect(answer.status, `failure ${attempt}`).toBe(400);
  }
  // The network waits now, whatever the address and even for a real user with the right password.
  const realUser = await rawSignIn(network, { email: rep.email, password: rep.password });
  expect(realUser.status).toBe(429);
  expect(throttledWait(realUser)).toBeGreaterThan(0);
  // Naming another client address does not help: the server uses the connection's own.
  const spoofed = await rawSignIn(network, { email: rep.email, password: rep.password }, { 'X-Forwarded-For': '198.51.100.7' });
  expect(spoofed.status).toBe(429);
  expect(throttledWait(spoofed)).toBeGreaterThan(0);
  // From another network the same rep signs in as usual.
  const fromElsewhere = await rawSignIn(elsewhere, { email: rep.email, password: rep.password, next: '/admin/account' });
  expect(fromElsewhere.status).toBe(303);
  expect(fromElsewhere.location).toBe('/admin/account');
});

test('cross-site posts with a valid session are refused (403) and change nothing', async ({ page }) => {
  await signIn(page, rep, '/admin/account');
  const current = {
    locale: await page.locator('#account-locale').inputValue(),
    slackUserId: await page.locator('#account-slackUserId').inputValue(),
    slackAlerts: (await page.locator('input[name="slackAlerts"]:checked').getAttribute('value')) ?? '',
  };
  expect(current.locale).toBe('ja');
  // The same form from our own origin is accepted, so a 403 below can only be the origin check.
  const genuine = await page.request.post('/admin/account', { form: { _action: 'preferences', ...current }, headers: { Origin: E2E_BASE_URL }, maxRedirects: 0 });
  expect(genuine.status()).toBe(303);
  expect(genuine.headers()['location']).toBe('/admin/account?saved=preferences');

  const forged = { _action: 'preferences', locale: 'en', slackUserId: 'U0EVIL123', slackAlerts: current.slackAlerts === 'off' ? 'instant' : 'off' };
  const accountName = `株式会社偽装 ${suffix}`;
  const attempts: { what: string; response: APIResponse }[] = [
    // A form post from another site (Astro's origin check and the page's own check).
    { what: 'form → /admin/account', response: await page.request.post('/admin/account', { form: forged, headers: { Origin: EVIL_ORIGIN }, maxRedirects: 0 }) },
    { what: 'form → /admin/accounts/new', response: await page.request.post('/admin/accounts/new', { form: { name: accountName }, headers: { Origin: EVIL_ORIGIN }, maxRedirects: 0 }) },
    // JSON bodies pass Astro's origin check (it only looks at form content types): the pages refuse them.
    { what: 'JSON → /admin/account', response: await page.request.post('/admin/account', { data: forged, headers: { Origin: EVIL_ORIGIN }, maxRedirects: 0 }) },
    { what: 'JSON → /admin/accounts/new', response: await page.request.post('/admin/accounts/new', { data: { name: accountName }, headers: { Origin: EVIL_ORIGIN }, maxRedirects: 0 }) },
  ];
  for (const { what, response } of attempts) {
    expect(response.status(), what).toBe(403);
    expect(await response.text(), what).toMatch(/^Cross-site (POST )?form submissions are (forbidden|refused)\.?$/);
  }

  // The JSON endpoints: the session works for GET, a cross-site POST is refused in the JSON error shape.
  for (const route of adminRoutes().filter((r) => r.json)) {
    expect((await page.request.get(route.path)).status(), `GET ${route.path}`).toBe(200);
    const post = await page.request.post(route.path, { data: { since: 0 }, headers: { Origin: EVIL_ORIGIN }, maxRedirects: 0 });
    const what = `cross-site JSON POST ${route.path}`;
    if (route.mutating) await expectJsonError(post, 403, 'forbidden', what);
    else await expectJsonError(post, post.status(), post.status() === 403 ? 'forbidden' : 'method_not_allowed', what);
    expect([403, 405], what).toContain(post.status());
  }

  // Nothing changed: the preferences are as they were, and no account was created.
  await page.goto('/admin/account');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('アカウント');
  await expect(page.locator('#account-locale')).toHaveValue(current.locale);
  await expect(page.locator('#account-slackUserId')).toHaveValue(current.slackUserId);
  await expect(page.locator('input[name="slackAlerts"]:checked')).toHaveAttribute('value', current.slackAlerts);
  await page.goto(`/admin/accounts?status=all&q=${encodeURIComponent(accountName)}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('取引先');
  await expect(page.locator('tr[data-account-id]')).toHaveCount(0);
  // (The same search does find an account that exists.)
  await page.goto(`/admin/accounts?status=all&q=${encodeURIComponent(accountsById.sakura.name)}`);
  await expect(page.locator(`tr[data-account-id="${accountsById.sakura.id}"]`)).toHaveCount(1);
});

test('a rep gets the 403 page on admin-only pages: both languages, an icon, a way back', async ({ page, guard, request }) => {
  await signIn(page, rep, '/admin/account');
  guard.expectDocumentStatus(403);
  const response = await page.goto('/admin/users');
  expect(response?.status()).toBe(403);
  expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
  expect(response?.headers()['cache-control']).toBe('private, no-store');
  await expect(page.locator('html')).toHaveAttribute('lang', 'ja');
  await expect(page).toHaveTitle('権限がありません / Forbidden — Ringi');
  await expect(page.locator('head link[rel="icon"]')).toHaveAttribute('href', '/favicon.svg');
  await expect(page.locator('section[lang="ja"] h1')).toHaveText('権限がありません');
  await expect(page.locator('section[lang="ja"] p').first()).toHaveText(text.forbiddenJa);
  await expect(page.locator('section[lang="en"] h1')).toHaveText('Forbidden');
  await expect(page.locator('section[lang="en"] p').first()).toHaveText(text.forbiddenEn);
  // Nothing of the users list.
  for (const r of Object.values(reps)) await expect(page.locator('body')).not.toContainText(r.email);
  await expect(page.getByRole('link', { name: 'Back to home' })).toHaveAttribute('href', '/admin');
  await page.getByRole('link', { name: 'ホームに戻る' }).click();
  await expect(page).toHaveURL('/admin');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('ホーム');

  // The settings page answers the same page; anonymous visitors still get the sign-in redirect.
  const settings = await page.request.get('/admin/settings', { maxRedirects: 0 });
  expect(settings.status()).toBe(403);
  const body = await settings.text();
  expect(body).toMatch(/^<!doctype html>\n<html lang="ja">/);
  expect(body).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml">');
  expect(body).toContain('<a href="/admin">');
  await expectSignInRedirect(await request.get('/admin/settings', { maxRedirects: 0 }), '/admin/settings', 'anonymous GET /admin/settings');
});

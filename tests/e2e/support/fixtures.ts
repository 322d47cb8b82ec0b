// What every end-to-end test imports instead of @playwright/test:
//  - `links`: the tokens the seed step created for this run (tests/.tmp/e2e/fixtures.json);
//  - `page`: Playwright's page, watched for the whole test: a request to any host but the server,
//    a console error, an uncaught exception or a Content-Security-Policy violation fails the test;
//  - `guard`: to declare the console errors a test expects (a 404 or 410 main document);
//  - helpers for prospect headers and for raw HTTP requests whose path must not be normalised.
import fs from 'node:fs';
import http from 'node:http';
import { test as base, expect, type APIResponse, type Page } from '@playwright/test';
import { E2E_BASE_URL, E2E_FIXTURES_PATH, E2E_HOST, E2E_PORT } from './env';
import type { E2eFixtures, LinkName } from './scenario';

export { expect };
export * from './scenario';

let loaded: E2eFixtures | undefined;

/** The seeded tokens; read on first use (the file is written by the webServer command). */
export function seeded(): E2eFixtures {
  loaded ??= JSON.parse(fs.readFileSync(E2E_FIXTURES_PATH, 'utf8')) as E2eFixtures;
  return loaded;
}

export interface Links {
  token: (name: LinkName) => string;
  room: (name: LinkName) => string;
  doc: (name: LinkName, slug: string) => string;
  file: (name: LinkName, slug: string, file: string) => string;
}

const links: Links = {
  token: (name) => seeded().tokens[name],
  room: (name) => `/r/${seeded().tokens[name]}`,
  doc: (name, slug) => `/r/${seeded().tokens[name]}/d/${slug}`,
  file: (name, slug, file) => `/r/${seeded().tokens[name]}/d/${slug}/files/${file}`,
};

export interface Guard {
  /** The page's main document is expected to answer this status (Chromium logs it as a console error). */
  expectDocumentStatus: (...statuses: number[]) => void;
  allowedDocumentStatuses: number[];
  requests: string[];
  consoleErrors: string[];
  pageErrors: string[];
  cspViolations: string[];
}

export const test = base.extend<{ links: Links; guard: Guard }>({
  // eslint-disable-next-line no-empty-pattern
  links: async ({}, use) => {
    await use(links);
  },
  // eslint-disable-next-line no-empty-pattern
  guard: async ({}, use) => {
    const guard: Guard = {
      expectDocumentStatus: (...statuses) => void guard.allowedDocumentStatuses.push(...statuses),
      allowedDocumentStatuses: [],
      requests: [],
      consoleErrors: [],
      pageErrors: [],
      cspViolations: [],
    };
    await use(guard);
  },
  page: async ({ page, guard }, use, testInfo) => {
    const offHost: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      guard.requests.push(`${request.method()} ${url.pathname}`);
      if (url.protocol === 'data:' || url.protocol === 'blob:') return;
      if (url.protocol !== 'http:' || url.host !== `${E2E_HOST}:${E2E_PORT}`) offHost.push(request.url());
    });
    page.on('console', (message) => {
      if (message.type() === 'error') guard.consoleErrors.push(message.text());
      if (/Content Security Policy/i.test(message.text())) guard.cspViolations.push(message.text());
    });
    page.on('pageerror', (error) => guard.pageErrors.push(error.message));
    await page.exposeFunction('__ringiReportCspViolation', (violation: string) => guard.cspViolations.push(violation));
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        const report = (window as unknown as { __ringiReportCspViolation: (v: string) => void }).__ringiReportCspViolation;
        void report(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'} (${event.sourceFile}:${event.lineNumber})`);
      });
    });

    await use(page);

    const expectedConsole = (text: string) =>
      guard.allowedDocumentStatuses.some((status) => text.startsWith(`Failed to load resource: the server responded with a status of ${status} `));
    const unexpectedConsole = guard.consoleErrors.filter((text) => !expectedConsole(text));
    if (offHost.length || unexpectedConsole.length || guard.pageErrors.length || guard.cspViolations.length) {
      await testInfo.attach('browser-guard', {
        contentType: 'application/json',
        body: JSON.stringify({ offHost, consoleErrors: guard.consoleErrors, pageErrors: guard.pageErrors, cspViolations: guard.cspViolations, requests: guard.requests }, null, 2),
      });
    }
    // Only judge a test that passed so far, so the first failure stays the reported one.
    if (testInfo.status === testInfo.expectedStatus) {
      expect(offHost, 'requests to hosts other than the Ringi server').toEqual([]);
      expect(guard.cspViolations, 'Content-Security-Policy violations').toEqual([]);
      expect(guard.pageErrors, 'uncaught exceptions in the page').toEqual([]);
      expect(unexpectedConsole, 'console errors').toEqual([]);
    }
  },
});

/** The headers every prospect-facing answer carries, whatever its status. */
export function expectProspectHeaders(response: Pick<APIResponse, 'headers' | 'url'>): void {
  const headers = response.headers();
  const where = response.url();
  expect(headers['x-robots-tag'], `X-Robots-Tag of ${where}`).toContain('noindex');
  expect(headers['referrer-policy'], `Referrer-Policy of ${where}`).toBe('no-referrer');
  expect(headers['cache-control'], `Cache-Control of ${where}`).toBe('private, no-store');
  expect(headers['x-content-type-options'], `X-Content-Type-Options of ${where}`).toBe('nosniff');
  const csp = headers['content-security-policy'] ?? '';
  const directives = csp.split(';').map((d) => d.trim());
  expect(directives, `Content-Security-Policy of ${where}`).toContain("default-src 'none'");
  expect(csp, `Content-Security-Policy of ${where}`).not.toContain("'unsafe-inline'");
  expect(csp, `Content-Security-Policy of ${where}`).not.toContain("'unsafe-eval'");
  expect(csp, `Content-Security-Policy of ${where}`).not.toMatch(/(^|\s)(\*|https?:)(\s|;|$)/);
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A GET with the path sent byte for byte. Browsers and Playwright's request context resolve `..` and
 * `%2e%2e` before sending, so path tricks must go out through plain node:http.
 */
export function rawGet(rawPath: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: E2E_HOST, port: E2E_PORT, method: 'GET', path: rawPath, headers: { 'User-Agent': 'Mozilla/5.0 ringi-e2e' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export const baseURL = E2E_BASE_URL;

export interface SignInPerson {
  email: string;
  password: string;
  name: string;
}

/** Signs in through the real form, then waits for `next` with the person's name in the header. */
export async function signIn(page: Page, person: SignInPerson, next: string): Promise<void> {
  await page.goto(`/admin/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel('メールアドレス').fill(person.email);
  await page.getByLabel('パスワード').fill(person.password);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await expect(page).toHaveURL(next);
  await expect(page.locator('.whoami')).toContainText(person.name);
}

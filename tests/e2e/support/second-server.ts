// A second, private Ringi server for the specs that need settings the shared one must not have (a
// Slack webhook, seconds-long alert delays). Same built server and seed as playwright.config.ts's
// webServer, on a free loopback port: RINGI_E2E_PORT makes env.ts give it its own directory and
// database, so the shared server's data is never touched.
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { E2E_HOST, e2eServerEnv, REPO_ROOT } from './env';
import { startSlackStandIn, type SlackStandIn } from '../../unit/support/slack-stand-in';
import { humanContext, scrollLikeAReader } from './human';
import type { E2eFixtures } from './scenario';
import { addUserWithCli, type NewUser } from './users';

export interface SecondServer {
  baseURL: string;
  port: number;
  databasePath: string;
  /** The server process (sh execs node), for /proc/<pid>/status. */
  pid: number;
  fixtures: E2eFixtures;
  /** Everything the server (and its seed step) printed so far. */
  output: () => string;
  stop: () => Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, E2E_HOST, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** How the server runs: the build (`npm start`) or Astro's dev server (`npm run dev`, compiles on demand). */
const SERVE = {
  built: 'exec node dist/server/entry.mjs',
  dev: 'exec node_modules/.bin/astro dev',
} as const;

/**
 * Seeds a fresh database, starts the server with `env` on top of the usual e2e environment, and waits
 * until it answers. With `seeded`, another server's fixtures: no seed, the database is theirs (a
 * second instance on one PostgreSQL database, `DATABASE_URL` in `env`).
 */
export async function startSecondServer(
  env: Record<string, string>,
  { timeoutMs = 60_000, serve = 'built', seeded }: { timeoutMs?: number; serve?: keyof typeof SERVE; seeded?: E2eFixtures } = {},
): Promise<SecondServer> {
  const port = await freePort();
  const baseURL = `http://${E2E_HOST}:${port}`;
  const tmpDir = path.join(REPO_ROOT, 'tests/.tmp', `e2e-${port}`);
  const databasePath = path.join(tmpDir, 'ringi-e2e.db');
  let output = '';
  const child = spawn('sh', ['-c', seeded ? SERVE[serve] : `node --import tsx tests/e2e/support/seed.ts && ${SERVE[serve]}`], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...e2eServerEnv,
      RINGI_E2E_PORT: String(port),
      PORT: String(port),
      DATABASE_PATH: databasePath,
      RINGI_PUBLIC_URL: baseURL,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(timer);
    }
    fs.rmSync(tmpDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`the second server exited with ${child.exitCode}:\n${output}`);
    }
    const up = await fetch(`${baseURL}/`, { redirect: 'manual', signal: AbortSignal.timeout(2000) }).then(
      (response) => response.status < 500,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the second server did not answer on ${baseURL} within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  const fixtures = seeded ?? (JSON.parse(fs.readFileSync(path.join(tmpDir, 'fixtures.json'), 'utf8')) as E2eFixtures);
  return { baseURL, port, databasePath, pid: child.pid!, fixtures, output: () => output, stop };
}

/**
 * A browser context on a second server, as a person's (support/human.ts), collecting what the shared `page` fixture fails on: requests
 * to any other host, console errors, uncaught exceptions. The test asserts `problems` is empty.
 */
export async function watchedPage(browser: Browser, server: SecondServer): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext(humanContext({ baseURL: server.baseURL }));
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol !== 'data:' && url.host !== new URL(server.baseURL).host) problems.push(`request to ${request.url()}`);
  });
  page.on('console', (message) => void (message.type() === 'error' && problems.push(`console: ${message.text()}`)));
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { context, page, problems };
}

/** Reads a document on a second server, scrolling as a person, until the page's script has started a view; returns its id. */
export async function readOnSecondServer(page: Page, token: string, slug: string): Promise<string> {
  await page.goto(`/r/${token}/d/${slug}`);
  const started = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/r/${token}/views`);
  await scrollLikeAReader(page);
  const response = await started;
  if (response.status() !== 201) throw new Error(`starting the view answered ${response.status()}, expected 201`);
  return ((await response.json()) as { viewId: string }).viewId;
}

/**
 * A second server whose alerts go to a loopback Slack stand-in, quickly (a two-second coalescing delay
 * and a fast worker tick), with `admin` added through the CLI: what the alert specs start from.
 */
export async function startAlertingServer(admin: NewUser): Promise<{ slack: SlackStandIn; server: SecondServer }> {
  const slack = await startSlackStandIn();
  const server = await startSecondServer({
    RINGI_SLACK_WEBHOOK_URL: slack.url,
    RINGI_SLACK_ALERT_DELAY_SECONDS: '2',
    RINGI_SLACK_WORKER_INTERVAL_MS: '250',
  });
  await addUserWithCli(admin, { role: 'admin', databasePath: server.databasePath });
  return { slack, server };
}

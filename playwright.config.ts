// End-to-end tests: Debian's Chromium against the BUILT server (`npm run test:e2e` builds first).
// See tests/README.md for the conventions.
import { defineConfig, devices } from '@playwright/test';
import { E2E_BASE_URL, e2eServerEnv } from './tests/e2e/support/env';
import { findChromium } from './scripts/chromium.mjs';
import { HUMAN_LAUNCH_ARGS, humanUserAgent } from './tests/e2e/support/human';

const ci = !!process.env.CI;

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results',
  // Two cores: one worker per core; the server shares them, so no more.
  workers: 2,
  fullyParallel: false,
  forbidOnly: ci,
  retries: 0,
  reporter: 'list',
  timeout: 30_000,
  expect: { timeout: 5_000 },
  // Runs after webServer is up (Playwright starts webServer first): checks the seed and content/.
  globalSetup: './tests/e2e/support/global-setup.ts',
  use: {
    baseURL: E2E_BASE_URL,
    browserName: 'chromium',
    ...devices['Desktop Chrome'],
    // CHROMIUM_PATH, Debian's /usr/bin/chromium, or Playwright's own (scripts/chromium.mjs; `npm run
    // test:e2e` installs Debian's first when there is none). `npx playwright install` has no network here.
    launchOptions: {
      executablePath: findChromium() ?? undefined,
      // Without automation markers: the `page` fixture plays a person (tests/e2e/support/human.ts).
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...HUMAN_LAUNCH_ARGS],
    },
    userAgent: humanUserAgent(),
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
    acceptDownloads: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: {
    // Seed first, then serve: the server migrates its database at start, and Playwright starts this
    // command BEFORE globalSetup, so the seed cannot live in globalSetup without racing the server.
    command: 'node --import tsx tests/e2e/support/seed.ts && exec node dist/server/entry.mjs',
    url: `${E2E_BASE_URL}/`,
    env: e2eServerEnv,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
  },
});

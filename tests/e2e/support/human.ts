// How an end-to-end "human" reader is made (tests/README.md). Ringi counts a view only for a person:
// trusted input events in a page without automation markers (docs/adr/0004). So every browser the
// tests drive is launched without the WebDriver flag (navigator.webdriver is false) and every context
// that plays a reader uses an ordinary Chrome user agent of the very Chromium being driven (not
// "HeadlessChrome"). Readers then scroll with page.mouse.wheel / page.keyboard, which the browser
// delivers as trusted events. A spec that plays a mail sandbox launches its own browser without
// these (see scannerBrowser).
import { execFileSync } from 'node:child_process';
import type { Browser, BrowserContext, BrowserContextOptions, BrowserType, Page } from '@playwright/test';
import { findChromium } from '../../../scripts/chromium.mjs';

/** Chromium flag that leaves navigator.webdriver false, as in a browser a person started. */
export const HUMAN_LAUNCH_ARGS = ['--disable-blink-features=AutomationControlled'];

let userAgent: string | undefined;
/** A normal desktop Chrome user agent with the driven Chromium's own major version (so client hints agree). */
export function humanUserAgent(): string {
  if (!userAgent) {
    let major = '131';
    const executable = findChromium();
    try {
      if (executable) major = /(\d+)\.\d+\.\d+/.exec(execFileSync(executable, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))?.[1] ?? major;
    } catch {
      // keep the default: only the user agent's version would differ from the client hints
    }
    userAgent = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`;
  }
  return userAgent;
}

/** Context options for a reader in a browser.newContext() (the config's `use` applies only to the `page` fixture). */
export function humanContext(options: BrowserContextOptions = {}): BrowserContextOptions {
  return { locale: 'ja-JP', timezoneId: 'Asia/Tokyo', ...options, userAgent: humanUserAgent() };
}

/** A person starting to read: the pointer moves onto the text and the wheel scrolls it. */
export async function scrollLikeAReader(page: Page, pixels = 400): Promise<void> {
  await page.mouse.move(200, 200);
  await page.mouse.move(240, 260, { steps: 3 });
  await page.mouse.wheel(0, pixels);
}

/**
 * What mail security sandboxes are: headless Chromium as automation starts it, with its default
 * markers (navigator.webdriver, "HeadlessChrome" in the user agent; the test runner would otherwise
 * lend every context the config's human user agent). Close the browser in the test.
 */
export async function scannerContext(chromium: BrowserType, baseURL: string): Promise<{ browser: Browser; context: BrowserContext }> {
  const browser = await chromium.launch({ executablePath: findChromium() ?? undefined, args: ['--no-sandbox', '--disable-gpu'] });
  const userAgent = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/${browser.version()} Safari/537.36`;
  return { browser, context: await browser.newContext({ baseURL, userAgent }) };
}

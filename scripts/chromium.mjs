// Finds the Chromium the end-to-end tests drive, and installs Debian's when there is none.
// `npm run test:e2e` runs this file first; playwright.config.ts imports findChromium().
// Order: CHROMIUM_PATH, Debian's /usr/bin/chromium, Playwright's own browser where one is installed.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const DEBIAN_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
const HOW_TO_INSTALL = 'run `sudo apt-get install chromium` (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome binary';

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Playwright's downloaded browser, if `npx playwright install` ever ran on this machine. */
function playwrightsOwn() {
  try {
    const { chromium } = createRequire(import.meta.url)('playwright-core');
    const file = chromium.executablePath();
    return file && executable(file) ? file : null;
  } catch {
    return null;
  }
}

/**
 * The browser to launch, or null when there is none. A CHROMIUM_PATH that does not point at an
 * executable is an error, not a fall-through: the person who set it meant that browser.
 * @returns {string | null}
 */
export function findChromium(env = process.env) {
  const chosen = env.CHROMIUM_PATH?.trim();
  if (chosen) {
    if (!executable(chosen)) throw new Error(`CHROMIUM_PATH=${chosen} is not an executable file; ${HOW_TO_INSTALL}`);
    return chosen;
  }
  return DEBIAN_PATHS.find(executable) ?? playwrightsOwn();
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Finds Chromium, or installs Debian's as root; otherwise stops with one line saying what to run. */
function ensureChromium() {
  let found;
  try {
    found = findChromium();
  } catch (error) {
    console.error(`npm test: ${error.message}`);
    return 1;
  }
  if (found) return 0;
  if (!isRoot() || !executable('/usr/bin/apt-get')) {
    console.error(`npm test: the end-to-end tests need Chromium and none was found; ${HOW_TO_INSTALL}.`);
    return 1;
  }
  console.log('npm test: no Chromium found; installing Debian\'s (apt-get install chromium)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'chromium']]) {
    const run = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (run.status !== 0) {
      console.error(`npm test: \`apt-get ${args.join(' ')}\` failed; ${HOW_TO_INSTALL}.`);
      return 1;
    }
  }
  if (findChromium()) return 0;
  console.error(`npm test: apt-get installed chromium but no binary was found at ${DEBIAN_PATHS.join(' or ')}.`);
  return 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(ensureChromium());

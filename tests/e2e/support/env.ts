// Where the end-to-end run lives: one port, one throw-away database, one fixed server key.
// Imported by playwright.config.ts, the seed step and the tests, so they can never disagree.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, whatever directory the runner was started from. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const E2E_HOST = '127.0.0.1';
// Overridable so two checkouts (or two people) can run the suite side by side on one machine.
export const E2E_PORT = Number(process.env.RINGI_E2E_PORT ?? 4399);
export const E2E_BASE_URL = `http://${E2E_HOST}:${E2E_PORT}`;

/** tests/.tmp/ is gitignored; everything a run writes goes there. */
export const E2E_TMP_DIR = path.join(REPO_ROOT, 'tests/.tmp', process.env.RINGI_E2E_PORT ? `e2e-${process.env.RINGI_E2E_PORT}` : 'e2e');
export const E2E_DATABASE_PATH = path.join(E2E_TMP_DIR, 'ringi-e2e.db');
/** Written by the seed step: the tokens the tests open (they are random on every run). */
export const E2E_FIXTURES_PATH = path.join(E2E_TMP_DIR, 'fixtures.json');

/** base64 of the 32 bytes 0x00..0x1f: a fixed test key, never used anywhere real. */
export const E2E_SECRET_KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

/** The environment of both the seed step and the server, so both open the same database with the same key. */
export const e2eServerEnv: Record<string, string> = {
  HOST: E2E_HOST,
  PORT: String(E2E_PORT),
  DATABASE_PATH: E2E_DATABASE_PATH,
  RINGI_SECRET_KEY: E2E_SECRET_KEY,
  RINGI_PUBLIC_URL: E2E_BASE_URL,
  RINGI_CONTENT_DIR: path.join(REPO_ROOT, 'content'),
  RINGI_MIGRATIONS_DIR: path.join(REPO_ROOT, 'db/migrations'),
  RINGI_TIME_ZONE: 'Asia/Tokyo',
  // No Slack in tests: the worker finds no webhook and sends nothing.
  RINGI_SLACK_WEBHOOK_URL: '',
  ASTRO_TELEMETRY_DISABLED: '1',
  NODE_ENV: 'production',
};

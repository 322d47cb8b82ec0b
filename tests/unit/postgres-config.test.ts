// PostgreSQL mode's configuration: DATABASE_URL must be a PostgreSQL URL, and the secret key must
// come from RINGI_SECRET_KEY (a key file per machine would give each instance its own key).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { config } from '../../src/server/config';
import { describePostgresUrl } from '../../src/server/db/postgres';
import { loadSecretKey } from '../../src/server/security/secret-box';

afterEach(() => vi.unstubAllEnvs());

describe('PostgreSQL mode configuration', () => {
  it('refuses to start without RINGI_SECRET_KEY, and creates no key file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringi-key-'));
    vi.stubEnv('DATABASE_URL', 'postgres://ringi:pw@127.0.0.1:5432/ringi');
    vi.stubEnv('RINGI_SECRET_KEY', '');
    vi.stubEnv('RINGI_SECRET_KEY_FILE', path.join(dir, 'secret.key'));
    expect(() => loadSecretKey()).toThrow(/RINGI_SECRET_KEY must be set when DATABASE_URL is set/);
    expect(fs.existsSync(path.join(dir, 'secret.key'))).toBe(false);

    const key = Buffer.alloc(32, 3).toString('base64');
    vi.stubEnv('RINGI_SECRET_KEY', key);
    expect(loadSecretKey().toString('base64')).toBe(key);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('still creates the key file on SQLite', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringi-key-'));
    vi.stubEnv('DATABASE_URL', '');
    vi.stubEnv('RINGI_SECRET_KEY', '');
    vi.stubEnv('RINGI_SECRET_KEY_FILE', path.join(dir, 'secret.key'));
    expect(loadSecretKey()).toHaveLength(32);
    expect(fs.existsSync(path.join(dir, 'secret.key'))).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('accepts only PostgreSQL URLs in DATABASE_URL, with a message that does not repeat the value', () => {
    vi.stubEnv('DATABASE_URL', 'postgresql://ringi:pw@db.internal:5432/ringi');
    expect(config.databaseUrl).toBe('postgresql://ringi:pw@db.internal:5432/ringi');
    vi.stubEnv('DATABASE_URL', 'mysql://root:hunter2@127.0.0.1/ringi');
    expect(() => config.databaseUrl).toThrow(/DATABASE_URL must be a PostgreSQL URL/);
    expect(() => config.databaseUrl).not.toThrow(/hunter2/);
  });

  it('describes a database without its password', () => {
    expect(describePostgresUrl('postgres://ringi:s3cret@127.0.0.1:5433/ringi')).toBe('postgres://127.0.0.1:5433/ringi');
  });
});

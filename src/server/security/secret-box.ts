// Seals small secrets (access-link secrets) with AES-256-GCM under the server key, so a copy of the
// database alone cannot produce working links while reps can still copy a link again.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { config } from '../config';

export type SecretKey = Buffer;

export function parseSecretKey(base64: string): SecretKey {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new Error('RINGI_SECRET_KEY must be the base64 of exactly 32 bytes (e.g. `openssl rand -base64 32`).');
  return key;
}

/**
 * The key from RINGI_SECRET_KEY, else from the key file, which is created (mode 0600) on first use.
 * On PostgreSQL only the variable will do: every instance must seal and open with the same key, and a
 * key file would be created per machine.
 */
export function loadSecretKey(): SecretKey {
  if (config.secretKey) return parseSecretKey(config.secretKey);
  if (config.databaseUrl) {
    throw new Error('RINGI_SECRET_KEY must be set when DATABASE_URL is set: every instance needs the same key (create one with `openssl rand -base64 32` and give it to all of them)');
  }
  const file = config.secretKeyFile;
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      fs.writeFileSync(file, crypto.randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return parseSecretKey(fs.readFileSync(file, 'utf8').trim());
}

export function sealSecret(key: SecretKey, plaintext: string, associatedData: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** Returns null when the box was sealed under another key or for another record. */
export function openSecret(key: SecretKey, sealed: string, associatedData: string): string | null {
  const [version, iv, body, tag] = sealed.split('.');
  if (version !== 'v1' || !iv || !body || !tag) return null;
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

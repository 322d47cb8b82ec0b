import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from '../../src/server/security/constant-time';
import { generateAccessToken, hashSecret, parseAccessToken, secretMatches } from '../../src/server/access-links/tokens';
import { openSecret, parseSecretKey, sealSecret } from '../../src/server/security/secret-box';
import crypto from 'node:crypto';

describe('constantTimeEqual', () => {
  it('is true only for identical bytes', () => {
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([9, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([]), new Uint8Array([]))).toBe(true);
  });
});

describe('access tokens', () => {
  it('have the id.secret shape with at least 128 bits of secret', () => {
    const { id, secret, token } = generateAccessToken();
    expect(token).toBe(`${id}.${secret}`);
    expect(id).toMatch(/^[a-z2-7]{16}$/);
    expect(secret).toMatch(/^[a-z2-7]{32}$/);
    expect(secret.length * 5).toBeGreaterThanOrEqual(128); // base32: 5 bits a character
  });

  it('are different every time', () => {
    const tokens = new Set(Array.from({ length: 2000 }, () => generateAccessToken().token));
    expect(tokens.size).toBe(2000);
  });

  it('parse only in their exact shape', () => {
    const { id, secret, token } = generateAccessToken();
    expect(parseAccessToken(token)).toEqual({ id, secret });
    for (const bad of ['', id, `${id}.`, `.${secret}`, `${id}.${secret}.x`, `${id}.${secret.toUpperCase()}`, `${id}x.${secret}`, `${id}.${secret}=`, `../${token}`, `${token}%00`]) {
      expect(parseAccessToken(bad), bad).toBeNull();
    }
  });

  it('match only their own secret hash', () => {
    const a = generateAccessToken();
    const b = generateAccessToken();
    const storedHash = hashSecret(a.secret);
    expect(storedHash.byteLength).toBe(32);
    expect(secretMatches(a.secret, storedHash)).toBe(true);
    expect(secretMatches(b.secret, storedHash)).toBe(false);
  });
});

describe('secret box', () => {
  const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));

  it('opens what it sealed, for the same record only', () => {
    const sealed = sealSecret(key, 'the-secret', 'link-1');
    expect(sealed).not.toContain('the-secret');
    expect(openSecret(key, sealed, 'link-1')).toBe('the-secret');
    expect(openSecret(key, sealed, 'link-2')).toBeNull();
  });

  it('refuses another key and tampered boxes', () => {
    const sealed = sealSecret(key, 'the-secret', 'link-1');
    const otherKey = parseSecretKey(crypto.randomBytes(32).toString('base64'));
    expect(openSecret(otherKey, sealed, 'link-1')).toBeNull();
    const parts = sealed.split('.');
    parts[2] = Buffer.from('other-secret').toString('base64url');
    expect(openSecret(key, parts.join('.'), 'link-1')).toBeNull();
    expect(openSecret(key, 'garbage', 'link-1')).toBeNull();
  });

  it('rejects keys of the wrong size with a clear message', () => {
    expect(() => parseSecretKey(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
  });
});

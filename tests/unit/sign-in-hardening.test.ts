// The parts of signing in that tests/e2e/admin-auth.spec.ts cannot reach without disturbing the
// specs that run beside it: where the sign-in page may redirect to, which client address counts
// for throttling (X-Forwarded-For), the per-network allowance, and the same-origin rule of the guard.
import { describe, expect, it } from 'vitest';
import { isSameOrigin } from '../../src/server/auth/guard';
import { safeNextPath } from '../../src/server/auth/next-path';
import { signIn } from '../../src/server/auth/sign-in';
import { throttleRules } from '../../src/server/auth/throttle';
import { trustedForwardedFor, trustProxyFromEnv } from '../../src/server/http/client-address';
import { createUser } from '../../src/server/users/users';
import { useTempDatabase } from './support/temp-db';
import { SLOW_BY_NATURE } from './support/slow-by-nature';

describe('safeNextPath', () => {
  it('keeps admin paths with their query and fragment', () => {
    expect(safeNextPath('/admin')).toBe('/admin');
    expect(safeNextPath('/admin/')).toBe('/admin/');
    expect(safeNextPath('/admin/accounts?page=2#list')).toBe('/admin/accounts?page=2#list');
    expect(safeNextPath('/admin?channel=partner')).toBe('/admin?channel=partner');
    expect(safeNextPath('/admin/opportunities/e2e-opp-sakura/timeline')).toBe('/admin/opportunities/e2e-opp-sakura/timeline');
  });

  it('sends everything else to /admin: other sites, other pages, nothing', () => {
    for (const value of [
      null,
      undefined,
      '',
      'https://evil.example/',
      'https://evil.example/admin',
      '//evil.example',
      '//evil.example/admin',
      '/\\evil.example',
      '\\\\evil.example',
      'https:evil.example',
      'javascript:alert(1)',
      'admin',
      '/adminx',
      '/r/some-token',
      '/admin/../r/some-token',
      '/admin/../..//evil.example',
      '/admin/%2e%2e/%2e%2e//evil.example',
    ]) {
      expect(safeNextPath(value), String(value)).toBe('/admin');
    }
  });

  it('never lets a control character through to the Location header', () => {
    for (const value of ['/admin/\r\nSet-Cookie: x=1', '/admin/\nX', '/admin\t//evil.example', '/admin/#\u0001', '/admin/?\u007f']) {
      const next = safeNextPath(value);
      expect(next, JSON.stringify(value)).toMatch(/^\/admin/);
      expect(next, JSON.stringify(value)).not.toMatch(/[\u0000-\u001f\u007f]/);
      expect(() => new Headers({ Location: next })).not.toThrow();
    }
  });
});

describe('X-Forwarded-For', () => {
  it('is dropped unless a proxy is trusted', () => {
    expect(trustedForwardedFor('198.51.100.7', false)).toBeUndefined();
    expect(trustedForwardedFor(['198.51.100.7', '203.0.113.9'], false)).toBeUndefined();
    expect(trustedForwardedFor(undefined, true)).toBeUndefined();
  });

  it('keeps only the entry the trusted proxy appended (the last)', () => {
    expect(trustedForwardedFor('198.51.100.7', true)).toBe('198.51.100.7');
    expect(trustedForwardedFor('1.2.3.4, 198.51.100.7', true)).toBe('198.51.100.7');
    expect(trustedForwardedFor(['1.2.3.4', ' 198.51.100.7 '], true)).toBe('198.51.100.7');
    expect(trustedForwardedFor(' , ', true)).toBeUndefined();
  });

  it('RINGI_TRUST_PROXY accepts 1/true/yes only', () => {
    expect(trustProxyFromEnv(undefined)).toBe(false);
    expect(trustProxyFromEnv('')).toBe(false);
    expect(trustProxyFromEnv('0')).toBe(false);
    expect(trustProxyFromEnv('false')).toBe(false);
    expect(trustProxyFromEnv('1')).toBe(true);
    expect(trustProxyFromEnv('TRUE')).toBe(true);
    expect(trustProxyFromEnv(' yes ')).toBe(true);
  });
});

describe('per-network sign-in throttling', async () => {
  const db = useTempDatabase();
  const t0 = new Date('2026-11-22T09:00:00Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);
  await createUser(db, { email: 'rep@example.com', displayName: 'Rep', role: 'rep', password: 'rep-password-1' });

  // Every sign-in checks an argon2id hash (a decoy one for unknown addresses), about 25 of them.
  it('slows a network down after many failures spread over addresses, for every unknown browser, for a delay only', SLOW_BY_NATURE, async () => {
    // Password spraying: one failure per address, so no account reaches its own allowance.
    const allowance = throttleRules.network.freeFailures;
    for (let i = 0; i < allowance - 1; i++) {
      expect(await signIn(db, { email: `guess-${i}@example.com`, password: 'wrong-password', network: 'office-a' }, at(i))).toEqual({ ok: false, reason: 'invalid' });
    }
    // One below the allowance the network still signs in; a success does not clear the network's count.
    expect((await signIn(db, { email: 'rep@example.com', password: 'rep-password-1', network: 'office-a' }, at(100))).ok).toBe(true);
    expect(await signIn(db, { email: 'guess-last@example.com', password: 'wrong-password', network: 'office-a' }, at(101))).toEqual({ ok: false, reason: 'invalid' });

    expect(await signIn(db, { email: 'rep@example.com', password: 'rep-password-1', network: 'office-a' }, at(200))).toEqual({ ok: false, reason: 'throttled', retryAfterSeconds: 5 });
    // Another network is not affected, and neither is the account itself.
    expect((await signIn(db, { email: 'rep@example.com', password: 'rep-password-1', network: 'office-b' }, at(300))).ok).toBe(true);
    // The delay counts from the network's last failure.
    expect((await signIn(db, { email: 'rep@example.com', password: 'rep-password-1', network: 'office-a' }, at(101 + 5000))).ok).toBe(true);
  });
});

describe('isSameOrigin', () => {
  const url = new URL('http://127.0.0.1:4399/admin/account');
  const post = (headers: Record<string, string>) => new Request(url, { method: 'POST', headers });

  it('trusts Sec-Fetch-Site where the browser sends it', () => {
    expect(isSameOrigin(post({ 'Sec-Fetch-Site': 'same-origin' }), url)).toBe(true);
    expect(isSameOrigin(post({ 'Sec-Fetch-Site': 'same-site' }), url)).toBe(false);
    expect(isSameOrigin(post({ 'Sec-Fetch-Site': 'cross-site', Origin: 'http://127.0.0.1:4399' }), url)).toBe(false);
    expect(isSameOrigin(post({ 'Sec-Fetch-Site': 'none' }), url)).toBe(false);
  });

  it('else compares Origin with our own origin, and refuses a missing or null Origin', () => {
    expect(isSameOrigin(post({ Origin: 'http://127.0.0.1:4399' }), url)).toBe(true);
    expect(isSameOrigin(post({ Origin: 'http://evil.example' }), url)).toBe(false);
    expect(isSameOrigin(post({ Origin: 'http://127.0.0.1:4400' }), url)).toBe(false);
    expect(isSameOrigin(post({ Origin: 'null' }), url)).toBe(false);
    expect(isSameOrigin(post({}), url)).toBe(false);
  });
});

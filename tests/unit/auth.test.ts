import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { authSessions } from '../../src/server/db/tables';
import { hashPassword, passwordProblem, verifyPassword } from '../../src/server/auth/passwords';
import { createSession, invalidateSession, SESSION_INACTIVITY_MS, validateSession } from '../../src/server/auth/sessions';
import { signIn } from '../../src/server/auth/sign-in';
import { MAX_DELAY_MS, throttleRules } from '../../src/server/auth/throttle';
import { createUser, deactivateUser, DuplicateEmailError, setPassword } from '../../src/server/users/users';
import { useTempDatabase } from './support/temp-db';
import { changeLastCharacter } from './support/tamper';

const db = useTempDatabase();
const t0 = new Date('2026-11-22T09:00:00Z');
const later = (ms: number) => new Date(t0.getTime() + ms);
const hour = 60 * 60 * 1000;

describe('passwords', () => {
  it('hash with argon2id and verify', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(stored, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(stored, 'wrong horse battery')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
  });
  it('need at least 10 characters', () => {
    expect(passwordProblem('123456789')).toBe('too_short');
    expect(passwordProblem('1234567890')).toBeNull();
  });
});

describe('sessions', async () => {
  const { id: userId } = await createUser(db, { email: 'rep@example.com', displayName: 'Rep', role: 'rep', password: 'rep-password-1' });

  it('store only a hash of the secret and validate the token', async () => {
    const { token } = await createSession(db, userId, t0);
    const [id, secret] = token.split('.') as [string, string];
    expect(secret.length * 5).toBeGreaterThanOrEqual(128);
    const row = (await db.select().from(authSessions).where(eq(authSessions.id, id)).limit(1))[0]!;
    expect(row.secretHash.toString('hex')).not.toContain(secret);
    expect((await validateSession(db, token, later(1000)))?.user).toMatchObject({ id: userId, role: 'rep' });
  });

  it('refuse a wrong secret, junk and a missing token', async () => {
    const { token } = await createSession(db, userId, t0);
    const wrong = changeLastCharacter(token);
    expect(await validateSession(db, wrong, later(1000))).toBeNull();
    expect(await validateSession(db, 'junk', later(1000))).toBeNull();
    expect(await validateSession(db, undefined, later(1000))).toBeNull();
  });

  it('slide on use and expire after inactivity', async () => {
    const { token } = await createSession(db, userId, t0);
    expect((await validateSession(db, token, later(30 * 60 * 1000)))?.refreshed).toBe(false);
    const nineDays = 9 * 24 * hour;
    expect((await validateSession(db, token, later(nineDays)))?.refreshed).toBe(true);
    expect(await validateSession(db, token, later(nineDays + SESSION_INACTIVITY_MS - 1000))).not.toBeNull();
    expect(await validateSession(db, token, later(nineDays + 2 * SESSION_INACTIVITY_MS))).toBeNull();
  });

  it('end on sign-out, password change and deactivation', async () => {
    const a = await createSession(db, userId, t0);
    const b = await createSession(db, userId, t0);
    await invalidateSession(db, a.token.split('.')[0]!);
    expect(await validateSession(db, a.token, later(1000))).toBeNull();
    expect(await validateSession(db, b.token, later(1000))).not.toBeNull();
    await setPassword(db, userId, 'a-new-password-2');
    expect(await validateSession(db, b.token, later(1000))).toBeNull();
    const c = await createSession(db, userId, t0);
    await deactivateUser(db, userId, later(1000));
    expect(await validateSession(db, c.token, later(2000))).toBeNull();
  });
});

describe('sign-in', async () => {
  await createUser(db, { email: 'admin@example.com', displayName: 'Admin', role: 'admin', password: 'admin-password-1' });

  it('refuses duplicate e-mail addresses, whatever the case', async () => {
    await expect(createUser(db, { email: 'ADMIN@example.com', displayName: 'x', role: 'rep', password: 'whatever-123' })).rejects.toBeInstanceOf(DuplicateEmailError);
  });

  it('signs in with the right password, case-insensitive e-mail', async () => {
    const result = await signIn(db, { email: ' Admin@Example.com ', password: 'admin-password-1', network: 'n1' }, t0);
    expect(result).toMatchObject({ ok: true, user: { email: 'admin@example.com', role: 'admin' } });
    if (result.ok) expect(await validateSession(db, result.token, t0)).not.toBeNull();
  });

  it('gives the same answer for a wrong password and an unknown address', async () => {
    expect(await signIn(db, { email: 'admin@example.com', password: 'nope-nope-nope', network: 'n2' }, t0)).toEqual({ ok: false, reason: 'invalid' });
    expect(await signIn(db, { email: 'nobody@example.com', password: 'nope-nope-nope', network: 'n2' }, t0)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('slows a browser down after repeated failures, even with the right password, but only for the delay (sign-in-throttle.test.ts has the rules)', async () => {
    for (let i = 0; i < throttleRules.accountNetwork.freeFailures; i++) await signIn(db, { email: 'admin@example.com', password: `wrong-${i}-password`, network: 'n3' }, t0);
    expect(await signIn(db, { email: 'admin@example.com', password: 'admin-password-1', network: 'n3' }, t0)).toEqual({ ok: false, reason: 'throttled', retryAfterSeconds: 5 });
    // Other networks are not slowed down by five failures.
    expect((await signIn(db, { email: 'admin@example.com', password: 'admin-password-1', network: 'fresh' }, t0)).ok).toBe(true);
    expect((await signIn(db, { email: 'admin@example.com', password: 'admin-password-1', network: 'n3' }, later(MAX_DELAY_MS))).ok).toBe(true);
  });

  it('refuses deactivated users', async () => {
    const { id } = await createUser(db, { email: 'gone@example.com', displayName: 'Gone', role: 'rep', password: 'gone-password-1' });
    await deactivateUser(db, id, t0);
    expect(await signIn(db, { email: 'gone@example.com', password: 'gone-password-1', network: null }, t0)).toEqual({ ok: false, reason: 'invalid' });
  });
});

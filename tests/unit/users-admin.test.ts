// User administration and the own-account rules: invitations with one-time passwords, resets and
// deactivation ending sessions, the last active admin, nobody acting on themselves, own password change.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { users } from '../../src/server/db/tables';
import { createSession, validateSession } from '../../src/server/auth/sessions';
import { signIn } from '../../src/server/auth/sign-in';
import { throttleRules } from '../../src/server/auth/throttle';
import {
  changeOwnPassword,
  deactivateUserByAdmin,
  getUser,
  inviteUser,
  listUsers,
  reactivateUserByAdmin,
  resetUserPassword,
  updateOwnPreferences,
  updateUserProfile,
} from '../../src/server/settings/users';
import { createUser } from '../../src/server/users/users';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();
const canSignIn = async (email: string, password: string) => (await signIn(db, { email, password, network: null })).ok;

describe('user administration', async () => {
  const { id: adminId } = await createUser(db, { email: 'boss@example.com', displayName: 'Boss', role: 'admin', password: 'boss-password-1' });
  const admin = { id: adminId, role: 'admin' as const };

  it('invites a rep with a generated password that works once handed over', async () => {
    const result = await inviteUser(db, admin, {
      email: ' New.Rep@Example.com ',
      displayName: ' 新人 太郎 ',
      role: 'rep',
      locale: 'en',
      jobTitle: 'インサイドセールス',
      phone: '０３-１２３４-５６７８',
      slackUserId: ' u012ab3cd ',
    });
    if (!result.ok) throw new Error(JSON.stringify(result));
    expect(result.value.password.length).toBeGreaterThanOrEqual(16);
    expect(await getUser(db, result.value.id)).toMatchObject({
      email: 'new.rep@example.com',
      displayName: '新人 太郎',
      role: 'rep',
      locale: 'en',
      jobTitle: 'インサイドセールス',
      phone: '03-1234-5678',
      slackUserId: 'U012AB3CD',
      deactivatedAt: null,
    });
    // Only a hash is stored, and the password signs in.
    const stored = (await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, result.value.id)).limit(1))[0]!;
    expect(stored.hash).toMatch(/^\$argon2id\$/);
    expect(stored.hash).not.toContain(result.value.password);
    expect(await canSignIn('new.rep@example.com', result.value.password)).toBe(true);
  });

  it('refuses a duplicate address, bad fields, and non-admins', async () => {
    expect(await inviteUser(db, admin, { email: 'NEW.REP@example.com', displayName: 'Dup', role: 'rep', locale: 'ja' })).toEqual({
      ok: false,
      reason: 'invalid',
      fieldErrors: { email: 'duplicateEmail' },
    });
    expect(await inviteUser(db, admin, { email: 'not-an-address', displayName: '', role: 'boss', locale: 'fr', phone: 'call me', slackUserId: 'alice' })).toEqual({
      ok: false,
      reason: 'invalid',
      fieldErrors: { email: 'invalidEmail', displayName: 'required', role: 'invalidChoice', locale: 'invalidChoice', phone: 'invalidPhone', slackUserId: 'invalidSlackUserId' },
    });
    const rep = (await listUsers(db)).find((u) => u.role === 'rep')!;
    expect(await inviteUser(db, { id: rep.id, role: 'rep' }, { email: 'x@example.com', displayName: 'X', role: 'admin', locale: 'ja' })).toEqual({ ok: false, reason: 'forbidden' });
  });

  it('resets a password: a new one shown once, the old one and every session of the user end', async () => {
    const { id } = await createUser(db, { email: 'reset@example.com', displayName: 'Reset', role: 'rep', password: 'old-password-1' });
    const a = await createSession(db, id);
    const b = await createSession(db, id);
    const result = await resetUserPassword(db, admin, id);
    if (!result.ok) throw new Error(JSON.stringify(result));
    expect(await validateSession(db, a.token)).toBeNull();
    expect(await validateSession(db, b.token)).toBeNull();
    expect(await canSignIn('reset@example.com', 'old-password-1')).toBe(false);
    expect(await canSignIn('reset@example.com', result.value.password)).toBe(true);
    expect(await resetUserPassword(db, admin, adminId)).toEqual({ ok: false, reason: 'self' });
    expect(await resetUserPassword(db, admin, 'nobody')).toEqual({ ok: false, reason: 'not_found' });
  });

  it('deactivates at once: sessions end and sign-in is refused; reactivation restores sign-in', async () => {
    const { id } = await createUser(db, { email: 'leaver@example.com', displayName: 'Leaver', role: 'rep', password: 'leaver-password-1' });
    const session = await createSession(db, id);
    expect(await validateSession(db, session.token)).not.toBeNull();
    const result = await deactivateUserByAdmin(db, admin, id, new Date('2026-11-22T09:00:00Z'));
    expect(result).toMatchObject({ ok: true, value: { deactivatedAt: new Date('2026-11-22T09:00:00Z') } });
    expect(await validateSession(db, session.token)).toBeNull();
    expect(await canSignIn('leaver@example.com', 'leaver-password-1')).toBe(false);
    // Deactivating again changes nothing.
    expect((await deactivateUserByAdmin(db, admin, id)).ok).toBe(true);
    expect((await getUser(db, id))?.deactivatedAt).toEqual(new Date('2026-11-22T09:00:00Z'));
    expect(await reactivateUserByAdmin(db, admin, id)).toMatchObject({ ok: true, value: { deactivatedAt: null } });
    expect(await canSignIn('leaver@example.com', 'leaver-password-1')).toBe(true);
    expect((await listUsers(db)).at(-1)?.deactivatedAt ?? null).toBeNull();
  });

  it('never deactivates yourself', async () => {
    const session = await createSession(db, adminId);
    expect(await deactivateUserByAdmin(db, admin, adminId)).toEqual({ ok: false, reason: 'self' });
    expect(await validateSession(db, session.token)).not.toBeNull();
    expect((await getUser(db, adminId))?.deactivatedAt).toBeNull();
  });

  it('never leaves the workspace without an active admin', async () => {
    // An actor that is not itself an active admin (a stale session, a script): the rule still holds.
    const ghost = { id: 'ghost-admin', role: 'admin' as const };
    expect(await deactivateUserByAdmin(db, ghost, adminId)).toEqual({ ok: false, reason: 'last_admin' });
    expect(await updateUserProfile(db, ghost, adminId, { displayName: 'Boss', role: 'rep', locale: 'ja' })).toEqual({ ok: false, reason: 'last_admin' });
    expect(await getUser(db, adminId)).toMatchObject({ role: 'admin', deactivatedAt: null });

    // With a second active admin, either may deactivate or demote the other, but not both.
    const { id: secondId } = await createUser(db, { email: 'second@example.com', displayName: 'Second', role: 'admin', password: 'second-password-1' });
    const second = { id: secondId, role: 'admin' as const };
    expect((await deactivateUserByAdmin(db, admin, secondId)).ok).toBe(true);
    expect(await deactivateUserByAdmin(db, ghost, adminId)).toEqual({ ok: false, reason: 'last_admin' });
    await reactivateUserByAdmin(db, admin, secondId);
    expect((await updateUserProfile(db, second, adminId, { displayName: 'Boss', role: 'rep', locale: 'ja' })).ok).toBe(true);
    expect(await updateUserProfile(db, ghost, secondId, { displayName: 'Second', role: 'rep', locale: 'ja' })).toEqual({ ok: false, reason: 'last_admin' });
    expect((await updateUserProfile(db, second, adminId, { displayName: 'Boss', role: 'admin', locale: 'ja' })).ok).toBe(true);
  });

  it('edits a profile, but nobody changes their own role', async () => {
    const rep = (await listUsers(db)).find((u) => u.email === 'new.rep@example.com')!;
    const result = await updateUserProfile(db, admin, rep.id, {
      displayName: 'Taro New',
      role: 'admin',
      locale: 'ja',
      jobTitle: '',
      phone: '+81-3-1234-5678',
      slackUserId: 'W0123ABCDE',
    });
    expect(result).toMatchObject({ ok: true, value: { displayName: 'Taro New', role: 'admin', locale: 'ja', jobTitle: null, phone: '+81-3-1234-5678', slackUserId: 'W0123ABCDE' } });
    expect(await updateUserProfile(db, admin, rep.id, { displayName: 'x', role: 'rep', locale: 'ja', slackUserId: '@taro' })).toMatchObject({
      reason: 'invalid',
      fieldErrors: { slackUserId: 'invalidSlackUserId' },
    });
    expect(await updateUserProfile(db, admin, adminId, { displayName: 'Boss', role: 'rep', locale: 'ja' })).toEqual({ ok: false, reason: 'self' });
    // Your own name and language, with your role unchanged, are fine.
    expect((await updateUserProfile(db, admin, adminId, { displayName: 'The Boss', role: 'admin', locale: 'en' })).ok).toBe(true);
    expect(await updateUserProfile(db, admin, 'nobody', { displayName: 'x', role: 'rep', locale: 'ja' })).toEqual({ ok: false, reason: 'not_found' });
    expect(await updateUserProfile(db, { id: rep.id, role: 'rep' }, adminId, { displayName: 'x', role: 'rep', locale: 'ja' })).toEqual({ ok: false, reason: 'forbidden' });
  });
});

describe('own account', async () => {
  const { id } = await createUser(db, { email: 'me@example.com', displayName: 'Me', role: 'rep', password: 'my-password-01' });

  it('updates language, Slack member id and alert mode', async () => {
    expect(await updateOwnPreferences(db, id, { locale: 'en', slackUserId: 'u0ABCDEF12', slackAlerts: 'digest' })).toMatchObject({
      ok: true,
      value: { locale: 'en', slackUserId: 'U0ABCDEF12', slackAlerts: 'digest' },
    });
    expect(await updateOwnPreferences(db, id, { locale: 'de', slackUserId: 'me', slackAlerts: 'sometimes' })).toEqual({
      ok: false,
      reason: 'invalid',
      fieldErrors: { locale: 'invalidChoice', slackUserId: 'invalidSlackUserId', slackAlerts: 'invalidChoice' },
    });
    expect(await updateOwnPreferences(db, id, { locale: 'ja', slackUserId: '', slackAlerts: 'instant' })).toMatchObject({ ok: true, value: { slackUserId: null } });
  });

  it('refuses a wrong current password, a short or repeated new one and a mismatch', async () => {
    expect(await changeOwnPassword(db, id, { currentPassword: 'wrong-password', newPassword: 'short', confirmPassword: 'short' })).toEqual({
      ok: false,
      reason: 'invalid',
      fieldErrors: { currentPassword: 'wrongPassword', newPassword: 'passwordTooShort' },
    });
    expect(await changeOwnPassword(db, id, { currentPassword: 'my-password-01', newPassword: 'my-password-01', confirmPassword: 'my-password-01' })).toMatchObject({
      fieldErrors: { newPassword: 'passwordSame' },
    });
    expect(await changeOwnPassword(db, id, { currentPassword: 'my-password-01', newPassword: 'my-password-02', confirmPassword: 'my-password-03' })).toMatchObject({
      fieldErrors: { confirmPassword: 'passwordMismatch' },
    });
    expect(await changeOwnPassword(db, id, {})).toMatchObject({ fieldErrors: { currentPassword: 'required', newPassword: 'required' } });
    expect(await canSignIn('me@example.com', 'my-password-01')).toBe(true);
  });

  it('changes the password: every old session ends, the returned fresh one works', async () => {
    const here = await createSession(db, id);
    const elsewhere = await createSession(db, id);
    const result = await changeOwnPassword(db, id, { currentPassword: 'my-password-01', newPassword: 'my-password-02', confirmPassword: 'my-password-02' });
    if (!result.ok) throw new Error(JSON.stringify(result));
    expect(await validateSession(db, here.token)).toBeNull();
    expect(await validateSession(db, elsewhere.token)).toBeNull();
    expect((await validateSession(db, result.value.token))?.user.id).toBe(id);
    expect(await canSignIn('me@example.com', 'my-password-01')).toBe(false);
    expect(await canSignIn('me@example.com', 'my-password-02')).toBe(true);
  });

  it('counts wrong current passwords as failed sign-ins and stops guessing', async () => {
    const now = new Date();
    for (let i = 0; i < throttleRules.accountNetwork.freeFailures; i++) {
      await changeOwnPassword(db, id, { currentPassword: `guess-${i}-password`, newPassword: 'my-password-09', confirmPassword: 'my-password-09' }, now);
    }
    expect(await changeOwnPassword(db, id, { currentPassword: 'my-password-02', newPassword: 'my-password-09', confirmPassword: 'my-password-09' }, now)).toEqual({
      ok: false,
      reason: 'throttled',
    });
    expect(await canSignIn('me@example.com', 'my-password-02')).toBe(false);
  });
});

import { eq, isNull, and } from 'drizzle-orm';
import { users } from '../db/tables';
import type { RingiDb } from '../db/client';
import { hashPassword, verifyPassword } from './passwords';
import { createSession, type SessionUser } from './sessions';
import { signInSucceeded, takeSignInAttempt, type SignInSource } from './throttle';

// Verifying against a real hash when the address is unknown keeps response times alike, so timing
// does not tell which addresses have accounts.
let decoyHash: Promise<string> | undefined;

export type SignInResult =
  | { ok: true; token: string; expiresAt: Date; user: SessionUser }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

export async function signIn(
  db: RingiDb,
  input: { email: string; password: string } & SignInSource,
  now = new Date(),
): Promise<SignInResult> {
  const email = input.email.trim().toLowerCase();
  const attempt = await takeSignInAttempt(db, email, input, now); // counted as a failure until the password proves right
  if (!attempt.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: attempt.retryAfterSeconds };
  const [user] = await db
    .select()
    .from(users)
    .where(and(eq(users.email, email), isNull(users.deactivatedAt))).limit(1);
  decoyHash ??= hashPassword('decoy password for unknown accounts');
  const valid = await verifyPassword(user?.passwordHash ?? (await decoyHash), input.password);
  if (!user || !user.passwordHash || !valid) return { ok: false, reason: 'invalid' };
  await signInSucceeded(db, email, input);
  const { token, expiresAt } = await createSession(db, user.id, now);
  return { ok: true, token, expiresAt, user: { id: user.id, email: user.email, displayName: user.displayName, role: user.role, locale: user.locale } };
}

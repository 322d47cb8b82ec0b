// Rep and admin sessions, after Lucia's reference design (lucia-auth/lucia code/auth_session.ts):
// token `<id>.<secret>`, only SHA-256(secret) stored, constant-time check, expiry after inactivity.
import { and, eq, isNull } from 'drizzle-orm';
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { authSessions, users } from '../db/tables';
import type { Queryable, RingiDb } from '../db/client';
import { isStorageFull, storageFullLog } from '../db/faults';
import { constantTimeEqual } from '../security/constant-time';

export const SESSION_COOKIE = 'ringi_session';
/** A session ends after this long without use. */
export const SESSION_INACTIVITY_MS = 10 * 24 * 60 * 60 * 1000;
/** Sliding expiry is written at most this often, not on every request. */
const REFRESH_AFTER_MS = 60 * 60 * 1000;
const TOKEN_PATTERN = /^([a-z2-7]{16})\.([a-z2-7]{52})$/;

export interface SessionUser {
  id: string;
  email: string;
  displayName: string;
  role: 'admin' | 'rep' | 'content';
  locale: 'ja' | 'en';
}

export interface ValidSession {
  sessionId: string;
  user: SessionUser;
  /** True when the expiry moved: the caller re-sends the cookie so the browser keeps it too. */
  refreshed: boolean;
}

function random(bytes: number): string {
  const buffer = new Uint8Array(bytes);
  crypto.getRandomValues(buffer);
  return encodeBase32LowerCaseNoPadding(buffer);
}

const hashSecret = (secret: string) => Buffer.from(sha256(new TextEncoder().encode(secret)));

export async function createSession(db: RingiDb, userId: string, now = new Date()): Promise<{ token: string; expiresAt: Date }> {
  const id = random(10);
  const secret = random(32);
  await db.insert(authSessions).values({ id, userId, secretHash: hashSecret(secret), lastVerifiedAt: now, createdAt: now });
  return { token: `${id}.${secret}`, expiresAt: new Date(now.getTime() + SESSION_INACTIVITY_MS) };
}

export async function validateSession(db: RingiDb, token: string | undefined, now = new Date()): Promise<ValidSession | null> {
  const match = token ? TOKEN_PATTERN.exec(token) : null;
  if (!match) return null;
  const [, id, secret] = match as unknown as [string, string, string];
  const [row] = await db
    .select({
      id: authSessions.id,
      secretHash: authSessions.secretHash,
      lastVerifiedAt: authSessions.lastVerifiedAt,
      userId: users.id,
      email: users.email,
      displayName: users.displayName,
      role: users.role,
      locale: users.locale,
    })
    .from(authSessions)
    .innerJoin(users, and(eq(users.id, authSessions.userId), isNull(users.deactivatedAt)))
    .where(eq(authSessions.id, id)).limit(1);
  if (!row) return null;
  if (now.getTime() - row.lastVerifiedAt.getTime() >= SESSION_INACTIVITY_MS) {
    await db.delete(authSessions).where(eq(authSessions.id, id));
    return null;
  }
  if (!constantTimeEqual(hashSecret(secret), row.secretHash)) return null;
  const refreshed = now.getTime() - row.lastVerifiedAt.getTime() >= REFRESH_AFTER_MS && (await refreshExpiry(db, id, now));
  return {
    sessionId: row.id,
    refreshed,
    user: { id: row.userId, email: row.email, displayName: row.displayName, role: row.role, locale: row.locale },
  };
}

/**
 * Moves the sliding expiry. A full disk must not turn a page that only reads into a 500: the session
 * keeps its old expiry (still days away) and the next request after space is freed moves it.
 */
async function refreshExpiry(db: RingiDb, id: string, now: Date): Promise<boolean> {
  try {
    await db.update(authSessions).set({ lastVerifiedAt: now }).where(eq(authSessions.id, id));
    return true;
  } catch (error) {
    if (!isStorageFull(error)) throw error;
    storageFullLog.report();
    return false;
  }
}

export async function invalidateSession(db: RingiDb, sessionId: string): Promise<void> {
  await db.delete(authSessions).where(eq(authSessions.id, sessionId));
}

/** Ends every session of a user: on password change, reset and deactivation. */
export async function invalidateUserSessions(db: Queryable, userId: string): Promise<void> {
  await db.delete(authSessions).where(eq(authSessions.userId, userId));
}

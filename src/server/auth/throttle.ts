// Sign-in throttling: a few failures per e-mail address, more per network, within a window.
import { eq, sql } from 'drizzle-orm';
import { signInThrottle } from '../../../db/schema';
import type { RingiDb } from '../db/client';

export const THROTTLE_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_NETWORK = 30;

export function throttleKeys(email: string, network: string | null): { key: string; limit: number }[] {
  const keys = [{ key: `account:${email.trim().toLowerCase()}`, limit: MAX_FAILURES_PER_ACCOUNT }];
  if (network) keys.push({ key: `network:${network}`, limit: MAX_FAILURES_PER_NETWORK });
  return keys;
}

/** Pure: is this key locked, given its stored failures? */
export function isLocked(row: { failures: number; windowStartedAt: Date } | undefined, limit: number, now: Date): boolean {
  if (!row) return false;
  if (now.getTime() - row.windowStartedAt.getTime() >= THROTTLE_WINDOW_MS) return false;
  return row.failures >= limit;
}

export function signInLocked(db: RingiDb, email: string, network: string | null, now = new Date()): boolean {
  return throttleKeys(email, network).some(({ key, limit }) =>
    isLocked(db.select().from(signInThrottle).where(eq(signInThrottle.key, key)).get(), limit, now),
  );
}

export function recordSignInFailure(db: RingiDb, email: string, network: string | null, now = new Date()): void {
  const windowStart = now.getTime() - THROTTLE_WINDOW_MS;
  for (const { key } of throttleKeys(email, network)) {
    db.insert(signInThrottle)
      .values({ key, failures: 1, windowStartedAt: now })
      .onConflictDoUpdate({
        target: signInThrottle.key,
        // An expired window starts over at one failure.
        set: {
          failures: sql`case when ${signInThrottle.windowStartedAt} < ${windowStart} then 1 else ${signInThrottle.failures} + 1 end`,
          windowStartedAt: sql`case when ${signInThrottle.windowStartedAt} < ${windowStart} then ${now.getTime()} else ${signInThrottle.windowStartedAt} end`,
        },
      })
      .run();
  }
}

/** A successful sign-in clears the account's counter (not the network's). */
export function clearSignInFailures(db: RingiDb, email: string): void {
  db.delete(signInThrottle).where(eq(signInThrottle.key, throttleKeys(email, null)[0]!.key)).run();
}

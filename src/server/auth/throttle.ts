// Sign-in throttling without lockout (OWASP Authentication Cheat Sheet; docs/adr/0010). Failures are
// counted per key and slow the next attempt down with a delay that doubles per failure past a free
// allowance; nothing is refused for longer than MAX_DELAY_MS, so the right password always gets in
// once the delay has passed. Keys:
// - account × network: a guesser on one network slows down quickly;
// - network: password spraying (one guess per account) from one network;
// - account: a distributed guesser, with a much higher allowance;
// - account × known device: a browser that has signed in to the account before (known-device.ts)
//   is counted only against itself, so nobody else's failures can slow its owner down.
import { eq, inArray, lte, sql } from 'drizzle-orm';
import { signInThrottle } from '../db/tables';
import type { Queryable, RingiDb } from '../db/client';

export interface ThrottleRule {
  /** Failures allowed before any delay. */
  freeFailures: number;
  /** The delay after the first failure past the allowance; it doubles with each further failure. */
  baseDelayMs: number;
}

/** The longest wait any key imposes. */
export const MAX_DELAY_MS = 15 * 60 * 1000;
/** A key's failures are forgotten this long after its first one (and at once on a success, for the account's own keys). */
export const THROTTLE_WINDOW_MS = 24 * 60 * 60 * 1000;

export const throttleRules = {
  accountNetwork: { freeFailures: 5, baseDelayMs: 5000 },
  knownDevice: { freeFailures: 5, baseDelayMs: 5000 },
  network: { freeFailures: 30, baseDelayMs: 5000 },
  account: { freeFailures: 100, baseDelayMs: 5000 },
} as const satisfies Record<string, ThrottleRule>;

/** Where an attempt comes from: the keyed network hash, and the browser's known-device id for this account (or null). */
export interface SignInSource {
  network: string | null;
  device?: string | null;
}

interface ThrottleKey {
  key: string;
  rule: ThrottleRule;
  /** Cleared by a success (the attempt's own keys); shared keys only take back the success's reservation. */
  own: boolean;
}

/** Pure: the keys an attempt is counted against. A known device skips the network and account-wide keys. */
export function throttleKeys(email: string, source: SignInSource): ThrottleKey[] {
  const account = email.trim().toLowerCase();
  if (source.device) return [{ key: `device:${account}:${source.device}`, rule: throttleRules.knownDevice, own: true }];
  const network = source.network ?? 'unknown';
  const keys: ThrottleKey[] = [{ key: `account-network:${account}:${network}`, rule: throttleRules.accountNetwork, own: true }];
  if (source.network) keys.push({ key: `network:${source.network}`, rule: throttleRules.network, own: false });
  keys.push({ key: `account:${account}`, rule: throttleRules.account, own: false });
  return keys;
}

export interface ThrottleState {
  failures: number;
  windowStartedAt: Date;
  lastFailureAt: Date;
}

/** Pure: the wait after `failures` failures under `rule`. */
export function delayAfter(failures: number, rule: ThrottleRule): number {
  if (failures < rule.freeFailures) return 0;
  return Math.min(MAX_DELAY_MS, rule.baseDelayMs * 2 ** (failures - rule.freeFailures));
}

/** Pure: how long until this key lets the next attempt through (0: now). */
export function waitMs(state: ThrottleState | undefined, rule: ThrottleRule, now: Date): number {
  if (!state || now.getTime() - state.windowStartedAt.getTime() >= THROTTLE_WINDOW_MS) return 0;
  return Math.max(0, state.lastFailureAt.getTime() + delayAfter(state.failures, rule) - now.getTime());
}

async function states(db: Queryable, keys: ThrottleKey[]): Promise<Map<string, ThrottleState>> {
  const rows = await db
    .select()
    .from(signInThrottle)
    .where(inArray(signInThrottle.key, keys.map((k) => k.key)));
  return new Map(rows.map((row) => [row.key, row]));
}

/** How long until an attempt from `source` may try a password for `email` (0: now). Reads only. */
export async function signInWaitMs(db: Queryable, email: string, source: SignInSource, now = new Date()): Promise<number> {
  const keys = throttleKeys(email, source);
  const known = await states(db, keys);
  return Math.max(0, ...keys.map(({ key, rule }) => waitMs(known.get(key), rule, now)));
}

export type AttemptDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Checks the keys and, if the attempt may go ahead, counts it as a failure before the password is
 * verified (in one synchronous step): parallel guesses cannot all pass the check while the first one
 * is still hashing. A success then takes the failure back (signInSucceeded).
 */
export async function takeSignInAttempt(db: RingiDb, email: string, source: SignInSource, now = new Date()): Promise<AttemptDecision> {
  return await db.transaction(async (tx) => {
    const keys = throttleKeys(email, source);
    const wait = await signInWaitMs(tx, email, source, now);
    if (wait > 0) return { allowed: false as const, retryAfterSeconds: Math.ceil(wait / 1000) };
    const windowStart = now.getTime() - THROTTLE_WINDOW_MS;
    for (const { key } of keys) {
      await tx.insert(signInThrottle)
        .values({ key, failures: 1, windowStartedAt: now, lastFailureAt: now })
        .onConflictDoUpdate({
          target: signInThrottle.key,
          // An expired window starts over at one failure.
          set: {
            failures: sql`case when ${signInThrottle.windowStartedAt} <= ${windowStart} then 1 else ${signInThrottle.failures} + 1 end`,
            windowStartedAt: sql`case when ${signInThrottle.windowStartedAt} <= ${windowStart} then ${now.getTime()} else ${signInThrottle.windowStartedAt} end`,
            lastFailureAt: now,
          },
        });
    }
    return { allowed: true as const };
  });
}

/** The password was right: the attempt's own keys start over, the shared ones give back the reserved failure. */
export async function signInSucceeded(db: RingiDb, email: string, source: SignInSource): Promise<void> {
  const keys = throttleKeys(email, source);
  await db.transaction(async (tx) => {
    const own = keys.filter((k) => k.own).map((k) => k.key);
    const shared = keys.filter((k) => !k.own).map((k) => k.key);
    if (own.length) await tx.delete(signInThrottle).where(inArray(signInThrottle.key, own));
    for (const key of shared) {
      await tx.update(signInThrottle)
        .set({ failures: sql`case when ${signInThrottle.failures} > 1 then ${signInThrottle.failures} - 1 else 0 end` })
        .where(eq(signInThrottle.key, key));
    }
  });
}

/** Keys whose window has ended count for nothing: the daily retention job deletes them, so spraying cannot grow the table without bound. */
export async function purgeExpiredSignInFailures(db: RingiDb, now: Date): Promise<number> {
  return (await db.delete(signInThrottle).where(lte(signInThrottle.windowStartedAt, new Date(now.getTime() - THROTTLE_WINDOW_MS))).returning({ key: signInThrottle.key })).length;
}

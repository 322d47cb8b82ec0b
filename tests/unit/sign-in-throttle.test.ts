// Sign-in throttling without lockout (src/server/auth/throttle.ts, known-device.ts, docs/adr/0010):
// an attacker's failures slow the attacker down, never lock the owner out of a browser they have
// signed in with before; delays grow per failure; the account-wide allowance is much higher.
import { describe, expect, it } from 'vitest';
import { signInThrottle } from '../../src/server/db/tables';
import { knownDeviceFor, MAX_ACCOUNTS_PER_DEVICE, parseKnownDevice, rememberedDevice } from '../../src/server/auth/known-device';
import { signIn } from '../../src/server/auth/sign-in';
import {
  delayAfter,
  MAX_DELAY_MS,
  purgeExpiredSignInFailures,
  signInWaitMs,
  takeSignInAttempt,
  THROTTLE_WINDOW_MS,
  throttleKeys,
  throttleRules,
  type SignInSource,
} from '../../src/server/auth/throttle';
import { createUser } from '../../src/server/users/users';
import { useTempDatabase } from './support/temp-db';

const key = Buffer.alloc(32, 7);
const otherKey = Buffer.alloc(32, 8);

describe('delayAfter', () => {
  const { accountNetwork, network, account } = throttleRules;
  it.each([
    // failures, rule, expected wait before the next attempt
    [0, accountNetwork, 0],
    [accountNetwork.freeFailures - 1, accountNetwork, 0],
    [accountNetwork.freeFailures, accountNetwork, 5000],
    [accountNetwork.freeFailures + 1, accountNetwork, 10_000],
    [accountNetwork.freeFailures + 2, accountNetwork, 20_000],
    [accountNetwork.freeFailures + 5, accountNetwork, 160_000],
    [accountNetwork.freeFailures + 7, accountNetwork, 640_000],
    [accountNetwork.freeFailures + 8, accountNetwork, MAX_DELAY_MS],
    [accountNetwork.freeFailures + 1000, accountNetwork, MAX_DELAY_MS],
    [network.freeFailures - 1, network, 0],
    [network.freeFailures, network, 5000],
    [account.freeFailures - 1, account, 0],
    [account.freeFailures + 3, account, 40_000],
  ])('after %i failures waits as the rule says', (failures, rule, expected) => {
    expect(delayAfter(failures, rule)).toBe(expected);
  });

  it('keeps the account-wide allowance far above the per-network ones', () => {
    expect(account.freeFailures).toBeGreaterThanOrEqual(3 * network.freeFailures);
    expect(network.freeFailures).toBeGreaterThan(accountNetwork.freeFailures);
  });
});

describe('throttleKeys', () => {
  it.each<[string, SignInSource, string[]]>([
    ['unknown browser on a network', { network: 'net-a', device: null }, ['account-network:rep@example.com:net-a', 'network:net-a', 'account:rep@example.com']],
    ['unknown browser, network unknown', { network: null }, ['account-network:rep@example.com:unknown', 'account:rep@example.com']],
    ['known device: only its own key', { network: 'net-a', device: 'abcdefghijklmnopqrstuvwxyz' }, ['device:rep@example.com:abcdefghijklmnopqrstuvwxyz']],
  ])('%s', (_what, source, expected) => {
    expect(throttleKeys(' Rep@Example.com ', source).map((k) => k.key)).toEqual(expected);
  });
});

describe('known-device cookie', () => {
  it('vouches for the accounts it was issued for, under the same key only', () => {
    const value = rememberedDevice(undefined, 'Rep@Example.com', key);
    const deviceId = parseKnownDevice(value)!.deviceId;
    expect(knownDeviceFor(value, 'rep@example.com', key)).toBe(deviceId);
    expect(knownDeviceFor(value, 'other@example.com', key)).toBeNull();
    expect(knownDeviceFor(value, 'rep@example.com', otherKey)).toBeNull();
    // A second account keeps the device id and the first account.
    const both = rememberedDevice(value, 'other@example.com', key);
    expect(knownDeviceFor(both, 'other@example.com', key)).toBe(deviceId);
    expect(knownDeviceFor(both, 'rep@example.com', key)).toBe(deviceId);
    // Signing in again does not grow the cookie.
    expect(rememberedDevice(both, 'rep@example.com', key).split('.')).toHaveLength(3);
  });

  it('remembers the most recent accounts only', () => {
    let value: string | undefined;
    for (let i = 0; i <= MAX_ACCOUNTS_PER_DEVICE; i++) value = rememberedDevice(value, `rep-${i}@example.com`, key);
    expect(knownDeviceFor(value, 'rep-0@example.com', key)).toBeNull();
    expect(knownDeviceFor(value, `rep-${MAX_ACCOUNTS_PER_DEVICE}@example.com`, key)).not.toBeNull();
  });

  it.each([undefined, '', 'x', 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ.' + 'a'.repeat(43), 'abcdefghijklmnopqrstuvwxyz.' + 'a'.repeat(42)])(
    'ignores a malformed or forged value %j',
    (value) => {
      expect(knownDeviceFor(value, 'rep@example.com', key)).toBeNull();
    },
  );

  it('refuses a MAC moved to another device id', () => {
    const value = rememberedDevice(undefined, 'rep@example.com', key);
    const [, mac] = value.split('.');
    expect(knownDeviceFor(`abcdefghijklmnopqrstuvwxyz.${mac}`, 'rep@example.com', key)).toBeNull();
  });
});

describe('sign-in throttling (database)', async () => {
  const db = useTempDatabase();
  const t0 = new Date('2026-12-01T09:00:00Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);
  const password = 'owner-password-1';
  const owner = (n: number) => `owner-${n}@example.com`;
  for (let n = 0; n < 8; n++) await createUser(db, { email: owner(n), displayName: `Owner ${n}`, role: 'rep', password });

  /**
   * `count` wrong guesses as signIn counts them (let through, then never taken back by a success),
   * each made as soon as the throttle allows; returns the time after the last one.
   */
  async function failures(count: number, email: string, source: (i: number) => SignInSource, start = t0, emailOf = (_i: number) => email): Promise<Date> {
    let now = start.getTime();
    for (let i = 0; i < count; i++) {
      const attempt = async () => await takeSignInAttempt(db, emailOf(i), source(i), new Date(now));
      for (let decision = await attempt(); !decision.allowed; decision = (await attempt())) {
        now += decision.retryAfterSeconds * 1000;
      }
    }
    return new Date(now);
  }
  const device = (email: string) => knownDeviceFor(rememberedDevice(undefined, email, key), email, key)!;
  let attackCase = 0;

  // Each case has its own account and networks (`${email}/office`), so no case sees another's failures.
  it.each<{ what: string; attacker: (email: string) => Promise<Date>; ownerNetwork: string }>([
    {
      what: 'guessing from the owner’s own network, past every allowance',
      attacker: async (email) => await failures(throttleRules.account.freeFailures + 50, email, () => ({ network: `${email}/office` })),
      ownerNetwork: 'office',
    },
    {
      what: 'guessing from many networks, past the account-wide allowance',
      attacker: async (email) => await failures(throttleRules.account.freeFailures + 50, email, (i) => ({ network: `${email}/botnet-${i}` })),
      ownerNetwork: 'home',
    },
    {
      what: 'spraying many accounts from the owner’s network',
      attacker: async (email) => await failures(throttleRules.network.freeFailures + 50, email, () => ({ network: `${email}/office` }), t0, (i) => `spray-${i}-${email}`),
      ownerNetwork: 'office',
    },
  ])('the owner on a known device gets in at once: $what', async ({ attacker, ownerNetwork }) => {
    const email = owner(attackCase++);
    const network = `${email}/${ownerNetwork}`;
    const now = await attacker(email);
    // An unknown browser on the owner's network is being slowed down right now...
    expect(await signIn(db, { email, password, network }, now)).toMatchObject({ ok: false, reason: 'throttled' });
    // ...yet the owner's own browser goes straight in.
    expect((await signIn(db, { email, password, network, device: device(email) }, now)).ok).toBe(true);
  });

  it('slows an unknown browser down with growing delays, and lets the right password in once the delay has passed', async () => {
    const email = owner(3);
    const source = { network: 'cafe' };
    let now = t0.getTime();
    for (let i = 0; i < throttleRules.accountNetwork.freeFailures; i++) {
      expect(await signIn(db, { email, password: `wrong-${i}-password`, ...source }, new Date(now))).toEqual({ ok: false, reason: 'invalid' });
    }
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      const refused = await signIn(db, { email, password: `wrong-${i}-password`, ...source }, new Date(now));
      if (refused.ok || refused.reason !== 'throttled') throw new Error(`attempt ${i} was not throttled`);
      waits.push(refused.retryAfterSeconds);
      now += refused.retryAfterSeconds * 1000;
      expect(await signIn(db, { email, password: `wrong-${i}-password`, ...source }, new Date(now))).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(waits).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 900, 900, 900, 900]);
    // Even then, the right password is refused only until the (capped) delay has passed: no lockout.
    const early = await signIn(db, { email, password, ...source }, new Date(now + 1000));
    expect(early).toMatchObject({ ok: false, reason: 'throttled' });
    expect((await signIn(db, { email, password, ...source }, new Date(now + MAX_DELAY_MS))).ok).toBe(true);
    // The success starts this browser's count over.
    expect(await signInWaitMs(db, email, source, new Date(now + MAX_DELAY_MS))).toBe(0);
  });

  it('applies the account-wide allowance to unknown browsers on fresh networks, not to known devices', async () => {
    const email = owner(4);
    await failures(throttleRules.account.freeFailures, email, (i) => ({ network: `botnet-${i}` }));
    const fresh = await signIn(db, { email, password, network: 'new-laptop' }, at(10));
    expect(fresh).toMatchObject({ ok: false, reason: 'throttled', retryAfterSeconds: 5 });
    expect((await signIn(db, { email, password, network: 'new-laptop', device: device(email) }, at(10))).ok).toBe(true);
    // One below the allowance nobody is slowed down.
    const other = owner(5);
    await failures(throttleRules.account.freeFailures - 1, other, (i) => ({ network: `botnet-${i}` }));
    expect((await signIn(db, { email: other, password, network: 'new-laptop' }, at(10))).ok).toBe(true);
  });

  it('counts a known device’s own failures against that device only', async () => {
    const email = owner(6);
    const mine = { network: `${email}/office`, device: device(email) };
    await failures(throttleRules.knownDevice.freeFailures, email, () => mine);
    expect(await signIn(db, { email, password, ...mine }, t0)).toMatchObject({ ok: false, reason: 'throttled' });
    expect((await signIn(db, { email, password, network: `${email}/office` }, t0)).ok).toBe(true);
  });

  it('forgets failures a window after the first one', async () => {
    const email = owner(7);
    await failures(throttleRules.accountNetwork.freeFailures, email, () => ({ network: 'x' }));
    expect(await signInWaitMs(db, email, { network: 'x' }, t0)).toBe(5000);
    expect(await signInWaitMs(db, email, { network: 'x' }, at(THROTTLE_WINDOW_MS))).toBe(0);
    // The next failure starts a new window at one.
    await failures(1, email, () => ({ network: 'x' }), at(THROTTLE_WINDOW_MS));
    expect(await signInWaitMs(db, email, { network: 'x' }, at(THROTTLE_WINDOW_MS))).toBe(0);
  });

  it('lets the daily job delete counters whose window has ended, and only those', async () => {
    const sprayStart = at(2 * THROTTLE_WINDOW_MS);
    await failures(3, 'sprayed@example.com', (i) => ({ network: `spray-net-${i}` }), sprayStart);
    const rows = async () => (await db.select().from(signInThrottle)).filter((r) => r.key.includes('sprayed@example.com') || r.key.includes('spray-net-')).length;
    expect(await rows()).toBe(7); // three account × network, three network, one account
    await purgeExpiredSignInFailures(db, new Date(sprayStart.getTime() + THROTTLE_WINDOW_MS - 1));
    expect(await rows()).toBe(7);
    await purgeExpiredSignInFailures(db, new Date(sprayStart.getTime() + THROTTLE_WINDOW_MS));
    expect(await rows()).toBe(0);
  });

  it('lets no more parallel guesses through than the allowance, while the first ones are still hashing', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => signIn(db, { email: 'parallel@example.com', password: `wrong-${i}-password`, network: 'parallel-net' }, t0)),
    );
    expect(results.filter((r) => !r.ok && r.reason === 'invalid')).toHaveLength(throttleRules.accountNetwork.freeFailures);
    expect(results.filter((r) => !r.ok && r.reason === 'throttled')).toHaveLength(20 - throttleRules.accountNetwork.freeFailures);
  });
});

// "Known device" cookie (OWASP's device-cookie exception to sign-in throttling, docs/adr/0010): a
// browser that has signed in to an account gets a cookie naming a random device id and, per account,
// a MAC of (device id, e-mail address) under the server key. Presenting it with that address puts the
// attempt under its own throttle key only (throttle.ts), so failures made elsewhere never slow the
// owner down. It proves a past sign-in, nothing else: the password is still required.
import crypto from 'node:crypto';
import type { AstroCookies } from 'astro';
import { constantTimeEqual } from '../security/constant-time';
import type { SecretKey } from '../security/secret-box';
import { isDeviceId } from '../tracking/network';
import { newTrackingId } from '../tracking/ingest';

export const KNOWN_DEVICE_COOKIE = 'ringi_known_device';
/** Accounts one browser is remembered for (a shared office PC), the most recent first. */
export const MAX_ACCOUNTS_PER_DEVICE = 5;
const FOUR_HUNDRED_DAYS = 400 * 24 * 60 * 60; // the longest lifetime browsers accept

const macPattern = /^[A-Za-z0-9_-]{43}$/;

function accountMac(key: SecretKey, deviceId: string, email: string): string {
  const subkey = crypto.createHmac('sha256', key).update('ringi:known-device').digest();
  return crypto.createHmac('sha256', subkey).update(`${deviceId}\n${email.trim().toLowerCase()}`).digest('base64url');
}

/** Pure: the cookie's device id and account MACs, or null for anything malformed. Format: `<device id>.<mac>[.<mac>…]`. */
export function parseKnownDevice(value: string | undefined): { deviceId: string; macs: string[] } | null {
  if (!value) return null;
  const [deviceId, ...macs] = value.split('.');
  if (!isDeviceId(deviceId) || macs.length === 0 || macs.length > MAX_ACCOUNTS_PER_DEVICE || !macs.every((m) => macPattern.test(m))) return null;
  return { deviceId, macs };
}

/** The device id when the cookie value vouches for a past sign-in to `email`, else null. */
export function knownDeviceFor(value: string | undefined, email: string, key: SecretKey): string | null {
  const parsed = parseKnownDevice(value);
  if (!parsed) return null;
  const expected = Buffer.from(accountMac(key, parsed.deviceId, email));
  return parsed.macs.some((mac) => constantTimeEqual(Buffer.from(mac), expected)) ? parsed.deviceId : null;
}

/** Pure: the cookie value after a successful sign-in to `email`: same device id, this account first. */
export function rememberedDevice(value: string | undefined, email: string, key: SecretKey): string {
  const parsed = parseKnownDevice(value);
  const deviceId = parsed?.deviceId ?? newTrackingId();
  const mac = accountMac(key, deviceId, email);
  const macs = [mac, ...(parsed?.macs ?? []).filter((m) => m !== mac)].slice(0, MAX_ACCOUNTS_PER_DEVICE);
  return [deviceId, ...macs].join('.');
}

export function knownDevice(cookies: AstroCookies, email: string, key: SecretKey): string | null {
  return knownDeviceFor(cookies.get(KNOWN_DEVICE_COOKIE)?.value, email, key);
}

/** Sets (or refreshes) the cookie after a successful sign-in. Kept on sign-out: it outlives sessions on purpose. */
export function rememberDevice(cookies: AstroCookies, email: string, key: SecretKey, secure: boolean): void {
  const value = rememberedDevice(cookies.get(KNOWN_DEVICE_COOKIE)?.value, email, key);
  cookies.set(KNOWN_DEVICE_COOKIE, value, { path: '/admin', httpOnly: true, sameSite: 'lax', secure, maxAge: FOUR_HUNDRED_DAYS });
}

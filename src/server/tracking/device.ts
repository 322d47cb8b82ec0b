// The reader's browser, as far as Ringi cares: a random id in a first-party cookie, so that a
// forwarded link shows up as a new reader. It identifies a browser on Ringi only, nothing else.
import type { AstroCookies } from 'astro';
import { isDeviceId } from './network';
import { newTrackingId } from './ingest';

export const DEVICE_COOKIE = 'ringi_device';
const FOUR_HUNDRED_DAYS = 400 * 24 * 60 * 60; // the longest lifetime browsers accept

export function deviceIdFrom(cookies: AstroCookies): string | null {
  const value = cookies.get(DEVICE_COOKIE)?.value;
  return isDeviceId(value) ? value : null;
}

/** The browser's device id, issuing one (HttpOnly, scoped to prospect pages) if it has none. */
export function ensureDeviceId(cookies: AstroCookies, secure: boolean): string {
  const existing = deviceIdFrom(cookies);
  if (existing) return existing;
  const deviceId = newTrackingId();
  cookies.set(DEVICE_COOKIE, deviceId, { path: '/r/', httpOnly: true, sameSite: 'lax', secure, maxAge: FOUR_HUNDRED_DAYS });
  return deviceId;
}


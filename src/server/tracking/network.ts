import crypto from 'node:crypto';
import type { SecretKey } from '../security/secret-box';
import { truncateIp } from './rules';

/** A keyed hash of the reader's network (/24 or /48): enough to tell offices apart, useless as an address. */
export function networkHash(key: SecretKey, ip: string | undefined): string | null {
  if (!ip) return null;
  const subkey = crypto.createHmac('sha256', key).update('ringi:network-hash').digest();
  return crypto.createHmac('sha256', subkey).update(truncateIp(ip)).digest('base64url').slice(0, 22);
}

const deviceIdPattern = /^[a-z2-7]{26}$/;

export function isDeviceId(value: string | undefined): value is string {
  return value !== undefined && deviceIdPattern.test(value);
}

// Access-link tokens follow Lucia's session design: `<id>.<secret>`, the id for lookup and the
// secret checked against its SHA-256 in constant time.
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { constantTimeEqual } from '../security/constant-time';

const ID_BYTES = 10; // 80 bits: unique lookup key, not the secret
const SECRET_BYTES = 20; // 160 bits of secret, well above the 128-bit floor
const ID_LENGTH = 16;
const SECRET_LENGTH = 32;
const TOKEN_PATTERN = /^([a-z2-7]{16})\.([a-z2-7]{32})$/;

export interface ParsedToken {
  id: string;
  secret: string;
}

function randomBase32(bytes: number): string {
  const buffer = new Uint8Array(bytes);
  crypto.getRandomValues(buffer);
  return encodeBase32LowerCaseNoPadding(buffer);
}

export function generateAccessToken(): ParsedToken & { token: string } {
  const id = randomBase32(ID_BYTES);
  const secret = randomBase32(SECRET_BYTES);
  return { id, secret, token: `${id}.${secret}` };
}

/** Null for anything that is not the exact token shape, so junk never reaches the database. */
export function parseAccessToken(token: string): ParsedToken | null {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return null;
  return { id: match[1]!, secret: match[2]! };
}

export function hashSecret(secret: string): Uint8Array {
  return sha256(new TextEncoder().encode(secret));
}

export function secretMatches(secret: string, storedHash: Uint8Array): boolean {
  return constantTimeEqual(hashSecret(secret), storedHash);
}

export const accessTokenShape = { ID_LENGTH, SECRET_LENGTH };

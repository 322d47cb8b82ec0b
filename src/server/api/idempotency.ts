// Idempotency-Key on POSTs (the IETF draft's rules): the first answer to a key is kept for 24 hours
// and replayed for the same request; the same key with another request is refused (422), and one
// still running answers 409. Answers may hold secrets (a link's URL, a webhook secret), so they are
// stored sealed with the server key.
import crypto from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import { apiIdempotency } from '../db/tables';
import type { Queryable } from '../db/client';
import { openSecret, sealSecret, type SecretKey } from '../security/secret-box';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export function isValidIdempotencyKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

/** What identifies "the same request": method, path and body bytes. */
export function requestFingerprint(method: string, path: string, body: string): string {
  return crypto.createHash('sha256').update(`${method}\n${path}\n${body}`).digest('hex');
}

export type StoredAnswer = { kind: 'none' } | { kind: 'replay'; status: number; body: string } | { kind: 'mismatch' };

const sealedFor = (tokenId: string, key: string) => `api-idempotency:${tokenId}:${key}`;

export async function findStoredAnswer(db: Queryable, serverKey: SecretKey, tokenId: string, key: string, fingerprint: string, now: Date): Promise<StoredAnswer> {
  const [row] = await db
    .select()
    .from(apiIdempotency)
    .where(and(eq(apiIdempotency.tokenId, tokenId), eq(apiIdempotency.key, key)))
    .limit(1);
  if (!row || now.getTime() - row.createdAt.getTime() > IDEMPOTENCY_TTL_MS) return { kind: 'none' };
  if (row.requestHash !== fingerprint) return { kind: 'mismatch' };
  const body = openSecret(serverKey, row.body, sealedFor(tokenId, key));
  return body === null ? { kind: 'none' } : { kind: 'replay', status: row.status, body };
}

export async function storeAnswer(
  db: Queryable,
  serverKey: SecretKey,
  answer: { tokenId: string; key: string; fingerprint: string; status: number; body: string },
  now: Date,
): Promise<void> {
  await db.delete(apiIdempotency).where(lt(apiIdempotency.createdAt, new Date(now.getTime() - IDEMPOTENCY_TTL_MS)));
  await db
    .insert(apiIdempotency)
    .values({
      tokenId: answer.tokenId,
      key: answer.key,
      requestHash: answer.fingerprint,
      status: answer.status,
      body: sealSecret(serverKey, answer.body, sealedFor(answer.tokenId, answer.key)),
      createdAt: now,
    })
    .onConflictDoUpdate({
      target: [apiIdempotency.tokenId, apiIdempotency.key],
      set: { requestHash: answer.fingerprint, status: answer.status, body: sealSecret(serverKey, answer.body, sealedFor(answer.tokenId, answer.key)), createdAt: now },
    });
}

/** Keys whose first request is still being answered, in this process. */
export class InFlightKeys {
  private readonly keys = new Set<string>();
  /** False when the key is taken already. */
  claim(tokenId: string, key: string): boolean {
    const k = `${tokenId}\n${key}`;
    if (this.keys.has(k)) return false;
    this.keys.add(k);
    return true;
  }
  release(tokenId: string, key: string): void {
    this.keys.delete(`${tokenId}\n${key}`);
  }
}

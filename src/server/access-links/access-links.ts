import { eq } from 'drizzle-orm';
import { accessLinks } from '../db/tables';
import type { RingiDb } from '../db/client';
import { rebuildRoomAggregates } from '../tracking/aggregates';
import { openSecret, sealSecret, type SecretKey } from '../security/secret-box';
import { generateAccessToken, hashSecret } from './tokens';

export interface NewAccessLink {
  roomId: string;
  contactId: string;
  createdByUserId?: string | null;
  expiresAt?: Date | null;
}

/** Creates a link and returns its token; the plain token is never stored. */
export async function createAccessLink(db: RingiDb, key: SecretKey, input: NewAccessLink): Promise<{ id: string; token: string }> {
  const { id, secret, token } = generateAccessToken();
  await db.transaction(async (tx) => {
    await tx.insert(accessLinks)
      .values({
        id,
        roomId: input.roomId,
        contactId: input.contactId,
        secretHash: Buffer.from(hashSecret(secret)),
        sealedSecret: sealSecret(key, secret, id),
        createdByUserId: input.createdByUserId ?? null,
        expiresAt: input.expiresAt ?? null,
      });
    // A share: the room is unopened until someone reads after it (ADR 0020).
    await rebuildRoomAggregates(tx, input.roomId);
  });
  return { id, token };
}

/** The token of an existing link, for "copy link again". Null if sealed under another key. */
export function revealAccessToken(key: SecretKey, link: { id: string; sealedSecret: string }): string | null {
  const secret = openSecret(key, link.sealedSecret, link.id);
  return secret === null ? null : `${link.id}.${secret}`;
}

export async function revokeAccessLink(db: RingiDb, linkId: string, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    const [link] = await tx.update(accessLinks).set({ revokedAt: now }).where(eq(accessLinks.id, linkId)).returning({ roomId: accessLinks.roomId });
    if (link) await rebuildRoomAggregates(tx, link.roomId);
  });
}

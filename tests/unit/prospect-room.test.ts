import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { accessLinks, accounts, contacts, opportunities, roomDocuments, rooms, users } from '../../src/server/db/tables';
import { createAccessLink, revealAccessToken, revokeAccessLink } from '../../src/server/access-links/access-links';
import { hashSecret } from '../../src/server/access-links/tokens';
import { loadProspectRoom, roomOffers } from '../../src/server/rooms/prospect-room';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { useTempDatabase } from './support/temp-db';
import { changeLastCharacter } from './support/tamper';

const db = useTempDatabase();
const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));
const now = new Date('2026-11-22T10:00:00Z');

beforeAll(async () => {
  await db.insert(users).values({ id: 'u1', email: 'rep@example.com', displayName: '佐藤 健太', phone: '03-0000-0000' });
  await db.insert(accounts).values({ id: 'a1', name: '株式会社テスト' });
  await db.insert(contacts).values([
    { id: 'c1', accountId: 'a1', name: '山田 太郎' },
    { id: 'c2', accountId: 'a1', name: '鈴木 一郎' },
  ]);
  await db.insert(opportunities).values({ id: 'o1', accountId: 'a1', name: '全社導入', stage: 3, amountJpy: 1_000_000, channel: 'event', ownerUserId: 'u1' });
  await db.insert(rooms).values({ id: 'r1', opportunityId: 'o1', message: 'よろしくお願いします', locale: 'ja' });
  await db.insert(roomDocuments).values([
    { roomId: 'r1', documentSlug: 'security-check-sheet', position: 1 },
    { roomId: 'r1', documentSlug: 'pricing', position: 0 },
  ]);
});

describe('access links in the database', () => {
  it('store no usable token: only a hash and a sealed secret', async () => {
    const { id, token } = await createAccessLink(db, key, { roomId: 'r1', contactId: 'c1' });
    const row = (await db.select().from(accessLinks).where(eq(accessLinks.id, id)).limit(1))[0]!;
    const secret = token.split('.')[1]!;
    const stored = JSON.stringify({ ...row, secretHash: row.secretHash.toString('hex') });
    expect(stored).not.toContain(secret);
    expect(Buffer.compare(row.secretHash, Buffer.from(hashSecret(secret)))).toBe(0);
    expect(revealAccessToken(key, row)).toBe(token);
  });

  it('open the room with its documents in the rep order', async () => {
    const { token } = await createAccessLink(db, key, { roomId: 'r1', contactId: 'c2' });
    const access = await loadProspectRoom(db, token, now);
    expect(access.status).toBe('active');
    if (access.status !== 'active') return;
    expect(access.room).toMatchObject({
      accountName: '株式会社テスト',
      contactName: '鈴木 一郎',
      title: '株式会社テスト 様向け資料',
      locale: 'ja',
      rep: { name: '佐藤 健太', email: 'rep@example.com', phone: '03-0000-0000' },
      documentSlugs: ['pricing', 'security-check-sheet'],
    });
    // The opportunity's internal name is not even loaded for a prospect page.
    expect(JSON.stringify(access.room)).not.toContain('全社導入');
    await db.update(rooms).set({ title: '稟議用資料' }).where(eq(rooms.id, 'r1'));
    const titled = await loadProspectRoom(db, token, now);
    expect(titled.status === 'active' && titled.room.title).toBe('稟議用資料');
    await db.update(rooms).set({ title: null }).where(eq(rooms.id, 'r1'));
    expect(roomOffers(access.room, 'pricing')).toBe(true);
    expect(roomOffers(access.room, 'roi-model')).toBe(false);
  });

  it('answer unknown for a wrong secret, an unknown id or junk, without telling which', async () => {
    const { token } = await createAccessLink(db, key, { roomId: 'r1', contactId: 'c1' });
    const [id, secret] = token.split('.') as [string, string];
    const wrongSecret = `${id}.${changeLastCharacter(secret)}`;
    const unknownId = `${changeLastCharacter(id)}.${secret}`;
    for (const bad of [wrongSecret, unknownId, 'junk', '', `${token}/x`]) {
      expect(await loadProspectRoom(db, bad, now)).toEqual({ status: 'unknown' });
    }
  });

  it('answer revoked from the next request on, with the rep to contact', async () => {
    const { id, token } = await createAccessLink(db, key, { roomId: 'r1', contactId: 'c1' });
    expect((await loadProspectRoom(db, token, now)).status).toBe('active');
    await revokeAccessLink(db, id, now);
    const access = await loadProspectRoom(db, token, now);
    expect(access).toEqual({ status: 'revoked', locale: 'ja', rep: { name: '佐藤 健太', email: 'rep@example.com', phone: '03-0000-0000', jobTitle: null } });
  });

  it('answer expired after the link expiry', async () => {
    const { token } = await createAccessLink(db, key, { roomId: 'r1', contactId: 'c1', expiresAt: new Date(now.getTime() - 1000) });
    expect((await loadProspectRoom(db, token, now)).status).toBe('expired');
  });

  it('cannot be revealed with another key', async () => {
    const { id } = await createAccessLink(db, key, { roomId: 'r1', contactId: 'c1' });
    const row = (await db.select().from(accessLinks).where(eq(accessLinks.id, id)).limit(1))[0]!;
    expect(revealAccessToken(parseSecretKey(crypto.randomBytes(32).toString('base64')), row)).toBeNull();
  });
});

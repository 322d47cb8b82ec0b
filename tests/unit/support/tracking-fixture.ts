// A small world for tracking tests: one rep, one account with two contacts, one room, two links.
import crypto from 'node:crypto';
import { accounts, contacts, opportunities, roomDocuments, rooms, users } from '../../../src/server/db/tables';
import { createAccessLink } from '../../../src/server/access-links/access-links';
import type { RingiDb } from '../../../src/server/db/client';
import { parseSecretKey } from '../../../src/server/security/secret-box';
import { activeLinkScope, type LinkScope } from '../../../src/server/tracking/link-scope';

export interface TrackingFixture {
  yamada: { token: string; scope: LinkScope };
  suzuki: { token: string; scope: LinkScope };
}

export async function seedTrackingFixture(db: RingiDb, prefix = 't'): Promise<TrackingFixture> {
  const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));
  await db.insert(users).values({ id: `${prefix}-u1`, email: `${prefix}-rep@example.com`, displayName: '佐藤 健太' });
  await db.insert(accounts).values({ id: `${prefix}-a1`, name: '株式会社テスト' });
  await db.insert(contacts)
    .values([
      { id: `${prefix}-c1`, accountId: `${prefix}-a1`, name: '山田 太郎' },
      { id: `${prefix}-c2`, accountId: `${prefix}-a1`, name: '鈴木 一郎' },
    ]);
  await db.insert(opportunities)
    .values({ id: `${prefix}-o1`, accountId: `${prefix}-a1`, name: '全社導入', stage: 3, amountJpy: 1_000_000, channel: 'event', ownerUserId: `${prefix}-u1` });
  await db.insert(rooms).values({ id: `${prefix}-r1`, opportunityId: `${prefix}-o1`, locale: 'ja' });
  await db.insert(roomDocuments).values({ roomId: `${prefix}-r1`, documentSlug: 'pricing', position: 0 });
  const link = async (contactId: string) => {
    const { token } = await createAccessLink(db, key, { roomId: `${prefix}-r1`, contactId });
    return { token, scope: (await activeLinkScope(db, token))! };
  };
  return { yamada: await link(`${prefix}-c1`), suzuki: await link(`${prefix}-c2`) };
}

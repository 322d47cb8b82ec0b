// Seeds the end-to-end database through the real domain functions, then writes the tokens to
// fixtures.json. Run by the webServer command BEFORE the server starts (`tsx tests/e2e/support/seed.ts
// && node dist/server/entry.mjs`): Playwright starts webServer before globalSetup, and the server opens
// and migrates its database at start, so seeding anywhere later would race it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { accounts, contacts, opportunities, roomDocuments, rooms as roomsTable, users } from '../../../db/schema';
import { createAccessLink, revokeAccessLink } from '../../../src/server/access-links/access-links';
import { openDatabase } from '../../../src/server/db/client';
import { parseSecretKey } from '../../../src/server/security/secret-box';
import { E2E_BASE_URL, E2E_DATABASE_PATH, E2E_FIXTURES_PATH, E2E_SECRET_KEY, E2E_TMP_DIR, REPO_ROOT } from './env';
import { accountsById, contactsById, reps, rooms, tracking, type E2eFixtures, type LinkName, type TrackingFixtures, type TrackingLinkName } from './scenario';

const DAY = 24 * 60 * 60 * 1000;

export async function seedE2e(now = new Date()): Promise<E2eFixtures> {
  fs.mkdirSync(E2E_TMP_DIR, { recursive: true });
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(E2E_DATABASE_PATH + suffix, { force: true });
  fs.rmSync(E2E_FIXTURES_PATH, { force: true });

  const db = openDatabase(E2E_DATABASE_PATH, path.join(REPO_ROOT, 'db/migrations'));
  const key = parseSecretKey(E2E_SECRET_KEY);
  try {
    await db.transaction(async (tx) => {
      for (const rep of Object.values(reps)) await tx.insert(users).values({ ...rep, role: 'rep' });
      for (const account of Object.values(accountsById)) await tx.insert(accounts).values(account);
      for (const contact of Object.values(contactsById)) await tx.insert(contacts).values(contact);
      for (const room of Object.values(rooms)) {
        await tx.insert(opportunities)
          .values({
            id: room.opportunityId,
            accountId: room.account.id,
            name: room.opportunityName,
            stage: 3,
            amountJpy: 9_600_000,
            channel: 'event',
            ownerUserId: room.rep.id,
          });
        await tx.insert(roomsTable)
          .values({
            id: room.id,
            opportunityId: room.opportunityId,
            message: room.message,
            locale: room.locale,
            expiresAt: room === rooms.expired ? new Date(now.getTime() - DAY) : null,
          });
        for (const [position, documentSlug] of room.documents.entries()) await tx.insert(roomDocuments).values({ roomId: room.id, documentSlug, position });
      }
    });

    const link = async (roomId: string, contactId: string, expiresAt: Date | null = null) =>
      await createAccessLink(db, key, { roomId, contactId, createdByUserId: null, expiresAt });

    const jaActive = await link(rooms.ja.id, contactsById.yamada.id);
    const jaFutureExpiry = await link(rooms.ja.id, contactsById.yamada.id, new Date(now.getTime() + 30 * DAY));
    const jaRevoked = await link(rooms.ja.id, contactsById.suzuki.id);
    await revokeAccessLink(db, jaRevoked.id, new Date(now.getTime() - 60_000));
    const jaExpired = await link(rooms.ja.id, contactsById.suzuki.id, new Date(now.getTime() - DAY));
    const expiredRoom = await link(rooms.expired.id, contactsById.kobayashi.id);
    const enActive = await link(rooms.en.id, contactsById.smith.id);
    const enRevoked = await link(rooms.en.id, contactsById.smith.id);
    await revokeAccessLink(db, enRevoked.id, new Date(now.getTime() - 60_000));

    const tokens: Record<LinkName, string> = {
      jaActive: jaActive.token,
      jaFutureExpiry: jaFutureExpiry.token,
      jaRevoked: jaRevoked.token,
      jaExpired: jaExpired.token,
      expiredRoom: expiredRoom.token,
      enActive: enActive.token,
      enRevoked: enRevoked.token,
    };
    const fixtures: E2eFixtures = { seededAt: now.toISOString(), baseURL: E2E_BASE_URL, tokens, tracking: await seedTracking(db, key) };
    fs.writeFileSync(E2E_FIXTURES_PATH, JSON.stringify(fixtures, null, 2) + '\n');
    return fixtures;
  } finally {
    db.$client.close();
  }
}

/** tracking.spec.ts's own account, rooms and links (see `tracking` in scenario.ts). */
async function seedTracking(db: ReturnType<typeof openDatabase>, key: ReturnType<typeof parseSecretKey>): Promise<TrackingFixtures> {
  await db.transaction(async (tx) => {
    await tx.insert(accounts).values(tracking.account);
    for (const contact of Object.values(tracking.contacts)) await tx.insert(contacts).values({ ...contact, accountId: tracking.account.id });
    for (const room of Object.values(tracking.rooms)) {
      await tx.insert(opportunities)
        .values({ id: room.opportunityId, accountId: tracking.account.id, name: room.opportunityName, stage: 2, amountJpy: 3_600_000, channel: 'referral', ownerUserId: tracking.rep.id });
      await tx.insert(roomsTable).values({ id: room.id, opportunityId: room.opportunityId, message: '', locale: 'ja' });
      for (const [position, documentSlug] of room.documents.entries()) await tx.insert(roomDocuments).values({ roomId: room.id, documentSlug, position });
    }
  });
  const entries = [];
  for (const name of Object.keys(tracking.links) as TrackingLinkName[]) {
    const { room, contact } = tracking.links[name];
    const created = await createAccessLink(db, key, { roomId: tracking.rooms[room].id, contactId: tracking.contacts[contact].id, createdByUserId: null, expiresAt: null });
    entries.push([name, { token: created.token, linkId: created.id }] as const);
  }
  return Object.fromEntries(entries) as TrackingFixtures;
}

// `tsx tests/e2e/support/seed.ts`
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const fixtures = await seedE2e();
  console.error(`e2e seed: ${Object.keys(fixtures.tokens).length} links in ${path.relative(REPO_ROOT, E2E_DATABASE_PATH)}`);
}

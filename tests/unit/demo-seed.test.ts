// `npm run demo` may run again on a machine where reps have already worked: it adds what is missing
// and leaves everything else alone.
import crypto from 'node:crypto';
import path from 'node:path';
import { count, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { accessLinks, accounts, contacts, opportunities, roomDocuments, rooms, users, workspaceSettings } from '../../db/schema';
import { loadDemoCatalog } from '../../src/server/demo/content';
import { demoAdmin, demoRoomDocuments, demoVendorName, seedDemo } from '../../src/server/demo/seed';
import { verifyPassword } from '../../src/server/auth/passwords';
import { getSettingValues } from '../../src/server/settings/settings';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();
const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));
const catalog = loadDemoCatalog(path.resolve('content'));
const demoLinkCount = 10;
const now = new Date('2026-11-20T01:00:00Z');

function counts() {
  const n = (table: typeof users | typeof accounts | typeof contacts | typeof opportunities | typeof rooms | typeof roomDocuments | typeof accessLinks) =>
    db.select({ n: count() }).from(table).get()!.n;
  return { users: n(users), accounts: n(accounts), contacts: n(contacts), opportunities: n(opportunities), rooms: n(rooms), roomDocuments: n(roomDocuments), accessLinks: n(accessLinks) };
}

describe('the demo seed', () => {
  it('creates a signed-in admin, the vendor name and one working link per demo contact', async () => {
    const { links } = await seedDemo(db, key, catalog, now);
    expect(links).toHaveLength(demoLinkCount);
    expect(new Set(links.map((l) => l.path)).size).toBe(demoLinkCount);
    for (const link of links) expect(link.path).toMatch(/^\/r\/[a-z2-7]{16}\.[a-z2-7]{32}$/);
    const admin = db.select().from(users).where(eq(users.email, demoAdmin.email)).get()!;
    expect(admin.role).toBe('admin');
    expect(await verifyPassword(admin.passwordHash!, demoAdmin.password)).toBe(true);
    expect(getSettingValues(db).organisationName).toBe(demoVendorName);
    expect(db.select({ slug: roomDocuments.documentSlug }).from(roomDocuments).where(eq(roomDocuments.roomId, 'demo-room-sakura')).orderBy(roomDocuments.position).all().map((r) => r.slug)).toEqual(demoRoomDocuments['demo-room-sakura']);
  });

  it('run again, duplicates nothing, prints the same links and keeps what reps and admins changed', async () => {
    const { links: first } = await seedDemo(db, key, catalog, now);
    const before = counts();
    db.delete(roomDocuments).where(eq(roomDocuments.roomId, 'demo-room-sakura')).run();
    db.insert(roomDocuments).values({ roomId: 'demo-room-sakura', documentSlug: 'roi-model', position: 0 }).run();
    db.update(rooms).set({ message: '担当者が書き直したメッセージ' }).where(eq(rooms.id, 'demo-room-sakura')).run();
    db.update(workspaceSettings).set({ value: JSON.stringify('株式会社リネーム') }).where(eq(workspaceSettings.key, 'organisationName')).run();

    const { links: again } = await seedDemo(db, key, catalog, new Date(now.getTime() + 86_400_000));
    expect(again.map((l) => l.path)).toEqual(first.map((l) => l.path));
    expect(counts()).toEqual({ ...before, roomDocuments: before.roomDocuments - demoRoomDocuments['demo-room-sakura']!.length + 1 });
    expect(db.select({ slug: roomDocuments.documentSlug }).from(roomDocuments).where(eq(roomDocuments.roomId, 'demo-room-sakura')).all()).toEqual([{ slug: 'roi-model' }]);
    expect(db.select({ message: rooms.message }).from(rooms).where(eq(rooms.id, 'demo-room-sakura')).get()!.message).toBe('担当者が書き直したメッセージ');
    expect(getSettingValues(db).organisationName).toBe('株式会社リネーム');
  });

  it('replaces a demo link an admin revoked with a new one, keeping the revoked one on record', async () => {
    const { links: before } = await seedDemo(db, key, catalog, now);
    const yamada = db.select().from(accessLinks).where(eq(accessLinks.contactId, 'demo-contact-yamada')).get()!;
    db.update(accessLinks).set({ revokedAt: now }).where(eq(accessLinks.id, yamada.id)).run();
    const { links: after } = await seedDemo(db, key, catalog, now);
    expect(after[0]!.path).not.toBe(before[0]!.path);
    expect(after.slice(1).map((l) => l.path)).toEqual(before.slice(1).map((l) => l.path));
    expect(db.select({ n: count() }).from(accessLinks).where(eq(accessLinks.contactId, 'demo-contact-yamada')).get()!.n).toBe(2);
  });
});

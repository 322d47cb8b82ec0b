// Access links as reps manage them: create (one active per contact, own account only), revoke,
// extend, regenerate, statuses, last opened, revealing URLs, and who may do it.
import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { accessLinks, accounts, contacts, linkEvents, opportunities, rooms, users, visits } from '../../src/server/db/tables';
import {
  accessLinkUrl,
  awaitsConfirmation,
  createLinkForContact,
  defaultLinkExpiry,
  extendLink,
  listLinksForOpportunity,
  nextExpiry,
  parseLinkAction,
  performLinkAction,
  regenerateLink,
  revokeLink,
} from '../../src/server/access-links/link-management';
import { loadProspectRoom } from '../../src/server/rooms/prospect-room';
import { getRoomForOpportunity } from '../../src/server/rooms/room-builder';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { useTempDatabase } from './support/temp-db';

const TZ = 'Asia/Tokyo';
const DAY = 24 * 60 * 60 * 1000;
const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));
const otherKey = parseSecretKey(crypto.randomBytes(32).toString('base64'));
const now = new Date('2026-11-22T03:00:00Z');
const base = 'https://ringi.example.co.jp';

const db = useTempDatabase();
const admin = { id: 'u-admin', role: 'admin' as const };
const sato = { id: 'u-sato', role: 'rep' as const };
const tanaka = { id: 'u-tanaka', role: 'rep' as const };
await db.insert(users)
  .values([
    { id: admin.id, email: 'admin@example.com', displayName: '管理者', role: 'admin' },
    { id: sato.id, email: 'sato@example.com', displayName: '佐藤 健太', role: 'rep' },
    { id: tanaka.id, email: 'tanaka@example.com', displayName: '田中 美咲', role: 'rep' },
  ]);

let n = 0;
/** A fresh opportunity of sato's at さくら with two contacts (and one archived), plus a contact at 青空. */
async function world() {
  const p = `w${++n}`;
  await db.insert(accounts)
    .values([
      { id: `${p}-sakura`, name: '株式会社さくら製作所' },
      { id: `${p}-aozora`, name: '青空物流株式会社' },
    ]);
  await db.insert(contacts)
    .values([
      { id: `${p}-yamada`, accountId: `${p}-sakura`, name: '山田 太郎' },
      { id: `${p}-suzuki`, accountId: `${p}-sakura`, name: '鈴木 一郎' },
      { id: `${p}-gone`, accountId: `${p}-sakura`, name: '退職 済', archivedAt: new Date(now.getTime() - DAY) },
      { id: `${p}-kobayashi`, accountId: `${p}-aozora`, name: '小林 恵' },
    ]);
  await db.insert(opportunities).values({ id: `${p}-opp`, accountId: `${p}-sakura`, name: '全社導入', stage: 3, channel: 'event', ownerUserId: sato.id });
  return { opp: `${p}-opp`, account: `${p}-sakura`, yamada: `${p}-yamada`, suzuki: `${p}-suzuki`, gone: `${p}-gone`, kobayashi: `${p}-kobayashi` };
}

const tokenOf = (url: string | null | undefined) => url?.split('/r/')[1] ?? '';

describe('createLinkForContact', () => {
  it('creates the room if needed and a working link, one active link per contact', async () => {
    const w = await world();
    const created = await createLinkForContact(db, key, sato, { opportunityId: w.opp, contactId: w.yamada }, now);
    if (!created.ok) throw new Error(created.reason);
    const room = (await getRoomForOpportunity(db, w.opp))!;
    expect(room).toMatchObject({ locale: 'ja', message: '', expiresAt: null, documentSlugs: [] });
    expect(created.value.roomId).toBe(room.id);
    const access = await loadProspectRoom(db, created.value.token, now);
    expect(access.status === 'active' && access.room.contactId).toBe(w.yamada);
    expect((await db.select().from(accessLinks).where(eq(accessLinks.id, created.value.id)).limit(1))[0]?.createdByUserId).toBe(sato.id);

    expect(await createLinkForContact(db, key, sato, { opportunityId: w.opp, contactId: w.yamada }, now)).toEqual({ ok: false, reason: 'activeLinkExists', contactId: w.yamada });
    expect((await createLinkForContact(db, key, sato, { opportunityId: w.opp, contactId: w.suzuki }, now)).ok).toBe(true);
  });

  it('refuses a contact of another account, an archived contact and unknown ids', async () => {
    const w = await world();
    expect(await createLinkForContact(db, key, sato, { opportunityId: w.opp, contactId: w.kobayashi }, now)).toEqual({ ok: false, reason: 'otherAccount', contactId: w.kobayashi });
    expect(await createLinkForContact(db, key, sato, { opportunityId: w.opp, contactId: w.gone }, now)).toMatchObject({ ok: false, reason: 'contactArchived' });
    expect(await createLinkForContact(db, key, sato, { opportunityId: w.opp, contactId: 'nobody' }, now)).toEqual({ ok: false, reason: 'not_found' });
    expect(await createLinkForContact(db, key, sato, { opportunityId: 'no-opp', contactId: w.yamada }, now)).toEqual({ ok: false, reason: 'not_found' });
    expect((await db.select().from(accessLinks)).filter((l) => [w.kobayashi, w.gone].includes(l.contactId))).toHaveLength(0);
  });

  it('allows a new link once the previous one is revoked or expired', async () => {
    const w = await world();
    const first = await createLinkForContact(db, key, sato, { opportunityId: w.opp, contactId: w.yamada, expiresAt: new Date(now.getTime() + DAY) }, now);
    if (!first.ok) throw new Error(first.reason);
    const later = new Date(now.getTime() + 2 * DAY);
    expect((await createLinkForContact(db, key, sato, { opportunityId: w.opp, contactId: w.yamada }, later)).ok).toBe(true);
  });

  it('the one-click create follows the workspace defaults: room language and link expiry', async () => {
    const w = await world();
    const result = await performLinkAction(db, key, sato, w.opp, { action: 'create', contactId: w.yamada }, now, { roomLocale: 'en', linkExpiryDays: 30 });
    expect(result.ok).toBe(true);
    expect(await getRoomForOpportunity(db, w.opp)).toMatchObject({ locale: 'en' });
    const link = (await db.select().from(accessLinks).where(eq(accessLinks.contactId, w.yamada)).limit(1))[0]!;
    // 2026-11-22 12:00 in Tokyo + 30 days: valid through 2026-12-22 (Tokyo), i.e. until 15:00 UTC that day.
    expect(link.expiresAt).toEqual(new Date('2026-12-22T15:00:00Z'));
    expect(defaultLinkExpiry(0, now, TZ)).toBeNull();
  });
});

describe('who may change links', () => {
  it('refuses another rep everything and changes nothing; admins may', async () => {
    const w = await world();
    const created = await createLinkForContact(db, key, sato, { opportunityId: w.opp, contactId: w.yamada }, now);
    if (!created.ok) throw new Error(created.reason);
    const target = { opportunityId: w.opp, linkId: created.value.id };
    const before = await db.select().from(accessLinks);

    expect(await createLinkForContact(db, key, tanaka, { opportunityId: w.opp, contactId: w.suzuki }, now)).toEqual({ ok: false, reason: 'forbidden' });
    expect(await revokeLink(db, tanaka, target, now)).toEqual({ ok: false, reason: 'forbidden' });
    expect(await extendLink(db, tanaka, target, { kind: 'days', days: 30 }, now, TZ)).toEqual({ ok: false, reason: 'forbidden' });
    expect(await regenerateLink(db, key, tanaka, target, now)).toEqual({ ok: false, reason: 'forbidden' });
    expect(await performLinkAction(db, key, tanaka, w.opp, { action: 'revoke', linkId: created.value.id }, now)).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(await db.select().from(accessLinks)).toEqual(before);

    expect((await revokeLink(db, admin, target, now)).ok).toBe(true);
  });

  it('does not act on a link through another opportunity', async () => {
    const w1 = await world();
    const w2 = await world();
    const created = await createLinkForContact(db, key, sato, { opportunityId: w1.opp, contactId: w1.yamada }, now);
    if (!created.ok) throw new Error(created.reason);
    expect(await revokeLink(db, sato, { opportunityId: w2.opp, linkId: created.value.id }, now)).toEqual({ ok: false, reason: 'not_found' });
    expect((await loadProspectRoom(db, created.value.token, now)).status).toBe('active');
  });
});

describe('revoke, extend, regenerate', () => {
  it('revoking takes effect on the next request and is idempotent', async () => {
    const w = await world();
    const created = await createLinkForContact(db, key, sato, { opportunityId: w.opp, contactId: w.yamada }, now);
    if (!created.ok) throw new Error(created.reason);
    const target = { opportunityId: w.opp, linkId: created.value.id };
    expect(await revokeLink(db, sato, target, now)).toEqual({ ok: true, value: { contactId: w.yamada, revokedAt: now } });
    expect((await loadProspectRoom(db, created.value.token, new Date(now.getTime() + 1))).status).toBe('revoked');
    expect(await revokeLink(db, sato, target, new Date(now.getTime() + DAY))).toEqual({ ok: true, value: { contactId: w.yamada, revokedAt: now } });
  });

  it('extends by days from the current expiry (or today), to a date, or removes the expiry', () => {
    const endOfNov30 = new Date('2026-11-30T15:00:00Z');
    expect(nextExpiry(endOfNov30, { kind: 'days', days: 30 }, now, TZ)).toEqual({ ok: true, expiresAt: new Date('2026-12-30T15:00:00Z') });
    expect(nextExpiry(new Date(now.getTime() - DAY), { kind: 'days', days: 30 }, now, TZ)).toEqual({ ok: true, expiresAt: new Date('2026-12-22T15:00:00Z') });
    expect(nextExpiry(null, { kind: 'days', days: 30 }, now, TZ)).toEqual({ ok: true, expiresAt: new Date('2026-12-22T15:00:00Z') });
    expect(nextExpiry(null, { kind: 'days', days: 0 }, now, TZ)).toEqual({ ok: false, reason: 'invalidDays' });
    expect(nextExpiry(null, { kind: 'until', date: '2027-03-31' }, now, TZ)).toEqual({ ok: true, expiresAt: new Date('2027-03-31T15:00:00Z') });
    expect(nextExpiry(null, { kind: 'until', date: '2026-11-01' }, now, TZ)).toEqual({ ok: false, reason: 'pastDate' });
    expect(nextExpiry(null, { kind: 'until', date: 'tomorrow' }, now, TZ)).toEqual({ ok: false, reason: 'invalidDate' });
    expect(nextExpiry(endOfNov30, { kind: 'never' }, now, TZ)).toEqual({ ok: true, expiresAt: null });
  });

  it('extending an expired link makes it work again; a revoked link cannot be extended', async () => {
    const w = await world();
    const created = await createLinkForContact(db, key, sato, { opportunityId: w.opp, contactId: w.yamada, expiresAt: new Date(now.getTime() - DAY) }, new Date(now.getTime() - 2 * DAY));
    if (!created.ok) throw new Error(created.reason);
    expect((await loadProspectRoom(db, created.value.token, now)).status).toBe('expired');
    const target = { opportunityId: w.opp, linkId: created.value.id };
    expect(await extendLink(db, sato, target, { kind: 'days', days: 30 }, now, TZ)).toEqual({
      ok: true,
      value: { contactId: w.yamada, expiresAt: new Date('2026-12-22T15:00:00Z'), status: 'active' },
    });
    expect((await loadProspectRoom(db, created.value.token, now)).status).toBe('active');
    expect(await extendLink(db, sato, target, { kind: 'until', date: '2020-01-01' }, now, TZ)).toEqual({ ok: false, reason: 'pastDate', contactId: w.yamada });
    await revokeLink(db, sato, target, now);
    expect(await extendLink(db, sato, target, { kind: 'never' }, now, TZ)).toEqual({ ok: false, reason: 'revoked', contactId: w.yamada });
  });

  it('regenerating revokes the old token and issues a new one with the same future expiry', async () => {
    const w = await world();
    const expiresAt = new Date(now.getTime() + 10 * DAY);
    const created = await createLinkForContact(db, key, sato, { opportunityId: w.opp, contactId: w.yamada, expiresAt }, now);
    if (!created.ok) throw new Error(created.reason);
    const result = await regenerateLink(db, key, sato, { opportunityId: w.opp, linkId: created.value.id }, now);
    if (!result.ok) throw new Error(result.reason);
    expect(result.value.replacedLinkId).toBe(created.value.id);
    expect(result.value.token).not.toBe(created.value.token);
    expect((await loadProspectRoom(db, created.value.token, new Date(now.getTime() + 1))).status).toBe('revoked');
    expect((await loadProspectRoom(db, result.value.token, new Date(now.getTime() + 1))).status).toBe('active');
    expect((await db.select().from(accessLinks).where(eq(accessLinks.id, result.value.id)).limit(1))[0]?.expiresAt).toEqual(expiresAt);

    // The old link's row can be regenerated again only while the contact has no other active link.
    expect(await regenerateLink(db, key, sato, { opportunityId: w.opp, linkId: created.value.id }, now)).toEqual({ ok: false, reason: 'activeLinkExists', contactId: w.yamada });
  });
});

describe('listLinksForOpportunity', () => {
  it('lists the account contacts with their current link, status, history, last opened and URL', async () => {
    const w = await world();
    const yamadaOld = await createLinkForContact(db, key, sato, { opportunityId: w.opp, contactId: w.yamada }, new Date(now.getTime() - 5 * DAY));
    if (!yamadaOld.ok) throw new Error(yamadaOld.reason);
    const yamadaNew = await regenerateLink(db, key, sato, { opportunityId: w.opp, linkId: yamadaOld.value.id }, new Date(now.getTime() - 4 * DAY));
    if (!yamadaNew.ok) throw new Error(yamadaNew.reason);
    const suzuki = await createLinkForContact(db, key, sato, { opportunityId: w.opp, contactId: w.suzuki, expiresAt: new Date(now.getTime() - DAY) }, new Date(now.getTime() - 3 * DAY));
    if (!suzuki.ok) throw new Error(suzuki.reason);

    const room = (await getRoomForOpportunity(db, w.opp))!;
    const scope = { accessLinkId: yamadaNew.value.id, roomId: room.id, contactId: w.yamada, opportunityId: w.opp, accountId: w.account };
    const opened = new Date(now.getTime() - 2 * DAY);
    await db.insert(visits).values({ id: `${w.opp}-v1`, ...scope, deviceId: 'd1', startedAt: new Date(opened.getTime() - 60_000), lastActivityAt: opened });
    await db.insert(linkEvents).values({ ...scope, kind: 'automated_open', detail: 'Microsoft Safe Links', occurredAt: new Date(now.getTime() - 3 * DAY) });
    const downloaded = new Date(now.getTime() - DAY);
    await db.insert(linkEvents).values({ ...scope, kind: 'download', documentSlug: 'pricing', detail: 'pricing-2026.pdf', occurredAt: downloaded });

    const list = await listLinksForOpportunity(db, w.opp, now, { key, baseUrl: base });
    expect(list.map((c) => c.contact.name)).toEqual(['山田 太郎', '鈴木 一郎']); // archived without links and other accounts are left out
    const [yamada, suzukiRow] = list as [(typeof list)[0], (typeof list)[0]];

    expect(yamada.current).toMatchObject({ id: yamadaNew.value.id, status: 'active', createdByName: '佐藤 健太', lastOpenedAt: downloaded, expiredBy: null });
    expect(yamada.current?.lastAutomatedOpenAt).toEqual(new Date(now.getTime() - 3 * DAY));
    expect(yamada.current?.url).toBe(accessLinkUrl(yamadaNew.value.token, base));
    expect(yamada.current?.url).toBe(`${base}/r/${yamadaNew.value.token}`);
    expect(yamada.previous).toMatchObject([{ id: yamadaOld.value.id, status: 'revoked', url: null, lastOpenedAt: null }]);
    expect(yamada.canCreate).toBe(false);

    expect(suzukiRow.current).toMatchObject({ id: suzuki.value.id, status: 'expired', expiredBy: 'link', url: null, lastOpenedAt: null });
    expect(suzukiRow.canCreate).toBe(true);

    // Without the key, or with another key, nothing is revealed.
    expect((await listLinksForOpportunity(db, w.opp, now))[0]!.current?.url).toBeNull();
    expect((await listLinksForOpportunity(db, w.opp, now, { key: otherKey, baseUrl: base }))[0]!.current?.url).toBeNull();
    expect(tokenOf(yamada.current?.url)).toBe(yamadaNew.value.token);
  });

  it("keeps the contact's reading history when their link is regenerated or revoked", async () => {
    const w = await world();
    const first = await createLinkForContact(db, key, sato, { opportunityId: w.opp, contactId: w.yamada }, new Date(now.getTime() - 5 * DAY));
    if (!first.ok) throw new Error(first.reason);
    const room = (await getRoomForOpportunity(db, w.opp))!;
    const read = new Date(now.getTime() - 4 * DAY);
    const scope = { accessLinkId: first.value.id, roomId: room.id, contactId: w.yamada, opportunityId: w.opp, accountId: w.account };
    await db.insert(visits).values({ id: `${w.opp}-v1`, ...scope, deviceId: 'd1', startedAt: new Date(read.getTime() - 60_000), lastActivityAt: read });

    const second = await regenerateLink(db, key, sato, { opportunityId: w.opp, linkId: first.value.id }, new Date(now.getTime() - 3 * DAY));
    if (!second.ok) throw new Error(second.reason);
    const afterRegenerate = (await listLinksForOpportunity(db, w.opp, now)).find((c) => c.contact.id === w.yamada)!;
    expect(afterRegenerate.current).toMatchObject({ id: second.value.id, lastOpenedAt: null });
    expect(afterRegenerate.lastOpenedAt).toEqual(read);

    expect((await revokeLink(db, sato, { opportunityId: w.opp, linkId: second.value.id }, now)).ok).toBe(true);
    expect((await listLinksForOpportunity(db, w.opp, now)).find((c) => c.contact.id === w.yamada)!.lastOpenedAt).toEqual(read);
    // Another contact's reading is not theirs.
    expect((await listLinksForOpportunity(db, w.opp, now)).find((c) => c.contact.id === w.suzuki)!.lastOpenedAt).toBeNull();
  });

  it('says when links expired with their room, and keeps archived contacts that have links', async () => {
    const w = await world();
    const created = await createLinkForContact(db, key, sato, { opportunityId: w.opp, contactId: w.suzuki }, now);
    if (!created.ok) throw new Error(created.reason);
    await db.update(rooms).set({ expiresAt: new Date(now.getTime() - 1000) }).where(eq(rooms.opportunityId, w.opp));
    await db.update(contacts).set({ archivedAt: now }).where(eq(contacts.id, w.suzuki));
    const list = await listLinksForOpportunity(db, w.opp, now);
    const suzuki = list.find((c) => c.contact.id === w.suzuki)!;
    expect(suzuki.current).toMatchObject({ status: 'expired', expiredBy: 'room' });
    expect(suzuki.canCreate).toBe(false);
    expect(list.find((c) => c.contact.id === w.yamada)?.current).toBeNull();
  });
});

describe('parseLinkAction', () => {
  it('reads the forms of the detail page and refuses anything else', () => {
    expect(parseLinkAction({ action: 'create', contactId: 'c1' })).toEqual({ action: 'create', contactId: 'c1' });
    expect(parseLinkAction({ action: 'revoke', linkId: 'abc' })).toEqual({ action: 'revoke', linkId: 'abc' });
    expect(parseLinkAction({ action: 'regenerate', linkId: 'abc' })).toEqual({ action: 'regenerate', linkId: 'abc' });
    expect(parseLinkAction({ action: 'extend', linkId: 'abc', change: 'days:30' })).toEqual({ action: 'extend', linkId: 'abc', change: { kind: 'days', days: 30 } });
    expect(parseLinkAction({ action: 'extend', linkId: 'abc', change: 'until', until: '2027-01-31' })).toEqual({
      action: 'extend',
      linkId: 'abc',
      change: { kind: 'until', date: '2027-01-31' },
    });
    expect(parseLinkAction({ action: 'extend', linkId: 'abc', change: 'never' })).toEqual({ action: 'extend', linkId: 'abc', change: { kind: 'never' } });
    expect(parseLinkAction({ action: 'extend', linkId: 'abc', change: 'forever' })).toBeNull();
    expect(parseLinkAction({ action: 'delete', linkId: 'abc' })).toBeNull();
    expect(parseLinkAction({ action: 'revoke' })).toBeNull();
    expect(parseLinkAction({ action: 'create', contactId: "x' or 1=1" })).toBeNull();
  });

  it('runs revoke and regenerate only from the confirmation step', () => {
    for (const action of ['revoke', 'regenerate'] as const) {
      const parsed = parseLinkAction({ action, linkId: 'abc' })!;
      expect(awaitsConfirmation(parsed, { action, linkId: 'abc' })).toBe(true);
      expect(awaitsConfirmation(parsed, { action, linkId: 'abc', confirmed: 'yes' })).toBe(true);
      expect(awaitsConfirmation(parsed, { action, linkId: 'abc', confirmed: '1' })).toBe(false);
    }
    expect(awaitsConfirmation({ action: 'create', contactId: 'c1' }, {})).toBe(false);
    expect(awaitsConfirmation({ action: 'extend', linkId: 'abc', change: { kind: 'never' } }, {})).toBe(false);
  });
});

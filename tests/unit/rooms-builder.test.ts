// The room builder: document rules (order, unknown and duplicate slugs), the builder's buttons,
// expiry dates as calendar days in Japan, saving with permissions, and the room's creation.
import { describe, expect, it } from 'vitest';
import { accounts, opportunities, roomDocuments, rooms, users } from '../../src/server/db/tables';
import { eq } from 'drizzle-orm';
import {
  applyRoomDocumentOp,
  checkRoomDocuments,
  ensureRoom,
  expiryFromDate,
  getRoomForOpportunity,
  MAX_ROOM_DOCUMENTS,
  parseRoomOp,
  saveRoom,
  setRoomDocuments,
} from '../../src/server/rooms/room-builder';
import { MAX_ROOM_TITLE_LENGTH, roomTitle } from '../../src/server/rooms/room-title';
import { calendarDateOf, endOfDay, lastValidDay } from '../../src/server/i18n/calendar';
import { useTempDatabase } from './support/temp-db';

const TZ = 'Asia/Tokyo';
const catalog = ['pricing', 'security-check-sheet', 'case-study-manufacturing', 'roi-model', 'product-overview-en'];
const now = new Date('2026-11-22T03:00:00Z'); // 12:00 in Tokyo

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
await db.insert(accounts).values({ id: 'a1', name: '株式会社さくら製作所' });
let opportunityCount = 0;
async function newOpportunity(owner = sato.id): Promise<string> {
  const id = `o${++opportunityCount}`;
  await db.insert(opportunities).values({ id, accountId: 'a1', name: `商談 ${id}`, stage: 3, amountJpy: 1_200_000, channel: 'event', ownerUserId: owner });
  return id;
}

describe('checkRoomDocuments', () => {
  it('keeps the rep order', () => {
    expect(checkRoomDocuments(['roi-model', 'pricing', 'case-study-manufacturing'], catalog)).toEqual({
      ok: true,
      slugs: ['roi-model', 'pricing', 'case-study-manufacturing'],
    });
    expect(checkRoomDocuments([], catalog)).toEqual({ ok: true, slugs: [] });
  });
  it('refuses slugs that are not in the catalog, and malformed ones', () => {
    expect(checkRoomDocuments(['pricing', 'retired-whitepaper-2019'], catalog)).toEqual({ ok: false, error: 'unknownDocument', slugs: ['retired-whitepaper-2019'] });
    expect(checkRoomDocuments(['../secret'], [...catalog, '../secret'])).toMatchObject({ ok: false, error: 'unknownDocument' });
  });
  it('refuses a document listed twice', () => {
    expect(checkRoomDocuments(['pricing', 'roi-model', 'pricing'], catalog)).toEqual({ ok: false, error: 'duplicateDocument', slugs: ['pricing'] });
  });
  it('refuses more than the maximum', () => {
    const many = Array.from({ length: MAX_ROOM_DOCUMENTS + 1 }, (_, i) => `doc-${i}`);
    expect(checkRoomDocuments(many, many)).toEqual({ ok: false, error: 'tooManyDocuments', slugs: [] });
    expect(checkRoomDocuments(many.slice(1), many).ok).toBe(true);
  });
});

describe('builder buttons', () => {
  const list = ['pricing', 'roi-model', 'security-check-sheet'];
  it('parses the buttons and refuses junk', () => {
    expect(parseRoomOp(undefined)).toBe('save');
    expect(parseRoomOp('save')).toBe('save');
    expect(parseRoomOp('up:roi-model')).toEqual({ kind: 'up', slug: 'roi-model' });
    expect(parseRoomOp('add:pricing')).toEqual({ kind: 'add', slug: 'pricing' });
    expect(parseRoomOp('up:../x')).toBeNull();
    expect(parseRoomOp('delete:pricing')).toBeNull();
  });
  it('moves a document up or down by one, and not past the ends', () => {
    expect(applyRoomDocumentOp(list, { kind: 'up', slug: 'roi-model' })).toEqual(['roi-model', 'pricing', 'security-check-sheet']);
    expect(applyRoomDocumentOp(list, { kind: 'down', slug: 'roi-model' })).toEqual(['pricing', 'security-check-sheet', 'roi-model']);
    expect(applyRoomDocumentOp(list, { kind: 'up', slug: 'pricing' })).toEqual(list);
    expect(applyRoomDocumentOp(list, { kind: 'down', slug: 'security-check-sheet' })).toEqual(list);
    expect(applyRoomDocumentOp(list, { kind: 'up', slug: 'not-there' })).toEqual(list);
    expect(list).toEqual(['pricing', 'roi-model', 'security-check-sheet']);
  });
  it('adds at the end once and removes', () => {
    expect(applyRoomDocumentOp(list, { kind: 'add', slug: 'case-study-manufacturing' })).toEqual([...list, 'case-study-manufacturing']);
    expect(applyRoomDocumentOp(list, { kind: 'add', slug: 'pricing' })).toEqual(list);
    expect(applyRoomDocumentOp(list, { kind: 'remove', slug: 'roi-model' })).toEqual(['pricing', 'security-check-sheet']);
  });
});

describe('expiry dates', () => {
  it('end at midnight in Tokyo after the chosen day', () => {
    expect(endOfDay('2026-12-31', TZ).toISOString()).toBe('2026-12-31T15:00:00.000Z');
    expect(lastValidDay(new Date('2026-12-31T15:00:00.000Z'), TZ)).toBe('2026-12-31');
    expect(calendarDateOf(new Date('2026-12-31T15:00:00.000Z'), TZ)).toBe('2027-01-01');
    expect(endOfDay('2026-07-01', 'America/New_York').toISOString()).toBe('2026-07-02T04:00:00.000Z');
  });
  it('refuses past, impossible and absurdly far days; today is allowed', () => {
    expect(expiryFromDate('2026-11-22', now, TZ)).toEqual({ ok: true, expiresAt: new Date('2026-11-22T15:00:00Z') });
    expect(expiryFromDate('2026-11-21', now, TZ)).toEqual({ ok: false, error: 'pastDate' });
    expect(expiryFromDate('2026-02-30', now, TZ)).toEqual({ ok: false, error: 'invalidDate' });
    expect(expiryFromDate('26-12-01', now, TZ)).toEqual({ ok: false, error: 'invalidDate' });
    expect(expiryFromDate('2062-11-22', now, TZ)).toEqual({ ok: false, error: 'tooFarDate' });
  });
});

describe('rooms in the database', () => {
  it('ensureRoom creates one empty room with defaults, once', async () => {
    const opp = await newOpportunity();
    expect(await getRoomForOpportunity(db, opp)).toBeNull();
    const room = await ensureRoom(db, opp);
    expect(room).toMatchObject({ opportunityId: opp, message: '', locale: 'ja', expiresAt: null });
    expect((await ensureRoom(db, opp, { locale: 'en' })).id).toBe(room.id);
    expect(await db.select().from(rooms).where(eq(rooms.opportunityId, opp))).toHaveLength(1);
    const other = await newOpportunity();
    expect((await ensureRoom(db, other, { locale: 'en' })).locale).toBe('en');
  });

  it('setRoomDocuments stores the order and replaces the previous list; refused lists change nothing', async () => {
    const room = await ensureRoom(db, await newOpportunity());
    expect((await setRoomDocuments(db, room.id, ['security-check-sheet', 'pricing'], catalog)).ok).toBe(true);
    expect((await getRoomForOpportunity(db, room.opportunityId))!.documentSlugs).toEqual(['security-check-sheet', 'pricing']);
    expect((await setRoomDocuments(db, room.id, ['pricing', 'roi-model', 'security-check-sheet'], catalog)).ok).toBe(true);
    expect((await getRoomForOpportunity(db, room.opportunityId))!.documentSlugs).toEqual(['pricing', 'roi-model', 'security-check-sheet']);
    expect(await setRoomDocuments(db, room.id, ['pricing', 'nope'], catalog)).toMatchObject({ ok: false, error: 'unknownDocument' });
    expect(await setRoomDocuments(db, room.id, ['pricing', 'pricing'], catalog)).toMatchObject({ ok: false, error: 'duplicateDocument' });
    const stored = await db.select().from(roomDocuments).where(eq(roomDocuments.roomId, room.id));
    expect(stored.sort((a, b) => a.position - b.position).map((d) => d.documentSlug)).toEqual(['pricing', 'roi-model', 'security-check-sheet']);
  });
});

describe('saveRoom', () => {
  const form = { message: '山田様\r\n\r\n資料をお送りします。\r\n', locale: 'en', expiresOn: '2027-01-31', documents: ['roi-model', 'pricing'] };

  it('creates the room on the first save and stores everything', async () => {
    const opp = await newOpportunity();
    const result = await saveRoom(db, sato, opp, form, catalog, { now, timeZone: TZ });
    expect(result.ok).toBe(true);
    const room = (await getRoomForOpportunity(db, opp))!;
    expect(room).toMatchObject({ message: '山田様\n\n資料をお送りします。', locale: 'en', expiresAt: new Date('2027-01-31T15:00:00Z'), documentSlugs: ['roi-model', 'pricing'] });
    // An empty expiry means none.
    expect((await saveRoom(db, sato, opp, { ...form, expiresOn: '' }, catalog, { now, timeZone: TZ })).ok).toBe(true);
    expect((await getRoomForOpportunity(db, opp))!.expiresAt).toBeNull();
  });

  it('lets only the owner or an admin save; a refused save changes nothing', async () => {
    const opp = await newOpportunity(sato.id);
    expect(await saveRoom(db, tanaka, opp, form, catalog, { now, timeZone: TZ })).toEqual({ ok: false, reason: 'forbidden' });
    expect(await getRoomForOpportunity(db, opp)).toBeNull();
    expect((await saveRoom(db, admin, opp, form, catalog, { now, timeZone: TZ })).ok).toBe(true);
    expect(await saveRoom(db, sato, 'missing', form, catalog, { now, timeZone: TZ })).toEqual({ ok: false, reason: 'not_found' });
  });

  it('reports every invalid field at once and writes nothing', async () => {
    const opp = await newOpportunity();
    expect((await saveRoom(db, sato, opp, form, catalog, { now, timeZone: TZ })).ok).toBe(true);
    const result = await saveRoom(
      db,
      sato,
      opp,
      { message: 'x'.repeat(4001), locale: 'fr', expiresOn: '2026-11-01', documents: ['pricing', 'ghost-document'] },
      catalog,
      { now, timeZone: TZ },
    );
    expect(result).toEqual({
      ok: false,
      reason: 'invalid',
      fieldErrors: { message: 'tooLong', locale: 'invalidChoice', expiresOn: 'pastDate', documents: 'unknownDocument' },
      badSlugs: ['ghost-document'],
    });
    expect(await saveRoom(db, sato, opp, { ...form, documents: ['pricing', 'pricing'] }, catalog, { now, timeZone: TZ })).toMatchObject({
      fieldErrors: { documents: 'duplicateDocument' },
      badSlugs: ['pricing'],
    });
    expect(await saveRoom(db, sato, opp, { ...form, expiresOn: '2026-13-01' }, catalog, { now, timeZone: TZ })).toMatchObject({ fieldErrors: { expiresOn: 'invalidDate' } });
    expect(await getRoomForOpportunity(db, opp)).toMatchObject({ locale: 'en', documentSlugs: ['roi-model', 'pricing'] });
  });

  it('keeps an expiry that has passed when the rep leaves the date as it was', async () => {
    const opp = await newOpportunity();
    expect((await saveRoom(db, sato, opp, { ...form, expiresOn: '2026-11-30' }, catalog, { now, timeZone: TZ })).ok).toBe(true);
    const later = new Date('2026-12-05T03:00:00Z');
    expect((await saveRoom(db, sato, opp, { ...form, message: '更新', expiresOn: '2026-11-30' }, catalog, { now: later, timeZone: TZ })).ok).toBe(true);
    expect(await getRoomForOpportunity(db, opp)).toMatchObject({ message: '更新', expiresAt: new Date('2026-11-30T15:00:00Z') });
    expect(await saveRoom(db, sato, opp, { ...form, expiresOn: '2026-12-01' }, catalog, { now: later, timeZone: TZ })).toMatchObject({ fieldErrors: { expiresOn: 'pastDate' } });
  });
});

describe('the room title the buyer sees', () => {
  it('defaults to the account name in the room language, never the opportunity name', () => {
    expect(roomTitle(null, 'ja', '株式会社さくら製作所')).toBe('株式会社さくら製作所 様向け資料');
    expect(roomTitle('  ', 'en', 'Sakura Works')).toBe('Materials for Sakura Works');
    expect(roomTitle('ご検討資料一式', 'en', 'Sakura Works')).toBe('ご検討資料一式');
  });

  it('is saved trimmed, cleared back to the default by an empty field, and refused when too long', async () => {
    const opp = await newOpportunity();
    const form = { message: '', locale: 'ja', expiresOn: '', documents: ['pricing'] };
    expect(await saveRoom(db, sato, opp, { ...form, title: '  稟議用  資料 ' }, catalog, { now, timeZone: TZ })).toMatchObject({ ok: true, value: { changed: true } });
    expect((await getRoomForOpportunity(db, opp))!.title).toBe('稟議用 資料');
    expect(await saveRoom(db, sato, opp, { ...form, title: 'x'.repeat(MAX_ROOM_TITLE_LENGTH + 1) }, catalog, { now, timeZone: TZ })).toMatchObject({ ok: false, fieldErrors: { title: 'tooLong' } });
    expect((await getRoomForOpportunity(db, opp))!.title).toBe('稟議用 資料');
    expect(await saveRoom(db, sato, opp, { ...form, title: '' }, catalog, { now, timeZone: TZ })).toMatchObject({ ok: true, value: { changed: true } });
    expect((await getRoomForOpportunity(db, opp))!.title).toBeNull();
  });
});

describe('saveRoom: what changed', () => {
  it('reports whether anything changed, and can leave an opportunity without a room when nothing was entered', async () => {
    const opp = await newOpportunity();
    const empty = { message: '', locale: 'ja', expiresOn: '', documents: [] };
    expect(await saveRoom(db, sato, opp, empty, catalog, { now, timeZone: TZ, createUnchanged: false })).toMatchObject({ ok: true, value: { changed: false } });
    expect(await getRoomForOpportunity(db, opp)).toBeNull();
    expect(await saveRoom(db, sato, opp, empty, catalog, { now, timeZone: TZ })).toMatchObject({ ok: true, value: { changed: false } });
    expect(await getRoomForOpportunity(db, opp)).toMatchObject({ message: '', documentSlugs: [] });
    expect(await saveRoom(db, sato, opp, { ...empty, documents: ['pricing'] }, catalog, { now, timeZone: TZ })).toMatchObject({ value: { changed: true } });
    expect(await saveRoom(db, sato, opp, { ...empty, documents: ['pricing'] }, catalog, { now, timeZone: TZ })).toMatchObject({ value: { changed: false } });
  });
});

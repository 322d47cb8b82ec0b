// Opportunities: validation, the rep-vs-other-rep rule, list filters (activity too), pagination, archive.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { accessLinks, accounts, contacts, opportunities, opportunityEngagement, rooms, users } from '../../src/server/db/tables';
import { listAccounts } from '../../src/server/crm/accounts';
import {
  createOpportunity,
  getOpportunity,
  listOpportunities,
  opportunityListQueryFromParams,
  setOpportunityAlertsMuted,
  setOpportunityArchived,
  updateOpportunity,
  type OpportunityListQuery,
} from '../../src/server/crm/opportunities';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();
const now = new Date('2026-11-22T09:00:00Z');
const DAY = 24 * 60 * 60 * 1000;
const admin = { id: 'u-admin', role: 'admin' as const };
const sato = { id: 'u-sato', role: 'rep' as const };
const tanaka = { id: 'u-tanaka', role: 'rep' as const };

db.insert(users)
  .values([
    { id: admin.id, email: 'admin@example.com', displayName: '管理者 花子', role: 'admin' },
    { id: sato.id, email: 'sato@example.com', displayName: '佐藤 健太', role: 'rep' },
    { id: tanaka.id, email: 'tanaka@example.com', displayName: '田中 美咲', role: 'rep' },
    { id: 'u-gone', email: 'gone@example.com', displayName: '退職 太郎', role: 'rep', deactivatedAt: now },
  ])
  .run();
db.insert(accounts)
  .values([
    { id: 'a-sakura', name: '株式会社さくら製作所' },
    { id: 'a-aozora', name: '青空物流株式会社' },
    { id: 'a-old', name: '旧取引先', archivedAt: now },
  ])
  .run();

const valid = {
  name: '経費精算システム刷新',
  accountId: 'a-sakura',
  stage: '3',
  amountJpy: '9,600,000',
  expectedCloseDate: '2027-01-31',
  channel: 'event',
  salesCycle: 'long',
};

function create(actor: typeof sato | typeof admin, input: Record<string, string>) {
  const result = createOpportunity(db, actor, input);
  if (!result.ok) throw new Error(`setup: ${JSON.stringify(result)}`);
  return result.value;
}

describe('opportunity validation', () => {
  it('creates with the actor as owner and normalises the amount', () => {
    const opp = create(sato, valid);
    expect(opp).toMatchObject({ name: '経費精算システム刷新', stage: 3, amountJpy: 9_600_000, expectedCloseDate: '2027-01-31', channel: 'event', salesCycle: 'long', ownerUserId: sato.id });
    expect(create(sato, { ...valid, amountJpy: '￥１２０,０００' }).amountJpy).toBe(120_000);
    expect(create(sato, { ...valid, amountJpy: '0', expectedCloseDate: '' }).expectedCloseDate).toBeNull();
  });

  it('reports every field problem at once', () => {
    const result = createOpportunity(db, sato, { name: '', accountId: '', stage: '', amountJpy: '', expectedCloseDate: '', channel: '', salesCycle: '' });
    expect(result).toEqual({
      ok: false,
      reason: 'invalid',
      fieldErrors: { name: 'required', accountId: 'required', stage: 'required', amountJpy: 'required', channel: 'required', salesCycle: 'required' },
    });
  });

  it('refuses bad amounts, dates, channels and cycles', () => {
    const bad = (patch: Record<string, string>) => createOpportunity(db, sato, { ...valid, ...patch });
    expect(bad({ amountJpy: '-1' })).toMatchObject({ fieldErrors: { amountJpy: 'invalidAmount' } });
    expect(bad({ amountJpy: '1.5' })).toMatchObject({ fieldErrors: { amountJpy: 'invalidAmount' } });
    expect(bad({ amountJpy: '120万' })).toMatchObject({ fieldErrors: { amountJpy: 'invalidAmount' } });
    expect(bad({ amountJpy: '99999999999999' })).toMatchObject({ fieldErrors: { amountJpy: 'tooLarge' } });
    expect(bad({ expectedCloseDate: '2026-02-30' })).toMatchObject({ fieldErrors: { expectedCloseDate: 'invalidDate' } });
    expect(bad({ expectedCloseDate: '2026/03/01' })).toMatchObject({ fieldErrors: { expectedCloseDate: 'invalidDate' } });
    expect(bad({ channel: 'fax' })).toMatchObject({ fieldErrors: { channel: 'invalidChoice' } });
    expect(bad({ salesCycle: 'medium' })).toMatchObject({ fieldErrors: { salesCycle: 'invalidChoice' } });
  });

  it('checks the stage, account and owner against the database', () => {
    const bad = (actor: typeof sato | typeof admin, patch: Record<string, string>) => createOpportunity(db, actor, { ...valid, ...patch });
    expect(bad(sato, { stage: '99' })).toEqual({ ok: false, reason: 'invalid', fieldErrors: { stage: 'unknownStage' } });
    expect(bad(sato, { stage: 'three' })).toMatchObject({ fieldErrors: { stage: 'unknownStage' } });
    expect(bad(sato, { accountId: 'a-missing' })).toMatchObject({ fieldErrors: { accountId: 'unknownAccount' } });
    expect(bad(sato, { accountId: 'a-old' })).toMatchObject({ fieldErrors: { accountId: 'accountArchived' } });
    // A schema error elsewhere still reports the reference problems.
    expect(bad(sato, { name: '', stage: '42' })).toMatchObject({ fieldErrors: { name: 'required', stage: 'unknownStage' } });
    // Reps own what they create; admins may assign any active user.
    expect(bad(sato, { ownerUserId: tanaka.id })).toMatchObject({ fieldErrors: { ownerUserId: 'ownerNotAllowed' } });
    expect(bad(admin, { ownerUserId: 'u-gone' })).toMatchObject({ fieldErrors: { ownerUserId: 'unknownOwner' } });
    expect(bad(admin, { ownerUserId: 'u-nobody' })).toMatchObject({ fieldErrors: { ownerUserId: 'unknownOwner' } });
    expect(createOpportunity(db, admin, { ...valid, ownerUserId: tanaka.id })).toMatchObject({ ok: true, value: { ownerUserId: tanaka.id } });
    expect(createOpportunity(db, sato, { ...valid, ownerUserId: sato.id })).toMatchObject({ ok: true, value: { ownerUserId: sato.id } });
  });
});

describe('editing: reps only their own, admins all', () => {
  it("refuses a rep editing another rep's opportunity and changes nothing", () => {
    const satos = create(sato, { ...valid, name: '佐藤の商談' });
    const before = db.select().from(opportunities).where(eq(opportunities.id, satos.id)).get();
    expect(updateOpportunity(db, tanaka, satos.id, { ...valid, name: '乗っ取り' })).toEqual({ ok: false, reason: 'forbidden' });
    // Forbidden comes first, even for invalid input (nothing about the deal leaks through validation).
    expect(updateOpportunity(db, tanaka, satos.id, { name: '' })).toEqual({ ok: false, reason: 'forbidden' });
    expect(setOpportunityArchived(db, tanaka, satos.id, true, now)).toEqual({ ok: false, reason: 'forbidden' });
    expect(db.select().from(opportunities).where(eq(opportunities.id, satos.id)).get()).toEqual(before);
  });

  it('lets the owner edit but not hand the deal over, and admins do both', () => {
    const opp = create(sato, valid);
    expect(updateOpportunity(db, sato, opp.id, { ...valid, name: '改名', stage: '5', amountJpy: '10000000' })).toMatchObject({
      ok: true,
      value: { name: '改名', stage: 5, amountJpy: 10_000_000, ownerUserId: sato.id },
    });
    expect(updateOpportunity(db, sato, opp.id, { ...valid, ownerUserId: tanaka.id })).toMatchObject({ reason: 'invalid', fieldErrors: { ownerUserId: 'ownerNotAllowed' } });
    expect(updateOpportunity(db, admin, opp.id, { ...valid, ownerUserId: tanaka.id })).toMatchObject({ ok: true, value: { ownerUserId: tanaka.id } });
    // Now Tanaka's: Sato is locked out.
    expect(updateOpportunity(db, sato, opp.id, valid)).toEqual({ ok: false, reason: 'forbidden' });
    expect(updateOpportunity(db, tanaka, opp.id, { ...valid, name: '田中が更新' })).toMatchObject({ ok: true, value: { ownerUserId: tanaka.id } });
    expect(updateOpportunity(db, admin, 'nope', valid)).toEqual({ ok: false, reason: 'not_found' });
  });

  it('keeps an archived account on an existing deal, but refuses moving a deal to one', () => {
    const opp = create(sato, { ...valid, accountId: 'a-aozora' });
    db.update(accounts).set({ archivedAt: now }).where(eq(accounts.id, 'a-aozora')).run();
    expect(updateOpportunity(db, sato, opp.id, { ...valid, accountId: 'a-aozora', name: 'まだ編集できる' })).toMatchObject({ ok: true });
    expect(updateOpportunity(db, sato, opp.id, { ...valid, accountId: 'a-old' })).toMatchObject({ fieldErrors: { accountId: 'accountArchived' } });
    db.update(accounts).set({ archivedAt: null }).where(eq(accounts.id, 'a-aozora')).run();
  });

  it('keeps a deactivated owner when an admin edits other fields', () => {
    const opp = create(admin, { ...valid, ownerUserId: tanaka.id });
    db.update(opportunities).set({ ownerUserId: 'u-gone' }).where(eq(opportunities.id, opp.id)).run();
    expect(updateOpportunity(db, admin, opp.id, { ...valid, ownerUserId: 'u-gone', name: '引き継ぎ前' })).toMatchObject({ ok: true, value: { ownerUserId: 'u-gone' } });
  });
});

describe('opportunity list', () => {
  // A fresh account so earlier tests' deals stay out of the counts.
  db.insert(accounts).values({ id: 'a-list', name: 'リスト検証 Trading K.K.' }).run();
  const seed = (id: string, values: Partial<typeof opportunities.$inferInsert>) =>
    db
      .insert(opportunities)
      .values({ id, accountId: 'a-list', name: id, stage: 2, amountJpy: 1000, channel: 'organic', ownerUserId: sato.id, createdAt: new Date(now.getTime() - 60 * DAY), ...values })
      .run();
  seed('o-hot', { name: '全社展開 Phase 2', stage: 4, channel: 'event', amountJpy: 5_000_000, expectedCloseDate: '2026-12-01' });
  seed('o-warm', { name: '部門導入', stage: 3, channel: 'referral', ownerUserId: tanaka.id, expectedCloseDate: '2026-12-20' });
  seed('o-quiet', { name: 'Pilot for HQ', stage: 3, channel: 'event', salesCycle: 'long' });
  seed('o-unopened', { name: '稟議テンプレート提供', stage: 2, channel: 'partner', ownerUserId: tanaka.id });
  seed('o-unshared', { name: 'Security review', stage: 1, channel: 'email' });
  seed('o-noroom', { name: '追加ライセンス', stage: 7, channel: 'outbound', amountJpy: 800_000 });
  seed('o-archived', { name: '見送り案件', stage: 8, archivedAt: now });

  const room = (opportunityId: string) => db.insert(rooms).values({ id: `r-${opportunityId}`, opportunityId }).run();
  const link = (opportunityId: string) =>
    db.insert(accessLinks).values({ id: `l-${opportunityId}`, roomId: `r-${opportunityId}`, contactId: contactId, secretHash: Buffer.alloc(32), sealedSecret: 'x' }).run();
  const seen = (opportunityId: string, lastSeenAt: Date | null) =>
    db.insert(opportunityEngagement).values({ opportunityId, accountId: 'a-list', lastSeenAt, automatedOpens: lastSeenAt ? 0 : 1 }).run();
  const contactId = 'c-list';
  db.insert(contacts).values({ id: contactId, accountId: 'a-list', name: '担当者' }).run();
  for (const id of ['o-hot', 'o-warm', 'o-quiet', 'o-unopened', 'o-unshared']) room(id);
  for (const id of ['o-hot', 'o-warm', 'o-quiet', 'o-unopened']) link(id);
  seen('o-hot', new Date(now.getTime() - 2 * DAY));
  seen('o-warm', new Date(now.getTime() - 20 * DAY));
  seen('o-quiet', new Date(now.getTime() - 45 * DAY));
  // A scanner opened the link: an engagement row without any reading.
  seen('o-unopened', null);

  const ids = (query: OpportunityListQuery) => listOpportunities(db, { accountId: 'a-list', ...query }, now).rows.map((r) => r.id);

  it('lists active deals, most recently read first, with labels and owner', () => {
    expect(ids({})).toEqual(['o-hot', 'o-warm', 'o-quiet', expect.any(String), expect.any(String), expect.any(String)]);
    const hot = listOpportunities(db, { accountId: 'a-list' }, now).rows[0]!;
    expect(hot).toMatchObject({ accountName: 'リスト検証 Trading K.K.', stage: 4, stageLabelJa: '稟議中', stageLabelEn: 'Internal approval', stageOutcome: 'open', ownerName: '佐藤 健太', hasRoom: true });
    expect(hot.lastSeenAt).toEqual(new Date(now.getTime() - 2 * DAY));
    expect(ids({ status: 'archived' })).toEqual(['o-archived']);
    expect(ids({ status: 'all' })).toHaveLength(7);
  });

  it('filters by reading activity', () => {
    expect(ids({ activity: 'read_7d' })).toEqual(['o-hot']);
    expect(ids({ activity: 'read_30d' })).toEqual(['o-hot', 'o-warm']);
    expect(ids({ activity: 'quiet_30d' })).toEqual(['o-quiet']);
    expect(ids({ activity: 'shared_unopened' })).toEqual(['o-unopened']);
    expect(ids({ activity: 'room_unshared' })).toEqual(['o-unshared']);
    expect(ids({ activity: 'no_room' })).toEqual(['o-noroom']);
  });

  it('filters by owner, stage and channel, and combines filters', () => {
    expect(ids({ ownerUserId: tanaka.id, sort: 'name' }).sort()).toEqual(['o-unopened', 'o-warm']);
    expect(ids({ stage: 3, sort: 'name' })).toEqual(['o-quiet', 'o-warm']);
    expect(ids({ channel: 'event' })).toEqual(['o-hot', 'o-quiet']);
    expect(ids({ channel: 'event', stage: 3 })).toEqual(['o-quiet']);
    expect(ids({ ownerUserId: tanaka.id, activity: 'shared_unopened' })).toEqual(['o-unopened']);
  });

  it('searches opportunity and account names, case-insensitively and in Japanese', () => {
    expect(ids({ q: 'phase' })).toEqual(['o-hot']);
    expect(ids({ q: 'PILOT' })).toEqual(['o-quiet']);
    expect(ids({ q: '稟議' })).toEqual(['o-unopened']);
    expect(listOpportunities(db, { q: 'リスト検証' }, now).total).toBe(6);
    expect(ids({ q: '存在しない' })).toEqual([]);
  });

  it('sorts and paginates with a total count', () => {
    expect(ids({ sort: 'amount' }).slice(0, 2)).toEqual(['o-hot', 'o-noroom']);
    expect(ids({ sort: 'close' }).slice(0, 2)).toEqual(['o-hot', 'o-warm']);
    expect(ids({ sort: 'stage' })[0]).toBe('o-unshared');
    const page1 = listOpportunities(db, { accountId: 'a-list', sort: 'stage', limit: 4 }, now);
    const page2 = listOpportunities(db, { accountId: 'a-list', sort: 'stage', limit: 4, offset: 4 }, now);
    expect([page1.total, page1.rows.length, page2.total, page2.rows.length]).toEqual([6, 4, 6, 2]);
    expect(new Set([...page1.rows, ...page2.rows].map((r) => r.id)).size).toBe(6);
    expect(listOpportunities(db, { accountId: 'a-list', activity: 'read_30d', limit: 1 }, now)).toMatchObject({ total: 2, rows: [{ id: 'o-hot' }] });
  });

  it('shows open deals and last reading on the account list', () => {
    // Open = not archived, stage outcome open: o-noroom is won (7), o-archived is archived.
    expect(listAccounts(db, { q: 'リスト検証' }).rows[0]).toMatchObject({ openOpportunityCount: 5, contactCount: 1, lastSeenAt: new Date(now.getTime() - 2 * DAY) });
  });

  it('reads list parameters from a query string, ignoring junk', () => {
    const params = new URLSearchParams('q=%E3%80%80さくら%20&owner=me&stage=3&channel=event&activity=no_room&status=all&sort=amount&page=3');
    expect(opportunityListQueryFromParams(params, sato, 25)).toEqual({
      q: 'さくら',
      ownerUserId: sato.id,
      stage: 3,
      channel: 'event',
      activity: 'no_room',
      status: 'all',
      sort: 'amount',
      limit: 25,
      offset: 50,
      page: 3,
    });
    const junk = opportunityListQueryFromParams(new URLSearchParams('stage=x&channel=fax&activity=hot&status=gone&sort=rand&page=-1'), sato, 25);
    expect(junk).toMatchObject({ stage: undefined, channel: undefined, activity: undefined, status: 'active', sort: 'activity', offset: 0, page: 1 });
  });
});

describe('muting Slack alerts for one opportunity', () => {
  it('lets the owner and admins mute and unmute; another rep is refused and nothing changes', () => {
    const opp = create(sato, { ...valid, name: 'ミュート確認用' });
    expect(setOpportunityAlertsMuted(db, tanaka, opp.id, true)).toEqual({ ok: false, reason: 'forbidden' });
    expect(db.select().from(opportunities).where(eq(opportunities.id, opp.id)).get()?.alertsMuted).toBe(false);
    expect(setOpportunityAlertsMuted(db, sato, opp.id, true)).toMatchObject({ ok: true, value: { alertsMuted: true } });
    expect(setOpportunityAlertsMuted(db, admin, opp.id, false)).toMatchObject({ ok: true, value: { alertsMuted: false } });
    expect(setOpportunityAlertsMuted(db, admin, 'nope', true)).toEqual({ ok: false, reason: 'not_found' });
  });
});

describe('archiving opportunities', () => {
  it('hides the deal from the default list and brings it back', () => {
    const opp = create(sato, { ...valid, name: 'アーカイブ確認用' });
    expect(setOpportunityArchived(db, sato, opp.id, true, now)).toMatchObject({ ok: true, value: { archivedAt: now } });
    expect(listOpportunities(db, { q: 'アーカイブ確認用' }, now).total).toBe(0);
    expect(listOpportunities(db, { q: 'アーカイブ確認用', status: 'archived' }, now).total).toBe(1);
    expect(setOpportunityArchived(db, admin, opp.id, false, now)).toMatchObject({ ok: true, value: { archivedAt: null } });
    expect(getOpportunity(db, opp.id)).toMatchObject({ archivedAt: null, accountName: '株式会社さくら製作所', ownerName: '佐藤 健太', ownerEmail: 'sato@example.com', stageLabelJa: '提案' });
    expect(getOpportunity(db, 'nope')).toBeNull();
  });
});

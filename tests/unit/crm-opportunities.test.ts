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

await db.insert(users)
  .values([
    { id: admin.id, email: 'admin@example.com', displayName: '管理者 花子', role: 'admin' },
    { id: sato.id, email: 'sato@example.com', displayName: '佐藤 健太', role: 'rep' },
    { id: tanaka.id, email: 'tanaka@example.com', displayName: '田中 美咲', role: 'rep' },
    { id: 'u-gone', email: 'gone@example.com', displayName: '退職 太郎', role: 'rep', deactivatedAt: now },
  ]);
await db.insert(accounts)
  .values([
    { id: 'a-sakura', name: '株式会社さくら製作所' },
    { id: 'a-aozora', name: '青空物流株式会社' },
    { id: 'a-old', name: '旧取引先', archivedAt: now },
  ]);

const valid = {
  name: '経費精算システム刷新',
  accountId: 'a-sakura',
  stage: '3',
  amountJpy: '9,600,000',
  expectedCloseDate: '2027-01-31',
  channel: 'event',
  salesCycle: 'long',
};

async function create(actor: typeof sato | typeof admin, input: Record<string, string>) {
  const result = await createOpportunity(db, actor, input);
  if (!result.ok) throw new Error(`setup: ${JSON.stringify(result)}`);
  return result.value;
}

describe('opportunity validation', () => {
  it('creates with the actor as owner and normalises the amount', async () => {
    const opp = await create(sato, valid);
    expect(opp).toMatchObject({ name: '経費精算システム刷新', stage: 3, amountJpy: 9_600_000, expectedCloseDate: '2027-01-31', channel: 'event', salesCycle: 'long', ownerUserId: sato.id });
    expect((await create(sato, { ...valid, amountJpy: '￥１２０,０００' })).amountJpy).toBe(120_000);
    expect((await create(sato, { ...valid, amountJpy: '0', expectedCloseDate: '' })).expectedCloseDate).toBeNull();
  });

  it('reports every field problem at once', async () => {
    const result = await createOpportunity(db, sato, { name: '', accountId: '', stage: '', amountJpy: '', expectedCloseDate: '', channel: '', salesCycle: '' });
    expect(result).toEqual({
      ok: false,
      reason: 'invalid',
      fieldErrors: { name: 'required', accountId: 'required', stage: 'required', amountJpy: 'required', channel: 'required', salesCycle: 'required' },
    });
  });

  it('refuses bad amounts, dates, channels and cycles', async () => {
    const bad = async (patch: Record<string, string>) => await createOpportunity(db, sato, { ...valid, ...patch });
    expect(await bad({ amountJpy: '-1' })).toMatchObject({ fieldErrors: { amountJpy: 'invalidAmount' } });
    expect(await bad({ amountJpy: '1.5' })).toMatchObject({ fieldErrors: { amountJpy: 'invalidAmount' } });
    expect(await bad({ amountJpy: '120万' })).toMatchObject({ fieldErrors: { amountJpy: 'invalidAmount' } });
    expect(await bad({ amountJpy: '99999999999999' })).toMatchObject({ fieldErrors: { amountJpy: 'tooLarge' } });
    expect(await bad({ expectedCloseDate: '2026-02-30' })).toMatchObject({ fieldErrors: { expectedCloseDate: 'invalidDate' } });
    expect(await bad({ expectedCloseDate: '2026/03/01' })).toMatchObject({ fieldErrors: { expectedCloseDate: 'invalidDate' } });
    expect(await bad({ channel: 'fax' })).toMatchObject({ fieldErrors: { channel: 'invalidChoice' } });
    expect(await bad({ salesCycle: 'medium' })).toMatchObject({ fieldErrors: { salesCycle: 'invalidChoice' } });
  });

  it('checks the stage, account and owner against the database', async () => {
    const bad = async (actor: typeof sato | typeof admin, patch: Record<string, string>) => await createOpportunity(db, actor, { ...valid, ...patch });
    expect(await bad(sato, { stage: '99' })).toEqual({ ok: false, reason: 'invalid', fieldErrors: { stage: 'unknownStage' } });
    expect(await bad(sato, { stage: 'three' })).toMatchObject({ fieldErrors: { stage: 'unknownStage' } });
    expect(await bad(sato, { accountId: 'a-missing' })).toMatchObject({ fieldErrors: { accountId: 'unknownAccount' } });
    expect(await bad(sato, { accountId: 'a-old' })).toMatchObject({ fieldErrors: { accountId: 'accountArchived' } });
    // A schema error elsewhere still reports the reference problems.
    expect(await bad(sato, { name: '', stage: '42' })).toMatchObject({ fieldErrors: { name: 'required', stage: 'unknownStage' } });
    // Reps own what they create; admins may assign any active user.
    expect(await bad(sato, { ownerUserId: tanaka.id })).toMatchObject({ fieldErrors: { ownerUserId: 'ownerNotAllowed' } });
    expect(await bad(admin, { ownerUserId: 'u-gone' })).toMatchObject({ fieldErrors: { ownerUserId: 'unknownOwner' } });
    expect(await bad(admin, { ownerUserId: 'u-nobody' })).toMatchObject({ fieldErrors: { ownerUserId: 'unknownOwner' } });
    expect(await createOpportunity(db, admin, { ...valid, ownerUserId: tanaka.id })).toMatchObject({ ok: true, value: { ownerUserId: tanaka.id } });
    expect(await createOpportunity(db, sato, { ...valid, ownerUserId: sato.id })).toMatchObject({ ok: true, value: { ownerUserId: sato.id } });
  });
});

describe('editing: reps only their own, admins all', () => {
  it("refuses a rep editing another rep's opportunity and changes nothing", async () => {
    const satos = await create(sato, { ...valid, name: '佐藤の商談' });
    const [before] = await db.select().from(opportunities).where(eq(opportunities.id, satos.id)).limit(1);
    expect(await updateOpportunity(db, tanaka, satos.id, { ...valid, name: '乗っ取り' })).toEqual({ ok: false, reason: 'forbidden' });
    // Forbidden comes first, even for invalid input (nothing about the deal leaks through validation).
    expect(await updateOpportunity(db, tanaka, satos.id, { name: '' })).toEqual({ ok: false, reason: 'forbidden' });
    expect(await setOpportunityArchived(db, tanaka, satos.id, true, now)).toEqual({ ok: false, reason: 'forbidden' });
    expect((await db.select().from(opportunities).where(eq(opportunities.id, satos.id)).limit(1))[0]).toEqual(before);
  });

  it('lets the owner edit but not hand the deal over, and admins do both', async () => {
    const opp = await create(sato, valid);
    expect(await updateOpportunity(db, sato, opp.id, { ...valid, name: '改名', stage: '5', amountJpy: '10000000' })).toMatchObject({
      ok: true,
      value: { name: '改名', stage: 5, amountJpy: 10_000_000, ownerUserId: sato.id },
    });
    expect(await updateOpportunity(db, sato, opp.id, { ...valid, ownerUserId: tanaka.id })).toMatchObject({ reason: 'invalid', fieldErrors: { ownerUserId: 'ownerNotAllowed' } });
    expect(await updateOpportunity(db, admin, opp.id, { ...valid, ownerUserId: tanaka.id })).toMatchObject({ ok: true, value: { ownerUserId: tanaka.id } });
    // Now Tanaka's: Sato is locked out.
    expect(await updateOpportunity(db, sato, opp.id, valid)).toEqual({ ok: false, reason: 'forbidden' });
    expect(await updateOpportunity(db, tanaka, opp.id, { ...valid, name: '田中が更新' })).toMatchObject({ ok: true, value: { ownerUserId: tanaka.id } });
    expect(await updateOpportunity(db, admin, 'nope', valid)).toEqual({ ok: false, reason: 'not_found' });
  });

  it('keeps an archived account on an existing deal, but refuses moving a deal to one', async () => {
    const opp = await create(sato, { ...valid, accountId: 'a-aozora' });
    await db.update(accounts).set({ archivedAt: now }).where(eq(accounts.id, 'a-aozora'));
    expect(await updateOpportunity(db, sato, opp.id, { ...valid, accountId: 'a-aozora', name: 'まだ編集できる' })).toMatchObject({ ok: true });
    expect(await updateOpportunity(db, sato, opp.id, { ...valid, accountId: 'a-old' })).toMatchObject({ fieldErrors: { accountId: 'accountArchived' } });
    await db.update(accounts).set({ archivedAt: null }).where(eq(accounts.id, 'a-aozora'));
  });

  it('keeps a deactivated owner when an admin edits other fields', async () => {
    const opp = await create(admin, { ...valid, ownerUserId: tanaka.id });
    await db.update(opportunities).set({ ownerUserId: 'u-gone' }).where(eq(opportunities.id, opp.id));
    expect(await updateOpportunity(db, admin, opp.id, { ...valid, ownerUserId: 'u-gone', name: '引き継ぎ前' })).toMatchObject({ ok: true, value: { ownerUserId: 'u-gone' } });
  });
});

describe('opportunity list', async () => {
  // A fresh account so earlier tests' deals stay out of the counts.
  await db.insert(accounts).values({ id: 'a-list', name: 'リスト検証 Trading K.K.' });
  const seed = async (id: string, values: Partial<typeof opportunities.$inferInsert>) =>
    await db
      .insert(opportunities)
      .values({ id, accountId: 'a-list', name: id, stage: 2, amountJpy: 1000, channel: 'organic', ownerUserId: sato.id, createdAt: new Date(now.getTime() - 60 * DAY), ...values });
  await seed('o-hot', { name: '全社展開 Phase 2', stage: 4, channel: 'event', amountJpy: 5_000_000, expectedCloseDate: '2026-12-01' });
  await seed('o-warm', { name: '部門導入', stage: 3, channel: 'referral', ownerUserId: tanaka.id, expectedCloseDate: '2026-12-20' });
  await seed('o-quiet', { name: 'Pilot for HQ', stage: 3, channel: 'event', salesCycle: 'long' });
  await seed('o-unopened', { name: '稟議テンプレート提供', stage: 2, channel: 'partner', ownerUserId: tanaka.id });
  await seed('o-unshared', { name: 'Security review', stage: 1, channel: 'email' });
  await seed('o-noroom', { name: '追加ライセンス', stage: 7, channel: 'outbound', amountJpy: 800_000 });
  await seed('o-archived', { name: '見送り案件', stage: 8, archivedAt: now });

  const room = async (opportunityId: string) => await db.insert(rooms).values({ id: `r-${opportunityId}`, opportunityId });
  const link = async (opportunityId: string) =>
    await db.insert(accessLinks).values({ id: `l-${opportunityId}`, roomId: `r-${opportunityId}`, contactId: contactId, secretHash: Buffer.alloc(32), sealedSecret: 'x' });
  const seen = async (opportunityId: string, lastSeenAt: Date | null) =>
    await db.insert(opportunityEngagement).values({ opportunityId, accountId: 'a-list', lastSeenAt, automatedOpens: lastSeenAt ? 0 : 1 });
  const contactId = 'c-list';
  await db.insert(contacts).values({ id: contactId, accountId: 'a-list', name: '担当者' });
  for (const id of ['o-hot', 'o-warm', 'o-quiet', 'o-unopened', 'o-unshared']) await room(id);
  for (const id of ['o-hot', 'o-warm', 'o-quiet', 'o-unopened']) await link(id);
  await seen('o-hot', new Date(now.getTime() - 2 * DAY));
  await seen('o-warm', new Date(now.getTime() - 20 * DAY));
  await seen('o-quiet', new Date(now.getTime() - 45 * DAY));
  // A scanner opened the link: an engagement row without any reading.
  await seen('o-unopened', null);

  const ids = async (query: OpportunityListQuery) => (await listOpportunities(db, { accountId: 'a-list', ...query }, now)).rows.map((r) => r.id);

  it('lists active deals, most recently read first, with labels and owner', async () => {
    expect(await ids({})).toEqual(['o-hot', 'o-warm', 'o-quiet', expect.any(String), expect.any(String), expect.any(String)]);
    const hot = (await listOpportunities(db, { accountId: 'a-list' }, now)).rows[0]!;
    expect(hot).toMatchObject({ accountName: 'リスト検証 Trading K.K.', stage: 4, stageLabelJa: '稟議中', stageLabelEn: 'Internal approval', stageOutcome: 'open', ownerName: '佐藤 健太', hasRoom: true });
    expect(hot.lastSeenAt).toEqual(new Date(now.getTime() - 2 * DAY));
    expect(await ids({ status: 'archived' })).toEqual(['o-archived']);
    expect(await ids({ status: 'all' })).toHaveLength(7);
  });

  it('filters by reading activity', async () => {
    expect(await ids({ activity: 'read_7d' })).toEqual(['o-hot']);
    expect(await ids({ activity: 'read_30d' })).toEqual(['o-hot', 'o-warm']);
    expect(await ids({ activity: 'quiet_30d' })).toEqual(['o-quiet']);
    expect(await ids({ activity: 'shared_unopened' })).toEqual(['o-unopened']);
    expect(await ids({ activity: 'room_unshared' })).toEqual(['o-unshared']);
    expect(await ids({ activity: 'no_room' })).toEqual(['o-noroom']);
  });

  it('filters by owner, stage and channel, and combines filters', async () => {
    expect((await ids({ ownerUserId: tanaka.id, sort: 'name' })).sort()).toEqual(['o-unopened', 'o-warm']);
    expect(await ids({ stage: 3, sort: 'name' })).toEqual(['o-quiet', 'o-warm']);
    expect(await ids({ channel: 'event' })).toEqual(['o-hot', 'o-quiet']);
    expect(await ids({ channel: 'event', stage: 3 })).toEqual(['o-quiet']);
    expect(await ids({ ownerUserId: tanaka.id, activity: 'shared_unopened' })).toEqual(['o-unopened']);
  });

  it('searches opportunity and account names, case-insensitively and in Japanese', async () => {
    expect(await ids({ q: 'phase' })).toEqual(['o-hot']);
    expect(await ids({ q: 'PILOT' })).toEqual(['o-quiet']);
    expect(await ids({ q: '稟議' })).toEqual(['o-unopened']);
    expect((await listOpportunities(db, { q: 'リスト検証' }, now)).total).toBe(6);
    expect(await ids({ q: '存在しない' })).toEqual([]);
  });

  it('sorts and paginates with a total count', async () => {
    expect((await ids({ sort: 'amount' })).slice(0, 2)).toEqual(['o-hot', 'o-noroom']);
    expect((await ids({ sort: 'close' })).slice(0, 2)).toEqual(['o-hot', 'o-warm']);
    expect((await ids({ sort: 'stage' }))[0]).toBe('o-unshared');
    const page1 = await listOpportunities(db, { accountId: 'a-list', sort: 'stage', limit: 4 }, now);
    const page2 = await listOpportunities(db, { accountId: 'a-list', sort: 'stage', limit: 4, offset: 4 }, now);
    expect([page1.total, page1.rows.length, page2.total, page2.rows.length]).toEqual([6, 4, 6, 2]);
    expect(new Set([...page1.rows, ...page2.rows].map((r) => r.id)).size).toBe(6);
    expect(await listOpportunities(db, { accountId: 'a-list', activity: 'read_30d', limit: 1 }, now)).toMatchObject({ total: 2, rows: [{ id: 'o-hot' }] });
  });

  it('shows open deals and last reading on the account list', async () => {
    // Open = not archived, stage outcome open: o-noroom is won (7), o-archived is archived.
    expect((await listAccounts(db, { q: 'リスト検証' })).rows[0]).toMatchObject({ openOpportunityCount: 5, contactCount: 1, lastSeenAt: new Date(now.getTime() - 2 * DAY) });
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
  it('lets the owner and admins mute and unmute; another rep is refused and nothing changes', async () => {
    const opp = await create(sato, { ...valid, name: 'ミュート確認用' });
    expect(await setOpportunityAlertsMuted(db, tanaka, opp.id, true)).toEqual({ ok: false, reason: 'forbidden' });
    expect((await db.select().from(opportunities).where(eq(opportunities.id, opp.id)).limit(1))[0]?.alertsMuted).toBe(false);
    expect(await setOpportunityAlertsMuted(db, sato, opp.id, true)).toMatchObject({ ok: true, value: { alertsMuted: true } });
    expect(await setOpportunityAlertsMuted(db, admin, opp.id, false)).toMatchObject({ ok: true, value: { alertsMuted: false } });
    expect(await setOpportunityAlertsMuted(db, admin, 'nope', true)).toEqual({ ok: false, reason: 'not_found' });
  });
});

describe('archiving opportunities', () => {
  it('hides the deal from the default list and brings it back', async () => {
    const opp = await create(sato, { ...valid, name: 'アーカイブ確認用' });
    expect(await setOpportunityArchived(db, sato, opp.id, true, now)).toMatchObject({ ok: true, value: { archivedAt: now } });
    expect((await listOpportunities(db, { q: 'アーカイブ確認用' }, now)).total).toBe(0);
    expect((await listOpportunities(db, { q: 'アーカイブ確認用', status: 'archived' }, now)).total).toBe(1);
    expect(await setOpportunityArchived(db, admin, opp.id, false, now)).toMatchObject({ ok: true, value: { archivedAt: null } });
    expect(await getOpportunity(db, opp.id)).toMatchObject({ archivedAt: null, accountName: '株式会社さくら製作所', ownerName: '佐藤 健太', ownerEmail: 'sato@example.com', stageLabelJa: '提案' });
    expect(await getOpportunity(db, 'nope')).toBeNull();
  });
});

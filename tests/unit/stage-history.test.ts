// Stage history and approval suggestions on the database (issue 19 items 4 and 6): every path that
// sets a stage records it once with who, when and why; a suggestion from real reading (ingested
// through the tracking functions) is accepted into the history or dismissed for its evidence; the
// dashboard's "read before each advance" counts the views at each stage of won deals only.
import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { accounts, approvalSuggestionDecisions, contacts, opportunities, opportunityStageChanges, roomDocuments, rooms, users } from '../../src/server/db/tables';
import { createAccessLink } from '../../src/server/access-links/access-links';
import { upsertOpportunity } from '../../src/server/api/crm-sync';
import { approvalReading, decideSuggestion } from '../../src/server/approval/suggestions';
import { createOpportunity, getOpportunity, updateOpportunity } from '../../src/server/crm/opportunities';
import { stageHistory } from '../../src/server/crm/stage-history';
import { contentBeforeAdvances } from '../../src/server/dashboard/stage-advances';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { heartbeatPayload } from '../../src/server/tracking/beacon-payloads';
import { recordHeartbeat, startView } from '../../src/server/tracking/ingest';
import { activeLinkScope, type LinkScope } from '../../src/server/tracking/link-scope';
import { opportunityTimeline } from '../../src/server/tracking/timeline';
import { publishTestDocuments } from './support/documents';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();
const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));
const DAY = 24 * 60 * 60 * 1000;
const t0 = new Date('2026-11-01T01:00:00Z');
const day = (n: number) => new Date(t0.getTime() + n * DAY);
const sato = { id: 'u-sato', role: 'rep' as const };
const tanaka = { id: 'u-tanaka', role: 'rep' as const };
const admin = { id: 'u-admin', role: 'admin' as const };

const deal = { name: '経費精算システム刷新', accountId: 'a1', stage: '3', amountJpy: '1200000', channel: 'event', salesCycle: 'short' };

/** A deal created (through the domain function) at t0, before the story's reading. */
async function create(input: Record<string, string> = {}) {
  const result = await createOpportunity(db, sato, { ...deal, ...input });
  if (!result.ok) throw new Error(JSON.stringify(result));
  await db.update(opportunities).set({ createdAt: t0 }).where(eq(opportunities.id, result.value.id));
  await db.update(opportunityStageChanges).set({ changedAt: t0 }).where(eq(opportunityStageChanges.opportunityId, result.value.id));
  return { ...result.value, createdAt: t0 };
}

async function linkFor(opportunityId: string, contactId: string): Promise<LinkScope> {
  const [room] = await db.select().from(rooms).where(eq(rooms.opportunityId, opportunityId)).limit(1);
  const roomId = room?.id ?? `room-${opportunityId}`;
  if (!room) {
    await db.insert(rooms).values({ id: roomId, opportunityId });
    for (const [position, documentSlug] of ['pricing', 'security-sheet', 'approval-form'].entries()) await db.insert(roomDocuments).values({ roomId, documentSlug, position });
  }
  const { token } = await createAccessLink(db, key, { roomId, contactId });
  return (await activeLinkScope(db, token))!;
}

const categories: Record<string, string> = { pricing: 'pricing', 'security-sheet': 'security', 'approval-form': 'approval-template' };

/** A person reading `slug` for `seconds` from `when`, through the real ingestion. */
async function read(scope: LinkScope, slug: string, device: string, when: Date, seconds: number) {
  const v = await startView(db, {
    scope,
    documentSlug: slug,
    documentCategory: categories[slug] ?? null,
    documentTitle: slug,
    sectionIds: ['intro'],
    deviceId: device.padEnd(26, '0'),
    deviceLabel: 'Chrome / Windows',
    networkHash: null,
    now: when,
  });
  expect(await recordHeartbeat(db, scope, v.viewId, heartbeatPayload.parse({ seq: 1, activeSeconds: seconds, maxScrollPercent: 90 }), new Date(when.getTime() + seconds * 1000))).toBe('applied');
}

beforeAll(async () => {
  await db.insert(users).values([
    { id: sato.id, email: 'sato@example.com', displayName: '佐藤 健太' },
    { id: tanaka.id, email: 'tanaka@example.com', displayName: '田中 美咲' },
    { id: admin.id, email: 'admin@example.com', displayName: '管理者 花子', role: 'admin' },
  ]);
  await db.insert(accounts).values({ id: 'a1', name: '株式会社さくら製作所' });
  await db.insert(contacts).values([
    { id: 'c-yamada', accountId: 'a1', name: '山田 太郎', buyingRole: 'champion' },
    { id: 'c-takahashi', accountId: 'a1', name: '高橋 次郎', buyingRole: 'manager' },
    { id: 'c-suzuki', accountId: 'a1', name: '鈴木 一郎', buyingRole: 'it-security' },
  ]);
  await publishTestDocuments(db, ['pricing'], { category: 'pricing' });
  await publishTestDocuments(db, ['security-sheet'], { category: 'security' });
  await publishTestDocuments(db, ['approval-form'], { category: 'approval-template' });
});

describe('stage history', () => {
  it('records the first stage when an opportunity is created, with who', async () => {
    const opp = await create();
    const history = await stageHistory(db, opp.id);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ fromStage: null, toStage: 3, reason: 'created', changedByName: '佐藤 健太' });
  });

  it('records a change by hand once, from and to, and nothing when the stage stays', async () => {
    const opp = await create();
    const at = new Date('2026-11-10T03:00:00Z');
    expect((await updateOpportunity(db, sato, opp.id, { ...deal, stage: '4' }, { now: at })).ok).toBe(true);
    expect((await updateOpportunity(db, sato, opp.id, { ...deal, stage: '4', name: '改名' })).ok).toBe(true);
    const history = await stageHistory(db, opp.id);
    expect(history.map((h) => [h.fromStage, h.toStage, h.reason])).toEqual([
      [3, 4, 'manual'],
      [null, 3, 'created'],
    ]);
    expect(history[0]!.changedAt).toEqual(at);
    // The reading at stage 3 is between the creation and the move.
    const [row] = await db.select().from(opportunityStageChanges).where(eq(opportunityStageChanges.id, history[0]!.id));
    expect(row!.fromStageSince).toEqual(opp.createdAt);
  });

  it('a refused edit records nothing', async () => {
    const opp = await create();
    expect((await updateOpportunity(db, tanaka, opp.id, { ...deal, stage: '5' })).ok).toBe(false);
    expect((await updateOpportunity(db, sato, opp.id, { ...deal, stage: '99' })).ok).toBe(false);
    expect((await stageHistory(db, opp.id)).map((h) => h.toStage)).toEqual([3]);
  });

  it('a CRM sync through the API is recorded as such', async () => {
    const first = await upsertOpportunity(db, admin, '006-SYNC', { ...deal, stage: '2' });
    expect('created' in first && first.created).toBe(true);
    await upsertOpportunity(db, admin, '006-SYNC', { ...deal, stage: '5' });
    const [row] = await db.select().from(opportunities).where(eq(opportunities.externalId, '006-SYNC'));
    expect((await stageHistory(db, row!.id)).map((h) => [h.fromStage, h.toStage, h.reason, h.changedByName])).toEqual([
      [2, 5, 'api', '管理者 花子'],
      [null, 2, 'created', '管理者 花子'],
    ]);
  });

  it('the timeline lists the changes of its slice of time', async () => {
    const opp = await create();
    await updateOpportunity(db, sato, opp.id, { ...deal, stage: '4' });
    const timeline = await opportunityTimeline(db, opp.id, { limit: 20 });
    expect(timeline.stageChanges.map((c) => c.toStage)).toEqual([4, 3]);
    const older = await opportunityTimeline(db, opp.id, { limit: 20, before: new Date(opp.createdAt.getTime()) });
    expect(older.stageChanges).toEqual([]);
  });
});

describe('approval suggestions', () => {
  let oppId: string;
  beforeAll(async () => {
    oppId = (await create()).id;
    const yamada = await linkFor(oppId, 'c-yamada');
    const takahashi = await linkFor(oppId, 'c-takahashi');
    await read(yamada, 'pricing', 'yamada-pc', day(1), 120);
    await read(yamada, 'approval-form', 'yamada-pc', day(2), 90);
    await read(takahashi, 'pricing', 'takahashi-pc', day(3), 60);
    await read(takahashi, 'approval-form', 'takahashi-pc', day(3), 45);
  });

  it('suggests the internal-approval stage from pricing and the template read by two people, with the evidence', async () => {
    const reading = await approvalReading(db, (await getOpportunity(db, oppId))!, day(4));
    expect(reading.suggestions.map((s) => [s.rule, s.stage])).toEqual([['ringi-drafting', 4]]);
    const evidence = reading.suggestions[0]!.evidence;
    expect(evidence.rule === 'ringi-drafting' && evidence.pricing.map((r) => r.name).sort()).toEqual(['山田 太郎', '高橋 次郎']);
    // Nothing was applied by itself.
    expect((await getOpportunity(db, oppId))!.stage).toBe(3);
  });

  it('only the owner or an admin may answer; a made-up key is stale', async () => {
    const [suggestion] = (await approvalReading(db, (await getOpportunity(db, oppId))!, day(4))).suggestions;
    expect(await decideSuggestion(db, tanaka, oppId, suggestion!.key, 'accept', day(4))).toEqual({ ok: false, reason: 'forbidden' });
    expect(await decideSuggestion(db, sato, oppId, 'ringi-drafting:stage-4:made-up', 'accept', day(4))).toEqual({ ok: false, reason: 'stale' });
    expect(await decideSuggestion(db, sato, 'no-such-deal', suggestion!.key, 'accept', day(4))).toEqual({ ok: false, reason: 'not_found' });
    expect((await getOpportunity(db, oppId))!.stage).toBe(3);
  });

  it('accepting moves the stage, recorded as an accepted suggestion with who and when, and the suggestion goes', async () => {
    const [suggestion] = (await approvalReading(db, (await getOpportunity(db, oppId))!, day(4))).suggestions;
    const accepted = await decideSuggestion(db, sato, oppId, suggestion!.key, 'accept', day(4));
    expect(accepted.ok).toBe(true);
    expect((await getOpportunity(db, oppId))!.stage).toBe(4);
    const [latest] = await stageHistory(db, oppId);
    expect(latest).toMatchObject({ fromStage: 3, toStage: 4, reason: 'suggestion', suggestionKey: suggestion!.key, changedByName: '佐藤 健太', changedAt: day(4) });
    expect((await approvalReading(db, (await getOpportunity(db, oppId))!, day(4))).suggestions).toEqual([]);
    // Answering again changes nothing.
    expect(await decideSuggestion(db, sato, oppId, suggestion!.key, 'accept', day(5))).toEqual({ ok: false, reason: 'stale' });
    expect((await stageHistory(db, oppId)).filter((h) => h.reason === 'suggestion')).toHaveLength(1);
  });

  it('a dismissed suggestion stays dismissed for its evidence and comes back with new evidence', async () => {
    const opp = await create();
    const suzuki = await linkFor(opp.id, 'c-suzuki');
    await read(suzuki, 'security-sheet', 'suzuki-pc', day(1), 200);
    const [itReview] = (await approvalReading(db, (await getOpportunity(db, opp.id))!, day(2))).suggestions;
    expect(itReview).toMatchObject({ rule: 'it-review', stage: null });
    expect((await decideSuggestion(db, sato, opp.id, itReview!.key, 'dismiss', day(2))).ok).toBe(true);
    const [decision] = await db.select().from(approvalSuggestionDecisions).where(eq(approvalSuggestionDecisions.suggestionKey, itReview!.key));
    expect(decision).toMatchObject({ decision: 'dismissed', decidedByUserId: sato.id, decidedAt: day(2) });
    expect((await approvalReading(db, (await getOpportunity(db, opp.id))!, day(3))).suggestions).toEqual([]);
    // Nor did it move the stage or write history.
    expect((await stageHistory(db, opp.id)).map((h) => h.reason)).toEqual(['created']);

    // Another browser on 鈴木's link (forwarded to a colleague) reads the security sheet: new evidence.
    await read(suzuki, 'security-sheet', 'forwarded-phone', day(4), 150);
    const again = (await approvalReading(db, (await getOpportunity(db, opp.id))!, day(4))).suggestions;
    expect(again.map((s) => [s.rule, s.evidence.rule === 'it-review' && s.evidence.reader.possible])).toEqual([['it-review', true]]);
  });
});

describe('content read before each stage advance in won deals', () => {
  it('counts the views at each stage of won deals, never of open or lost ones', async () => {
    const won = await create({ stage: '2' });
    const lost = await create({ stage: '2' });
    const yamada = await linkFor(won.id, 'c-yamada');
    const takahashi = await linkFor(won.id, 'c-takahashi');
    const lostReader = await linkFor(lost.id, 'c-yamada');
    // Stage 2 → 3 on day 20 (pricing read before), 3 → 4 on day 30 (security and the template between), 4 → 7 won on day 40.
    await read(yamada, 'pricing', 'y', day(10), 120);
    await read(takahashi, 'pricing', 't', day(12), 60);
    await updateOpportunity(db, sato, won.id, { ...deal, stage: '3' }, { now: day(20) });
    await read(yamada, 'security-sheet', 'y', day(22), 300);
    await read(yamada, 'approval-form', 'y', day(25), 90);
    await updateOpportunity(db, sato, won.id, { ...deal, stage: '4' }, { now: day(30) });
    await updateOpportunity(db, sato, won.id, { ...deal, stage: '7' }, { now: day(40) });
    // The lost deal read pricing and moved on too, then lost.
    await read(lostReader, 'pricing', 'l', day(10), 500);
    await updateOpportunity(db, sato, lost.id, { ...deal, stage: '3' }, { now: day(20) });
    await updateOpportunity(db, sato, lost.id, { ...deal, stage: '8' }, { now: day(30) });

    const advances = await contentBeforeAdvances(db);
    const view = advances.map((a) => ({ advance: `${a.fromStage}>${a.toStage}`, deals: a.deals, documents: a.documents.map((d) => [d.slug, d.deals, d.readers, d.activeSeconds]) }));
    expect(view).toEqual([
      { advance: '2>3', deals: 1, documents: [['pricing', 1, 2, 180]] },
      { advance: '3>4', deals: 1, documents: [['security-sheet', 1, 1, 300], ['approval-form', 1, 1, 90]] },
      { advance: '4>7', deals: 1, documents: [] },
    ]);
    expect(await contentBeforeAdvances(db, { stageNumber: 3 })).toHaveLength(1);
    expect(await contentBeforeAdvances(db, { channel: 'partner' })).toEqual([]);
  });
});

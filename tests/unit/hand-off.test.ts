// The hand-off signal (issue 19 item 5): a long-cycle deal whose reading shows evaluation sends its
// hand-off owner ONE Slack alert (to a real loopback stand-in) with the evidence, names escaped; the
// hand-off is accepted once, recording who, when and why, and makes the hand-off owner the owner.
import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, contacts, documentPerformance, opportunities, opportunityEngagement, roomDocuments, rooms, slackOutbox, users } from '../../src/server/db/tables';
import { createAccessLink } from '../../src/server/access-links/access-links';
import { acceptHandOff, handOffState, parseEvidence } from '../../src/server/approval/hand-off';
import { createOpportunity, getOpportunity, updateOpportunity } from '../../src/server/crm/opportunities';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { defaultAlertPolicy } from '../../src/server/slack/policy';
import { deliver } from '../../src/server/slack/sender';
import { runSlackRound, type SlackWorkerDeps } from '../../src/server/slack/worker';
import { heartbeatPayload } from '../../src/server/tracking/beacon-payloads';
import { recordHeartbeat, startView } from '../../src/server/tracking/ingest';
import { activeLinkScope, type LinkScope } from '../../src/server/tracking/link-scope';
import { publishTestDocuments } from './support/documents';
import { startSlackStandIn } from './support/slack-stand-in';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();
const slack = await startSlackStandIn();
afterAll(() => slack.close());
const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));
const MINUTE = 60_000;
let clock = new Date('2026-12-01T01:00:00Z');
let lastRound = new Date(clock.getTime() - MINUTE);
const deps: SlackWorkerDeps = {
  db,
  now: () => clock,
  policy: () => defaultAlertPolicy,
  webhookFor: () => slack.url,
  deliver: (url, message) => deliver(url, message, () => clock),
  publicBaseUrl: 'http://127.0.0.1:4321',
};
/** Hand-off alerts the stand-in accepted (hot alerts about the same reading go there too). */
const handOffAlerts = () => slack.delivered().filter((m) => m.body.text.includes('引き継ぎ'));
async function round() {
  const since = lastRound;
  lastRound = clock;
  await runSlackRound(deps, since);
}

const tanaka = { id: 'u-tanaka', role: 'rep' as const }; // inside sales: owns the long deal
const sato = { id: 'u-sato', role: 'rep' as const }; // field sales: the hand-off owner
const lee = { id: 'u-lee', role: 'rep' as const };
const deal = { name: '稟議ワークフロー導入', accountId: 'a1', stage: '2', amountJpy: '4200000', channel: 'organic', salesCycle: 'long' };

async function read(scope: LinkScope, device: string, seconds: number) {
  const v = await startView(db, { scope, documentSlug: 'pricing', documentCategory: 'pricing', documentTitle: 'pricing', sectionIds: ['intro'], deviceId: device.padEnd(26, '0'), deviceLabel: 'Chrome / Windows', networkHash: null, now: clock });
  expect(await recordHeartbeat(db, scope, v.viewId, heartbeatPayload.parse({ seq: 1, activeSeconds: seconds, maxScrollPercent: 90 }), new Date(clock.getTime() + seconds * 1000))).toBe('applied');
}

async function longDeal(input: Record<string, string> = {}) {
  const created = await createOpportunity(db, tanaka, { ...deal, ...input });
  if (!created.ok) throw new Error(JSON.stringify(created));
  const id = created.value.id;
  await db.insert(rooms).values({ id: `room-${id}`, opportunityId: id });
  await db.insert(roomDocuments).values({ roomId: `room-${id}`, documentSlug: 'pricing', position: 0 });
  const link = async (contactId: string) => (await activeLinkScope(db, (await createAccessLink(db, key, { roomId: `room-${id}`, contactId })).token))!;
  return { id, kobayashi: await link('c-kobayashi'), mori: await link('c-mori') };
}

beforeAll(async () => {
  await db.insert(users).values([
    { id: tanaka.id, email: 'tanaka@example.com', displayName: '田中 美咲' },
    { id: sato.id, email: 'sato@example.com', displayName: '佐藤 健太', slackUserId: 'U0SATO' },
    { id: lee.id, email: 'lee@example.com', displayName: 'Alex Lee', locale: 'en' },
  ]);
  await db.insert(accounts).values({ id: 'a1', name: '青空物流 <!channel>' });
  await db.insert(contacts).values([
    { id: 'c-kobayashi', accountId: 'a1', name: '小林 *部長*', buyingRole: 'champion' },
    { id: 'c-mori', accountId: 'a1', name: '森 花子', buyingRole: 'finance-purchasing' },
  ]);
  await publishTestDocuments(db, ['pricing'], { category: 'pricing' });
});

describe('hand-off owner on the opportunity', () => {
  it('is set and cleared through the same update as the other fields, and must be an active rep or admin', async () => {
    const { id } = await longDeal();
    expect((await updateOpportunity(db, tanaka, id, { ...deal, handOffOwnerUserId: sato.id })).ok).toBe(true);
    expect((await getOpportunity(db, id))!.handOffOwnerUserId).toBe(sato.id);
    expect(await updateOpportunity(db, tanaka, id, { ...deal, handOffOwnerUserId: 'u-nobody' })).toMatchObject({ ok: false, fieldErrors: { handOffOwnerUserId: 'unknownOwner' } });
    // Not given: kept (a CRM sync that does not know the field).
    expect((await updateOpportunity(db, tanaka, id, { ...deal, name: '改名' })).ok).toBe(true);
    expect((await getOpportunity(db, id))!.handOffOwnerUserId).toBe(sato.id);
    expect((await updateOpportunity(db, tanaka, id, { ...deal, handOffOwnerUserId: '' })).ok).toBe(true);
    expect((await getOpportunity(db, id))!.handOffOwnerUserId).toBeNull();
  });
});

describe('hand-off alert', () => {
  it('goes to the hand-off owner once, with the evidence, when reading shows evaluation; accepting records who, when and why', async () => {
    slack.received.length = 0;
    const { id, kobayashi, mori } = await longDeal({ handOffOwnerUserId: sato.id });
    // The champion reads the price: one reader, no evaluation yet.
    await read(kobayashi, 'kobayashi-pc', 120);
    clock = new Date(clock.getTime() + 5 * MINUTE);
    await round();
    expect(handOffAlerts()).toHaveLength(0);
    expect((await handOffState(db, (await getOpportunity(db, id))!, clock)).signals).toEqual([]);
    // Not ready: nothing to accept.
    expect(await acceptHandOff(db, sato, id, clock)).toEqual({ ok: false, reason: 'not_ready' });

    // Finance joins and reads the price too: two people on a key document, a new signing reader.
    clock = new Date(clock.getTime() + 2 * 24 * 60 * MINUTE);
    await read(mori, 'mori-pc', 90);
    clock = new Date(clock.getTime() + 5 * MINUTE);
    await round();
    const delivered = handOffAlerts();
    expect(delivered).toHaveLength(1);
    const text = JSON.stringify(delivered[0]!.body);
    expect(delivered[0]!.body.text).toContain('<@U0SATO>');
    expect(text).toContain('引き継ぎのタイミングです');
    expect(text).toContain('現在の担当：田中 美咲');
    expect(text).toContain('森 花子 様（経理・購買）');
    expect(text).toContain('人（');
    // Names are inert: no channel ping, no bold from a contact's name.
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('*部長*');
    expect(text).toContain(`/admin/opportunities/${id}#hand-off`);

    // More reading, more rounds: still one alert.
    await read(kobayashi, 'kobayashi-pc', 60);
    clock = new Date(clock.getTime() + 5 * MINUTE);
    await round();
    clock = new Date(clock.getTime() + 5 * MINUTE);
    await round();
    expect(handOffAlerts()).toHaveLength(1);
    expect(await db.select().from(slackOutbox).where(eq(slackOutbox.kind, 'handoff'))).toHaveLength(1);

    // Someone else may not accept; the hand-off owner does, once.
    expect(await acceptHandOff(db, lee, id, clock)).toEqual({ ok: false, reason: 'forbidden' });
    const accepted = await acceptHandOff(db, sato, id, clock);
    expect(accepted.ok).toBe(true);
    const [row] = await db.select().from(opportunities).where(eq(opportunities.id, id));
    expect(row).toMatchObject({ ownerUserId: sato.id, handedOffAt: clock, handedOffByUserId: sato.id });
    expect(parseEvidence(row!.handOffReason).map((e) => e.rule)).toEqual(['key-document-readers', 'signing-new-reader']);
    // The dashboard's aggregates carry the owner (a filter, ADR 0020): they moved with it.
    const [engagement] = await db.select().from(opportunityEngagement).where(eq(opportunityEngagement.opportunityId, id));
    expect(engagement?.ownerUserId).toBe(sato.id);
    expect(new Set((await db.select().from(documentPerformance)).filter((d) => d.views > 0).map((d) => d.ownerUserId))).toEqual(new Set([sato.id]));
    expect(await acceptHandOff(db, sato, id, clock)).toEqual({ ok: false, reason: 'not_ready' });
  });

  it('short-cycle deals and deals without a hand-off owner send none', async () => {
    slack.received.length = 0;
    const short = await longDeal({ salesCycle: 'short', handOffOwnerUserId: sato.id });
    const ownerless = await longDeal();
    for (const d of [short, ownerless]) {
      await read(d.kobayashi, `k-${d.id}`, 120);
      await read(d.mori, `m-${d.id}`, 120);
    }
    clock = new Date(clock.getTime() + 5 * MINUTE);
    await round();
    expect(handOffAlerts()).toHaveLength(0);
  });
});

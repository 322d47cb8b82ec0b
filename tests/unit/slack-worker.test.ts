// The Slack pipeline end to end, minus the browser: ingestion writes outbox rows, the worker sends
// them to a real HTTP stand-in on loopback. A controllable clock replaces waiting.
import { eq } from 'drizzle-orm';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { contacts, opportunities, slackOutbox, users } from '../../db/schema';
import { heartbeatPayload } from '../../src/server/tracking/beacon-payloads';
import { recordAutomatedOpen, recordHeartbeat, startView } from '../../src/server/tracking/ingest';
import type { LinkScope } from '../../src/server/tracking/link-scope';
import { claimDueAlerts, LEASE_MS } from '../../src/server/slack/outbox';
import { defaultAlertPolicy } from '../../src/server/slack/policy';
import { deliver } from '../../src/server/slack/sender';
import { runSlackRound, type SlackWorkerDeps } from '../../src/server/slack/worker';
import { startSlackStandIn } from './support/slack-stand-in';
import { useTempDatabase } from './support/temp-db';
import { seedTrackingFixture } from './support/tracking-fixture';

const db = useTempDatabase();
const slack = await startSlackStandIn();
afterAll(() => slack.close());

const minute = 60_000;
const delay = 3 * minute;
let clock = new Date('2026-11-24T01:00:00Z'); // 10:00 in Tokyo
const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));
let lastRound = new Date(clock.getTime() - minute);

const deps: SlackWorkerDeps = {
  db,
  now: () => clock,
  policy: () => ({ ...defaultAlertPolicy, delayMs: delay }),
  webhookFor: () => slack.url,
  deliver: (url, message) => deliver(url, message, () => clock),
  publicBaseUrl: 'http://127.0.0.1:4321',
  retryBaseDelayMs: 1000,
};
async function round() {
  const since = lastRound;
  lastRound = clock;
  return runSlackRound(deps, since);
}

let world: ReturnType<typeof seedTrackingFixture>;
let n = 0;
beforeEach(() => {
  world = seedTrackingFixture(db, `w${++n}`);
  slack.received.length = 0;
});
const outbox = () => db.select().from(slackOutbox).all();
const rowsFor = (scope: LinkScope) => outbox().filter((r) => r.opportunityId === scope.opportunityId);

function read(scope: LinkScope, device: string, extra: Partial<Parameters<typeof startView>[1]> = {}) {
  return startView(
    db,
    { scope, documentSlug: 'pricing', documentCategory: 'pricing', documentTitle: '料金表', sectionIds: ['plans'], deviceId: device, deviceLabel: 'Chrome / Windows', networkHash: null, now: clock, ...extra },
    { delayMs: delay },
  );
}
const beacon = (seq: number, activeSeconds: number) => heartbeatPayload.parse({ seq, activeSeconds, maxScrollPercent: 95 });

describe('Slack alerts', () => {
  it('send one alert per visit, after the coalescing delay, summarising the visit so far', async () => {
    db.update(contacts).set({ jobTitle: '経理部長' }).where(eq(contacts.id, world.yamada.scope.contactId)).run();
    const view = read(world.yamada.scope, 'a'.repeat(26));
    await round();
    expect(slack.received).toHaveLength(0); // still coalescing
    advance(minute);
    recordHeartbeat(db, world.yamada.scope, view.viewId, beacon(1, 55), clock);
    read(world.yamada.scope, 'a'.repeat(26)); // another document in the same visit: no new alert
    advance(delay);
    await round();
    expect(slack.delivered()).toHaveLength(1);
    const [message] = slack.delivered();
    expect(message!.body.text).toContain('山田 太郎 様（株式会社テスト・経理部長）が資料を閲覧しました');
    expect(JSON.stringify(message!.body.blocks)).toContain('料金表 — 55秒（最後まで）');
    advance(10 * minute);
    await round();
    expect(slack.delivered()).toHaveLength(1);
  });

  it('announce a returning visit after a gap as a return', async () => {
    read(world.yamada.scope, 'b'.repeat(26));
    advance(delay);
    await round();
    advance(2 * 60 * minute);
    read(world.yamada.scope, 'b'.repeat(26));
    advance(delay);
    await round();
    expect(slack.delivered().map((m) => m.body.text)).toEqual([
      expect.stringContaining('が資料を閲覧しました'),
      expect.stringContaining('が再び資料を閲覧しています'),
    ]);
  });

  it('raise one hot alert a day when a pricing sheet is read for long', async () => {
    const view = read(world.yamada.scope, 'c'.repeat(26));
    advance(6 * minute);
    recordHeartbeat(db, world.yamada.scope, view.viewId, beacon(1, 330), clock);
    await round();
    const hot = slack.delivered().filter((m) => m.body.text.includes('🔥'));
    expect(hot).toHaveLength(1);
    expect(JSON.stringify(hot[0]!.body.blocks)).toContain('山田 太郎 様が「料金表」を 5分30秒 閲覧');
    // The score as it stands, its strongest reasons and the timeline.
    expect(hot[0]!.body.text).toMatch(/エンゲージメントスコア \d+ \/ 100$/);
    expect(JSON.stringify(hot[0]!.body.blocks)).toMatch(/• [^•]+（\+\d+点）/);
    expect(JSON.stringify(hot[0]!.body.blocks)).toContain('/timeline|タイムラインを見る>');
    recordHeartbeat(db, world.yamada.scope, view.viewId, beacon(2, 340), advance(10_000));
    await round();
    expect(slack.delivered().filter((m) => m.body.text.includes('🔥'))).toHaveLength(1);
  });

  it('send nothing for muted opportunities or reps who turned alerts off', async () => {
    db.update(opportunities).set({ alertsMuted: true }).where(eq(opportunities.id, world.yamada.scope.opportunityId)).run();
    read(world.yamada.scope, 'd'.repeat(26));
    const other = seedTrackingFixture(db, `off${n}`);
    db.update(users).set({ slackAlerts: 'off' }).where(eq(users.id, `off${n}-u1`)).run();
    read(other.yamada.scope, 'd'.repeat(26));
    advance(delay);
    await round();
    expect(slack.received).toHaveLength(0);
  });

  it('skip an alert muted after it was queued', async () => {
    read(world.yamada.scope, 'e'.repeat(26));
    db.update(opportunities).set({ alertsMuted: true }).where(eq(opportunities.id, world.yamada.scope.opportunityId)).run();
    advance(delay);
    await round();
    expect(slack.received).toHaveLength(0);
    expect(rowsFor(world.yamada.scope)).toEqual([expect.objectContaining({ status: 'skipped' })]);
  });

  it('collect digest readers into one daily message instead', async () => {
    db.update(users).set({ slackAlerts: 'digest' }).where(eq(users.id, `w${n}-u1`)).run();
    read(world.yamada.scope, 'f'.repeat(26));
    read(world.suzuki.scope, 'g'.repeat(26));
    advance(delay);
    await round();
    expect(slack.received.filter((m) => !m.body.text.includes('ダイジェスト'))).toHaveLength(0);
    slack.received.length = 0; // today's digest time had passed already when the rep switched
    // the next morning at 9:00 in Tokyo
    clock = new Date(Date.UTC(clock.getUTCFullYear(), clock.getUTCMonth(), clock.getUTCDate() + 1, 0, 0));
    await round();
    await round();
    const digests = slack.delivered().filter((m) => m.body.text.includes('ダイジェスト'));
    expect(digests).toHaveLength(1);
    expect(JSON.stringify(digests[0]!.body.blocks)).toContain('|株式会社テスト：全社導入> 訪問 2 回・閲覧者 2 人');
  });

  it('never alert on automated opens', async () => {
    recordAutomatedOpen(db, world.yamada.scope, 'pricing', 'Microsoft Safe Links', clock);
    advance(delay);
    await round();
    expect(rowsFor(world.yamada.scope)).toEqual([]);
  });

  it('retry after a Slack error, then deliver once', async () => {
    slack.script({ status: 500 });
    read(world.yamada.scope, 'h'.repeat(26));
    advance(delay);
    await round();
    expect(rowsFor(world.yamada.scope)).toEqual([expect.objectContaining({ status: 'pending', attempts: 1 })]);
    advance(1000);
    await round();
    expect(rowsFor(world.yamada.scope)).toEqual([expect.objectContaining({ status: 'sent', attempts: 2 })]);
    expect(slack.delivered()).toHaveLength(1);
  });

  it('wait as long as a 429 Retry-After says', async () => {
    slack.script({ status: 429, headers: { 'Retry-After': '120' } });
    read(world.yamada.scope, 'i'.repeat(26));
    advance(delay);
    await round();
    const [row] = rowsFor(world.yamada.scope);
    expect(row).toMatchObject({ status: 'pending' });
    expect(row!.dueAt.getTime() - clock.getTime()).toBe(120_000);
    advance(119_000);
    await round();
    expect(slack.delivered()).toHaveLength(0);
    advance(1000);
    await round();
    expect(slack.delivered()).toHaveLength(1);
  });

  it('mark an invalid webhook (404) failed, with no URL in the error, and stop retrying', async () => {
    slack.script({ status: 404, body: 'no_service' });
    read(world.yamada.scope, 'j'.repeat(26));
    advance(delay);
    await round();
    advance(60 * minute);
    await round();
    const [row] = rowsFor(world.yamada.scope);
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row!.lastError).toContain('404');
    expect(row!.lastError).not.toContain('stand-in-secret');
    expect(slack.received).toHaveLength(1);
  });

  it('deliver exactly once when a worker dies mid-flight and another takes over', async () => {
    slack.script({ status: 0, hang: true });
    read(world.yamada.scope, 'k'.repeat(26));
    advance(delay);
    // The first worker claims the row and sends; it dies before Slack answers (nothing recorded).
    const [claimed] = claimDueAlerts(db, clock);
    const inFlight = deliver(slack.url, { text: 'x', blocks: [] }, () => clock);
    expect(claimed).toMatchObject({ status: 'sending' });
    await new Promise((r) => setTimeout(r, 50));
    // A new worker (after a restart) does not touch the row while the lease holds…
    await round();
    expect(slack.delivered()).toHaveLength(0);
    // …and delivers it once the lease of the dead worker ran out.
    advance(LEASE_MS + 1000);
    await round();
    await round();
    expect(slack.delivered()).toHaveLength(1);
    expect(rowsFor(world.yamada.scope)).toEqual([expect.objectContaining({ status: 'sent', attempts: 2 })]);
    await slack.close().catch(() => undefined);
    void inFlight;
  });
});

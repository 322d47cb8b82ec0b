// The Slack pipeline end to end, minus the browser: ingestion writes outbox rows, the worker sends
// them to a real HTTP stand-in on loopback. A controllable clock replaces waiting.
import { eq } from 'drizzle-orm';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { contacts, opportunities, slackOutbox, users } from '../../src/server/db/tables';
import { heartbeatPayload } from '../../src/server/tracking/beacon-payloads';
import { recordAutomatedOpen, recordHeartbeat, startView } from '../../src/server/tracking/ingest';
import type { LinkScope } from '../../src/server/tracking/link-scope';
import { claimDueAlerts, LEASE_MS, slackHealth, visitAlertWindowMs } from '../../src/server/slack/outbox';
import { workspaceDay } from '../../src/server/slack/hot-alerts';
import { defaultAlertPolicy } from '../../src/server/slack/policy';
import { deliver } from '../../src/server/slack/sender';
import { enqueueDueDigests, runSlackRound, type SlackWorkerDeps } from '../../src/server/slack/worker';
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

let world: Awaited<ReturnType<typeof seedTrackingFixture>>;
let n = 0;
beforeEach(async () => {
  world = (await seedTrackingFixture(db, `w${++n}`));
  slack.received.length = 0;
});
const outbox = async () => await db.select().from(slackOutbox);
const rowsFor = async (scope: LinkScope) => (await outbox()).filter((r) => r.opportunityId === scope.opportunityId);

async function read(scope: LinkScope, device: string, extra: Partial<Parameters<typeof startView>[1]> = {}) {
  return await startView(
    db,
    { scope, documentSlug: 'pricing', documentCategory: 'pricing', documentTitle: '料金表', sectionIds: ['plans'], deviceId: device, deviceLabel: 'Chrome / Windows', networkHash: null, now: clock, ...extra },
    { delayMs: delay },
  );
}
const beacon = (seq: number, activeSeconds: number) => heartbeatPayload.parse({ seq, activeSeconds, maxScrollPercent: 95 });

describe('Slack alerts', () => {
  it('send one alert per visit, after the coalescing delay, summarising the visit so far', async () => {
    await db.update(contacts).set({ jobTitle: '経理部長' }).where(eq(contacts.id, world.yamada.scope.contactId));
    const view = await read(world.yamada.scope, 'a'.repeat(26));
    await round();
    expect(slack.received).toHaveLength(0); // still coalescing
    advance(minute);
    await recordHeartbeat(db, world.yamada.scope, view.viewId, beacon(1, 55), clock);
    await read(world.yamada.scope, 'a'.repeat(26)); // another document in the same visit: no new alert
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
    await read(world.yamada.scope, 'b'.repeat(26));
    advance(delay);
    await round();
    advance(2 * 60 * minute);
    await read(world.yamada.scope, 'b'.repeat(26));
    advance(delay);
    await round();
    expect(slack.delivered().map((m) => m.body.text)).toEqual([
      expect.stringContaining('が資料を閲覧しました'),
      expect.stringContaining('が再び資料を閲覧しています'),
    ]);
  });

  it('raise one hot alert a day when a pricing sheet is read for long', async () => {
    const view = await read(world.yamada.scope, 'c'.repeat(26));
    advance(6 * minute);
    await recordHeartbeat(db, world.yamada.scope, view.viewId, beacon(1, 330), clock);
    await round();
    const hot = slack.delivered().filter((m) => m.body.text.includes('🔥'));
    expect(hot).toHaveLength(1);
    expect(JSON.stringify(hot[0]!.body.blocks)).toContain('山田 太郎 様が「料金表」を 5分30秒 閲覧');
    // The score as it stands, its strongest reasons and the timeline.
    expect(hot[0]!.body.text).toMatch(/エンゲージメントスコア \d+ \/ 100$/);
    expect(JSON.stringify(hot[0]!.body.blocks)).toMatch(/• [^•]+（\+\d+点）/);
    expect(JSON.stringify(hot[0]!.body.blocks)).toContain('/timeline|タイムラインを見る>');
    await recordHeartbeat(db, world.yamada.scope, view.viewId, beacon(2, 340), advance(10_000));
    await round();
    expect(slack.delivered().filter((m) => m.body.text.includes('🔥'))).toHaveLength(1);
  });

  it('send nothing for muted opportunities or reps who turned alerts off', async () => {
    await db.update(opportunities).set({ alertsMuted: true }).where(eq(opportunities.id, world.yamada.scope.opportunityId));
    await read(world.yamada.scope, 'd'.repeat(26));
    const other = await seedTrackingFixture(db, `off${n}`);
    await db.update(users).set({ slackAlerts: 'off' }).where(eq(users.id, `off${n}-u1`));
    await read(other.yamada.scope, 'd'.repeat(26));
    advance(delay);
    await round();
    expect(slack.received).toHaveLength(0);
  });

  it('skip an alert muted after it was queued', async () => {
    await read(world.yamada.scope, 'e'.repeat(26));
    await db.update(opportunities).set({ alertsMuted: true }).where(eq(opportunities.id, world.yamada.scope.opportunityId));
    advance(delay);
    await round();
    expect(slack.received).toHaveLength(0);
    expect(await rowsFor(world.yamada.scope)).toEqual([expect.objectContaining({ status: 'skipped' })]);
  });

  it('collect digest readers into one daily message instead', async () => {
    await db.update(users).set({ slackAlerts: 'digest' }).where(eq(users.id, `w${n}-u1`));
    await read(world.yamada.scope, 'f'.repeat(26));
    await read(world.suzuki.scope, 'g'.repeat(26));
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
    await recordAutomatedOpen(db, world.yamada.scope, 'pricing', 'Microsoft Safe Links', clock);
    advance(delay);
    await round();
    expect(await rowsFor(world.yamada.scope)).toEqual([]);
  });

  it('retry after a Slack error, then deliver once', async () => {
    slack.script({ status: 500 });
    await read(world.yamada.scope, 'h'.repeat(26));
    advance(delay);
    await round();
    expect(await rowsFor(world.yamada.scope)).toEqual([expect.objectContaining({ status: 'pending', attempts: 1 })]);
    advance(1000);
    await round();
    expect(await rowsFor(world.yamada.scope)).toEqual([expect.objectContaining({ status: 'sent', attempts: 2 })]);
    expect(slack.delivered()).toHaveLength(1);
  });

  it('wait as long as a 429 Retry-After says', async () => {
    slack.script({ status: 429, headers: { 'Retry-After': '120' } });
    await read(world.yamada.scope, 'i'.repeat(26));
    advance(delay);
    await round();
    const [row] = await rowsFor(world.yamada.scope);
    expect(row).toMatchObject({ status: 'pending' });
    expect(row!.dueAt.getTime() - clock.getTime()).toBe(120_000);
    advance(119_000);
    await round();
    expect(slack.delivered()).toHaveLength(0);
    advance(1000);
    await round();
    expect(slack.delivered()).toHaveLength(1);
  });

  it('send one visit alert per contact however many visits start, folding the others into it', async () => {
    // 30 starts within a second on one link, each without a cookie: 30 visits, one alert.
    for (let i = 0; i < 30; i++) await read(world.yamada.scope, `flood${String(i).padStart(2, '0')}`.padEnd(26, 'x'));
    await read(world.suzuki.scope, 'l'.repeat(26)); // another contact: their own alert
    expect((await outbox()).filter((r) => r.kind === 'visit' && r.opportunityId === world.yamada.scope.opportunityId)).toHaveLength(2);
    advance(delay);
    await round();
    const texts = slack.delivered().map((m) => m.body.text);
    expect(texts.filter((t) => t.includes('山田 太郎'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('鈴木 一郎'))).toHaveLength(1);
    // The folded visits show up in the one alert: the link was opened in other browsers.
    expect(JSON.stringify(slack.delivered().find((m) => m.body.text.includes('山田 太郎'))!.body.blocks)).toContain('新しい端末');
    // More visits within the window add no alert…
    advance(10 * minute);
    await read(world.yamada.scope, 'late'.padEnd(26, 'x'));
    advance(delay);
    await round();
    expect(slack.delivered().filter((m) => m.body.text.includes('山田 太郎'))).toHaveLength(1);
    // …a visit after the window does.
    advance(visitAlertWindowMs(delay));
    await read(world.yamada.scope, 'next'.padEnd(26, 'x'));
    advance(delay);
    await round();
    expect(slack.delivered().filter((m) => m.body.text.includes('山田 太郎'))).toHaveLength(2);
  });

  it('say "reading now" while the reader is still reading when the alert goes out', async () => {
    const view = await read(world.yamada.scope, 'm'.repeat(26));
    advance(delay - 5000);
    await recordHeartbeat(db, world.yamada.scope, view.viewId, beacon(1, 20), clock);
    advance(5000);
    await round();
    const blocks = JSON.stringify(slack.delivered()[0]!.body.blocks);
    expect(blocks).toContain('料金表 — 閲覧中');
    expect(blocks).not.toContain('料金表 — 20秒');
  });

  it('deliver exactly once through a Slack outage: 429 with Retry-After, then 500, then a refused connection, then recovery', async () => {
    const outage = await startSlackStandIn();
    const port = Number(new URL(outage.url).port);
    const outageDeps: SlackWorkerDeps = { ...deps, webhookFor: () => outage.url };
    const outageRound = () => runSlackRound(outageDeps, clock);
    outage.script({ status: 429, headers: { 'Retry-After': '60' }, body: 'rate_limited' }, { status: 500, body: 'rollup_error' });
    await read(world.yamada.scope, 'n'.repeat(26));
    advance(delay);
    await outageRound(); // 429: waits the minute Slack asked for
    const firstFailure = clock;
    expect(await rowsFor(world.yamada.scope)).toEqual([expect.objectContaining({ status: 'pending', attempts: 1, firstFailedAt: firstFailure })]);
    expect((await rowsFor(world.yamada.scope))[0]!.dueAt.getTime() - clock.getTime()).toBe(60_000);
    advance(60_000);
    await outageRound(); // 500
    expect(await rowsFor(world.yamada.scope)).toEqual([expect.objectContaining({ status: 'pending', attempts: 2 })]);
    await outage.close(); // Slack unreachable: connections refused, for most of a day
    for (let hours = 0; hours < 23; hours += 0.5) {
      advance(30 * minute);
      await outageRound();
    }
    const waiting = (await rowsFor(world.yamada.scope))[0]!;
    expect(waiting).toMatchObject({ status: 'pending', firstFailedAt: firstFailure });
    expect(waiting.attempts).toBeGreaterThan(20);
    expect(waiting.lastError).toContain('ECONNREFUSED');
    expect(waiting.lastError).not.toContain('stand-in-secret');
    // Slack is back, on the same address; a restarted worker (fresh deps, same database) picks the row up.
    const back = await startSlackStandIn(port);
    try {
      advance(30 * minute);
      await runSlackRound({ ...deps, webhookFor: () => back.url }, clock);
      await runSlackRound({ ...deps, webhookFor: () => back.url }, clock);
      expect(back.delivered()).toHaveLength(1);
      expect(back.delivered()[0]!.body.text).toContain('山田 太郎');
      expect(outage.delivered()).toHaveLength(0);
      expect(await rowsFor(world.yamada.scope)).toEqual([expect.objectContaining({ status: 'sent', firstFailedAt: null, lastError: null })]);
      advance(60 * minute);
      await runSlackRound({ ...deps, webhookFor: () => back.url }, clock);
      expect(back.received).toHaveLength(1);
    } finally {
      await back.close();
    }
  });

  it('give up on a transient failure only once it has lasted 24 hours', async () => {
    const down = await startSlackStandIn();
    await down.close(); // nothing listens there any more
    const downDeps: SlackWorkerDeps = { ...deps, webhookFor: () => down.url };
    await read(world.yamada.scope, 'p'.repeat(26));
    advance(delay);
    await runSlackRound(downDeps, clock);
    const start = clock;
    while (clock.getTime() - start.getTime() < 24 * 60 * minute - 30 * minute) {
      advance(30 * minute);
      await runSlackRound(downDeps, clock);
      expect((await rowsFor(world.yamada.scope))[0]!.status).toBe('pending');
    }
    advance(60 * minute);
    await runSlackRound(downDeps, clock);
    const [row] = await rowsFor(world.yamada.scope);
    expect(row).toMatchObject({ status: 'failed' });
    expect(row!.lastError).toMatch(/^Gave up after 2\d h/);
    expect((await slackHealth(db, clock)).failed).toBeGreaterThanOrEqual(1);
  });

  it('show admins that Slack is failing while alerts wait for a retry', async () => {
    const before = await slackHealth(db, clock);
    slack.script({ status: 503 });
    await read(world.yamada.scope, 'q'.repeat(26));
    advance(delay);
    await round();
    expect((await slackHealth(db, clock)).retrying).toBe(before.retrying + 1);
    advance(1000);
    await round();
    expect((await slackHealth(db, clock)).retrying).toBe(before.retrying);
  });

  it('use the workspace time zone for the digest time and the hot-alert day', async () => {
    await db.update(users).set({ slackAlerts: 'digest' }).where(eq(users.id, `w${n}-u1`));
    const policy = { ...defaultAlertPolicy, digestAtMinutes: 9 * 60 };
    // 16:00 UTC: 01:00 the next day in Tokyo (too early), 11:00 in New York (past 09:00).
    const instant = new Date('2026-11-24T16:00:00Z');
    expect(await enqueueDueDigests(db, instant, policy, 'Asia/Tokyo')).toBe(0);
    expect(await enqueueDueDigests(db, new Date('2026-11-24T13:59:00Z'), policy, 'America/New_York')).toBe(0);
    expect(await enqueueDueDigests(db, instant, policy, 'America/New_York')).toBeGreaterThanOrEqual(1);
    expect((await outbox()).some((r) => r.idempotencyKey === `digest:w${n}-u1:2026-11-24`)).toBe(true);
    expect(workspaceDay(instant, 'Asia/Tokyo')).toBe('2026-11-25');
    expect(workspaceDay(instant, 'America/New_York')).toBe('2026-11-24');
  });

  it('mark an invalid webhook (404) failed, with no URL in the error, and stop retrying', async () => {
    slack.script({ status: 404, body: 'no_service' });
    await read(world.yamada.scope, 'j'.repeat(26));
    advance(delay);
    await round();
    advance(60 * minute);
    await round();
    const [row] = await rowsFor(world.yamada.scope);
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row!.lastError).toContain('404');
    expect(row!.lastError).not.toContain('stand-in-secret');
    expect(slack.received).toHaveLength(1);
  });

  it('deliver exactly once when a worker dies mid-flight and another takes over', async () => {
    slack.script({ status: 0, hang: true });
    await read(world.yamada.scope, 'k'.repeat(26));
    advance(delay);
    // The first worker claims the row and sends; it dies before Slack answers (nothing recorded).
    const [claimed] = await claimDueAlerts(db, clock);
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
    expect(await rowsFor(world.yamada.scope)).toEqual([expect.objectContaining({ status: 'sent', attempts: 2 })]);
    await slack.close().catch(() => undefined);
    void inFlight;
  });
});

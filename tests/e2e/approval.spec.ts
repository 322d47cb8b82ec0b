// Approval progress and the hand-off signal end to end (issue 19 items 4-6): two people read the room
// (trusted scrolling, no automation markers: support/human.ts), one of them the decision maker; the
// opportunity page suggests the next stage with the evidence, the rep accepts it, and the timeline's
// stage history shows the accepted suggestion. The deal is long-cycle with a hand-off owner, so the
// loopback Slack stand-in receives the hand-off alert, once. Its own server (support/second-server.ts):
// a Slack webhook and a fast worker tick, and stage changes that must not reach other specs.
import Database from 'better-sqlite3';
import type { SlackStandIn } from '../unit/support/slack-stand-in';
import { contactsById, expect, reps, rooms, signIn, test } from './support/fixtures';
import { readOnSecondServer, startAlertingServer, watchedPage, type SecondServer } from './support/second-server';
import { openTrackingDb } from './support/tracking-db';

let slack: SlackStandIn;
let server: SecondServer;
const admin = { email: 'approval-admin@vendor.example', password: 'approval-e2e-admin-password', name: '管理 稟議' };
const room = rooms.ja;
const base = `/admin/opportunities/${room.opportunityId}`;
const handOffAlerts = () => slack.delivered().filter((m) => m.body.text.includes('引き継ぎ'));

test.beforeAll(async () => {
  test.setTimeout(90_000);
  ({ slack, server } = await startAlertingServer(admin));
  // The decision maker's role, set in the database: the role forms are covered by approval-map.spec.ts.
  const db = new Database(server.databasePath);
  try {
    db.prepare("UPDATE contacts SET buying_role = 'decision-maker' WHERE id = ?").run(contactsById.suzuki.id);
  } finally {
    db.close();
  }
});

test.afterAll(async () => {
  await server?.stop();
  await slack?.close();
});

test('reads by the buying committee: a suggestion accepted into the stage history, and one hand-off alert in Slack', async ({ browser }) => {
  test.setTimeout(120_000);
  const { context: repContext, page } = await watchedPage(browser, server);
  try {
    await signIn(page, admin, '/admin');

    // A long-cycle deal with a hand-off owner, set on the opportunity form.
    await page.goto(`${base}/edit`);
    await page.getByLabel('長期（ナーチャリング）').check();
    await page.getByLabel('引き継ぎ先（長期商談）').selectOption({ label: reps.tanaka.displayName });
    await page.getByRole('button', { name: '保存' }).click();
    await expect(page).toHaveURL(base);
    await expect(page.locator('[data-hand-off-owner]')).toHaveText(reps.tanaka.displayName);
    await expect(page.locator('[data-no-suggestions]')).toBeVisible();

    // 鈴木 (the decision maker) gets a link of his own.
    await page.getByRole('button', { name: `${contactsById.suzuki.name} 様のリンクを発行` }).click();
    const suzukiUrl = new URL(await page.getByRole('textbox', { name: `${contactsById.suzuki.name} 様のリンク` }).inputValue());
    const suzukiToken = suzukiUrl.pathname.split('/')[2]!;

    // 山田 reads first, then the decision maker: two people, each scrolling as a person.
    for (const token of [server.fixtures.tokens.jaActive, suzukiToken]) {
      const reader = await watchedPage(browser, server);
      try {
        await readOnSecondServer(reader.page, token, 'pricing');
        expect(reader.problems).toEqual([]);
      } finally {
        await reader.context.close();
      }
    }

    // The worker notices the evaluation and sends the hand-off owner one alert with the evidence.
    await expect.poll(() => handOffAlerts().length, { timeout: 30_000, message: 'hand-off alerts received by the Slack stand-in' }).toBe(1);
    const alert = JSON.stringify(handOffAlerts()[0]!.body);
    expect(alert).toContain(`${contactsById.suzuki.name} 様（決裁者）`);
    expect(alert).toContain(`現在の担当：${room.rep.displayName}`);
    expect(alert).toContain(`${server.baseURL}${base}#hand-off`);
    for (const secret of [suzukiToken, server.fixtures.tokens.jaActive, slack.url]) expect(alert).not.toContain(secret);

    // The opportunity page explains the suggestion; nothing moved by itself.
    await page.goto(base);
    await expect(page.locator('[data-stage]').first()).toHaveAttribute('data-stage', '3');
    const suggestion = page.locator('[data-suggestion="final-approval"]');
    await expect(suggestion).toContainText('最終決裁の段階に入ったようです');
    await expect(suggestion.locator('[data-evidence]')).toContainText(`${contactsById.suzuki.name} 様（決裁者）が資料室を開きました`);
    await expect(suggestion.locator('[data-suggested]')).toHaveText('提案：フェーズを「4. 稟議中」に進める');
    await expect(page.locator('[data-hand-off-signals]')).toContainText(`承認に関わる新しい閲覧者、${contactsById.suzuki.name} 様（決裁者）が`);
    await expect(page.locator('[data-hand-off-alerted]')).toBeVisible();

    await suggestion.getByRole('button', { name: '採用してフェーズを進める' }).click();
    await expect(page.locator('[data-suggestion-notice="accepted"]')).toBeVisible();
    await expect(page.locator('[data-stage]').first()).toHaveAttribute('data-stage', '4');
    await expect(page.locator('[data-suggestion="final-approval"][data-suggested-stage="4"]')).toHaveCount(0);

    // The timeline's stage history: the accepted suggestion, by whom.
    await page.goto(`${base}/timeline`);
    const change = page.locator('[data-stage-history] [data-stage-change="suggestion"]');
    await expect(change).toHaveCount(1);
    await expect(change).toContainText('3. 提案 → 4. 稟議中');
    await expect(change.locator('[data-reason]')).toHaveText('提案を採用（最終決裁の段階に入ったようです）');
    await expect(change.locator('[data-by]')).toHaveText(admin.name);

    // The hand-off owner's deal now: accepting records who, when and why.
    await page.goto(base);
    await page.getByRole('button', { name: `引き継ぎを受ける（担当者を ${reps.tanaka.displayName} に変更）` }).click();
    await expect(page.locator('[data-handed-off]')).toContainText(`${admin.name} が引き継ぎを受けました。担当者は ${reps.tanaka.displayName} です。`);
    await expect(page.locator('[data-hand-off-reason]')).toContainText(contactsById.suzuki.name);
  } finally {
    await repContext.close();
  }

  // Once: one hand-off row in the outbox, sent, however many rounds ran since.
  const db = openTrackingDb(server.databasePath);
  try {
    await expect
      .poll(() => db.all<{ status: string }>("SELECT status FROM slack_outbox WHERE kind = 'handoff' AND opportunity_id = ?", room.opportunityId), { timeout: 10_000 })
      .toEqual([{ status: 'sent' }]);
  } finally {
    db.close();
  }
  expect(handOffAlerts()).toHaveLength(1);
});

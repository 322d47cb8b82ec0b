import { describe, expect, it } from 'vitest';
import { composeDigest, composeHotAlert, composeVisitAlert, formatDuration, type VisitAlertData } from '../../src/server/slack/compose';
import { escapeMrkdwn, mentionUser } from '../../src/server/slack/mrkdwn';
import { backoff, classifyAnswer, nextStep, parseRetryAfter, redactUrls, RETRY_BUDGET_MS, type DeliveryResult, type NextStep } from '../../src/server/slack/retry';
import { hotReasons } from '../../src/server/slack/hot-alerts';
import { defaultAlertPolicy } from '../../src/server/slack/policy';

const visit: VisitAlertData = {
  kind: 'visit',
  locale: 'ja',
  accountName: '株式会社さくら製作所',
  opportunityName: '経費精算システム刷新',
  stageNumber: 4,
  stageLabel: '稟議中',
  amountJpy: 9_600_000,
  timelineUrl: 'http://127.0.0.1:4321/admin/opportunities/o1/timeline',
  ownerSlackUserId: 'U012AB3CD',
  contactName: '山田 太郎',
  contactJobTitle: null,
  newDevice: false,
  deviceLabel: 'Chrome / Windows',
  startedAt: new Date('2026-11-22T01:00:00Z'),
  documents: [{ title: '料金表', activeSeconds: 252, completed: true, readingNow: false }],
  downloads: 1,
  prints: 0,
};
const allText = (m: { text: string; blocks: unknown[] }) => m.text + JSON.stringify(m.blocks);

describe('Slack messages', () => {
  it('summarise a visit in Japanese with the owner mentioned and a timeline button', () => {
    const message = composeVisitAlert(visit);
    expect(message.text).toBe('<@U012AB3CD> 山田 太郎 様（株式会社さくら製作所）が資料を閲覧しました');
    const text = allText(message);
    expect(text).toContain('料金表 — 4分12秒（最後まで）');
    expect(text).toContain('フェーズ 4 稟議中・￥9,600,000');
    expect(text).toContain('ダウンロード 1 件');
    expect(text).toContain('"url":"http://127.0.0.1:4321/admin/opportunities/o1/timeline"');
    expect(message.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: expect.stringContaining('<@U012AB3CD>') } });
  });

  it("name the contact's job title, in both languages", () => {
    expect(composeVisitAlert({ ...visit, contactJobTitle: '経理部長' }).text).toBe('<@U012AB3CD> 山田 太郎 様（株式会社さくら製作所・経理部長）が資料を閲覧しました');
    expect(composeVisitAlert({ ...visit, locale: 'en', contactJobTitle: 'CFO', ownerSlackUserId: null }).text).toBe('山田 太郎 (CFO, 株式会社さくら製作所) is reading your documents');
  });

  it('give a hot alert its score, the score’s top reasons, what crossed the line and the timeline link', () => {
    const message = composeHotAlert({
      ...visit,
      reasons: [{ code: 'many-readers', readers: 2, possibleReaders: 0 }],
      score: 72,
      scoreReasons: [
        { text: '閲覧者 3名', points: '+20点' },
        { text: '重要資料 2件を読了', points: '+15点' },
      ],
    });
    expect(message.text).toBe('<@U012AB3CD> 🔥 株式会社さくら製作所 の商談が活発です — エンゲージメントスコア 72 / 100');
    const text = allText(message);
    expect(text).toContain('*エンゲージメントスコア 72 / 100*\\n• 閲覧者 3名（+20点）\\n• 重要資料 2件を読了（+15点）');
    expect(text).toContain('24時間以内に 2 人が閲覧');
    expect(text).toContain('<http://127.0.0.1:4321/admin/opportunities/o1/timeline|タイムラインを見る>');
  });

  it('speak English to an English-speaking owner, and flag a new reader', () => {
    const message = composeVisitAlert({ ...visit, locale: 'en', kind: 'return', newDevice: true, stageLabel: 'Internal approval' });
    expect(message.text).toContain('is back reading your documents');
    expect(allText(message)).toContain('opened on a new device (Chrome / Windows)');
  });

  it('neutralise mrkdwn injection in every interpolated name', () => {
    const evil = '<!channel> <@U999> <https://evil.example|click> & co';
    const message = composeVisitAlert({ ...visit, accountName: evil, contactName: evil, opportunityName: evil, documents: [{ title: evil, activeSeconds: 5, completed: false, readingNow: false }] });
    const text = allText(message);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U999>');
    expect(text).not.toContain('<https://evil.example');
    expect(text).toContain('&lt;!channel&gt;');
    expect(escapeMrkdwn('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
    expect(allText(composeHotAlert({ ...visit, reasons: [{ code: 'long-read', title: evil, contactName: evil, seconds: 400 }], score: 70, scoreReasons: [{ text: evil, points: evil }] }))).not.toContain('<!channel>');
    expect(allText(composeDigest({ locale: 'ja', slackUserId: null, periodEnd: new Date(), opportunities: [{ accountName: evil, opportunityName: evil, visits: 1, readers: 1, activeSeconds: 60, timelineUrl: 'http://x/y' }] }))).not.toContain('<!channel>');
  });

  it('keep a hostile contact name from formatting the message: no bold, italic, strike or code from user text', () => {
    const hostile = '*URGENT* _call_ ~now~ `rm` <!here> & co';
    const message = composeVisitAlert({ ...visit, contactName: hostile, accountName: hostile, opportunityName: hostile, documents: [{ title: hostile, activeSeconds: 5, completed: false, readingNow: false }] });
    const mrkdwnTexts = JSON.stringify(message.blocks).match(/"type":"mrkdwn","text":"(?:[^"\\]|\\.)*"/g) ?? [];
    expect(mrkdwnTexts.length).toBeGreaterThan(0);
    for (const text of [message.text, ...mrkdwnTexts]) {
      // Our own bold title wraps the whole line; the user's marks must not pair up inside it.
      expect(text.replace(/"text":"\*|\*"$/g, '')).not.toMatch(/[_~`]|\*URGENT\*/);
      expect(text).not.toContain('<!here>');
    }
    expect(message.text).toContain('∗URGENT∗ ＿call＿ ∼now∼ ˋrmˋ &lt;!here&gt; &amp; co');
    expect(escapeMrkdwn('*a* _b_ ~c~ `d`')).toBe('∗a∗ ＿b＿ ∼c∼ ˋdˋ');
    const hot = allText(composeHotAlert({ ...visit, accountName: hostile, reasons: [{ code: 'long-read', title: hostile, contactName: hostile, seconds: 400 }], score: 70, scoreReasons: [{ text: hostile, points: hostile }] }));
    expect(hot).not.toContain('*URGENT*');
    expect(hot).not.toContain('_call_');
  });

  it('say "reading now" instead of a time that is not yet the total, and the real total once the reader left', () => {
    const live = allText(composeVisitAlert({ ...visit, documents: [{ title: '料金表', activeSeconds: 0, completed: false, readingNow: true }] }));
    expect(live).toContain('料金表 — 閲覧中');
    expect(live).not.toContain('0秒');
    const done = allText(composeVisitAlert({ ...visit, documents: [{ title: '料金表', activeSeconds: 20, completed: false, readingNow: false }] }));
    expect(done).toContain('料金表 — 20秒');
    expect(allText(composeVisitAlert({ ...visit, locale: 'en', documents: [{ title: 'Pricing', activeSeconds: 3, completed: false, readingNow: true }] }))).toContain('Pricing — reading now');
  });

  it('mention only well-formed Slack user ids', () => {
    expect(mentionUser('U012AB3CD')).toBe('<@U012AB3CD>');
    expect(mentionUser('U1> <!channel')).toBe('');
    expect(mentionUser(null)).toBe('');
  });

  it('format durations per language', () => {
    expect(formatDuration('ja', 45)).toBe('45秒');
    expect(formatDuration('ja', 120)).toBe('2分');
    expect(formatDuration('en', 252)).toBe('4 min 12 s');
  });
});

describe('retry rules', () => {
  const t0 = new Date('2026-11-22T00:00:00Z');
  const after = (ms: number) => new Date(t0.getTime() + ms);
  const hour = 3_600_000;

  it('back off exponentially, capped at 30 minutes', () => {
    expect([1, 2, 3, 4].map((a) => backoff(a))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(backoff(7)).toBe(1_800_000);
    expect(backoff(500)).toBe(1_800_000);
  });

  it('classify every Slack answer: transient ones retry (with their delay), permanent ones fail at once', () => {
    const table: [string, DeliveryResult, NextStep['kind'], number | null][] = [
      ['200 ok', classifyAnswer(200, null, 'ok'), 'done', null],
      ['429 Retry-After 7 s', classifyAnswer(429, 7000, '429'), 'retry', 7000],
      ['429 without Retry-After', classifyAnswer(429, null, '429'), 'retry', 30_000],
      ['500 rollup_error', classifyAnswer(500, null, '500 rollup_error'), 'retry', 30_000],
      ['502 bad gateway', classifyAnswer(502, null, '502'), 'retry', 30_000],
      ['503 service unavailable', classifyAnswer(503, null, '503'), 'retry', 30_000],
      ['408 request timeout', classifyAnswer(408, null, '408'), 'retry', 30_000],
      ['timeout / refused (no answer)', { kind: 'transient', status: null, message: 'connect ECONNREFUSED' }, 'retry', 30_000],
      ['403 invalid_token', classifyAnswer(403, null, '403 invalid_token'), 'fail', null],
      ['403 action_prohibited', classifyAnswer(403, null, '403 action_prohibited'), 'fail', null],
      ['404 no_service', classifyAnswer(404, null, '404 no_service'), 'fail', null],
      ['404 channel_not_found', classifyAnswer(404, null, '404 channel_not_found'), 'fail', null],
      ['410 channel_is_archived', classifyAnswer(410, null, '410 channel_is_archived'), 'fail', null],
      ['400 invalid_payload', classifyAnswer(400, null, '400 invalid_payload'), 'fail', null],
    ];
    for (const [answer, result, kind, delayMs] of table) {
      const step = nextStep(result, 1, t0, t0);
      expect(step.kind, answer).toBe(kind);
      if (step.kind === 'retry') expect(step.delayMs, answer).toBe(delayMs);
    }
  });

  it('keep retrying transient failures for 24 hours from the first failure, whatever the number of attempts', () => {
    const down: DeliveryResult = { kind: 'transient', status: 503, message: '503' };
    expect(nextStep(down, 60, t0, after(23 * hour)).kind).toBe('retry');
    expect(nextStep({ kind: 'rate-limited', retryAfterMs: 60_000 }, 200, t0, after(24 * hour - 1))).toEqual({ kind: 'retry', delayMs: 60_000 });
    const gaveUp = nextStep(down, 61, t0, after(24 * hour));
    expect(gaveUp.kind).toBe('fail');
    expect(gaveUp.kind === 'fail' && gaveUp.reason).toContain('24 h');
    expect(RETRY_BUDGET_MS).toBe(24 * hour);
  });

  it('honour Retry-After on 429', () => {
    const now = new Date('2026-11-22T00:00:00Z');
    expect(nextStep({ kind: 'rate-limited', retryAfterMs: 7000 }, 1, now, now)).toEqual({ kind: 'retry', delayMs: 7000 });
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('99999', now)).toBe(hour);
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
  it('never keep URLs in stored errors', () => {
    expect(redactUrls('connect ECONNREFUSED https://hooks.slack.com/services/T/B/secret')).toBe('connect ECONNREFUSED [url]');
  });
});

describe('hot reasons', () => {
  it('name each threshold crossed', () => {
    expect(hotReasons({ score: 59, longestKeyRead: { title: '料金表', contactName: '山田', seconds: 299 }, readersLast24h: 1, possibleReadersLast24h: 0 }, defaultAlertPolicy)).toEqual([]);
    expect(hotReasons({ score: 60, longestKeyRead: { title: '料金表', contactName: '山田', seconds: 300 }, readersLast24h: 2, possibleReadersLast24h: 0 }, defaultAlertPolicy).map((r) => r.code)).toEqual([
      'score',
      'long-read',
      'many-readers',
    ]);
  });

  it('count a possible reader (another browser on a link, unnamed) as half a reader, and say so', () => {
    const signals = (readers: number, possible: number) => ({ score: null, longestKeyRead: null, readersLast24h: readers, possibleReadersLast24h: possible });
    expect(defaultAlertPolicy.readersPerDay).toBe(2);
    // One contact on a laptop and on a phone is not two readers.
    expect(hotReasons(signals(1, 1), defaultAlertPolicy)).toEqual([]);
    expect(hotReasons(signals(1, 2), defaultAlertPolicy)).toEqual([{ code: 'many-readers', readers: 1, possibleReaders: 2 }]);
    const reasons = hotReasons(signals(2, 1), defaultAlertPolicy);
    expect(composeHotAlert({ ...visit, reasons, score: 40, scoreReasons: [] }).text + JSON.stringify(composeHotAlert({ ...visit, reasons, score: 40, scoreReasons: [] }).blocks)).toContain('24時間以内に 2 人が閲覧（ほかに閲覧者候補 1）');
  });
});

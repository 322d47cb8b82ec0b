import { describe, expect, it } from 'vitest';
import { composeDigest, composeHotAlert, composeVisitAlert, formatDuration, type VisitAlertData } from '../../src/server/slack/compose';
import { escapeMrkdwn, mentionUser } from '../../src/server/slack/mrkdwn';
import { backoff, nextStep, parseRetryAfter, redactUrls } from '../../src/server/slack/retry';
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
  documents: [{ title: '料金表', activeSeconds: 252, completed: true }],
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
      reasons: [{ code: 'many-readers', readers: 2 }],
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
    const message = composeVisitAlert({ ...visit, accountName: evil, contactName: evil, opportunityName: evil, documents: [{ title: evil, activeSeconds: 5, completed: false }] });
    const text = allText(message);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U999>');
    expect(text).not.toContain('<https://evil.example');
    expect(text).toContain('&lt;!channel&gt;');
    expect(escapeMrkdwn('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
    expect(allText(composeHotAlert({ ...visit, reasons: [{ code: 'long-read', title: evil, contactName: evil, seconds: 400 }], score: 70, scoreReasons: [{ text: evil, points: evil }] }))).not.toContain('<!channel>');
    expect(allText(composeDigest({ locale: 'ja', slackUserId: null, periodEnd: new Date(), opportunities: [{ accountName: evil, opportunityName: evil, visits: 1, readers: 1, activeSeconds: 60, timelineUrl: 'http://x/y' }] }))).not.toContain('<!channel>');
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
  it('back off exponentially, capped at an hour', () => {
    expect([1, 2, 3, 4].map((a) => backoff(a))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(backoff(20)).toBe(3_600_000);
  });
  it('retry server errors until the attempt limit, never client errors', () => {
    expect(nextStep({ kind: 'server-error', status: 500, message: '500' }, 1)).toEqual({ kind: 'retry', delayMs: 30_000 });
    expect(nextStep({ kind: 'server-error', status: 500, message: '500' }, 8).kind).toBe('fail');
    expect(nextStep({ kind: 'rejected', status: 404, message: 'no_service' }, 1).kind).toBe('fail');
    expect(nextStep({ kind: 'sent' }, 1)).toEqual({ kind: 'done' });
  });
  it('honour Retry-After on 429', () => {
    const now = new Date('2026-11-22T00:00:00Z');
    expect(nextStep({ kind: 'rate-limited', retryAfterMs: 7000 }, 1)).toEqual({ kind: 'retry', delayMs: 7000 });
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
  it('never keep URLs in stored errors', () => {
    expect(redactUrls('connect ECONNREFUSED https://hooks.slack.com/services/T/B/secret')).toBe('connect ECONNREFUSED [url]');
  });
});

describe('hot reasons', () => {
  it('name each threshold crossed', () => {
    expect(hotReasons({ score: 59, longestKeyRead: { title: '料金表', contactName: '山田', seconds: 299 }, readersLast24h: 1 }, defaultAlertPolicy)).toEqual([]);
    expect(hotReasons({ score: 60, longestKeyRead: { title: '料金表', contactName: '山田', seconds: 300 }, readersLast24h: 2 }, defaultAlertPolicy).map((r) => r.code)).toEqual([
      'score',
      'long-read',
      'many-readers',
    ]);
  });
});

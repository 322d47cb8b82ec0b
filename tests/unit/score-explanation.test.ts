import { describe, expect, it } from 'vitest';
import { engagementScoreDetail } from '../../src/server/tracking/engagement-score';
import { explainEngagementScore, formatActiveTime, formatReadingTime, type ScoreExplanationInput } from '../../src/server/tracking/score-explanation';

const now = new Date('2026-11-22T10:00:00Z');
const titles: Record<string, string> = {
  pricing: '料金表',
  'security-check-sheet': 'セキュリティチェックシート',
  'case-study': '導入事例',
  overview: '製品概要',
  roi: 'ROI試算',
};
const titleOf = (slug: string) => titles[slug] ?? slug;

function input(overrides: Partial<ScoreExplanationInput> & Pick<ScoreExplanationInput, 'documents'>): ScoreExplanationInput {
  const base = {
    readers: 3,
    possibleReaders: 0,
    completedViews: 0,
    downloads: 0,
    prints: 0,
    automatedOpens: 0,
    lastSeenAt: now,
    ...overrides,
  };
  const read = base.documents.filter((d) => d.read);
  const { score, reasons } = engagementScoreDetail(
    {
      activeSeconds: base.documents.reduce((s, d) => s + d.activeSeconds, 0),
      documentsRead: read.length,
      documentsInRoom: 4,
      completedViews: base.completedViews,
      readers: base.readers,
      possibleReaders: base.possibleReaders,
      keyDocumentsRead: read.filter((d) => d.slug === 'pricing' || d.slug === 'security-check-sheet').length,
      downloads: base.downloads,
      prints: base.prints,
      lastSeenAt: base.lastSeenAt,
    },
    now,
  );
  return { score, reasons, ...base };
}

describe('reading time in words', () => {
  it('rounds to what a rep needs', () => {
    expect(formatReadingTime('ja', 0)).toBe('0秒');
    expect(formatReadingTime('ja', 45)).toBe('45秒');
    expect(formatReadingTime('ja', 12 * 60 + 20)).toBe('12分');
    expect(formatReadingTime('ja', 89)).toBe('1分');
    expect(formatReadingTime('ja', 90)).toBe('2分');
    expect(formatReadingTime('ja', 3600 + 5 * 60)).toBe('1時間5分');
    expect(formatReadingTime('en', 7200)).toBe('2 h');
    expect(formatReadingTime('en', 300)).toBe('5 min');
    expect(formatReadingTime('en', -4)).toBe('0 s');
    expect(formatReadingTime('en', Number.NaN)).toBe('0 s');
  });

  it('keeps seconds for a single view', () => {
    expect(formatActiveTime('ja', 125)).toBe('2分5秒');
    expect(formatActiveTime('ja', 120)).toBe('2分');
    expect(formatActiveTime('en', 59)).toBe('59 s');
    expect(formatActiveTime('en', 61)).toBe('1 min 1 s');
  });
});

describe('engagement score in plain words', () => {
  it('names the most-read documents with their time, then the readers (Japanese)', () => {
    const explanation = explainEngagementScore(
      'ja',
      input({
        documents: [
          { slug: 'security-check-sheet', activeSeconds: 5 * 60, read: true },
          { slug: 'case-study', activeSeconds: 10, read: false },
          { slug: 'pricing', activeSeconds: 12 * 60, read: true },
        ],
      }),
      titleOf,
      now,
    );
    expect(explanation.summary.startsWith('料金表を12分、セキュリティチェックシートを5分読み、3名が閲覧しました。')).toBe(true);
    // 10 s of the case study is not "read": it is not named.
    expect(explanation.summary).not.toContain('導入事例');
    expect(explanation.summary).toContain('最後の閲覧は24時間以内です。');
    expect(explanation.title).toMatch(/^エンゲージメントスコア \d+ \/ 100$/);
  });

  it('phrases every reason with its points, and the points add up to the score', () => {
    const data = input({
      documents: [
        { slug: 'pricing', activeSeconds: 165, read: true },
        { slug: 'security-check-sheet', activeSeconds: 60, read: true },
      ],
      readers: 3,
      possibleReaders: 1,
      completedViews: 2,
      downloads: 2,
      prints: 1,
      automatedOpens: 2,
      lastSeenAt: new Date(now.getTime() - 30 * 60 * 60 * 1000),
    });
    const ja = explainEngagementScore('ja', data, titleOf, now);
    expect(ja.reasons.map((r) => r.code)).toEqual(['active_time', 'coverage', 'key_documents', 'readers', 'completions', 'downloads_prints', 'recency']);
    expect(ja.reasons.reduce((sum, r) => sum + r.points, 0)).toBe(data.score);
    expect(ja.reasons.map((r) => r.text)).toEqual([
      '合計閲覧時間 4分',
      'ルームの 4 資料のうち 2 資料を読了',
      '稟議の重要資料（料金・セキュリティ・ROI・稟議書テンプレート）を 2 件読了',
      '閲覧者 3.5 名（閲覧者候補は 0.5 名として）',
      '最後まで読まれた閲覧 2 回',
      'ダウンロード・印刷 3 件',
      '最後の閲覧から 1.3 日（1週間ごとに半減）',
    ]);
    expect(ja.reasons[2]!.pointsText).toBe('16 / 20 点');
    const recency = ja.reasons[6]!;
    expect(recency.points).toBeLessThan(0);
    expect(recency.pointsText).toBe(`−${-recency.points} 点`);
    expect(ja.summary).toContain('ほかに、リンクを別のブラウザで開いた閲覧者候補が 1 件あります（本人の別端末かもしれないため 0.5 名として数えます）。');
    expect(ja.summary).toContain('最後まで読まれた閲覧が 2 回あります。');
    expect(ja.summary).toContain('ダウンロード 2 件、印刷 1 件。');
    expect(ja.summary).toContain('最後の閲覧は 1.3 日前です。');
    expect(ja.summary).toContain('自動アクセスが 2 件ありましたが、閲覧には数えていません。');

    const en = explainEngagementScore('en', data, titleOf, now);
    expect(en.summary.startsWith('Read 料金表 for 3 min, セキュリティチェックシート for 1 min; 3 people read.')).toBe(true);
    expect(en.reasons[1]!.text).toBe('2 of the 4 documents in the room read');
    expect(en.reasons[0]!.pointsText).toBe(`${en.reasons[0]!.points} of 25 points`);
    expect(en.title).toBe(`Engagement score ${data.score} / 100`);
  });

  it('says "and N more" after three documents', () => {
    const docs = ['pricing', 'security-check-sheet', 'overview', 'roi', 'case-study'].map((slug, i) => ({ slug, activeSeconds: 600 - i * 60, read: true }));
    const ja = explainEngagementScore('ja', input({ documents: docs, readers: 1 }), titleOf, now);
    expect(ja.summary.startsWith('料金表を10分、セキュリティチェックシートを9分、製品概要を8分、ほか2件を読み、1名が閲覧しました。')).toBe(true);
    const en = explainEngagementScore('en', input({ documents: docs, readers: 1 }), titleOf, now);
    expect(en.summary.startsWith('Read 料金表 for 10 min, セキュリティチェックシート for 9 min, 製品概要 for 8 min, 2 more; 1 person read.')).toBe(true);
  });

  it('says nothing was read, and keeps scanner hits apart', () => {
    const none = explainEngagementScore('ja', input({ documents: [], readers: 0, lastSeenAt: null, automatedOpens: 3 }), titleOf, now);
    expect(none.summary).toBe('まだ閲覧はありません。スキャナーやリンクプレビューによる自動アクセスが 3 件ありましたが、閲覧には数えていません。');
    expect(none.title).toBe('エンゲージメントスコア 0 / 100');
    expect(none.reasons.every((r) => r.points === 0)).toBe(true);
    expect(none.reasons[6]).toMatchObject({ text: '閲覧なし', pointsText: '±0 点' });
    expect(explainEngagementScore('en', input({ documents: [], readers: 0, lastSeenAt: null }), titleOf, now).summary).toBe('Nothing has been read yet.');
  });

  it('tells opened-but-not-read apart from reading', () => {
    const skim = explainEngagementScore('ja', input({ documents: [{ slug: 'case-study', activeSeconds: 10, read: false }], readers: 2 }), titleOf, now);
    expect(skim.summary.startsWith('2名が開きましたが、まだ読了した資料はありません。')).toBe(true);
  });
});

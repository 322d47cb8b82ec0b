// The engagement score in plain words, for the opportunity timeline: what the buyer read, how many
// people, and what each of the score's reasons adds. Pure: the page passes the summary and titles.
// The formula itself is documented in docs/engagement-score.md; this only phrases its reasons.
import { defineMessages } from '../i18n/messages';
import type { Locale } from '../i18n/format';
import type { ScoreReason } from './engagement-score';

const t = defineMessages({
  ja: {
    'nothing': 'まだ閲覧はありません。',
    'onlyAutomated': 'スキャナーやリンクプレビューによる自動アクセスが {count} 件ありましたが、閲覧には数えていません。',
    'read': '{documents}読み、',
    'readers': '{readers}名が閲覧しました。',
    'noReadersRead': '{readers}名が開きましたが、まだ読了した資料はありません。',
    'docTime': '{title}を{duration}',
    'moreDocs': 'ほか{count}件を',
    'listSep': '、',
    'files': 'ダウンロード {downloads} 件、印刷 {prints} 件。',
    'completed': '最後まで読まれた閲覧が {count} 回あります。',
    'lastSeen': '最後の閲覧は {days} 日前です。',
    'lastSeenToday': '最後の閲覧は24時間以内です。',
    'possibleReaders': 'ほかに、リンクを別のブラウザで開いた閲覧者候補が {count} 件あります（本人の別端末かもしれないため 0.5 名として数えます）。',
    'reason.active_time': '合計閲覧時間 {duration}',
    'reason.coverage': 'ルームの {of} 資料のうち {value} 資料を読了',
    'reason.coverage.noRoom': '{value} 資料を読了（ルームに資料はありません）',
    'reason.key_documents': '稟議の重要資料（料金・セキュリティ・ROI・稟議書テンプレート）を {value} 件読了',
    'reason.readers': '閲覧者 {value} 名（閲覧者候補は 0.5 名として）',
    'reason.completions': '最後まで読まれた閲覧 {value} 回',
    'reason.downloads_prints': 'ダウンロード・印刷 {value} 件',
    'reason.recency': '最後の閲覧から {value} 日（1週間ごとに半減）',
    'reason.recency.never': '閲覧なし',
    'points': '{points} / {max} 点',
    'points.recency': '{points} 点',
    'score': 'エンゲージメントスコア {score} / 100',
    'duration.s': '{s}秒',
    'duration.m': '{m}分',
    'duration.ms': '{m}分{s}秒',
    'duration.h': '{h}時間{m}分',
    'duration.h0': '{h}時間',
  },
  en: {
    'nothing': 'Nothing has been read yet.',
    'onlyAutomated': 'Scanners or link previews opened the links {count} time(s); they are not counted as reading.',
    'read': 'Read {documents}; ',
    'readers': '{readers} {people} read.',
    'noReadersRead': '{readers} {people} opened the room, but no document has been read yet.',
    'docTime': '{title} for {duration}',
    'moreDocs': '{count} more',
    'listSep': ', ',
    'files': '{downloads} download(s), {prints} print(s).',
    'completed': '{count} view(s) were read to the end.',
    'lastSeen': 'Last read {days} day(s) ago.',
    'lastSeenToday': 'Last read within the past 24 hours.',
    'possibleReaders': '{count} more possible reader(s) opened a contact’s link in another browser (maybe the same person on another device, so each counts as half a reader).',
    'reason.active_time': 'Active reading time {duration} in total',
    'reason.coverage': '{value} of the {of} documents in the room read',
    'reason.coverage.noRoom': '{value} document(s) read (the room offers none now)',
    'reason.key_documents': '{value} key approval document(s) read (pricing, security, ROI, approval template)',
    'reason.readers': '{value} reader(s), possible readers counted as half',
    'reason.completions': '{value} view(s) read to the end',
    'reason.downloads_prints': '{value} download(s) or print(s)',
    'reason.recency': '{value} day(s) since the last reading (halves every week)',
    'reason.recency.never': 'Never read',
    'points': '{points} of {max} points',
    'points.recency': '{points} points',
    'score': 'Engagement score {score} / 100',
    'duration.s': '{s} s',
    'duration.m': '{m} min',
    'duration.ms': '{m} min {s} s',
    'duration.h': '{h} h {m} min',
    'duration.h0': '{h} h',
  },
});

/**
 * Reading time for people: seconds under a minute, whole minutes (rounded) under an hour, then
 * hours and minutes. "12分" / "12 min" — the precision a rep needs, not a stopwatch.
 */
export function formatReadingTime(locale: Locale, seconds: number): string {
  const s = Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds) : 0;
  if (s < 60) return t(locale, 'duration.s', { s });
  const minutes = Math.round(s / 60);
  if (minutes < 60) return t(locale, 'duration.m', { m: minutes });
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? t(locale, 'duration.h0', { h }) : t(locale, 'duration.h', { h, m });
}

/** Exact to the second, for a single view ("2分5秒"): the timeline's per-view column. */
export function formatActiveTime(locale: Locale, seconds: number): string {
  const s = Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds) : 0;
  if (s < 60) return t(locale, 'duration.s', { s });
  if (s < 3600) return s % 60 === 0 ? t(locale, 'duration.m', { m: s / 60 }) : t(locale, 'duration.ms', { m: Math.floor(s / 60), s: s % 60 });
  return formatReadingTime(locale, s);
}

export interface ExplainedDocument {
  slug: string;
  activeSeconds: number;
  read: boolean;
}

export interface ScoreExplanationInput {
  score: number;
  reasons: readonly ScoreReason[];
  /** Per document, any order; the explanation names the most read first. */
  documents: readonly ExplainedDocument[];
  readers: number;
  possibleReaders: number;
  completedViews: number;
  downloads: number;
  prints: number;
  automatedOpens: number;
  lastSeenAt: Date | null;
}

export interface ExplainedReason {
  code: ScoreReason['code'];
  /** What was measured, in words. */
  text: string;
  /** "12 / 25 点" / "12 of 25 points"; recency: "−8 点". */
  pointsText: string;
  points: number;
  max: number;
}

export interface ScoreExplanation {
  /** "エンゲージメントスコア 62 / 100" */
  title: string;
  /** One or a few sentences: "料金表を12分、セキュリティチェックシートを5分読み、3名が閲覧しました。…" */
  summary: string;
  /** Every reason in the score's fixed order; their points add up to the score. */
  reasons: ExplainedReason[];
}

/** How many documents the summary sentence names before "ほか N 件". */
const NAMED_DOCUMENTS = 3;

/**
 * The score and its reasons in plain Japanese or English. `titleOf` gives a document's title (the
 * catalog's; the caller falls back to the slug for removed documents).
 */
export function explainEngagementScore(
  locale: Locale,
  input: ScoreExplanationInput,
  titleOf: (slug: string) => string,
  now: Date,
): ScoreExplanation {
  const sentences: string[] = [];
  const readDocs = input.documents
    .filter((d) => d.read)
    .slice()
    .sort((a, b) => b.activeSeconds - a.activeSeconds || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  const people = (n: number) => (n === 1 ? 'person' : 'people');

  if (input.readers === 0 && input.possibleReaders === 0 && readDocs.length === 0) {
    sentences.push(t(locale, 'nothing'));
  } else {
    let first = '';
    if (readDocs.length > 0) {
      const named = readDocs.slice(0, NAMED_DOCUMENTS).map((d) => t(locale, 'docTime', { title: titleOf(d.slug), duration: formatReadingTime(locale, d.activeSeconds) }));
      if (readDocs.length > NAMED_DOCUMENTS) named.push(t(locale, 'moreDocs', { count: readDocs.length - NAMED_DOCUMENTS }));
      first = t(locale, 'read', { documents: named.join(t(locale, 'listSep')) }) + t(locale, 'readers', { readers: input.readers, people: people(input.readers) });
    } else {
      first = t(locale, 'noReadersRead', { readers: input.readers, people: people(input.readers) });
    }
    sentences.push(first);
    if (input.possibleReaders > 0) sentences.push(t(locale, 'possibleReaders', { count: input.possibleReaders }));
    if (input.completedViews > 0) sentences.push(t(locale, 'completed', { count: input.completedViews }));
    if (input.downloads + input.prints > 0) sentences.push(t(locale, 'files', { downloads: input.downloads, prints: input.prints }));
    if (input.lastSeenAt) {
      const days = Math.max(0, Math.round(((now.getTime() - input.lastSeenAt.getTime()) / 86_400_000) * 10) / 10);
      sentences.push(days < 1 ? t(locale, 'lastSeenToday') : t(locale, 'lastSeen', { days }));
    }
  }
  if (input.automatedOpens > 0) sentences.push(t(locale, 'onlyAutomated', { count: input.automatedOpens }));

  const reasons = input.reasons.map((reason): ExplainedReason => {
    let text: string;
    switch (reason.code) {
      case 'active_time':
        text = t(locale, 'reason.active_time', { duration: formatReadingTime(locale, reason.value) });
        break;
      case 'coverage':
        text = reason.of ? t(locale, 'reason.coverage', { value: reason.value, of: reason.of }) : t(locale, 'reason.coverage.noRoom', { value: reason.value });
        break;
      case 'recency':
        text = input.lastSeenAt === null ? t(locale, 'reason.recency.never') : t(locale, 'reason.recency', { value: reason.value });
        break;
      default:
        text = t(locale, `reason.${reason.code}`, { value: reason.value });
    }
    const pointsText =
      reason.code === 'recency'
        ? t(locale, 'points.recency', { points: reason.points === 0 ? '±0' : `−${Math.abs(reason.points)}` })
        : t(locale, 'points', { points: reason.points, max: reason.max });
    return { code: reason.code, text, pointsText, points: reason.points, max: reason.max };
  });

  return {
    title: t(locale, 'score', { score: input.score }),
    summary: sentences.join(locale === 'ja' ? '' : ' '),
    reasons,
  };
}

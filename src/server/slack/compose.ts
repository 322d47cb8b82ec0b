// Slack messages (Block Kit with a plain-text fallback) in the rep's language. Pure functions: every
// name from the database goes through escapeMrkdwn before it meets mrkdwn.
import { formatDateTime, formatJpy, type Locale } from '../i18n/format';
import { defineMessages } from '../i18n/messages';
import { escapeMrkdwn, mentionUser } from './mrkdwn';
import { describeEvidence } from '../approval/approval-messages';
import type { Evidence } from '../approval/approval-rules';

export interface SlackMessage {
  text: string;
  blocks: unknown[];
}

interface OpportunityLine {
  locale: Locale;
  accountName: string;
  opportunityName: string;
  stageNumber: number;
  stageLabel: string;
  amountJpy: number;
  timelineUrl: string;
  ownerSlackUserId: string | null;
}

export interface VisitAlertData extends OpportunityLine {
  kind: 'visit' | 'return';
  contactName: string;
  contactJobTitle: string | null;
  newDevice: boolean;
  deviceLabel: string;
  startedAt: Date;
  /** `readingNow`: a beacon within the last seconds; its time so far would understate the read, so none is shown. */
  documents: { title: string; activeSeconds: number; completed: boolean; readingNow: boolean }[];
  downloads: number;
  prints: number;
}

export type HotReason =
  | { code: 'score'; score: number; threshold: number }
  | { code: 'long-read'; title: string; contactName: string; seconds: number }
  | { code: 'many-readers'; readers: number };

export interface HotAlertData extends OpportunityLine {
  /** What crossed a threshold. */
  reasons: HotReason[];
  /** The engagement score at send time and its strongest reasons, phrased (dashboard's reasonText). */
  score: number;
  scoreReasons: { text: string; points: string }[];
}

export interface HandOffAlertData extends OpportunityLine {
  /** Who owns the deal now (content or inside sales). */
  ownerName: string;
  /** The signs of evaluation when the alert was queued (approval-rules.ts). */
  evidence: Evidence[];
  /** The opportunity page, where the hand-off is accepted. */
  opportunityUrl: string;
}

export interface DigestData {
  locale: Locale;
  slackUserId: string | null;
  periodEnd: Date;
  opportunities: { accountName: string; opportunityName: string; visits: number; readers: number; activeSeconds: number; timelineUrl: string }[];
}

const t = defineMessages({
  ja: {
    'who': '{contact} 様（{account}）',
    'who.job': '{contact} 様（{account}・{job}）',
    'visit.title': '{who}が資料を閲覧しました',
    'return.title': '{who}が再び資料を閲覧しています',
    'hot.title': '🔥 {account} の商談が活発です',
    'digest.title': 'Ringi 日次ダイジェスト（{date}まで24時間）',
    'digest.empty': '閲覧はありませんでした。',
    'opportunity': '*商談* {name}\nフェーズ {stage}・{amount}',
    'read': '*閲覧した資料*',
    'noneYet': 'まだ資料を開いたところです。',
    'completed': '（最後まで）',
    'readingNow': '閲覧中',
    'newReader': '⚠️ このリンクは新しい端末（{device}）で開かれました。転送された可能性があります。',
    'downloads': 'ダウンロード {count} 件',
    'prints': '印刷 {count} 件',
    'timeline': 'タイムラインを見る',
    'reason.score': 'エンゲージメントスコア {score}（基準 {threshold}）',
    'hot.score': '*エンゲージメントスコア {score} / 100*',
    'hot.why': '• {text}（{points}）',
    'reason.long-read': '{contact} 様が「{title}」を {duration} 閲覧',
    'reason.many-readers': '24時間以内に {readers} 人が閲覧',
    'digest.line': '• <{url}|{account}：{opportunity}> 訪問 {visits} 回・閲覧者 {readers} 人・{duration}',
    'started': '開始 {time}',
    'handoff.title': '🤝 {account} が検討を始めたようです。引き継ぎのタイミングです',
    'handoff.lead': '引き継ぎ先に指定されている長期商談です（現在の担当：{owner}）。',
    'handoff.evidence': '*検討開始の兆候*',
    'handoff.open': '商談を開いて引き継ぐ',
  },
  en: {
    'who': '{contact} ({account})',
    'who.job': '{contact} ({job}, {account})',
    'visit.title': '{who} is reading your documents',
    'return.title': '{who} is back reading your documents',
    'hot.title': '🔥 {account} is heating up',
    'digest.title': 'Ringi daily digest (24 hours to {date})',
    'digest.empty': 'No reading in this period.',
    'opportunity': '*Opportunity* {name}\nStage {stage} · {amount}',
    'read': '*Documents read*',
    'noneYet': 'Just opened the first document.',
    'completed': ' (to the end)',
    'readingNow': 'reading now',
    'newReader': '⚠️ This link was opened on a new device ({device}): it may have been forwarded.',
    'downloads': '{count} download(s)',
    'prints': '{count} print(s)',
    'timeline': 'Open timeline',
    'reason.score': 'Engagement score {score} (threshold {threshold})',
    'hot.score': '*Engagement score {score} / 100*',
    'hot.why': '• {text} ({points})',
    'reason.long-read': '{contact} read “{title}” for {duration}',
    'reason.many-readers': '{readers} readers within 24 hours',
    'digest.line': '• <{url}|{account}: {opportunity}> {visits} visit(s), {readers} reader(s), {duration}',
    'started': 'Started {time}',
    'handoff.title': '🤝 {account} seems to have started evaluating: time to take over',
    'handoff.lead': 'You are the hand-off owner of this long-cycle deal (owned now by {owner}).',
    'handoff.evidence': '*Signs of evaluation*',
    'handoff.open': 'Open the opportunity to take it over',
  },
});

export function formatDuration(locale: Locale, seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds % 60);
  if (locale === 'ja') return minutes ? `${minutes}分${rest ? `${rest}秒` : ''}` : `${rest}秒`;
  return minutes ? `${minutes} min${rest ? ` ${rest} s` : ''}` : `${rest} s`;
}

/** URLs inside <url|label> must not contain the characters that end the link. */
function safeUrl(url: string): string {
  return url.replace(/[<>|\s]/g, encodeURIComponent);
}

function opportunitySection(d: OpportunityLine) {
  return {
    type: 'section',
    text: {
      type: 'mrkdwn',
      text: t(d.locale, 'opportunity', {
        name: escapeMrkdwn(d.opportunityName),
        stage: `${d.stageNumber} ${escapeMrkdwn(d.stageLabel)}`,
        amount: formatJpy(d.locale, d.amountJpy),
      }),
    },
  };
}

function timelineButton(d: OpportunityLine) {
  return {
    type: 'actions',
    elements: [{ type: 'button', text: { type: 'plain_text', text: t(d.locale, 'timeline') }, url: d.timelineUrl }],
  };
}

function withMention(slackUserId: string | null, text: string): string {
  const mention = mentionUser(slackUserId);
  return mention ? `${mention} ${text}` : text;
}

export function composeVisitAlert(d: VisitAlertData): SlackMessage {
  const who = t(d.locale, d.contactJobTitle ? 'who.job' : 'who', {
    contact: escapeMrkdwn(d.contactName),
    account: escapeMrkdwn(d.accountName),
    job: escapeMrkdwn(d.contactJobTitle ?? ''),
  });
  const title = t(d.locale, d.kind === 'return' ? 'return.title' : 'visit.title', { who });
  const documentLines = d.documents.length
    ? d.documents
        .map((doc) => `• ${escapeMrkdwn(doc.title)} — ${doc.readingNow ? t(d.locale, 'readingNow') : formatDuration(d.locale, doc.activeSeconds)}${doc.completed ? t(d.locale, 'completed') : ''}`)
        .join('\n')
    : t(d.locale, 'noneYet');
  const extras = [
    d.downloads ? t(d.locale, 'downloads', { count: d.downloads }) : '',
    d.prints ? t(d.locale, 'prints', { count: d.prints }) : '',
    t(d.locale, 'started', { time: formatDateTime(d.locale, d.startedAt) }),
  ].filter(Boolean);
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text: withMention(d.ownerSlackUserId, `*${title}*`) } },
    opportunitySection(d),
    { type: 'section', text: { type: 'mrkdwn', text: `${t(d.locale, 'read')}\n${documentLines}` } },
  ];
  if (d.newDevice) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: t(d.locale, 'newReader', { device: escapeMrkdwn(d.deviceLabel) }) } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: extras.join(' · ') }] }, timelineButton(d));
  return { text: withMention(d.ownerSlackUserId, title), blocks };
}

export function describeHotReason(locale: Locale, reason: HotReason): string {
  switch (reason.code) {
    case 'score':
      return t(locale, 'reason.score', { score: reason.score, threshold: reason.threshold });
    case 'long-read':
      return t(locale, 'reason.long-read', {
        contact: escapeMrkdwn(reason.contactName),
        title: escapeMrkdwn(reason.title),
        duration: formatDuration(locale, reason.seconds),
      });
    case 'many-readers':
      return t(locale, 'reason.many-readers', { readers: reason.readers });
  }
}

export function composeHotAlert(d: HotAlertData): SlackMessage {
  const title = t(d.locale, 'hot.title', { account: escapeMrkdwn(d.accountName) });
  const reasons = d.reasons.map((r) => `• ${describeHotReason(d.locale, r)}`).join('\n');
  const score = [
    t(d.locale, 'hot.score', { score: d.score }),
    ...d.scoreReasons.map((r) => t(d.locale, 'hot.why', { text: escapeMrkdwn(r.text), points: escapeMrkdwn(r.points) })),
  ].join('\n');
  const timelineLink = `<${safeUrl(d.timelineUrl)}|${t(d.locale, 'timeline')}>`;
  return {
    text: withMention(d.ownerSlackUserId, `${title} — ${t(d.locale, 'hot.score', { score: d.score }).replace(/\*/g, '')}`),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: withMention(d.ownerSlackUserId, `*${title}*`) } },
      opportunitySection(d),
      { type: 'section', text: { type: 'mrkdwn', text: score } },
      { type: 'section', text: { type: 'mrkdwn', text: `${reasons}\n${timelineLink}` } },
      timelineButton(d),
    ],
  };
}

export function composeHandOffAlert(d: HandOffAlertData): SlackMessage {
  const title = t(d.locale, 'handoff.title', { account: escapeMrkdwn(d.accountName) });
  const evidence = d.evidence.map((e) => `• ${describeEvidence(d.locale, e, escapeMrkdwn)}`).join('\n');
  return {
    text: withMention(d.ownerSlackUserId, title),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: withMention(d.ownerSlackUserId, `*${title}*`) } },
      opportunitySection(d),
      { type: 'section', text: { type: 'mrkdwn', text: `${t(d.locale, 'handoff.lead', { owner: escapeMrkdwn(d.ownerName) })}\n${t(d.locale, 'handoff.evidence')}\n${evidence}` } },
      { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: t(d.locale, 'handoff.open') }, url: d.opportunityUrl }] },
    ],
  };
}

export function composeDigest(d: DigestData): SlackMessage {
  const title = t(d.locale, 'digest.title', { date: formatDateTime(d.locale, d.periodEnd) });
  const lines = d.opportunities.length
    ? d.opportunities
        .map((o) =>
          t(d.locale, 'digest.line', {
            url: safeUrl(o.timelineUrl),
            account: escapeMrkdwn(o.accountName),
            opportunity: escapeMrkdwn(o.opportunityName),
            visits: o.visits,
            readers: o.readers,
            duration: formatDuration(d.locale, o.activeSeconds),
          }),
        )
        .join('\n')
    : t(d.locale, 'digest.empty');
  return {
    text: withMention(d.slackUserId, title),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: withMention(d.slackUserId, `*${title}*`) } },
      { type: 'section', text: { type: 'mrkdwn', text: lines } },
    ],
  };
}

// The approval rules' evidence in plain words (ja/en), for the opportunity page and the hand-off
// alert. `value` wraps every name and title from the database (escapeMrkdwn for Slack; the page
// leaves them to Astro's escaping).
import { buyingRoleLabel } from '../crm/messages';
import { formatDateTime, type Locale } from '../i18n/format';
import { defineMessages } from '../i18n/messages';
import { formatActiveTime } from '../tracking/score-explanation';
import type { ApprovalRule, Evidence, ReaderRef } from './approval-rules';

export const tApproval = defineMessages({
  ja: {
    'heading': '稟議の進み具合（閲覧からの推定）',
    'lead': '閲覧の様子から推定した社内稟議の段階です。フェーズは自動では変わりません。採用するとフェーズが変わり、履歴に残ります。',
    'none': '今のところ提案はありません。',
    'rule.it-review': '情報システム部門の審査が進んでいるようです',
    'rule.ringi-drafting': '稟議書の作成が始まっているようです',
    'rule.final-approval': '最終決裁の段階に入ったようです',
    'suggestStage': '提案：フェーズを「{stage}」に進める',
    'step.it-review': '次の一手：情報システム部門向けにセキュリティの質疑の場を提案しましょう。',
    'step.final-approval': '次の一手：推進者に決裁日を確認し、決裁者からの質問に備えましょう。',
    'accept': '採用してフェーズを進める',
    'done': '対応済みにする',
    'dismiss': '却下',
    'decided.accepted': '採用しました。',
    'decided.dismissed': '却下しました。同じ根拠では再表示しません。',
    'stale': 'この提案はもう当てはまりません（閲覧やフェーズが変わりました）。',
    'reader': '{name} 様（{role}）',
    'reader.possible': '{name} 様のリンクを開いた別のブラウザ（未確認）',
    'list.sep': '、',
    'evidence.it-review': '新しい閲覧者、{reader}が{documents}を合計 {duration} 閲覧しました。',
    'evidence.it-review.it': '{reader}が{documents}を合計 {duration} 閲覧しました。',
    'evidence.ringi-drafting': '料金表を {pricingCount} 人（{pricing}）、稟議書テンプレートを {templateCount} 人（{template}）が閲覧しました。',
    'evidence.final-approval': '{reader}が資料室を開きました（{at}）。',
    'evidence.key-document-readers': '「{document}」を {count} 人（{readers}）が閲覧しました。',
    'evidence.signing-new-reader': '承認に関わる新しい閲覧者、{reader}が {at} に閲覧を始めました。',
    'evidence.return-after-silence': '{days} 日間閲覧がなかった後、{at} に閲覧が再開しました。',
    'handoff.heading': '引き継ぎ（長期商談）',
    'handoff.owner': '引き継ぎ先',
    'handoff.none': '引き継ぎ先が設定されていません（商談の編集で設定できます）。',
    'handoff.signals': '検討が始まった兆候',
    'handoff.noSignals': 'まだ検討開始の兆候はありません。兆候が出たら引き継ぎ先に Slack で一度だけ通知します。',
    'handoff.alerted': '{date} に引き継ぎ先へ Slack で通知しました。',
    'handoff.accept': '引き継ぎを受ける（担当者を {name} に変更）',
    'handoff.done': '{date} に {by} が引き継ぎを受けました。担当者は {owner} です。',
    'handoff.why': '引き継ぎの根拠',
    'handoff.shortCycle': '短期の商談には引き継ぎの通知はありません。',
    'error.stale': 'この提案はもう当てはまりません。ページを開き直してください。',
    'error.forbidden': 'この商談を変更できるのは担当者と管理者だけです。',
    'form.handOffOwner': '引き継ぎ先（長期商談）',
    'form.handOffNone': 'なし',
    'form.handOffHint': '長期の商談で検討が始まった兆候が出たら、この人に Slack で一度だけ通知します。受けると担当者になります。',
    'history.heading': 'フェーズの履歴',
    'history.none': 'この期間にフェーズの変更はありません。',
    'history.change': '{from} → {to}',
    'history.reason.created': '作成時のフェーズ',
    'history.reason.manual': '手動で変更',
    'history.reason.suggestion': '提案を採用（{rule}）',
    'history.reason.api': 'API（CRM連携）で変更',
    'history.by': '{name}',
    'history.unknownUser': '不明なユーザー',
    'advances.heading': '商談を前に進めた資料（受注商談）',
    'advances.lead': '受注した商談で、各フェーズから次へ進む前（そのフェーズにいる間）に読まれた資料です。直近の受注 {limit} 件のフェーズ履歴から集計しています。',
    'advances.empty': 'フェーズ履歴のある受注商談はまだありません。',
    'advances.advance': '{from} → {to}（受注 {deals} 件）',
    'advances.document': '資料',
    'advances.deals': '読まれた商談',
    'advances.readers': '閲覧者',
    'advances.time': '閲覧時間',
    'advances.dealsValue': '{deals} / {total} 件',
    'advances.noReading': 'このフェーズで読まれた資料はありません。',
    'error.handoff': '引き継ぎを受けられるのは、引き継ぎ先・担当者・管理者だけです（兆候が出ていない、または引き継ぎ済みの場合も受けられません）。',
  },
  en: {
    'heading': 'Approval progress (inferred from reading)',
    'lead': 'The step of the buyer’s internal approval that their reading points to. The stage never changes by itself: accepting moves it and records it in the history.',
    'none': 'No suggestions for now.',
    'rule.it-review': 'An IT review seems under way',
    'rule.ringi-drafting': 'The approval request (稟議) is being drafted',
    'rule.final-approval': 'Final approval seems under way',
    'suggestStage': 'Suggested: move the stage to “{stage}”',
    'step.it-review': 'Next step: offer their IT department a Q&A session on security.',
    'step.final-approval': 'Next step: ask the champion for the decision date and be ready for the decision maker’s questions.',
    'accept': 'Accept and move the stage',
    'done': 'Mark as done',
    'dismiss': 'Dismiss',
    'decided.accepted': 'Accepted.',
    'decided.dismissed': 'Dismissed. It will not come back for the same evidence.',
    'stale': 'This suggestion no longer applies (the reading or the stage changed).',
    'reader': '{name} ({role})',
    'reader.possible': 'another browser on {name}’s link (a possible new reader)',
    'list.sep': ', ',
    'evidence.it-review': 'A new reader, {reader}, spent {duration} on {documents}.',
    'evidence.it-review.it': '{reader} spent {duration} on {documents}.',
    'evidence.ringi-drafting': 'Pricing was read by {pricingCount} people ({pricing}) and the approval template by {templateCount} ({template}).',
    'evidence.final-approval': '{reader} opened the room ({at}).',
    'evidence.key-document-readers': '“{document}” was read by {count} people ({readers}).',
    'evidence.signing-new-reader': 'A new reader from a signing function, {reader}, started reading on {at}.',
    'evidence.return-after-silence': 'Reading resumed on {at} after {days} days of silence.',
    'handoff.heading': 'Hand-off (long-cycle deal)',
    'handoff.owner': 'Hand-off owner',
    'handoff.none': 'No hand-off owner yet (set one when editing the opportunity).',
    'handoff.signals': 'Signs that the buyer is evaluating',
    'handoff.noSignals': 'No sign of evaluation yet. When one shows, the hand-off owner gets one Slack alert.',
    'handoff.alerted': 'The hand-off owner was alerted in Slack on {date}.',
    'handoff.accept': 'Accept the hand-off (owner becomes {name})',
    'handoff.done': '{by} accepted the hand-off on {date}. The owner is {owner}.',
    'handoff.why': 'Why',
    'handoff.shortCycle': 'Short-cycle deals get no hand-off alert.',
    'error.stale': 'This suggestion no longer applies. Open the page again.',
    'error.forbidden': 'Only the owner and admins may change this opportunity.',
    'form.handOffOwner': 'Hand-off owner (long-cycle deals)',
    'form.handOffNone': 'None',
    'form.handOffHint': 'When a long-cycle deal shows signs of evaluation, this person gets one Slack alert; accepting makes them the owner.',
    'history.heading': 'Stage history',
    'history.none': 'No stage changes in this period.',
    'history.change': '{from} → {to}',
    'history.reason.created': 'Stage when created',
    'history.reason.manual': 'Changed by hand',
    'history.reason.suggestion': 'Accepted suggestion ({rule})',
    'history.reason.api': 'Changed through the API (CRM sync)',
    'history.by': '{name}',
    'history.unknownUser': 'Unknown user',
    'advances.heading': 'Content that moved won deals forward',
    'advances.lead': 'In won deals, the documents read at each stage before the deal advanced from it. From the stage history of the latest {limit} won deals.',
    'advances.empty': 'No won deal has a stage history yet.',
    'advances.advance': '{from} → {to} ({deals} won deal(s))',
    'advances.document': 'Document',
    'advances.deals': 'Deals that read it',
    'advances.readers': 'Readers',
    'advances.time': 'Reading time',
    'advances.dealsValue': '{deals} of {total}',
    'advances.noReading': 'Nothing was read at this stage.',
    'error.handoff': 'Only the hand-off owner, the owner or an admin may accept a hand-off, once signs of evaluation show and before it is accepted.',
  },
});

export type ApprovalMessageKey = Parameters<typeof tApproval>[1];

const identity = (text: string) => text;

function readerText(locale: Locale, reader: ReaderRef, value: (text: string) => string): string {
  return reader.possible
    ? tApproval(locale, 'reader.possible', { name: value(reader.name) })
    : tApproval(locale, 'reader', { name: value(reader.name), role: buyingRoleLabel(locale, reader.role) });
}

function list(locale: Locale, items: string[]): string {
  return items.join(tApproval(locale, 'list.sep'));
}

/** One piece of evidence as a sentence. */
export function describeEvidence(locale: Locale, evidence: Evidence, value: (text: string) => string = identity): string {
  const names = (readers: ReaderRef[]) => list(locale, readers.map((r) => value(r.name)));
  switch (evidence.rule) {
    case 'it-review':
      return tApproval(locale, evidence.reader.role === 'it-security' && !evidence.reader.possible ? 'evidence.it-review.it' : 'evidence.it-review', {
        reader: readerText(locale, evidence.reader, value),
        documents: list(locale, evidence.documents.map((d) => (locale === 'ja' ? `「${value(d)}」` : `“${value(d)}”`))),
        duration: formatActiveTime(locale, evidence.seconds),
      });
    case 'ringi-drafting':
      return tApproval(locale, 'evidence.ringi-drafting', {
        pricingCount: evidence.pricing.length,
        pricing: names(evidence.pricing),
        templateCount: evidence.template.length,
        template: names(evidence.template),
      });
    case 'final-approval':
      return tApproval(locale, 'evidence.final-approval', { reader: readerText(locale, evidence.reader, value), at: formatDateTime(locale, evidence.at) });
    case 'key-document-readers':
      return tApproval(locale, 'evidence.key-document-readers', { document: value(evidence.document), count: evidence.readers.length, readers: names(evidence.readers) });
    case 'signing-new-reader':
      return tApproval(locale, 'evidence.signing-new-reader', { reader: readerText(locale, evidence.reader, value), at: formatDateTime(locale, evidence.at) });
    case 'return-after-silence':
      return tApproval(locale, 'evidence.return-after-silence', { days: evidence.silentDays, at: formatDateTime(locale, evidence.at) });
  }
}

export function ruleTitle(locale: Locale, rule: ApprovalRule): string {
  return tApproval(locale, `rule.${rule}`);
}

/** The rule of a suggestion key ("ringi-drafting:stage-4:…"), for the stage history. */
export function ruleOfKey(key: string | null): ApprovalRule | null {
  const rule = key?.split(':')[0];
  return rule === 'it-review' || rule === 'ringi-drafting' || rule === 'final-approval' ? rule : null;
}

/** The next step a rule suggests once the deal is at (or past) its stage; null for rules that only move stages. */
export function nextStepText(locale: Locale, rule: ApprovalRule): string | null {
  return rule === 'it-review' ? tApproval(locale, 'step.it-review') : rule === 'final-approval' ? tApproval(locale, 'step.final-approval') : null;
}

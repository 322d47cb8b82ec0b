import type { DocumentCategory } from '../documents/frontmatter';
import type { Locale } from './format';

const ja = {
  'room.greeting': '{contact} 様',
  'room.title': '{account} 様向け資料',
  'room.messageFrom': '{rep} からのメッセージ',
  'room.documents': '資料一覧',
  'room.empty': '現在ご覧いただける資料はありません。担当者にお問い合わせください。',
  'room.yourContact': '担当者',
  'room.readingTime': '約{minutes}分',
  'room.updated': '更新日 {date}',
  'room.version': '版 {version}',
  'room.attachments': '添付ファイル',
  'room.updatedSinceRead': '前回お読みになった後に更新されました',
  'room.privacy': '閲覧状況は提供元の営業担当者に記録されます。',
  'doc.toc': '目次',
  'doc.updatedSinceRead': '前回お読みになった後、{date} に更新されました。',
  'doc.updateNote': '変更点: {note}',
  'doc.back': '資料一覧に戻る',
  'doc.print': '印刷する',
  'doc.download': 'ダウンロード',
  'doc.preparedFor': '{account} 様向け',
  'room.printAll': 'すべての資料をまとめて印刷（回覧用）',
  'print.issued': '発行日 {date}',
  'print.from': '担当 {rep}（{email}）',
  'error.notFound.title': 'ページが見つかりません',
  'error.notFound.body': 'リンクが正しくないか、この資料は共有されていません。URL をご確認のうえ、リンクを送った担当者にお問い合わせください。',
  'error.gone.revoked.title': 'このリンクは無効になりました',
  'error.gone.expired.title': 'このリンクの有効期限が切れました',
  'error.gone.body': '引き続き資料をご覧になる場合は、担当者に新しいリンクをご依頼ください。',
  'error.tooManyRequests.title': 'しばらくお待ちください',
  'error.tooManyRequests.body': 'このネットワークから無効なリンクへのアクセスが続いたため、一時的に制限しています。{seconds}秒ほど待ってから、担当者から届いたリンクをもう一度開いてください。',
  'rep.email': 'メール',
  'rep.phone': '電話',
  'category.overview': '製品概要',
  'category.whitepaper': 'ホワイトペーパー',
  'category.pricing': '料金',
  'category.security': 'セキュリティ',
  'category.case-study': '導入事例',
  'category.roi': '費用対効果（ROI）',
  'category.implementation': '導入計画',
  'category.approval-template': '稟議書テンプレート',
  'language.ja': '日本語',
  'language.en': '英語',
} as const;

export type MessageKey = keyof typeof ja;

const en: Record<MessageKey, string> = {
  'room.greeting': 'Dear {contact}',
  'room.title': 'Materials for {account}',
  'room.messageFrom': 'A message from {rep}',
  'room.documents': 'Documents',
  'room.empty': 'No documents are available yet. Please contact your representative.',
  'room.yourContact': 'Your contact',
  'room.readingTime': '{minutes} min read',
  'room.updated': 'Updated {date}',
  'room.version': 'Version {version}',
  'room.attachments': 'Attachments',
  'room.updatedSinceRead': 'Updated since you last read it',
  'room.privacy': "Your reading is recorded for the vendor's sales team.",
  'doc.toc': 'Contents',
  'doc.updatedSinceRead': 'Updated on {date}, since you last read it.',
  'doc.updateNote': 'What changed: {note}',
  'doc.back': 'Back to all documents',
  'doc.print': 'Print',
  'doc.download': 'Download',
  'doc.preparedFor': 'Prepared for {account}',
  'room.printAll': 'Print all documents (one copy for circulation)',
  'print.issued': 'Issued {date}',
  'print.from': 'Your contact: {rep} ({email})',
  'error.notFound.title': 'Page not found',
  'error.notFound.body': 'The link is not valid, or this document has not been shared with you. Please check the URL or contact the person who sent you the link.',
  'error.gone.revoked.title': 'This link is no longer active',
  'error.gone.expired.title': 'This link has expired',
  'error.gone.body': 'To keep reading, please ask your contact for a new link.',
  'error.tooManyRequests.title': 'Please wait a moment',
  'error.tooManyRequests.body': 'Too many requests for links that do not exist came from your network, so access is paused. Please wait about {seconds} seconds, then open the link your contact sent you again.',
  'rep.email': 'Email',
  'rep.phone': 'Phone',
  'category.overview': 'Product overview',
  'category.whitepaper': 'Whitepaper',
  'category.pricing': 'Pricing',
  'category.security': 'Security',
  'category.case-study': 'Case studies',
  'category.roi': 'Return on investment',
  'category.implementation': 'Implementation',
  'category.approval-template': 'Approval request template',
  'language.ja': 'Japanese',
  'language.en': 'English',
};

/** An area's messages in one language: a page's `t`. */
export type Messages<K extends string> = (key: K, params?: Record<string, string | number>) => string;

export type Translate<K extends string> = ((locale: Locale, key: K, params?: Record<string, string | number>) => string) & {
  /** The same messages in one language (`const t = tCrm.in(locale)`). */
  in: (locale: Locale) => Messages<K>;
};

/**
 * A translation function over one area's dictionaries (prospect pages here; each admin area keeps its
 * own next to its pages). English must have every Japanese key: the type enforces it.
 */
export function defineMessages<K extends string>(dictionaries: { ja: Record<K, string>; en: Record<K, string> }): Translate<K> {
  // Values are inserted as text; Astro escapes them when rendering.
  const translate = (locale: Locale, key: K, params: Record<string, string | number> = {}) =>
    dictionaries[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  return Object.assign(translate, { in: (locale: Locale): Messages<K> => (key, params) => translate(locale, key, params) });
}

const dictionaries: Record<Locale, Record<MessageKey, string>> = { ja, en };

/** Prospect-page messages. */
export const translate: Translate<MessageKey> = defineMessages(dictionaries);

export function categoryLabel(locale: Locale, category: DocumentCategory): string {
  return translate(locale, `category.${category}`);
}

export const messageKeys = Object.keys(ja) as MessageKey[];
export const dictionariesForTests = dictionaries;

// What a prospect must read, spelled out here on purpose (not imported from the app's dictionaries):
// a changed or missing text is a visible change for prospects and should fail a test.
import type { DocumentCategory } from '../../../src/server/documents/frontmatter';
import { readDocument, documentExists, type ContentDocument } from './content';

export const categoryLabels: Record<'ja' | 'en', Record<DocumentCategory, string>> = {
  ja: {
    'overview': '製品概要',
    'whitepaper': 'ホワイトペーパー',
    'pricing': '料金',
    'security': 'セキュリティ',
    'case-study': '導入事例',
    'roi': '費用対効果（ROI）',
    'implementation': '導入計画',
    'approval-template': '稟議書テンプレート',
  },
  en: {
    'overview': 'Product overview',
    'whitepaper': 'Whitepaper',
    'pricing': 'Pricing',
    'security': 'Security',
    'case-study': 'Case studies',
    'roi': 'Return on investment',
    'implementation': 'Implementation',
    'approval-template': 'Approval request template',
  },
};

export const ui = {
  ja: {
    roomTitle: (account: string) => `${account} 様向け資料`,
    greeting: (contact: string) => `${contact} 様`,
    documents: '資料一覧',
    yourContact: '担当者',
    email: 'メール',
    phone: '電話',
    readingTime: (minutes: number) => `約${minutes}分`,
    updated: (date: string) => `更新日 ${date}`,
    version: (version: string) => `版 ${version}`,
    attachments: '添付ファイル',
    otherLanguage: { ja: '日本語', en: '英語' },
    privacy: '閲覧状況は提供元の営業担当者に記録されます。',
    toc: '目次',
    back: '資料一覧に戻る',
    print: '印刷する',
    preparedFor: (account: string) => `${account} 様向け`,
    notFoundTitle: 'ページが見つかりません',
    notFoundBody: 'リンクが正しくないか、この資料は共有されていません。',
    revokedTitle: 'このリンクは無効になりました',
    expiredTitle: 'このリンクの有効期限が切れました',
    goneBody: '引き続き資料をご覧になる場合は、担当者に新しいリンクをご依頼ください。',
  },
  en: {
    roomTitle: (account: string) => `Materials for ${account}`,
    greeting: (contact: string) => `Dear ${contact}`,
    documents: 'Documents',
    yourContact: 'Your contact',
    email: 'Email',
    phone: 'Phone',
    readingTime: (minutes: number) => `${minutes} min read`,
    updated: (date: string) => `Updated ${date}`,
    version: (version: string) => `Version ${version}`,
    attachments: 'Attachments',
    otherLanguage: { ja: 'Japanese', en: 'English' },
    privacy: "Your reading is recorded for the vendor's sales team.",
    toc: 'Contents',
    back: 'Back to all documents',
    print: 'Print',
    preparedFor: (account: string) => `Prepared for ${account}`,
    notFoundTitle: 'Page not found',
    notFoundBody: 'The link is not valid, or this document has not been shared with you.',
    revokedTitle: 'This link is no longer active',
    expiredTitle: 'This link has expired',
    goneBody: 'To keep reading, please ask your contact for a new link.',
  },
} as const;

/** The room's documents as the page must list them: the rep's order, slugs without a file skipped. */
export function expectedDocuments(slugs: readonly string[]): ContentDocument[] {
  return slugs.filter(documentExists).map(readDocument);
}

/** "03-1234-5678" → "tel:0312345678", "+81-3-1234-5680" → "tel:+81312345680". */
export function telHref(phone: string): string {
  return `tel:${phone.replace(/[^\d+]/g, '')}`;
}

/** Header cells of the first Markdown table in a document body, as plain text. */
export function firstTableHeader(markdown: string): string[] | null {
  const lines = markdown.split(/\r?\n/);
  for (let i = 0; i + 1 < lines.length; i++) {
    const header = lines[i]!.trim();
    const divider = lines[i + 1]!.trim();
    if (header.startsWith('|') && /^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$/.test(divider)) {
      return header
        .replace(/^\|/, '')
        .replace(/\|$/, '')
        .split('|')
        .map((cell) => cell.trim().replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/(\*\*|__|`)/g, '').replace(/<br\s*\/?>/g, ' ').trim());
    }
  }
  return null;
}

// The one refusal of the admin area: a small page in both languages (the user's first) with a way
// back, for a rep on an admin-only page and for every admin form or page that cannot go on (not
// allowed, not found, a form that could not be read). JSON endpoints answer json.ts's error shape
// instead, and a cross-site post gets the origin check's plain text (forms.ts).
import { adminHeaders } from '../auth/guard';
import type { Locale } from '../i18n/format';
import { messagePageHtml } from './message-page';

export type RefusalKind = 'forbidden' | 'not_found' | 'bad_request' | 'too_large';

const statusOf: Record<RefusalKind, number> = { forbidden: 403, not_found: 404, bad_request: 400, too_large: 413 };

const text = {
  ja: {
    forbidden: { title: '権限がありません', body: 'この操作の権限がありません。' },
    not_found: { title: '見つかりません', body: 'お探しのページは見つかりませんでした。削除されたか、URL が正しくない可能性があります。' },
    bad_request: { title: '送信内容を読み取れませんでした', body: 'フォームの送信内容を読み取れませんでした。ページを開き直してもう一度お試しください。' },
    too_large: { title: '送信内容が大きすぎます', body: '送信内容が上限を超えました。ファイルを小さくしてもう一度お試しください。' },
    back: 'ホームに戻る',
  },
  en: {
    forbidden: { title: 'Forbidden', body: 'You do not have permission for this.' },
    not_found: { title: 'Not found', body: 'The page you were looking for does not exist. It may have been removed, or the URL is wrong.' },
    bad_request: { title: 'The form could not be read', body: 'The submitted form could not be read. Open the page again and retry.' },
    too_large: { title: 'Too large', body: 'The submission is larger than allowed. Use a smaller file and retry.' },
    back: 'Back to home',
  },
} as const;

export interface RefusalOptions {
  /** Why, more precisely than the kind says (e.g. "only the owner or an admin may edit this opportunity"). */
  detail?: (locale: Locale) => string;
  /** Where to go back to (the page the form was on); home by default. */
  back?: { href: string; label: (locale: Locale) => string };
}

/** The refusal page as a response (403, 404, 400 or 413 by kind), never cached. */
export function refusalResponse(locale: Locale, kind: RefusalKind, options: RefusalOptions = {}): Response {
  const order = locale === 'en' ? (['en', 'ja'] as const) : (['ja', 'en'] as const);
  const [first, second] = order.map((lang) => ({
    lang,
    title: text[lang][kind].title,
    paragraphs: [options.detail?.(lang) ?? text[lang][kind].body],
    back: options.back ? { href: options.back.href, label: options.back.label(lang) } : { href: '/admin', label: text[lang].back },
  }));
  return new Response(messagePageHtml([first!, second!], { refusal: kind }), {
    status: statusOf[kind],
    headers: { ...adminHeaders, 'Content-Type': 'text/html; charset=utf-8' },
  });
}

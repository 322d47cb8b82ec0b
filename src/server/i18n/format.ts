// Locale-aware formatting. Formatters are cached: building Intl objects per call is slow.
import { workspaceTimeZone } from './calendar';

export type Locale = 'ja' | 'en';

const intlLocale: Record<Locale, string> = { ja: 'ja-JP', en: 'en-US' };
// Ringi's customers are in Japan: calendar dates are shown in Japan time unless configured.
const timeZone = workspaceTimeZone();

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => T): T {
  let formatter = cache.get(key) as T | undefined;
  if (!formatter) {
    formatter = make();
    cache.set(key, formatter);
  }
  return formatter;
}

/** 2026年10月1日 / Oct 1, 2026 */
export function formatDate(locale: Locale, date: Date): string {
  return cached(`date:${locale}`, () => new Intl.DateTimeFormat(intlLocale[locale], { dateStyle: 'medium', timeZone })).format(date);
}

/** 2026年10月1日 14:05 / Oct 1, 2026, 2:05 PM */
export function formatDateTime(locale: Locale, date: Date): string {
  return cached(
    `datetime:${locale}`,
    () => new Intl.DateTimeFormat(intlLocale[locale], { dateStyle: 'medium', timeStyle: 'short', timeZone }),
  ).format(date);
}

export function formatNumber(locale: Locale, value: number): string {
  return cached(`number:${locale}`, () => new Intl.NumberFormat(intlLocale[locale])).format(value);
}

/** ￥1,200,000 in Japanese, ¥1,200,000 in English: whole yen, no decimals. */
export function formatJpy(locale: Locale, amount: number): string {
  return cached(
    `jpy:${locale}`,
    () => new Intl.NumberFormat(intlLocale[locale], { style: 'currency', currency: 'JPY', maximumFractionDigits: 0 }),
  ).format(amount);
}

export function isLocale(value: unknown): value is Locale {
  return value === 'ja' || value === 'en';
}

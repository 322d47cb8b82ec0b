/**
 * Reading speed: Japanese readers manage roughly 500 characters a minute, English readers about
 * 220 words. Markup is stripped first so tables and links do not inflate the estimate.
 */
export function readingMinutes(markdownBody: string, language: 'ja' | 'en'): number {
  const text = markdownBody
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/[#>*_`|\-[\]()!]/g, ' ');
  const amount = language === 'ja' ? text.replace(/\s+/g, '').length / 500 : text.split(/\s+/).filter(Boolean).length / 220;
  return Math.max(1, Math.round(amount));
}

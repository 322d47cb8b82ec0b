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

export interface TocHeading {
  depth: number;
  slug: string;
  text: string;
}

export interface TocEntry extends TocHeading {
  children: TocHeading[];
}

/**
 * The table of contents as a two-level tree (## with their ### inside), so each level is numbered on
 * its own: "1. 料金プラン / 1. プラン一覧 / 2. 第2章", never a running count across levels. A ###
 * before any ## stands at the top level.
 */
export function tableOfContents(headings: readonly TocHeading[]): TocEntry[] {
  const entries: TocEntry[] = [];
  for (const { depth, slug, text } of headings) {
    if (depth === 2 || (depth === 3 && entries.length === 0)) entries.push({ depth, slug, text, children: [] });
    else if (depth === 3) entries[entries.length - 1]!.children.push({ depth, slug, text });
  }
  return entries;
}

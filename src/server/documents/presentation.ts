import type { DocumentCategory } from './frontmatter';

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

export interface CategoryGroup<T> {
  category: DocumentCategory;
  documents: T[];
}

/** Groups documents by category, keeping the rep's order both for groups and within them. */
export function groupByCategoryInOrder<T extends { category: DocumentCategory }>(documents: readonly T[]): CategoryGroup<T>[] {
  const groups = new Map<DocumentCategory, T[]>();
  for (const document of documents) {
    const group = groups.get(document.category);
    if (group) group.push(document);
    else groups.set(document.category, [document]);
  }
  return [...groups].map(([category, docs]) => ({ category, documents: docs }));
}

// Searching and filtering the document catalog for reps. Pure: works on document cards (from
// catalog.ts inside Astro, or plain objects in tests), no I/O.
import { documentCategories, type DocumentCategory } from './frontmatter';

export type CatalogLanguage = 'ja' | 'en';
export const catalogLanguages: readonly CatalogLanguage[] = ['ja', 'en'];

/** What a catalog search needs of a document (DocumentCard has all of it). */
export interface CatalogCard {
  slug: string;
  title: string;
  summary: string;
  category: DocumentCategory;
  language: CatalogLanguage;
  updated: Date;
}

export interface CatalogQuery {
  /** Free text: every word must appear in the title, summary or slug. Empty: no text search. */
  q: string;
  category: DocumentCategory | null;
  language: CatalogLanguage | null;
}

export const MAX_QUERY_LENGTH = 100;

export const emptyCatalogQuery: CatalogQuery = Object.freeze({ q: '', category: null, language: null });

/** A category filter value from a query string, or null for junk (a filter link never errors). */
export function parseCategory(value: unknown): DocumentCategory | null {
  return typeof value === 'string' && (documentCategories as readonly string[]).includes(value) ? (value as DocumentCategory) : null;
}

export function parseLanguage(value: unknown): CatalogLanguage | null {
  return value === 'ja' || value === 'en' ? value : null;
}

/** The search box's text: trimmed (full-width spaces too) and bounded. */
export function cleanQueryText(value: unknown): string {
  if (typeof value !== 'string') return '';
  return value.replace(/^[\s\u3000]+|[\s\u3000]+$/g, '').slice(0, MAX_QUERY_LENGTH);
}

/** ?q=&category=&language= of a page; unknown values are ignored. */
export function catalogQueryFromParams(params: URLSearchParams): CatalogQuery {
  return {
    q: cleanQueryText(params.get('q')),
    category: parseCategory(params.get('category')),
    language: parseLanguage(params.get('language')),
  };
}

/** The query string for links that keep the current filters ("" when none, else "?…"). */
export function catalogQueryString(query: CatalogQuery): string {
  const params = new URLSearchParams();
  if (query.q) params.set('q', query.q);
  if (query.category) params.set('category', query.category);
  if (query.language) params.set('language', query.language);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function isFiltered(query: CatalogQuery): boolean {
  return query.q !== '' || query.category !== null || query.language !== null;
}

/**
 * Text folded for matching: NFKC (full-width Latin and half-width katakana become their usual
 * forms), lower case, katakana as hiragana, runs of spaces as one.
 */
export function foldSearchText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60))
    .replace(/[\s\u3000]+/g, ' ')
    .trim();
}

/** The words of a query, folded; "料金　セキュリティ" is two words. */
export function searchWords(q: string): string[] {
  const folded = foldSearchText(q);
  return folded ? [...new Set(folded.split(' '))] : [];
}

export function matchesCatalogQuery(card: CatalogCard, query: CatalogQuery, words = searchWords(query.q)): boolean {
  if (query.category && card.category !== query.category) return false;
  if (query.language && card.language !== query.language) return false;
  if (!words.length) return true;
  const haystack = foldSearchText(`${card.title} ${card.summary} ${card.slug}`);
  return words.every((word) => haystack.includes(word));
}

const categoryOrder = new Map<DocumentCategory, number>(documentCategories.map((c, i) => [c, i]));
const collator = new Intl.Collator('ja');

/** Catalog order: by category (the pipeline's order of needs), then title, then slug. */
export function compareCatalogCards(a: CatalogCard, b: CatalogCard): number {
  return (
    (categoryOrder.get(a.category) ?? 99) - (categoryOrder.get(b.category) ?? 99) ||
    collator.compare(a.title, b.title) ||
    (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0)
  );
}

/** The cards matching the query, in catalog order. The input is not modified. */
export function searchCatalog<T extends CatalogCard>(cards: readonly T[], query: CatalogQuery): T[] {
  const words = searchWords(query.q);
  return cards.filter((card) => matchesCatalogQuery(card, query, words)).sort(compareCatalogCards);
}

/** How many documents each category and language has (for the filter choices). */
export function catalogFacets(cards: readonly CatalogCard[]): { categories: Map<DocumentCategory, number>; languages: Map<CatalogLanguage, number> } {
  const categories = new Map<DocumentCategory, number>();
  const languages = new Map<CatalogLanguage, number>();
  for (const card of cards) {
    categories.set(card.category, (categories.get(card.category) ?? 0) + 1);
    languages.set(card.language, (languages.get(card.language) ?? 0) + 1);
  }
  return { categories, languages };
}

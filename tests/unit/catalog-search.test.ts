// Searching the document catalog: a pure function over document cards.
import { describe, expect, it } from 'vitest';
import {
  catalogFacets,
  catalogQueryFromParams,
  catalogQueryString,
  emptyCatalogQuery,
  foldSearchText,
  isFiltered,
  searchCatalog,
  type CatalogCard,
} from '../../src/server/documents/catalog-search';

const card = (slug: string, title: string, summary: string, category: CatalogCard['category'], language: CatalogCard['language']): CatalogCard => ({
  slug,
  title,
  summary,
  category,
  language,
  updated: new Date('2026-10-01'),
});

const cards: CatalogCard[] = [
  card('roi-model', '費用対効果モデル', '導入による削減効果の試算モデルです。', 'roi', 'ja'),
  card('pricing', '料金表 2026年度版', 'プラン別の月額料金、初期費用、ボリュームディスカウントをまとめています。', 'pricing', 'ja'),
  card('case-study-logistics-en', 'Case study: a logistics company', 'How a logistics company cut approval lead time by half.', 'case-study', 'en'),
  card('security-check-sheet', 'セキュリティチェックシート回答', '情報システム部門向けの回答です。', 'security', 'ja'),
  card('product-overview-en', 'Product overview', 'What Ringi Expense does, in five minutes.', 'overview', 'en'),
  card('case-study-manufacturing', '導入事例：製造業 A 社', '経費精算の工数を 60% 削減した事例です。', 'case-study', 'ja'),
];
const slugs = (list: readonly CatalogCard[]) => list.map((c) => c.slug);

describe('searchCatalog', () => {
  it('lists everything in catalog order (category, then title) without a query', () => {
    expect(slugs(searchCatalog(cards, emptyCatalogQuery))).toEqual([
      'product-overview-en',
      'pricing',
      'security-check-sheet',
      'case-study-logistics-en',
      'case-study-manufacturing',
      'roi-model',
    ]);
    expect(slugs(cards)[0]).toBe('roi-model'); // the input is left alone
  });

  it('matches title and summary, case-insensitively, every word', () => {
    expect(slugs(searchCatalog(cards, { ...emptyCatalogQuery, q: 'LOGISTICS' }))).toEqual(['case-study-logistics-en']);
    expect(slugs(searchCatalog(cards, { ...emptyCatalogQuery, q: '削減' }))).toEqual(['case-study-manufacturing', 'roi-model']);
    expect(slugs(searchCatalog(cards, { ...emptyCatalogQuery, q: '削減　事例' }))).toEqual(['case-study-manufacturing']);
    expect(slugs(searchCatalog(cards, { ...emptyCatalogQuery, q: 'nothing like this' }))).toEqual([]);
  });

  it('folds full-width letters and katakana/hiragana', () => {
    expect(slugs(searchCatalog(cards, { ...emptyCatalogQuery, q: 'ＰＲＯＤＵＣＴ' }))).toEqual(['product-overview-en']);
    expect(slugs(searchCatalog(cards, { ...emptyCatalogQuery, q: 'せきゅりてぃ' }))).toEqual(['security-check-sheet']);
    expect(slugs(searchCatalog(cards, { ...emptyCatalogQuery, q: 'ﾌﾟﾗﾝ' }))).toEqual(['pricing']);
    expect(foldSearchText('  Ａｂｃ　 カタカナ ')).toBe('abc かたかな');
  });

  it('filters by category and language, combined with the text', () => {
    expect(slugs(searchCatalog(cards, { ...emptyCatalogQuery, category: 'case-study' }))).toEqual(['case-study-logistics-en', 'case-study-manufacturing']);
    expect(slugs(searchCatalog(cards, { ...emptyCatalogQuery, language: 'en' }))).toEqual(['product-overview-en', 'case-study-logistics-en']);
    expect(slugs(searchCatalog(cards, { q: '', category: 'case-study', language: 'ja' }))).toEqual(['case-study-manufacturing']);
    expect(slugs(searchCatalog(cards, { q: 'company', category: 'case-study', language: 'ja' }))).toEqual([]);
  });
});

describe('catalog query strings', () => {
  it('reads filters from the URL, ignoring junk, and writes them back', () => {
    const query = catalogQueryFromParams(new URLSearchParams('q=%E3%80%80料金%20&category=pricing&language=ja'));
    expect(query).toEqual({ q: '料金', category: 'pricing', language: 'ja' });
    expect(catalogQueryString(query)).toBe('?q=%E6%96%99%E9%87%91&category=pricing&language=ja');
    expect(catalogQueryFromParams(new URLSearchParams('category=brochure&language=fr&q=' + 'x'.repeat(300)))).toEqual({ q: 'x'.repeat(100), category: null, language: null });
    expect(catalogQueryString(emptyCatalogQuery)).toBe('');
    expect(isFiltered(emptyCatalogQuery)).toBe(false);
    expect(isFiltered({ ...emptyCatalogQuery, language: 'en' })).toBe(true);
  });

  it('counts documents per category and language', () => {
    const facets = catalogFacets(cards);
    expect(facets.categories.get('case-study')).toBe(2);
    expect(facets.categories.get('approval-template')).toBeUndefined();
    expect(facets.languages.get('en')).toBe(2);
    expect(facets.languages.get('ja')).toBe(4);
  });
});

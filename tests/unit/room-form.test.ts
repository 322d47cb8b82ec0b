// The room builder page's rules outside the database: where the keyboard focus goes back to after a
// document button, and what the builder shows (stored room, or the refused submission).
import { describe, expect, it } from 'vitest';
import type { CatalogCard } from '../../src/server/documents/catalog-search';
import { emptyCatalogQuery } from '../../src/server/documents/catalog-search';
import { focusAfter, roomBuilderView, roomErrorText } from '../../src/server/rooms/room-form';

const card = (slug: string, title = slug): CatalogCard => ({ slug, title, summary: '', category: 'pricing', language: 'ja', updated: new Date('2026-10-01') });
const cards = [card('pricing', '料金表'), card('security-check-sheet', 'セキュリティ'), card('roi-model', 'ROI')];

describe('focus after a document button', () => {
  const documents = ['pricing', 'security-check-sheet', 'roi-model'];
  it('goes back to the button that moves the document further, or its neighbour at the ends', () => {
    expect(focusAfter({ kind: 'up', slug: 'security-check-sheet' }, documents, [])).toBe('up-security-check-sheet');
    expect(focusAfter({ kind: 'up', slug: 'pricing' }, documents, [])).toBe('down-pricing');
    expect(focusAfter({ kind: 'down', slug: 'security-check-sheet' }, documents, [])).toBe('down-security-check-sheet');
    expect(focusAfter({ kind: 'down', slug: 'roi-model' }, documents, [])).toBe('up-roi-model');
  });
  it('after adding, to the added card’s preview link (or the catalog when it is filtered out); after removing, to the list', () => {
    expect(focusAfter({ kind: 'add', slug: 'roi-model' }, documents, ['roi-model'])).toBe('preview-roi-model');
    expect(focusAfter({ kind: 'add', slug: 'roi-model' }, documents, [])).toBe('catalog-heading');
    expect(focusAfter({ kind: 'remove', slug: 'roi-model' }, ['pricing'], [])).toBe('selected-heading');
    expect(focusAfter('save', documents, [])).toBeNull();
    expect(focusAfter(null, documents, [])).toBeNull();
  });
});

describe('what the builder shows', () => {
  const room = {
    id: 'room-1',
    opportunityId: 'opp-1',
    title: '御社向け資料',
    message: 'ご確認ください。',
    locale: 'ja' as const,
    expiresAt: null,
    createdAt: new Date(),
    documentSlugs: ['security-check-sheet', 'gone-document', 'pricing'],
  };
  it('the stored room, its documents in order, and the slugs the catalog no longer has', () => {
    const view = roomBuilderView({ room, failure: null, defaultLocale: 'en', cards, query: emptyCatalogQuery, focus: null });
    expect(view.values).toEqual({ title: '御社向け資料', message: 'ご確認ください。', locale: 'ja', expiresOn: '' });
    expect(view.selectedCards.map((c) => c.slug)).toEqual(['security-check-sheet', 'pricing']);
    expect(view.missingSlugs).toEqual(['gone-document']);
    expect(view.results).toHaveLength(3);
    expect(view.errorEntries).toEqual([]);
    expect(view.autofocusId).toBeNull();
  });
  it('a refused submission as it was sent, with its errors, and no room yet: the workspace default language', () => {
    const failure = {
      values: { title: 'x'.repeat(200), message: '', locale: 'en', expiresOn: '2020-01-31' },
      documents: ['roi-model', 'nope'],
      fieldErrors: { title: 'tooLong', expiresOn: 'pastDate', documents: 'unknownDocument' } as const,
      badSlugs: ['nope'],
    };
    const view = roomBuilderView({ room, failure, defaultLocale: 'ja', cards, query: emptyCatalogQuery, focus: 'up:roi-model' });
    expect(view.values).toEqual(failure.values);
    expect(view.selectedCards.map((c) => c.slug)).toEqual(['roi-model']);
    expect(view.missingSlugs).toEqual([]); // the refused slug is named by its error instead
    expect(view.errorEntries.map(([field]) => field)).toEqual(['title', 'expiresOn', 'documents']);
    expect(roomErrorText('en', 'unknownDocument', 'documents', view.badSlugs)).toContain('nope');
    expect(roomBuilderView({ room: null, failure: null, defaultLocale: 'en', cards, query: emptyCatalogQuery, focus: null }).values.locale).toBe('en');
  });
});

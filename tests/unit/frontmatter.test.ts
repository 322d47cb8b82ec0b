import { describe, expect, it } from 'vitest';
import { attachmentContentType, documentFrontmatter } from '../../src/server/documents/frontmatter';
import { readingMinutes, tableOfContents } from '../../src/server/documents/presentation';

const valid = {
  title: '料金表',
  summary: 'プランと価格',
  category: 'pricing',
  language: 'ja',
  version: '2.1',
  updated: '2026-10-01',
  attachments: [{ file: 'pricing-2026.pdf', label: '料金表（PDF）' }],
};

function issuePaths(input: unknown): string[] {
  const result = documentFrontmatter.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
}

describe('document frontmatter', () => {
  it('accepts a complete document and coerces the date', () => {
    const parsed = documentFrontmatter.parse(valid);
    expect(parsed.updated).toEqual(new Date('2026-10-01'));
  });
  it('defaults attachments to none', () => {
    const { attachments: _omitted, ...rest } = valid;
    expect(documentFrontmatter.parse(rest).attachments).toEqual([]);
  });
  it('names the field that is wrong', () => {
    expect(issuePaths({ ...valid, category: 'blog' })).toEqual(['category']);
    expect(issuePaths({ ...valid, language: 'fr' })).toEqual(['language']);
    expect(issuePaths({ ...valid, updated: 'someday' })).toEqual(['updated']);
    expect(issuePaths({ ...valid, title: '' })).toEqual(['title']);
    const { summary: _s, ...noSummary } = valid;
    expect(issuePaths(noSummary)).toEqual(['summary']);
    expect(issuePaths({ ...valid, attachments: [{ file: '../x.pdf', label: 'x' }] })).toEqual(['attachments.0.file']);
    expect(issuePaths({ ...valid, attachments: [{ file: 'x.exe', label: 'x' }] })).toEqual(['attachments.0.file']);
  });
  it('rejects unknown fields, so typos do not pass silently', () => {
    expect(issuePaths({ ...valid, categroy: 'pricing' })).toEqual(['']);
  });
  it('knows attachment content types', () => {
    expect(attachmentContentType('a.pdf')).toBe('application/pdf');
    expect(attachmentContentType('a.csv')).toMatch(/^text\/csv/);
    expect(attachmentContentType('a.xlsx')).toMatch(/spreadsheetml/);
  });
});

describe('readingMinutes', () => {
  it('reads Japanese at about 500 characters a minute', () => {
    expect(readingMinutes('あ'.repeat(2500), 'ja')).toBe(5);
  });
  it('reads English at about 220 words a minute', () => {
    expect(readingMinutes('word '.repeat(660), 'en')).toBe(3);
  });
  it('is never zero and ignores markup', () => {
    expect(readingMinutes('', 'ja')).toBe(1);
    expect(readingMinutes('| --- | --- |\n'.repeat(400), 'ja')).toBe(1);
  });
});

describe('tableOfContents', () => {
  it('nests ### under their ## so each level is numbered on its own', () => {
    const h = (depth: number, text: string) => ({ depth, slug: text, text });
    const toc = tableOfContents([h(3, 'はじめに'), h(2, '料金プラン'), h(3, 'プラン一覧'), h(3, 'オプション'), h(4, '細目'), h(2, '第2章'), h(1, 'タイトル')]);
    expect(toc.map((e) => [e.text, e.children.map((c) => c.text)])).toEqual([
      ['はじめに', []],
      ['料金プラン', ['プラン一覧', 'オプション']],
      ['第2章', []],
    ]);
  });
});

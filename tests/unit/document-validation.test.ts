// Checking a submitted document: every problem at once, with file, line and field, in plain words.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkContentDirectory } from '../../src/server/documents/content-sync';
import { attachmentProblem, formatProblem, splitFrontmatter, validateDocument, type DocumentSubmission } from '../../src/server/documents/validation';

const pdf = new TextEncoder().encode('%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n');

function submission(markdown: string, files: Record<string, Uint8Array> = {}, fileName = 'security-whitepaper.md'): DocumentSubmission {
  return { fileName, markdown, attachment: (name) => files[name], uploaded: Object.keys(files), attachmentPlace: 'the upload' };
}

const good = `---
title: "セキュリティ ホワイトペーパー"
summary: "暗号化とアクセス管理の考え方。"
category: whitepaper
language: ja
version: "1.0"
updated: 2026-12-01
note: "初版"
attachments:
  - file: security-whitepaper.pdf
    label: "ホワイトペーパー（PDF）"
---

## 暗号化
保存時も通信時も暗号化します。
`;

describe('validateDocument', () => {
  it('accepts a whitepaper with its PDF and gives the slug, frontmatter and body', () => {
    const result = validateDocument(submission(good, { 'security-whitepaper.pdf': pdf }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.document.slug).toBe('security-whitepaper');
    expect(result.document.frontmatter.category).toBe('whitepaper');
    expect(result.document.frontmatter.note).toBe('初版');
    expect(result.document.body.trim().startsWith('## 暗号化')).toBe(true);
    expect([...result.document.files.keys()]).toEqual(['security-whitepaper.pdf']);
  });

  it('reports every problem at once, each with its line and field', () => {
    const broken = `---
title: ""
summary: "暗号化とアクセス管理の考え方。"
category: white-paper
language: jp
version: "1.0"
updated: 2026-13-45
autor: 山田
attachments:
  - file: security-whitepaper.pdf
    label: "PDF"
  - file: missing.xlsx
    label: "Excel"
---

本文
`;
    const result = validateDocument(submission(broken, { 'security-whitepaper.pdf': new TextEncoder().encode('not a pdf'), 'extra.csv': new TextEncoder().encode('a,b\n') }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byField = Object.fromEntries(result.problems.map((p) => [p.field ?? '', p]));
    expect(byField['title']).toMatchObject({ file: 'security-whitepaper.md', line: 2, message: 'must not be empty' });
    expect(byField['category']).toMatchObject({ line: 4 });
    expect(byField['category']!.message).toContain('"white-paper" is not a category; allowed: overview, whitepaper, pricing');
    expect(byField['language']).toMatchObject({ line: 5 });
    expect(byField['language']!.message).toContain('allowed: ja, en');
    expect(byField['updated']).toMatchObject({ line: 7, message: 'not a date; write YYYY-MM-DD (e.g. 2026-12-01)' });
    expect(byField['autor']).toMatchObject({ line: 8 });
    expect(byField['autor']!.message).toContain('unknown field "autor"; allowed fields: title, summary, category');
    expect(byField['attachments[0].file']).toMatchObject({ line: 10, message: '"security-whitepaper.pdf" is not a PDF (its content is not in PDF format)' });
    expect(byField['attachments[1].file']).toMatchObject({ line: 12 });
    expect(byField['attachments[1].file']!.message).toContain('"missing.xlsx" is not in the upload');
    expect(byField['attachments']!.message).toContain('"extra.csv" was uploaded but is not listed under attachments');
    expect(result.problems).toHaveLength(8);
  });

  it('names the line of a YAML syntax error, without any framework hint', () => {
    const result = validateDocument(submission(`---\ntitle: "閉じていない\nsummary: x\n---\n\n本文\n`));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]).toMatchObject({ file: 'security-whitepaper.md', field: null });
    expect(result.problems[0]!.line).toBeGreaterThanOrEqual(2);
    expect(result.problems[0]!.message).toMatch(/^YAML syntax error: /);
    expect(formatProblem(result.problems[0]!)).toMatch(/^security-whitepaper\.md:\d+: YAML syntax error/);
    expect(result.problems.map((p) => p.message).join(' ')).not.toMatch(/Astro|Browser APIs|window/i);
  });

  it('lists every missing field, and speaks Japanese to a Japanese editor', () => {
    const result = validateDocument(submission(`---\ntitle: "題名"\n---\n\n本文\n`), 'ja');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.field)).toEqual(['summary', 'category', 'language', 'version', 'updated']);
    expect(result.problems.map((p) => p.message)).toContain('必須の項目「category」がありません。');
    expect(result.problems.map((p) => p.message)).toContain('必須の項目「updated」がありません。');
  });

  it('refuses a missing frontmatter, a bad file name and an empty body', () => {
    const noFrontmatter = validateDocument(submission('## 見出し\n', {}, 'Security Paper.md'));
    expect(noFrontmatter.ok).toBe(false);
    if (noFrontmatter.ok) return;
    expect(noFrontmatter.problems.map((p) => p.line)).toEqual([null, 1]);
    expect(noFrontmatter.problems[0]!.message).toContain('lowercase letters, digits and hyphens');
    const empty = validateDocument(submission(good.replace(/## 暗号化\n保存時も通信時も暗号化します。\n/, ''), { 'security-whitepaper.pdf': pdf }));
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.problems).toEqual([{ file: 'security-whitepaper.md', line: 13, field: null, message: 'There is no text after the frontmatter.' }]);
  });
});

describe('attachment names', () => {
  it('never looks up a name the schema refused', () => {
    const asked: string[] = [];
    const markdown = good.replace('file: security-whitepaper.pdf', 'file: ../../etc/passwd');
    const result = validateDocument({ fileName: 'security-whitepaper.md', markdown, attachment: (name) => (asked.push(name), undefined) });
    expect(result.ok).toBe(false);
    expect(asked).toEqual([]);
    if (!result.ok) expect(result.problems.map((p) => p.field)).toEqual(['attachments[0].file']);
  });
});

describe('attachments are checked by content', () => {
  const zip = (names: string[]) => new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...new TextEncoder().encode(names.join(''))]);
  it('accepts real PDF, XLSX and CSV content and refuses look-alikes', () => {
    expect(attachmentProblem('a.pdf', pdf)).toBeNull();
    expect(attachmentProblem('a.xlsx', zip(['[Content_Types].xml', 'xl/workbook.xml']))).toBeNull();
    expect(attachmentProblem('a.csv', new TextEncoder().encode('項目,回答\n暗号化,あり\n'))).toBeNull();
    expect(attachmentProblem('a.xlsx', zip(['word/document.xml']))?.en).toContain('is not an Excel workbook');
    expect(attachmentProblem('a.csv', pdf)?.en).toContain('is not a CSV file');
    expect(attachmentProblem('a.csv', new Uint8Array([0xff, 0xfe, 0x00]))?.en).toContain('is not UTF-8 text');
    expect(attachmentProblem('a.pdf', new Uint8Array(0))?.en).toContain('is empty');
  });
  it('caps the size', () => {
    const big = new Uint8Array(20 * 1024 * 1024 + 1);
    big.set(pdf);
    expect(attachmentProblem('a.pdf', big)?.en).toContain('larger than 20 MB');
  });
});

describe('splitFrontmatter', () => {
  it('finds the body line after a CRLF frontmatter with a BOM', () => {
    expect(splitFrontmatter('\uFEFF---\r\ntitle: a\r\n---\r\nbody')).toMatchObject({ yaml: 'title: a\r\n', bodyLine: 4 });
  });
});

describe('content/ in the repository', () => {
  it('has no problem (the build runs the same check)', () => {
    expect(checkContentDirectory(path.resolve('content'))).toEqual([]);
  });
});

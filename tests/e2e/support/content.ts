// Reads content/*.md the way the build does (same zod schema), so tests derive titles, categories,
// dates and reading times from the documents themselves instead of copying them.
// `yaml` comes with the toolchain (vite); Astro parses frontmatter with js-yaml, and both read the
// plain YAML our documents use the same way.
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { documentFrontmatter, type DocumentFrontmatter } from '../../../src/server/documents/frontmatter';
import { readingMinutes } from '../../../src/server/documents/presentation';
import { REPO_ROOT } from './env';

export const CONTENT_DIR = path.join(REPO_ROOT, 'content');

export interface ContentDocument extends DocumentFrontmatter {
  slug: string;
  body: string;
  readingMinutes: number;
}

const FRONTMATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/;

export function contentFileExists(file: string): boolean {
  return fs.existsSync(path.join(CONTENT_DIR, file));
}

export function readContentFile(file: string): Buffer {
  return fs.readFileSync(path.join(CONTENT_DIR, file));
}

/** The document as the build sees it; throws with the file name if it is missing or invalid. */
export function readDocument(slug: string): ContentDocument {
  const file = path.join(CONTENT_DIR, `${slug}.md`);
  if (!fs.existsSync(file)) throw new Error(`content/${slug}.md does not exist`);
  const match = FRONTMATTER.exec(fs.readFileSync(file, 'utf8'));
  if (!match) throw new Error(`content/${slug}.md has no frontmatter`);
  const parsed = documentFrontmatter.safeParse(parseYaml(match[1]!));
  if (!parsed.success) throw new Error(`content/${slug}.md: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const body = match[2]!;
  return { ...parsed.data, slug, body, readingMinutes: readingMinutes(body, parsed.data.language) };
}

/** Whether a document exists at all (for rooms that list a removed slug). */
export function documentExists(slug: string): boolean {
  return fs.existsSync(path.join(CONTENT_DIR, `${slug}.md`));
}

const enMonths = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The date as a prospect must see it, written out by hand (not through Intl, which the app uses):
 * "2026/10/01" in Japanese, "Oct 1, 2026" in English, the calendar day in Japan.
 */
export function expectedDate(locale: 'ja' | 'en', date: Date): string {
  const tokyo = new Date(date.getTime() + 9 * 60 * 60 * 1000);
  const y = tokyo.getUTCFullYear();
  const m = tokyo.getUTCMonth();
  const d = tokyo.getUTCDate();
  return locale === 'ja' ? `${y}/${String(m + 1).padStart(2, '0')}/${String(d).padStart(2, '0')}` : `${enMonths[m]} ${d}, ${y}`;
}

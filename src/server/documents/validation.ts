// Checking a submitted document (Markdown with YAML frontmatter, plus its attachments) before it
// is rendered: every problem at once, each with the file, the line and the field, in plain words.
// The same check runs for the studio's uploads, `ringi content sync` and the build (ADR 0018).
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { ZodIssue } from 'zod';
import type { Locale } from '../i18n/format';
import { isValidSlug } from '../rooms/access-rules';
import { attachmentFilePattern, documentCategories, documentFrontmatter, type DocumentFrontmatter } from './frontmatter';

export const MAX_MARKDOWN_BYTES = 512 * 1024;
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

export interface DocumentProblem {
  /** The Markdown file or the attachment the problem is in. */
  file: string;
  /** 1-based line in the Markdown file, when the problem has one. */
  line: number | null;
  /** Frontmatter path such as `category` or `attachments[0].file`. */
  field: string | null;
  message: string;
}

export interface ValidDocument {
  slug: string;
  fileName: string;
  frontmatter: DocumentFrontmatter;
  body: string;
  /** The declared attachments' bytes, by file name. */
  files: Map<string, Uint8Array>;
}

export interface DocumentSubmission {
  /** `<slug>.md`: the file name is the document's URL. */
  fileName: string;
  markdown: string;
  /** The bytes of an attachment by its name, or undefined when it was not supplied. */
  attachment: (name: string) => Uint8Array | undefined;
  /** Files uploaded with the document (the studio): each must be declared in the frontmatter. */
  uploaded?: readonly string[];
  /** Where attachments are looked for, for the messages ("content/" for git, "the upload" for the studio). */
  attachmentPlace?: string;
}

const allowedFields = Object.keys(documentFrontmatter.shape);

type Text = { ja: string; en: string };
const say = (locale: Locale, text: Text) => text[locale];

export function fieldPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}

/** The document, or every problem found in it and its attachments. */
export function validateDocument(input: DocumentSubmission, locale: Locale = 'en'): { ok: true; document: ValidDocument } | { ok: false; problems: DocumentProblem[] } {
  const file = input.fileName;
  const problems: DocumentProblem[] = [];
  const problem = (line: number | null, field: string | null, text: Text) => problems.push({ file, line, field, message: say(locale, text) });

  const slug = file.replace(/\.md$/, '');
  if (!file.endsWith('.md') || !isValidSlug(slug)) {
    problem(null, null, {
      ja: 'ファイル名は「英小文字・数字・ハイフン」と .md にしてください（例: security-whitepaper.md）。ファイル名が資料の URL になります。',
      en: 'The file name must be lowercase letters, digits and hyphens ending in .md (e.g. security-whitepaper.md); it becomes the URL.',
    });
  }
  if (new TextEncoder().encode(input.markdown).byteLength > MAX_MARKDOWN_BYTES) {
    problem(null, null, { ja: `Markdown は ${MAX_MARKDOWN_BYTES / 1024} KB までです。`, en: `The Markdown may be at most ${MAX_MARKDOWN_BYTES / 1024} KB.` });
    return { ok: false, problems };
  }

  const split = splitFrontmatter(input.markdown);
  if (!split) {
    problem(1, null, {
      ja: 'フロントマターがありません。1 行目を「---」にし、項目（title など）を書いたあと「---」の行で閉じてください。',
      en: 'No frontmatter: the first line must be "---", followed by the fields (title, …) and a closing "---" line.',
    });
    return { ok: false, problems };
  }
  const lineCounter = new LineCounter();
  const yaml = parseDocument(split.yaml, { lineCounter, prettyErrors: false, uniqueKeys: true });
  // Lines inside the YAML start after the opening "---" line.
  const lineAt = (offset: number) => lineCounter.linePos(offset).line + 1;
  for (const error of yaml.errors) {
    problem(lineAt(error.pos[0]), null, {
      ja: `YAML の書き方に誤りがあります: ${error.message}（インデント、コロンの後の空白、引用符の閉じ忘れを確認してください）`,
      en: `YAML syntax error: ${error.message} (check the indentation, a space after each colon, and closing quotes)`,
    });
  }
  if (yaml.errors.length !== 0) return { ok: false, problems };

  const data: unknown = yaml.toJS() ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    problem(2, null, { ja: 'フロントマターは「項目: 値」の形で書いてください。', en: 'The frontmatter must be "field: value" lines.' });
    return { ok: false, problems };
  }
  const parsed = documentFrontmatter.safeParse(data);
  const lineOf = (path: readonly (string | number)[]) => nodeLine(yaml, path, lineAt) ?? 1;
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const path = [...issue.path, key];
          const known = issue.path.length === 0 ? allowedFields : ['file', 'label'];
          problem(lineOf(path), fieldPath(path), {
            ja: `「${key}」という項目はありません。使える項目: ${known.join(', ')}`,
            en: `unknown field "${key}"; allowed fields: ${known.join(', ')}`,
          });
        }
      } else {
        const missing = valueAt(data, issue.path) === undefined;
        problem(lineOf(issue.path), fieldPath(issue.path), missing ? required(fieldPath(issue.path)) : issueText(issue));
      }
    }
  }
  const body = input.markdown.slice(split.bodyOffset);
  if (body.trim() === '') {
    problem(split.bodyLine, null, { ja: 'フロントマターの後に本文がありません。', en: 'There is no text after the frontmatter.' });
  }

  // Attachments: declared ones must be supplied and be what their name says; uploads must be declared.
  const declared = parsed.success ? parsed.data.attachments : declaredAttachments(data as object);
  const files = new Map<string, Uint8Array>();
  const place = input.attachmentPlace ?? 'content/';
  for (const [index, attachment] of declared.entries()) {
    // A name the schema refused (reported above) is never looked up: it could point anywhere.
    if (!attachmentFilePattern.test(attachment.file)) continue;
    const path = ['attachments', index, 'file'];
    const bytes = input.attachment(attachment.file);
    if (!bytes) {
      problem(lineOf(path), fieldPath(path), {
        ja: `添付ファイル「${attachment.file}」が ${place} にありません。ファイルを添えるか、この行を削除してください。`,
        en: `attachment "${attachment.file}" is not in ${place}; add the file or remove this entry`,
      });
      continue;
    }
    const content = attachmentProblem(attachment.file, bytes);
    if (content) problem(lineOf(path), fieldPath(path), content);
    else files.set(attachment.file, bytes);
  }
  const declaredNames = new Set(declared.map((a) => a.file));
  for (const name of input.uploaded ?? []) {
    if (!declaredNames.has(name)) {
      problem(null, 'attachments', {
        ja: `「${name}」をアップロードしましたが、フロントマターの attachments にありません。「- file: ${name}」と label を追加してください。`,
        en: `"${name}" was uploaded but is not listed under attachments; add "- file: ${name}" with a label`,
      });
    }
  }

  if (problems.length !== 0 || !parsed.success) return { ok: false, problems };
  return { ok: true, document: { slug, fileName: file, frontmatter: parsed.data, body, files } };
}

function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[key] : undefined), data);
}

function required(field: string): Text {
  return { ja: `必須の項目「${field}」がありません。`, en: `the required field "${field}" is missing` };
}

function issueText(issue: ZodIssue): Text {
  if (issue.code === 'invalid_enum_value') {
    const options = issue.options.join(', ');
    if (issue.path[0] === 'category') {
      return { ja: `「${String(issue.received)}」は分類にありません。使える分類: ${documentCategories.join(', ')}`, en: `"${String(issue.received)}" is not a category; allowed: ${options}` };
    }
    return { ja: `「${String(issue.received)}」は使えません。使える値: ${options}`, en: `"${String(issue.received)}" is not allowed; allowed: ${options}` };
  }
  if (issue.code === 'invalid_date') return { ja: '日付を YYYY-MM-DD で書いてください（例: 2026-12-01）。', en: 'not a date; write YYYY-MM-DD (e.g. 2026-12-01)' };
  if (issue.code === 'too_small' && issue.type === 'string') return { ja: '空にできません。', en: 'must not be empty' };
  if (issue.code === 'too_big' && issue.type === 'string') return { ja: `${issue.maximum} 文字以内にしてください。`, en: `at most ${issue.maximum} characters` };
  if (issue.code === 'too_big' && issue.type === 'array') return { ja: `${issue.maximum} 件までです。`, en: `at most ${issue.maximum} entries` };
  if (issue.code === 'invalid_type' && issue.expected === 'string' && (issue.received === 'number' || issue.received === 'boolean')) {
    return { ja: '文字列として引用符で囲んでください（例: "2.1"）。', en: 'must be text: put it in quotes (e.g. "2.1")' };
  }
  if (issue.code === 'invalid_type') {
    return { ja: `${typeName(issue.expected, 'ja')}で書いてください（${typeName(issue.received, 'ja')}になっています）。`, en: `must be ${typeName(issue.expected, 'en')}, not ${typeName(issue.received, 'en')}` };
  }
  if (issue.code === 'invalid_string') {
    return { ja: '英小文字・数字・ハイフンの名前に .pdf、.xlsx、.csv を付けてください。', en: issue.message };
  }
  return { ja: issue.message, en: issue.message };
}

function typeName(type: string, locale: Locale): string {
  const names: Record<string, Text> = {
    string: { ja: '文字列', en: 'text' },
    array: { ja: 'リスト（「- 」で始まる行）', en: 'a list ("- " lines)' },
    object: { ja: '「項目: 値」', en: '"field: value" lines' },
    number: { ja: '数値', en: 'a number' },
    null: { ja: '空', en: 'empty' },
    date: { ja: '日付', en: 'a date' },
  };
  return names[type]?.[locale] ?? type;
}

function declaredAttachments(data: object): { file: string }[] {
  const list = (data as { attachments?: unknown }).attachments;
  if (!Array.isArray(list)) return [];
  return list.filter((a): a is { file: string } => typeof a === 'object' && a !== null && typeof (a as { file?: unknown }).file === 'string');
}

/** The frontmatter's YAML, and where the body starts; null without a `---` … `---` block first. */
export function splitFrontmatter(markdown: string): { yaml: string; bodyOffset: number; bodyLine: number } | null {
  const text = markdown.replace(/^\uFEFF/, '');
  const bom = markdown.length - text.length;
  const open = /^---[ \t]*\r?\n/.exec(text);
  if (!open) return null;
  const close = /^---[ \t]*(?:\r?\n|$)/m;
  const rest = text.slice(open[0].length);
  const end = close.exec(rest);
  if (!end) return null;
  const yaml = rest.slice(0, end.index);
  const bodyOffset = bom + open[0].length + end.index + end[0].length;
  const bodyLine = text.slice(0, bodyOffset - bom).split('\n').length;
  return { yaml, bodyOffset, bodyLine };
}

/** The line of the value at `path`, else of its nearest parent that exists. */
function nodeLine(yaml: Document, path: readonly (string | number)[], lineAt: (offset: number) => number): number | null {
  for (let depth = path.length; depth > 0; depth--) {
    const node = yaml.getIn(path.slice(0, depth), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return lineAt(node.range[0]);
  }
  return null;
}

const startsWith = (bytes: Uint8Array, prefix: number[]) => prefix.every((b, i) => bytes[i] === b);
const PDF = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-
const ZIP = [0x50, 0x4b, 0x03, 0x04]; // PK\3\4

function containsAscii(bytes: Uint8Array, text: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(text, 0, 'latin1');
}

/** What is wrong with an attachment's bytes for its name (PDF, XLSX or CSV, checked by content), or null. */
export function attachmentProblem(name: string, bytes: Uint8Array): Text | null {
  if (bytes.byteLength > MAX_ATTACHMENT_BYTES) {
    const mb = MAX_ATTACHMENT_BYTES / 1024 / 1024;
    return { ja: `「${name}」は ${mb} MB を超えています。`, en: `"${name}" is larger than ${mb} MB` };
  }
  if (bytes.byteLength === 0) return { ja: `「${name}」は空のファイルです。`, en: `"${name}" is empty` };
  const kind = name.split('.').pop();
  if (kind === 'pdf' && !startsWith(bytes, PDF)) return { ja: `「${name}」は PDF ではありません（中身が PDF の形式ではありません）。`, en: `"${name}" is not a PDF (its content is not in PDF format)` };
  if (kind === 'xlsx' && !(startsWith(bytes, ZIP) && containsAscii(bytes, '[Content_Types].xml') && containsAscii(bytes, 'xl/'))) {
    return { ja: `「${name}」は Excel（.xlsx）ではありません。`, en: `"${name}" is not an Excel workbook (.xlsx)` };
  }
  if (kind === 'csv') {
    let text = '';
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return { ja: `「${name}」は UTF-8 のテキスト（CSV）ではありません。`, en: `"${name}" is not UTF-8 text (CSV)` };
    }
    if (text.includes('\u0000') || startsWith(bytes, PDF) || startsWith(bytes, ZIP)) return { ja: `「${name}」は CSV ではありません。`, en: `"${name}" is not a CSV file` };
  }
  if (kind !== 'pdf' && kind !== 'xlsx' && kind !== 'csv') return { ja: `「${name}」: 添付できるのは PDF、XLSX、CSV です。`, en: `"${name}": attachments may be PDF, XLSX or CSV` };
  return null;
}

/** One line per problem: `file:line field: message`, as the CLI and the build print them. */
export function formatProblem(problem: DocumentProblem): string {
  const where = problem.line === null ? problem.file : `${problem.file}:${problem.line}`;
  return `${where}${problem.field ? ` ${problem.field}` : ''}: ${problem.message}`;
}

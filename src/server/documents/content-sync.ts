// content/ in git as a way to publish (ADR 0018): each `<slug>.md` with its attachments goes through
// the studio's checks and becomes a new version when it changed since the last version git gave.
// Run at server start and by `ringi content sync`; `ringi content check` (part of the build) only checks.
import fs from 'node:fs';
import path from 'node:path';
import type { RingiDb } from '../db/client';
import { serialiseOn } from '../db/locks';
import type { Locale } from '../i18n/format';
import { renderMarkdown, type RenderedDocument } from './render';
import { formatProblem, validateDocument, type DocumentProblem, type DocumentSubmission, type ValidDocument } from './validation';
import { contentHash, latestFromSource, publishDraft, saveDraft } from './versions';

export type PreparedVersion = { ok: true; document: ValidDocument; rendered: RenderedDocument } | { ok: false; problems: DocumentProblem[] };

/** Checks a submission and, when it has no problem, renders it (once; the HTML is stored). */
export async function prepareVersion(submission: DocumentSubmission, locale: Locale = 'en'): Promise<PreparedVersion> {
  const checked = validateDocument(submission, locale);
  if (!checked.ok) return checked;
  const rendered = await renderMarkdown(checked.document.body, checked.document.frontmatter.language);
  return { ok: true, document: checked.document, rendered };
}

/** The Markdown files of a content directory (one level, as content/ has always been). */
export function contentFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((name) => name.endsWith('.md')).sort();
}

function submissionFrom(dir: string, fileName: string): DocumentSubmission {
  return {
    fileName,
    markdown: fs.readFileSync(path.join(dir, fileName), 'utf8'),
    // Attachment names were matched against a strict pattern first, so they cannot leave the directory.
    attachment: (name) => {
      const file = path.join(dir, name);
      return fs.existsSync(file) ? fs.readFileSync(file) : undefined;
    },
    attachmentPlace: `${path.basename(dir)}/`,
  };
}

/** Every problem of every document in the directory, with the file named as `content/<file>`. */
export function checkContentDirectory(dir: string): DocumentProblem[] {
  return contentFiles(dir).flatMap((fileName) => {
    const checked = validateDocument(submissionFrom(dir, fileName));
    return checked.ok ? [] : checked.problems.map((p) => ({ ...p, file: path.join(path.basename(dir), p.file) }));
  });
}

export interface SyncReport {
  published: { slug: string; number: number }[];
  unchanged: string[];
  problems: DocumentProblem[];
  /** Parts of raw HTML the sanitiser removed, per file. */
  stripped: { file: string; parts: string[] }[];
}

/**
 * Publishes every changed document of the directory. A file with problems is skipped (its current
 * version stays) and reported; an unchanged file publishes nothing, so a version withdrawn or
 * replaced in the studio stays so until the file itself changes.
 */
export async function syncContentDirectory(db: RingiDb, dir: string, now = new Date()): Promise<SyncReport> {
  const report: SyncReport = { published: [], unchanged: [], problems: [], stripped: [] };
  for (const fileName of contentFiles(dir)) {
    const where = path.join(path.basename(dir), fileName);
    const submission = submissionFrom(dir, fileName);
    const checked = validateDocument(submission);
    if (!checked.ok) {
      report.problems.push(...checked.problems.map((p) => ({ ...p, file: where })));
      continue;
    }
    const { document } = checked;
    const hash = contentHash(submission.markdown, document.files);
    // Rendering is most of a start's work: a file git has not changed since its last version is not rendered.
    if ((await latestFromSource(db, document.slug, 'git'))?.contentHash === hash) {
      report.unchanged.push(document.slug);
      continue;
    }
    const rendered = await renderMarkdown(document.body, document.frontmatter.language);
    // Instances starting together sync the same files: the check and the publish run as one step per
    // document, so the second instance finds the version the first one published instead of adding a twin.
    const published = await db.transaction(async (tx) => {
      await serialiseOn(tx, [`document:${document.slug}`]);
      const last = await latestFromSource(db, document.slug, 'git');
      if (last && last.contentHash === hash) return null;
      const draftId = await saveDraft(db, { document, rendered, markdown: submission.markdown, source: 'git', sourceName: where, userId: null, now });
      return publishDraft(db, draftId, now);
    });
    if (published === null) {
      report.unchanged.push(document.slug);
      continue;
    }
    if (rendered.stripped.length !== 0) report.stripped.push({ file: where, parts: rendered.stripped });
    if (published.ok) report.published.push({ slug: document.slug, number: published.number });
  }
  return report;
}

/** The report as the CLI and the server's start print it: what was published, what was stripped, every problem. */
export function syncReportLines(report: SyncReport): { info: string[]; problems: string[] } {
  return {
    info: [
      ...report.published.map(({ slug, number }) => `content: published ${slug} version ${number}`),
      ...report.stripped.map(({ file, parts }) => `content: ${file}: unsafe HTML stripped from the document: ${parts.join(', ')}`),
      `content: ${report.published.length} published, ${report.unchanged.length} unchanged, ${report.problems.length} problem(s)`,
    ],
    problems: report.problems.map((p) => `content: ${formatProblem(p)}`),
  };
}

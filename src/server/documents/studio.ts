// The content studio's publishing step (issue 18): a Markdown file (uploaded or pasted) with its
// attachments is checked, rendered once and kept as a draft to preview; publishing it makes it the
// current version. Pages call these after requireUser({ roles: publisherRoles }).
import type { RingiDb } from '../db/client';
import type { Locale } from '../i18n/format';
import type { UserRole } from '../auth/guard';
import { contentFiles, prepareVersion } from './content-sync';
import { type DocumentProblem } from './validation';
import { saveDraft } from './versions';

/** Who may publish and withdraw documents. */
export const publisherRoles: readonly UserRole[] = ['admin', 'content'];

export interface StudioUpload {
  /** The uploaded Markdown file, when one was chosen (it wins over the pasted text). */
  markdownFile: File | null;
  pastedMarkdown: string;
  /** For pasted text: the file name to use (`<slug>.md`). */
  pastedFileName: string;
  attachments: File[];
}

export type StudioResult =
  /** stripped: what the sanitiser removed from raw HTML (told to the editor, never an error). */
  | { ok: true; draftId: string; slug: string; stripped: string[] }
  | { ok: false; problems: DocumentProblem[]; markdown: string; fileName: string };

const chosen = (file: File | null | undefined): file is File => file !== null && file !== undefined && file.name !== '' && file.size > 0;

/** Checks and renders an upload; with no problem it is stored as a draft. */
export async function submitUpload(db: RingiDb, upload: StudioUpload, actor: { id: string; locale: Locale }, now = new Date()): Promise<StudioResult> {
  const locale = actor.locale;
  let markdown = upload.pastedMarkdown.replace(/\r\n/g, '\n');
  let fileName = upload.pastedFileName.trim();
  if (chosen(upload.markdownFile)) {
    fileName = upload.markdownFile.name;
    try {
      markdown = new TextDecoder('utf-8', { fatal: true }).decode(await upload.markdownFile.arrayBuffer()).replace(/\r\n/g, '\n');
    } catch {
      const message = locale === 'ja' ? 'Markdown ファイルは UTF-8 で保存してください。' : 'Save the Markdown file as UTF-8.';
      return { ok: false, problems: [{ file: fileName, line: null, field: null, message }], markdown: '', fileName };
    }
  }
  if (markdown.trim() === '') {
    const message = locale === 'ja' ? 'Markdown ファイルを選ぶか、本文を貼り付けてください。' : 'Choose a Markdown file or paste its text.';
    return { ok: false, problems: [{ file: fileName || '—', line: null, field: null, message }], markdown, fileName };
  }
  const files = new Map<string, Uint8Array>();
  for (const file of upload.attachments.filter(chosen)) files.set(file.name, new Uint8Array(await file.arrayBuffer()));
  const prepared = await prepareVersion(
    { fileName, markdown, attachment: (name) => files.get(name), uploaded: [...files.keys()], attachmentPlace: locale === 'ja' ? 'アップロードしたファイル' : 'the upload' },
    locale,
  );
  if (!prepared.ok) return { ok: false, problems: prepared.problems, markdown, fileName };
  const draftId = await saveDraft(db, { ...prepared, markdown, source: 'studio', sourceName: fileName, userId: actor.id, now });
  return { ok: true, draftId, slug: prepared.document.slug, stripped: prepared.rendered.stripped };
}

/** Whether content/ also holds this document: its next change there publishes over the studio's (ADR 0018). */
export function alsoInGit(contentDir: string, slug: string): boolean {
  return contentFiles(contentDir).includes(`${slug}.md`);
}

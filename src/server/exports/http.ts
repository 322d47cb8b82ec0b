// Answers of the CSV endpoints besides the file itself. A browser (a rep who followed a link or sent
// the form) gets a small page it can go back from; a script gets the one JSON error shape.
import { adminHeaders } from '../auth/guard';
import type { Locale } from '../i18n/format';
import { jsonError, type ErrorCode } from '../http/json';
import { messagePageHtml } from '../http/message-page';
import type { RingiDb } from '../db/client';
import { allDocumentCards } from '../documents/catalog';
import { tExports } from './messages';
import { csvHeaders, viewsCsvStream, type ViewsExportScope } from './views-csv';

function wantsHtml(request: Request): boolean {
  return (request.headers.get('accept') ?? '').includes('text/html');
}

export function exportError(
  request: Request,
  status: 400 | 404 | 405,
  code: ErrorCode,
  messages: readonly string[],
  locale: Locale,
  back: { href: string; label: string },
): Response {
  if (!wantsHtml(request)) return jsonError(status, code, messages.join(' '));
  const html = messagePageHtml([{ lang: locale, title: tExports(locale, 'error.title'), problems: messages, back }]);
  return new Response(html, { status, headers: { ...adminHeaders, 'Content-Type': 'text/html; charset=utf-8' } });
}

/** Slug → title of the catalog's documents (titles change with content; the view keeps its own as fallback). */
export async function catalogTitles(): Promise<Map<string, string>> {
  return new Map((await allDocumentCards()).map((card) => [card.slug, card.title]));
}

/** The streamed CSV download: headers first, rows batch by batch. */
export async function csvDownload(db: RingiDb, scope: ViewsExportScope, locale: Locale, titles: ReadonlyMap<string, string>, names: { ascii: string; utf8: string }): Promise<Response> {
  const stream = viewsCsvStream(db, scope, { locale, documentTitles: titles });
  return new Response(stream, { status: 200, headers: { ...adminHeaders, ...csvHeaders(names.ascii, names.utf8) } });
}

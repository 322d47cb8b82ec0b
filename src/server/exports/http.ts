// Answers of the CSV endpoints besides the file itself. A browser (a rep who followed a link or sent
// the form) gets a small page it can go back from; a script gets the one JSON error shape.
import { adminHeaders } from '../auth/guard';
import type { Locale } from '../i18n/format';
import { jsonError, type ErrorCode } from '../http/json';
import type { RingiDb } from '../db/client';
import { allDocumentCards } from '../documents/catalog';
import { tExports } from './messages';
import { csvHeaders, viewsCsvStream, type ViewsExportScope } from './views-csv';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

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
  const title = tExports(locale, 'error.title');
  const items = messages.map((m) => `<li>${escapeHtml(m)}</li>`).join('');
  const html = `<!doctype html><html lang="${locale}"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="/favicon.svg" type="image/svg+xml"><title>${escapeHtml(title)} — Ringi</title><main><h1>${escapeHtml(title)}</h1><ul role="alert">${items}</ul><p><a href="${escapeHtml(back.href)}">← ${escapeHtml(back.label)}</a></p></main></html>`;
  return new Response(html, { status, headers: { ...adminHeaders, 'Content-Type': 'text/html; charset=utf-8' } });
}

/** Slug → title of the catalog's documents (titles change with content; the view keeps its own as fallback). */
export async function catalogTitles(): Promise<Map<string, string>> {
  return new Map((await allDocumentCards()).map((card) => [card.slug, card.title]));
}

/** The streamed CSV download: headers first, rows batch by batch. */
export function csvDownload(db: RingiDb, scope: ViewsExportScope, locale: Locale, titles: ReadonlyMap<string, string>, names: { ascii: string; utf8: string }): Response {
  const stream = viewsCsvStream(db, scope, { locale, documentTitles: titles });
  return new Response(stream, { status: 200, headers: { ...adminHeaders, ...csvHeaders(names.ascii, names.utf8) } });
}

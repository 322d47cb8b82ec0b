// The small HTML page that admin endpoints answer when a browser's request cannot go on (403, 404,
// a bad export range): not an Astro page, because endpoints and the guard answer before any render.
import type { Locale } from '../i18n/format';

export interface MessageSection {
  lang: Locale;
  title: string;
  paragraphs?: readonly string[];
  /** Listed as an alert (e.g. what was wrong with the input). */
  problems?: readonly string[];
  /** A button that posts to `href` (the one step the page offers, e.g. signing out). */
  action?: { href: string; label: string };
  back: { href: string; label: string };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * One section per language, the reader's first; the title names them all. `refusal` marks the page
 * (`<main data-refusal="forbidden">`) when it refuses something (./refusal.ts).
 */
export function messagePageHtml(sections: readonly [MessageSection, ...MessageSection[]], options: { refusal?: string } = {}): string {
  const title = sections.map((s) => escapeHtml(s.title)).join(' / ');
  const body = sections
    .map((s) => {
      const paragraphs = (s.paragraphs ?? []).map((p) => `<p>${escapeHtml(p)}</p>`).join('');
      const problems = s.problems?.length ? `<ul role="alert">${s.problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>` : '';
      const action = s.action ? `<form method="post" action="${escapeHtml(s.action.href)}"><button type="submit">${escapeHtml(s.action.label)}</button></form>` : '';
      return `<section lang="${s.lang}"><h1>${escapeHtml(s.title)}</h1>${paragraphs}${problems}${action}<p><a href="${escapeHtml(s.back.href)}">← ${escapeHtml(s.back.label)}</a></p></section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="${sections[0].lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<title>${title} — Ringi</title>
</head>
<body>
<main${options.refusal ? ` data-refusal="${escapeHtml(options.refusal)}"` : ''}>
${body}
</main>
</body>
</html>
`;
}

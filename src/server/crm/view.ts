// Small helpers the CRM pages share: reading a posted form, list URLs, calendar dates.
import { crossSiteRefusal, MAX_TEXT_FORM_BYTES, readForm as readAdminForm } from '../http/forms';
import type { Locale } from '../i18n/format';
import { formatDate } from '../i18n/format';
import type { CrmErrorCode, FieldErrors } from './common';
import { errorMessage } from './messages';

/**
 * The posted form as strings (an empty object when the body is not a form or too large: the page
 * answers 400), or a 403 response for a cross-site post.
 */
export async function readForm(context: { request: Request; url: URL }): Promise<Record<string, string> | Response> {
  const posted = await readAdminForm(context.request, context.url, MAX_TEXT_FORM_BYTES);
  if (posted.ok) return posted.fields;
  return posted.problem === 'crossSite' ? crossSiteRefusal() : {};
}

/** A YYYY-MM-DD calendar date in the reader's format (taken at noon UTC so no time zone shifts the day). */
export function formatCalendarDate(locale: Locale, value: string | null): string {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return '';
  return formatDate(locale, new Date(`${value}T12:00:00Z`));
}

/** The current list URL with some parameters changed (empty values removed), for filters and pages. */
export function listHref(url: URL, changes: Record<string, string | number | null>): string {
  const params = new URLSearchParams(url.searchParams);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === '') params.delete(name);
    else params.set(name, String(value));
  }
  for (const [name, value] of [...params]) if (value === '') params.delete(name);
  const query = params.toString();
  return query ? `${url.pathname}?${query}` : url.pathname;
}

/** Translated field errors, in the order the form shows its fields (for the summary above the form). */
export function errorList<F extends string>(locale: Locale, errors: FieldErrors<F>, fields: { name: F; label: string; id: string }[]) {
  return fields
    .filter((f) => errors[f.name])
    .map((f) => ({ id: f.id, label: f.label, message: errorMessage(locale, errors[f.name] as CrmErrorCode) }));
}

export function translatedErrors<F extends string>(locale: Locale, errors: FieldErrors<F>): Partial<Record<F, string>> {
  const out: Partial<Record<F, string>> = {};
  for (const [field, code] of Object.entries(errors) as [F, CrmErrorCode][]) out[field] = errorMessage(locale, code);
  return out;
}

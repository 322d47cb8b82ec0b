// Small helpers the CRM pages share: outcomes of their forms, list URLs, calendar dates.
import type { FormOutcome } from '../http/admin-form';
import type { PostedForm } from '../http/forms';
import type { Locale } from '../i18n/format';
import { formatDate } from '../i18n/format';
import type { CrmErrorCode, CrmResult, FieldErrors } from './common';
import { refusalResponse, type RefusalOptions } from '../http/refusal';
import { errorMessage, tCrm, type CrmMessageKey } from './messages';

/** A refused CRM form: which one (`intent`), what was sent, the field errors. */
export interface CrmFormFailure<F extends string> {
  intent: string;
  values: Record<string, string>;
  errors: FieldErrors<F>;
}

/**
 * The admin form pipeline's outcome of a CRM result: saved → `redirect(value)`, invalid → the form
 * again, else the refusal page (saying `forbidden` when given).
 */
export function crmOutcome<T, F extends string>(
  form: Pick<PostedForm, 'fields'>,
  result: CrmResult<T, F>,
  redirect: (value: T) => string,
  forbidden?: CrmMessageKey,
): FormOutcome<CrmFormFailure<F>> {
  if (result.ok) return { ok: true, redirect: redirect(result.value) };
  if (result.reason === 'forbidden' && forbidden) return { ok: false, reason: 'forbidden', detail: (lang) => tCrm(lang, forbidden) };
  if (result.reason !== 'invalid') return { ok: false, reason: result.reason };
  return { ok: false, reason: 'invalid', failed: { intent: form.fields.intent ?? '', values: form.fields, errors: result.fieldErrors } };
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

/** The refusal page's reason and way back, in CRM words. */
export function crmRefusal(detail: CrmMessageKey, back: { href: string; label: CrmMessageKey }): RefusalOptions {
  return { detail: (lang) => tCrm(lang, detail), back: { href: back.href, label: (lang) => tCrm(lang, back.label) } };
}

/** A record that does not exist: the refusal page (404), back to its list. */
export function notFoundRefusal(locale: Locale, list: 'accounts' | 'opportunities'): Response {
  return refusalResponse(locale, 'not_found', crmRefusal('notFound.body', { href: `/admin/${list}`, label: `back.${list}` }));
}

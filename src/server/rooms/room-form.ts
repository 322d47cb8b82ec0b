// The room builder page's act step and view rules (src/pages/admin/opportunities/[id]/room.astro).
// Every button posts the whole form: `op` says which (save, add:/remove:/up:/down:<slug>, or the
// catalog's filter/clearFilter, which save like "save" and then show the new results).
import type { SessionUser } from '../auth/sessions';
import { catalogQueryFromParams, catalogQueryString, emptyCatalogQuery, type CatalogQuery } from '../documents/catalog-search';
import type { RingiDb } from '../db/client';
import type { FormOutcome } from '../http/admin-form';
import type { PostedForm } from '../http/forms';
import type { Locale } from '../i18n/format';
import { tRooms } from './admin-messages';
import { applyRoomDocumentOp, MAX_MESSAGE_LENGTH, MAX_ROOM_DOCUMENTS, parseRoomOp, saveRoom, type RoomDefaults, type RoomDocumentOp, type RoomErrorCode, type RoomField, type RoomFieldErrors } from './room-builder';
import { MAX_ROOM_TITLE_LENGTH } from './room-title';

/** A refused save: what the rep sent (shown again), the documents after their button, the errors. */
export interface RoomFormFailure {
  values: { title: string; message: string; locale: string; expiresOn: string };
  documents: string[];
  fieldErrors: RoomFieldErrors;
  badSlugs: string[];
}

export async function submitRoomForm(
  db: RingiDb,
  user: SessionUser,
  opportunityId: string,
  form: PostedForm,
  context: { pathname: string; query: CatalogQuery; knownSlugs: ReadonlySet<string>; defaults: RoomDefaults },
): Promise<FormOutcome<RoomFormFailure>> {
  const { fields } = form;
  const filtering = fields.op === 'filter' || fields.op === 'clearFilter';
  const op = filtering ? 'save' : parseRoomOp(fields.op);
  if (op === null) return { ok: false, reason: 'bad_request' };
  const submitted = form.lists.documents ?? [];
  const documents = op === 'save' ? submitted : applyRoomDocumentOp(submitted, op);
  const values = { title: fields.title ?? '', message: fields.message ?? '', locale: fields.locale ?? '', expiresOn: fields.expiresOn ?? '' };
  const result = await saveRoom(db, user, opportunityId, { ...values, documents }, context.knownSlugs, { createUnchanged: !filtering, defaults: context.defaults });
  if (!result.ok) {
    if (result.reason !== 'invalid') return { ok: false, reason: result.reason };
    return { ok: false, reason: 'invalid', failed: { values, documents, fieldErrors: result.fieldErrors, badSlugs: result.badSlugs } };
  }
  const searched = 'q' in fields || 'category' in fields || 'language' in fields;
  const nextQuery =
    fields.op === 'clearFilter'
      ? emptyCatalogQuery
      : searched
        ? catalogQueryFromParams(new URLSearchParams((['q', 'category', 'language'] as const).map((k) => [k, fields[k] ?? ''])))
        : context.query;
  const params = new URLSearchParams(catalogQueryString(nextQuery));
  if (result.value.changed || !filtering) params.set('saved', '1');
  // No #fragment: browsers skip autofocus when the URL has one; autofocus scrolls there itself.
  if (op !== 'save') params.set('focus', `${op.kind}:${op.slug}`);
  return { ok: true, redirect: `${context.pathname}?${params}` };
}

/** After a document button, where the keyboard focus goes back to (the id of an element on the page). */
export function focusAfter(op: RoomDocumentOp | 'save' | null, documents: readonly string[], catalogSlugs: readonly string[]): string | null {
  if (!op || op === 'save') return null;
  const index = documents.indexOf(op.slug);
  if (op.kind === 'add') return catalogSlugs.includes(op.slug) ? `preview-${op.slug}` : 'catalog-heading';
  if (op.kind === 'remove' || index === -1 || documents.length < 2) return 'selected-heading';
  if (op.kind === 'up') return index === 0 ? `down-${op.slug}` : `up-${op.slug}`;
  return index === documents.length - 1 ? `up-${op.slug}` : `down-${op.slug}`;
}

/** A field's error in the rep's language. */
export function roomErrorText(locale: Locale, code: RoomErrorCode | undefined, field: RoomField, badSlugs: readonly string[]): string | undefined {
  switch (code) {
    case undefined:
      return undefined;
    case 'tooLong':
      return tRooms(locale, 'field.tooLong', { max: field === 'title' ? MAX_ROOM_TITLE_LENGTH : MAX_MESSAGE_LENGTH });
    case 'tooManyDocuments':
      return tRooms(locale, 'field.tooManyDocuments', { max: MAX_ROOM_DOCUMENTS });
    case 'unknownDocument':
    case 'duplicateDocument':
      return tRooms(locale, `field.${code}`, { slugs: badSlugs.join(', ') });
    default:
      return tRooms(locale, `field.${code}`);
  }
}

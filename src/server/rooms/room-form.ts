// The room builder page's act step and view rules (src/pages/admin/opportunities/[id]/room.astro).
// Every button posts the whole form: `op` says which (save, add:/remove:/up:/down:<slug>, or the
// catalog's filter/clearFilter, which save like "save" and then show the new results).
import type { SessionUser } from '../auth/sessions';
import { catalogFacets, catalogQueryFromParams, catalogQueryString, emptyCatalogQuery, searchCatalog, type CatalogCard, type CatalogQuery } from '../documents/catalog-search';
import type { RingiDb } from '../db/client';
import type { FormOutcome } from '../http/admin-form';
import type { PostedForm } from '../http/forms';
import { lastValidDay } from '../i18n/calendar';
import type { Locale } from '../i18n/format';
import { tRooms } from './admin-messages';
import {
  applyRoomDocumentOp,
  MAX_MESSAGE_LENGTH,
  MAX_ROOM_DOCUMENTS,
  parseRoomOp,
  saveRoom,
  type RoomDefaults,
  type RoomDocumentOp,
  type RoomErrorCode,
  type RoomField,
  type RoomFieldErrors,
  type RoomWithDocuments,
} from './room-builder';
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

/**
 * What the builder shows: the stored room, or what was just submitted when it was refused; the
 * chosen documents the catalog has (and the slugs it no longer has), the catalog's results and
 * facets, and where the keyboard focus goes back to after a document button (`focus`).
 */
export function roomBuilderView<C extends CatalogCard>(input: {
  room: RoomWithDocuments | null;
  failure: RoomFormFailure | null;
  defaultLocale: string;
  cards: readonly C[];
  query: CatalogQuery;
  focus: string | null;
}) {
  const { room, failure, cards } = input;
  const values = failure?.values ?? {
    title: room?.title ?? '',
    message: room?.message ?? '',
    locale: room?.locale ?? input.defaultLocale,
    expiresOn: room?.expiresAt ? lastValidDay(room.expiresAt) : '',
  };
  const documents = failure?.documents ?? room?.documentSlugs ?? [];
  const badSlugs = failure?.badSlugs ?? [];
  const fieldErrors = failure?.fieldErrors ?? {};
  const cardBySlug = new Map(cards.map((card) => [card.slug, card]));
  const results = searchCatalog(cards, input.query);
  return {
    values,
    fieldErrors,
    badSlugs,
    errorEntries: (Object.entries(fieldErrors) as [RoomField, RoomErrorCode][]).filter(([, code]) => code),
    selectedCards: documents.map((slug) => cardBySlug.get(slug)).filter((card) => card !== undefined),
    missingSlugs: documents.filter((slug) => !cardBySlug.has(slug) && !badSlugs.includes(slug)),
    selected: new Set(documents),
    results,
    facets: catalogFacets(cards),
    autofocusId: input.focus === null ? null : focusAfter(parseRoomOp(input.focus), documents, results.map((card) => card.slug)),
  };
}

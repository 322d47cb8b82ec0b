// Building a room for an opportunity: which documents, in what order, the rep's message, the
// prospect's language and the room's expiry. Rules are pure where they can be; database functions
// take `db` so they join a caller's transaction. Only the opportunity's owner or an admin may change it.
import crypto from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { locales, opportunities, roomDocuments, rooms } from '../db/tables';
import { canEditOpportunity, type Actor } from '../auth/permissions';
import type { Queryable, RingiDb } from '../db/client';
import { rebuildRoomAggregates } from '../tracking/aggregates';
import { endOfDay, isCalendarDate, lastValidDay, workspaceTimeZone } from '../i18n/calendar';
import type { Invalid, Refused, Result } from '../result';
import { isValidSlug } from './access-rules';
import { MAX_ROOM_TITLE_LENGTH } from './room-title';

export type { Actor };
export type RoomLocale = (typeof locales)[number];
export type Room = typeof rooms.$inferSelect;

export interface RoomWithDocuments extends Room {
  /** The rep's order; may hold slugs whose file was removed since (the prospect page skips them). */
  documentSlugs: string[];
}

export const MAX_ROOM_DOCUMENTS = 30;
export const MAX_MESSAGE_LENGTH = 4000;
/** A room or link expiry further out than this is almost certainly a typo (2062 for 2026). */
export const MAX_EXPIRY_DAYS = 3 * 366;

const DAY_MS = 24 * 60 * 60 * 1000;

// --- Expiry: reps pick a day; it ends at midnight in the workspace's time zone. ---

export type ExpiryError = 'invalidDate' | 'pastDate' | 'tooFarDate';

/** An expiry from a picked day: must end after `now` and not absurdly far away. */
export function expiryFromDate(isoDate: string, now: Date, timeZone = workspaceTimeZone()): { ok: true; expiresAt: Date } | { ok: false; error: ExpiryError } {
  if (!isCalendarDate(isoDate)) return { ok: false, error: 'invalidDate' };
  const expiresAt = endOfDay(isoDate, timeZone);
  if (expiresAt.getTime() <= now.getTime()) return { ok: false, error: 'pastDate' };
  if (expiresAt.getTime() > now.getTime() + MAX_EXPIRY_DAYS * DAY_MS) return { ok: false, error: 'tooFarDate' };
  return { ok: true, expiresAt };
}

// --- Documents: pure rules ---

export type DocumentsError = 'unknownDocument' | 'duplicateDocument' | 'tooManyDocuments';
export type DocumentsCheck = { ok: true; slugs: string[] } | { ok: false; error: DocumentsError; slugs: string[] };

/**
 * The documents a room may offer: each slug once, every one in the catalog, at most
 * MAX_ROOM_DOCUMENTS. On failure, `slugs` names the offending ones.
 */
export function checkRoomDocuments(slugs: readonly string[], knownSlugs: Iterable<string>): DocumentsCheck {
  const known = knownSlugs instanceof Set ? (knownSlugs as ReadonlySet<string>) : new Set(knownSlugs);
  const unknown = [...new Set(slugs.filter((slug) => !isValidSlug(slug) || !known.has(slug)))];
  if (unknown.length) return { ok: false, error: 'unknownDocument', slugs: unknown };
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const slug of slugs) (seen.has(slug) ? duplicates : seen).add(slug);
  if (duplicates.size) return { ok: false, error: 'duplicateDocument', slugs: [...duplicates] };
  if (slugs.length > MAX_ROOM_DOCUMENTS) return { ok: false, error: 'tooManyDocuments', slugs: [] };
  return { ok: true, slugs: [...slugs] };
}

export type RoomDocumentOp = { kind: 'add' | 'remove' | 'up' | 'down'; slug: string };

/** The builder's buttons: `save`, or `add:<slug>`, `remove:<slug>`, `up:<slug>`, `down:<slug>`. */
export function parseRoomOp(value: unknown): RoomDocumentOp | 'save' | null {
  if (value === undefined || value === null || value === '' || value === 'save') return 'save';
  if (typeof value !== 'string') return null;
  const match = /^(add|remove|up|down):(.{1,120})$/.exec(value);
  if (!match || !isValidSlug(match[2]!)) return null;
  return { kind: match[1] as RoomDocumentOp['kind'], slug: match[2]! };
}

/** The list after one button: adding appends (once), up/down swap with the neighbour, at the ends nothing moves. */
export function applyRoomDocumentOp(slugs: readonly string[], op: RoomDocumentOp): string[] {
  const list = [...slugs];
  const index = list.indexOf(op.slug);
  switch (op.kind) {
    case 'add':
      if (index === -1) list.push(op.slug);
      return list;
    case 'remove':
      return list.filter((slug) => slug !== op.slug);
    case 'up':
    case 'down': {
      const other = op.kind === 'up' ? index - 1 : index + 1;
      if (index === -1 || other < 0 || other >= list.length) return list;
      [list[index], list[other]] = [list[other]!, list[index]!];
      return list;
    }
  }
}

// --- Room settings: the form ---

const crlf = (value: unknown) => (typeof value === 'string' ? value.replace(/\r\n?/g, '\n').replace(/[ \t\n]+$/, '').replace(/^\n+/, '') : value);

export const roomSettingsInput = z.object({
  /** The buyer-facing heading; empty keeps the default from the account name (roomTitle). */
  title: z.preprocess(
    (v) => (v === undefined || v === null ? '' : typeof v === 'string' ? v.replace(/\s+/g, ' ').trim() : v),
    z.string({ invalid_type_error: 'invalid' }).max(MAX_ROOM_TITLE_LENGTH, 'tooLong').transform((v) => v || null),
  ),
  message: z.preprocess((v) => crlf(v ?? ''), z.string({ invalid_type_error: 'invalid' }).max(MAX_MESSAGE_LENGTH, 'tooLong')),
  locale: z.enum(locales, { errorMap: () => ({ message: 'invalidChoice' }) }),
  /** YYYY-MM-DD, the last day the room is open; empty for no expiry. */
  expiresOn: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v),
    z.string({ invalid_type_error: 'invalidDate' }).refine(isCalendarDate, 'invalidDate').optional(),
  ),
});

export type RoomField = 'title' | 'message' | 'locale' | 'expiresOn' | 'documents';
export type RoomErrorCode = 'invalid' | 'tooLong' | 'invalidChoice' | ExpiryError | DocumentsError;
export type RoomFieldErrors = Partial<Record<RoomField, RoomErrorCode>>;

export type RoomFailure = Refused<'not_found' | 'forbidden'> | (Invalid<RoomFieldErrors> & { badSlugs: string[] });
export type RoomResult<T> = Result<T, RoomFailure>;

export interface RoomFormInput {
  title?: unknown;
  message?: unknown;
  locale?: unknown;
  expiresOn?: unknown;
  /** Slugs in the order the rep wants them. */
  documents: readonly string[];
}

export interface RoomDefaults {
  locale?: RoomLocale;
  expiresAt?: Date | null;
}

export interface RoomSettings {
  title: string | null;
  message: string;
  locale: RoomLocale;
  expiresAt: Date | null;
}

// --- Database ---

export async function getRoomForOpportunity(db: Queryable, opportunityId: string): Promise<RoomWithDocuments | null> {
  const [room] = await db.select().from(rooms).where(eq(rooms.opportunityId, opportunityId)).limit(1);
  if (!room) return null;
  return { ...room, documentSlugs: await roomDocumentSlugs(db, room.id) };
}

export async function roomDocumentSlugs(db: Queryable, roomId: string): Promise<string[]> {
  return (await db
    .select({ slug: roomDocuments.documentSlug })
    .from(roomDocuments)
    .where(eq(roomDocuments.roomId, roomId))
    .orderBy(asc(roomDocuments.position)))
    .map((row) => row.slug);
}

/**
 * The opportunity's room, created empty if it has none (language 'ja' unless the caller passes the
 * workspace default, no expiry). Safe to call twice: the room is unique per opportunity.
 */
export async function ensureRoom(db: Queryable, opportunityId: string, defaults: RoomDefaults = {}): Promise<Room> {
  await db.insert(rooms)
    .values({ id: crypto.randomUUID(), opportunityId, message: '', locale: defaults.locale ?? 'ja', expiresAt: defaults.expiresAt ?? null })
    .onConflictDoNothing({ target: rooms.opportunityId });
  return (await db.select().from(rooms).where(eq(rooms.opportunityId, opportunityId)).limit(1))[0]!;
}

/** Replaces the room's documents with `slugs`, in that order, if they pass checkRoomDocuments. */
export async function setRoomDocuments(db: Queryable, roomId: string, slugs: readonly string[], knownSlugs: Iterable<string>): Promise<DocumentsCheck> {
  const check = checkRoomDocuments(slugs, knownSlugs);
  if (!check.ok) return check;
  await db.transaction(async (tx) => {
    await tx.delete(roomDocuments).where(eq(roomDocuments.roomId, roomId));
    if (check.slugs.length) await tx.insert(roomDocuments).values(check.slugs.map((documentSlug, position) => ({ roomId, documentSlug, position })));
    await rebuildRoomAggregates(tx, roomId);
  });
  return check;
}

export async function updateRoom(db: Queryable, roomId: string, settings: RoomSettings): Promise<void> {
  await db.update(rooms).set({ title: settings.title, message: settings.message, locale: settings.locale, expiresAt: settings.expiresAt }).where(eq(rooms.id, roomId));
}

/** Owner and account of an opportunity: what permission checks need. */
export async function opportunityAccess(db: Queryable, opportunityId: string): Promise<{ id: string; ownerUserId: string; accountId: string } | null> {
  return (
    (await db
      .select({ id: opportunities.id, ownerUserId: opportunities.ownerUserId, accountId: opportunities.accountId })
      .from(opportunities)
      .where(eq(opportunities.id, opportunityId)).limit(1))[0] ?? null
  );
}

/**
 * The room builder's save: checks permission first (nothing is read from the input for a
 * non-owner), then every field, and writes settings and documents in one transaction or nothing.
 * Creates the room on the first save. An expiry left at the room's current day is kept even if
 * that day has passed (editing the message of an expired room does not force a new date).
 */
export async function saveRoom(
  db: RingiDb,
  actor: Actor,
  opportunityId: string,
  input: RoomFormInput,
  knownSlugs: Iterable<string>,
  options: {
    now?: Date;
    timeZone?: string;
    defaults?: RoomDefaults;
    /** False: an opportunity without a room keeps having none when the form holds only defaults. */
    createUnchanged?: boolean;
  } = {},
): Promise<RoomResult<RoomWithDocuments & { changed: boolean }>> {
  const now = options.now ?? new Date();
  const timeZone = options.timeZone ?? workspaceTimeZone();
  const opportunity = await opportunityAccess(db, opportunityId);
  if (!opportunity) return { ok: false, reason: 'not_found' };
  if (!canEditOpportunity(actor, opportunity)) return { ok: false, reason: 'forbidden' };
  const existing = await getRoomForOpportunity(db, opportunityId);

  // Each field on its own, so the rep sees every problem at once.
  const fieldErrors: RoomFieldErrors = {};
  const code = (message: string): RoomErrorCode =>
    (['tooLong', 'invalidChoice', 'invalidDate'].includes(message) ? message : 'invalid') as RoomErrorCode;
  const shape = roomSettingsInput.shape;
  const title = shape.title.safeParse(input.title);
  if (!title.success) fieldErrors.title = code(title.error.issues[0]!.message);
  const message = shape.message.safeParse(input.message);
  if (!message.success) fieldErrors.message = code(message.error.issues[0]!.message);
  const locale = shape.locale.safeParse(input.locale);
  if (!locale.success) fieldErrors.locale = code(locale.error.issues[0]!.message);
  const expiresOn = shape.expiresOn.safeParse(input.expiresOn);
  let expiresAt: Date | null = null;
  if (!expiresOn.success) fieldErrors.expiresOn = code(expiresOn.error.issues[0]!.message);
  else if (expiresOn.data) {
    const current = existing?.expiresAt ?? null;
    if (current && lastValidDay(current, timeZone) === expiresOn.data) expiresAt = current;
    else {
      const expiry = expiryFromDate(expiresOn.data, now, timeZone);
      if (expiry.ok) expiresAt = expiry.expiresAt;
      else fieldErrors.expiresOn = expiry.error;
    }
  }
  const documents = checkRoomDocuments(input.documents, knownSlugs);
  if (!documents.ok) fieldErrors.documents = documents.error;
  if (!title.success || !message.success || !locale.success || !documents.ok || Object.keys(fieldErrors).length) {
    return { ok: false, reason: 'invalid', fieldErrors, badSlugs: documents.ok ? [] : documents.slugs };
  }

  const settings: RoomSettings = { title: title.data, message: message.data, locale: locale.data, expiresAt };
  const before = existing ?? { title: null, message: '', locale: options.defaults?.locale ?? 'ja', expiresAt: options.defaults?.expiresAt ?? null, documentSlugs: [] };
  const changed =
    before.title !== settings.title ||
    before.message !== settings.message ||
    before.locale !== settings.locale ||
    (before.expiresAt?.getTime() ?? null) !== (settings.expiresAt?.getTime() ?? null) ||
    before.documentSlugs.join('\n') !== documents.slugs.join('\n');
  if (!existing && !changed && options.createUnchanged === false) {
    return { ok: true, value: { id: '', opportunityId, createdAt: now, ...settings, documentSlugs: documents.slugs, changed } };
  }
  return await db.transaction(async (tx) => {
    const room = await ensureRoom(tx, opportunityId, options.defaults);
    await updateRoom(tx, room.id, settings);
    await setRoomDocuments(tx, room.id, documents.slugs, documents.slugs);
    return { ok: true as const, value: { ...room, ...settings, documentSlugs: documents.slugs, changed } };
  });
}


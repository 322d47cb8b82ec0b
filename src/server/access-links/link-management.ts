// Access links as reps manage them on an opportunity: one per contact, created in one click,
// copied again (the sealed secret is opened with the server key), revoked, extended or regenerated.
// Only the opportunity's owner or an admin changes links. Tokens are returned to the caller for the
// page to show; nothing here logs them.
import { and, desc, eq, inArray, isNull, max, ne, sql } from 'drizzle-orm';
import { accessLinks, contacts, linkEvents, rooms, users, visits } from '../db/tables';
import { canEditOpportunity } from '../auth/permissions';
import { config } from '../config';
import type { Queryable, RingiDb } from '../db/client';
import { rebuildRoomAggregates } from '../tracking/aggregates';
import type { BuyingRole } from '../crm/messages';
import { linkState, type LinkState } from '../rooms/access-rules';
import { addDays, calendarDateOf, endOfDay, lastValidDay, workspaceTimeZone } from '../i18n/calendar';
import {
  ensureRoom,
  expiryFromDate,
  opportunityAccess,
  type Actor,
  type ExpiryError,
  type RoomDefaults,
} from '../rooms/room-builder';
import type { Invalid, Refused, Result } from '../result';
import type { SecretKey } from '../security/secret-box';
import { selectLinkScope } from '../tracking/link-scope';
import { createAccessLink, revealAccessToken } from './access-links';
import type { FieldErrors } from '../crm/common';
import { createContact, type ContactField } from '../crm/contacts';

export type LinkFailureReason =
  | 'not_found'
  | 'forbidden'
  /** The contact belongs to another account than the opportunity's. */
  | 'otherAccount'
  | 'contactArchived'
  /** The contact already has an active link into this room: copy or regenerate it instead. */
  | 'activeLinkExists'
  /** A revoked link stays revoked: regenerate gives the contact a new one. */
  | 'revoked'
  | 'invalidDays'
  | ExpiryError;

export type LinkResult<T> = Result<T, Refused<LinkFailureReason> & { contactId?: string }>;

const fail = (reason: LinkFailureReason, contactId?: string): { ok: false; reason: LinkFailureReason; contactId?: string } =>
  contactId === undefined ? { ok: false, reason } : { ok: false, reason, contactId };

/** The prospect's URL for a token: the public base address and `/r/<token>`. */
export function accessLinkUrl(token: string, baseUrl = config.publicBaseUrl): string {
  return `${baseUrl.replace(/\/+$/, '')}/r/${token}`;
}

// --- Reading ---

export interface ManagedLink {
  id: string;
  contactId: string;
  createdAt: Date;
  createdByName: string | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  status: LinkState;
  /** For an expired link: its own date passed, or the room's. */
  expiredBy: 'link' | 'room' | null;
  /** Last reading (a visit's last activity) or download/print on this link. */
  lastOpenedAt: Date | null;
  /** Last open by a mail scanner or link preview: shown apart, never as reading. */
  lastAutomatedOpenAt: Date | null;
  /** The prospect's URL, for active links when a key was given and opens the sealed secret. */
  url: string | null;
}

export interface LinkContact {
  id: string;
  accountId: string;
  name: string;
  email: string | null;
  department: string | null;
  jobTitle: string | null;
  buyingRole: BuyingRole;
  archivedAt: Date | null;
}

export interface ContactLinks {
  contact: LinkContact;
  /** The link to act on: the active one, else the newest. */
  current: ManagedLink | null;
  /** Every other link of the contact into this room, newest first. */
  previous: ManagedLink[];
  /**
   * The contact's last reading over all their links into this room: regenerating or revoking a link
   * starts a new link, not a new reader.
   */
  lastOpenedAt: Date | null;
  /** One click gives this contact a link: no active link and not archived. */
  canCreate: boolean;
}

export interface RevealOptions {
  key: SecretKey;
  baseUrl?: string;
}

/**
 * The account's contacts (archived ones only if they ever had a link here) with their links into
 * the opportunity's room, statuses as linkState() sees them at `now`. With `reveal`, active links
 * carry their URL.
 */
export async function listLinksForOpportunity(db: Queryable, opportunityId: string, now = new Date(), reveal?: RevealOptions): Promise<ContactLinks[]> {
  const opportunity = await opportunityAccess(db, opportunityId);
  if (!opportunity) return [];
  const [room] = await db.select({ id: rooms.id, expiresAt: rooms.expiresAt }).from(rooms).where(eq(rooms.opportunityId, opportunityId)).limit(1);

  const linkRows = room
    ? await db
        .select({
          id: accessLinks.id,
          contactId: accessLinks.contactId,
          sealedSecret: accessLinks.sealedSecret,
          createdAt: accessLinks.createdAt,
          expiresAt: accessLinks.expiresAt,
          revokedAt: accessLinks.revokedAt,
          createdByName: users.displayName,
        })
        .from(accessLinks)
        .leftJoin(users, eq(users.id, accessLinks.createdByUserId))
        .where(eq(accessLinks.roomId, room.id))
        .orderBy(desc(accessLinks.createdAt), desc(accessLinks.id))
    : [];

  const lastVisit = new Map<string, Date>();
  const lastEvent = new Map<string, Date>();
  const lastAutomated = new Map<string, Date>();
  if (linkRows.length) {
    for (const row of await db
      .select({ linkId: visits.accessLinkId, at: max(visits.lastActivityAt) })
      .from(visits)
      .where(eq(visits.opportunityId, opportunityId))
      .groupBy(visits.accessLinkId)) {
      if (row.at) lastVisit.set(row.linkId, row.at);
    }
    for (const row of await db
      .select({ linkId: linkEvents.accessLinkId, kind: linkEvents.kind, at: max(linkEvents.occurredAt) })
      .from(linkEvents)
      .where(eq(linkEvents.opportunityId, opportunityId))
      .groupBy(linkEvents.accessLinkId, linkEvents.kind)) {
      if (!row.at) continue;
      const into = row.kind === 'automated_open' || row.kind === 'unconfirmed_download' ? lastAutomated : lastEvent;
      const seen = into.get(row.linkId);
      if (!seen || seen.getTime() < row.at.getTime()) into.set(row.linkId, row.at);
    }
  }

  const manage = (row: (typeof linkRows)[number]): ManagedLink => {
    const status = linkState(row, room?.expiresAt ?? null, now);
    const linkExpired = row.expiresAt !== null && row.expiresAt.getTime() <= now.getTime();
    const opened = [lastVisit.get(row.id), lastEvent.get(row.id)].filter((d): d is Date => d !== undefined);
    let url: string | null = null;
    if (reveal && status === 'active') {
      const token = revealAccessToken(reveal.key, row);
      url = token ? accessLinkUrl(token, reveal.baseUrl) : null;
    }
    return {
      id: row.id,
      contactId: row.contactId,
      createdAt: row.createdAt,
      createdByName: row.createdByName,
      expiresAt: row.expiresAt,
      revokedAt: row.revokedAt,
      status,
      expiredBy: status === 'expired' ? (linkExpired ? 'link' : 'room') : null,
      lastOpenedAt: opened.length ? new Date(Math.max(...opened.map((d) => d.getTime()))) : null,
      lastAutomatedOpenAt: lastAutomated.get(row.id) ?? null,
      url,
    };
  };

  const linksByContact = new Map<string, ManagedLink[]>();
  for (const row of linkRows) {
    const list = linksByContact.get(row.contactId) ?? [];
    list.push(manage(row));
    linksByContact.set(row.contactId, list);
  }

  const linkedContactIds = [...linksByContact.keys()];
  const contactRows = await db
    .select({
      id: contacts.id,
      accountId: contacts.accountId,
      name: contacts.name,
      email: contacts.email,
      department: contacts.department,
      jobTitle: contacts.jobTitle,
      buyingRole: contacts.buyingRole,
      archivedAt: contacts.archivedAt,
    })
    .from(contacts)
    .where(
      linkedContactIds.length
        ? sql`(${contacts.accountId} = ${opportunity.accountId} and ${contacts.archivedAt} is null) or ${inArray(contacts.id, linkedContactIds)}`
        : and(eq(contacts.accountId, opportunity.accountId), isNull(contacts.archivedAt)),
    )
    .orderBy(sql`${contacts.archivedAt} is not null`, contacts.name, contacts.id);

  return contactRows.map((contact) => {
    const links = linksByContact.get(contact.id) ?? [];
    const active = links.find((l) => l.status === 'active');
    const current = active ?? links[0] ?? null;
    return {
      contact,
      current,
      previous: links.filter((l) => l !== current),
      lastOpenedAt: links.reduce<Date | null>((last, l) => (l.lastOpenedAt && (!last || l.lastOpenedAt > last) ? l.lastOpenedAt : last), null),
      canCreate: !active && contact.archivedAt === null && contact.accountId === opportunity.accountId,
    };
  });
}

// --- Changing ---

interface ActionTarget {
  opportunityId: string;
  linkId: string;
}

type LoadedLink = typeof accessLinks.$inferSelect & { roomExpiresAt: Date | null; opportunityId: string };

/** The link, if it belongs to this opportunity and the actor may change it. */
async function linkForAction(db: Queryable, actor: Actor, target: ActionTarget): Promise<LinkResult<LoadedLink>> {
  const opportunity = await opportunityAccess(db, target.opportunityId);
  if (!opportunity) return fail('not_found');
  if (!canEditOpportunity(actor, opportunity)) return fail('forbidden');
  const [row] = await selectLinkScope(db, { link: accessLinks }).where(eq(accessLinks.id, target.linkId)).limit(1);
  if (!row || row.opportunityId !== target.opportunityId) return fail('not_found');
  return { ok: true, value: { ...row.link, roomExpiresAt: row.roomExpiresAt, opportunityId: row.opportunityId } };
}

async function hasActiveLink(db: Queryable, roomId: string, roomExpiresAt: Date | null, contactId: string, now: Date, exceptLinkId?: string): Promise<boolean> {
  return (await db
    .select({ revokedAt: accessLinks.revokedAt, expiresAt: accessLinks.expiresAt })
    .from(accessLinks)
    .where(and(eq(accessLinks.roomId, roomId), eq(accessLinks.contactId, contactId), exceptLinkId ? ne(accessLinks.id, exceptLinkId) : undefined)))
    .some((link) => linkState(link, roomExpiresAt, now) === 'active');
}

export interface CreatedLink {
  id: string;
  token: string;
  contactId: string;
  roomId: string;
}

/**
 * A new link for a contact of the opportunity's account. Refused for another account's contact,
 * an archived contact, or a contact who already has an active link here. Creates the (empty) room
 * if the opportunity has none yet.
 */
export async function createLinkForContact(
  db: RingiDb,
  key: SecretKey,
  actor: Actor,
  input: { opportunityId: string; contactId: string; expiresAt?: Date | null; roomDefaults?: RoomDefaults },
  now = new Date(),
): Promise<LinkResult<CreatedLink>> {
  return await db.transaction(async (tx) => {
    const opportunity = await opportunityAccess(tx, input.opportunityId);
    if (!opportunity) return fail('not_found');
    if (!canEditOpportunity(actor, opportunity)) return fail('forbidden');
    const [contact] = await tx.select({ accountId: contacts.accountId, archivedAt: contacts.archivedAt }).from(contacts).where(eq(contacts.id, input.contactId)).limit(1);
    if (!contact) return fail('not_found');
    if (contact.accountId !== opportunity.accountId) return fail('otherAccount', input.contactId);
    if (contact.archivedAt) return fail('contactArchived', input.contactId);
    const room = await ensureRoom(tx, input.opportunityId, input.roomDefaults);
    if (await hasActiveLink(tx, room.id, room.expiresAt, input.contactId, now)) return fail('activeLinkExists', input.contactId);
    const created = await createAccessLink(tx as unknown as RingiDb, key, {
      roomId: room.id,
      contactId: input.contactId,
      createdByUserId: actor.id,
      expiresAt: input.expiresAt ?? null,
    });
    return { ok: true as const, value: { ...created, contactId: input.contactId, roomId: room.id } };
  });
}

export type AddContactResult = Result<{ contactId: string }, Refused<LinkFailureReason> | Invalid<FieldErrors<ContactField>>>;

/**
 * The opportunity page's shortcut: a new contact at the opportunity's account and their link, in one
 * step and one transaction (both or neither). Only the opportunity's owner or an admin.
 */
export async function addContactWithLink(
  db: RingiDb,
  key: SecretKey,
  actor: Actor,
  opportunityId: string,
  contact: unknown,
  now = new Date(),
  defaults: NewLinkDefaults = { roomLocale: 'ja', linkExpiryDays: 0 },
): Promise<AddContactResult> {
  const opportunity = await opportunityAccess(db, opportunityId);
  if (!opportunity) return fail('not_found');
  if (!canEditOpportunity(actor, opportunity)) return fail('forbidden');
  const refused = new Error('link refused');
  let failure: AddContactResult | null = null;
  try {
    return await db.transaction(async (tx) => {
      const created = await createContact(tx as unknown as RingiDb, actor, opportunity.accountId, contact);
      if (!created.ok) {
        failure = created.reason === 'invalid' ? { ok: false, reason: 'invalid', fieldErrors: created.fieldErrors } : fail(created.reason === 'forbidden' ? 'forbidden' : 'not_found');
        throw refused;
      }
      const link = await performLinkAction(tx as unknown as RingiDb, key, actor, opportunityId, { action: 'create', contactId: created.value.id }, now, defaults);
      if (!link.ok) {
        failure = fail(link.reason, link.contactId);
        throw refused;
      }
      return { ok: true as const, value: { contactId: created.value.id } };
    });
  } catch (error) {
    if (error === refused && failure) return failure;
    throw error;
  }
}

/** Revokes a link at `now`; the prospect's next request answers 410. Revoking twice changes nothing. */
export async function revokeLink(db: RingiDb, actor: Actor, target: ActionTarget, now = new Date()): Promise<LinkResult<{ contactId: string; revokedAt: Date }>> {
  const found = await linkForAction(db, actor, target);
  if (!found.ok) return found;
  const link = found.value;
  if (link.revokedAt) return { ok: true, value: { contactId: link.contactId, revokedAt: link.revokedAt } };
  await db.transaction(async (tx) => {
    await tx.update(accessLinks).set({ revokedAt: now }).where(and(eq(accessLinks.id, link.id), isNull(accessLinks.revokedAt)));
    await rebuildRoomAggregates(tx, link.roomId);
  });
  return { ok: true, value: { contactId: link.contactId, revokedAt: now } };
}

export type LinkExpiryChange =
  /** `days` days after the current expiry (or after today, for an expired or unlimited link). */
  | { kind: 'days'; days: number }
  /** Until the end of a calendar day (YYYY-MM-DD) in the workspace's time zone. */
  | { kind: 'until'; date: string }
  /** No expiry of its own (the room's expiry still applies). */
  | { kind: 'never' };

export const MAX_EXTEND_DAYS = 365;

/** The new expiry for a change, or why it is refused. Pure. */
export function nextExpiry(
  current: Date | null,
  change: LinkExpiryChange,
  now: Date,
  timeZone = workspaceTimeZone(),
): { ok: true; expiresAt: Date | null } | { ok: false; reason: 'invalidDays' | ExpiryError } {
  switch (change.kind) {
    case 'never':
      return { ok: true, expiresAt: null };
    case 'until': {
      const expiry = expiryFromDate(change.date, now, timeZone);
      return expiry.ok ? { ok: true, expiresAt: expiry.expiresAt } : { ok: false, reason: expiry.error };
    }
    case 'days': {
      if (!Number.isInteger(change.days) || change.days < 1 || change.days > MAX_EXTEND_DAYS) return { ok: false, reason: 'invalidDays' };
      const baseDay = current && current.getTime() > now.getTime() ? lastValidDay(current, timeZone) : calendarDateOf(now, timeZone);
      return { ok: true, expiresAt: endOfDay(addDays(baseDay, change.days), timeZone) };
    }
  }
}

/** Changes a link's own expiry; an expired link becomes active again (unless the room itself expired). */
export async function extendLink(
  db: RingiDb,
  actor: Actor,
  target: ActionTarget,
  change: LinkExpiryChange,
  now = new Date(),
  timeZone = workspaceTimeZone(),
): Promise<LinkResult<{ contactId: string; expiresAt: Date | null; status: LinkState }>> {
  const found = await linkForAction(db, actor, target);
  if (!found.ok) return found;
  const link = found.value;
  if (link.revokedAt) return fail('revoked', link.contactId);
  const next = nextExpiry(link.expiresAt, change, now, timeZone);
  if (!next.ok) return fail(next.reason, link.contactId);
  await db.update(accessLinks).set({ expiresAt: next.expiresAt }).where(eq(accessLinks.id, link.id));
  const status = linkState({ revokedAt: null, expiresAt: next.expiresAt }, link.roomExpiresAt, now);
  return { ok: true, value: { contactId: link.contactId, expiresAt: next.expiresAt, status } };
}

/**
 * Revokes a link and gives its contact a new token in one step (a forwarded or leaked link stops
 * working, the contact gets a fresh one). The new link keeps the old expiry if it is still ahead.
 */
export async function regenerateLink(
  db: RingiDb,
  key: SecretKey,
  actor: Actor,
  target: ActionTarget,
  now = new Date(),
): Promise<LinkResult<CreatedLink & { replacedLinkId: string }>> {
  return await db.transaction(async (tx) => {
    const found = await linkForAction(tx, actor, target);
    if (!found.ok) return found;
    const link = found.value;
    const opportunity = (await opportunityAccess(tx, target.opportunityId))!;
    const [contact] = await tx.select({ accountId: contacts.accountId, archivedAt: contacts.archivedAt }).from(contacts).where(eq(contacts.id, link.contactId)).limit(1);
    if (!contact || contact.accountId !== opportunity.accountId) return fail('otherAccount', link.contactId);
    if (contact.archivedAt) return fail('contactArchived', link.contactId);
    if (await hasActiveLink(tx, link.roomId, link.roomExpiresAt, link.contactId, now, link.id)) return fail('activeLinkExists', link.contactId);
    if (!link.revokedAt) await tx.update(accessLinks).set({ revokedAt: now }).where(eq(accessLinks.id, link.id));
    const created = await createAccessLink(tx as unknown as RingiDb, key, {
      roomId: link.roomId,
      contactId: link.contactId,
      createdByUserId: actor.id,
      expiresAt: link.expiresAt && link.expiresAt.getTime() > now.getTime() ? link.expiresAt : null,
    });
    return { ok: true as const, value: { ...created, contactId: link.contactId, roomId: link.roomId, replacedLinkId: link.id } };
  });
}

// --- The detail page's forms ---

export type LinkAction =
  | { action: 'create'; contactId: string }
  | { action: 'revoke'; linkId: string }
  | { action: 'regenerate'; linkId: string }
  | { action: 'extend'; linkId: string; change: LinkExpiryChange };

const idPattern = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * The action a link form posted: `action` (create|revoke|regenerate|extend), `contactId` or
 * `linkId`, and for extend `change` (`days:30`, `until` with `until=YYYY-MM-DD`, or `never`).
 * Null for anything else. The date itself is checked by nextExpiry().
 */
export function parseLinkAction(fields: Record<string, string | undefined>): LinkAction | null {
  const { action, contactId, linkId } = fields;
  if (action === 'create') return contactId && idPattern.test(contactId) ? { action, contactId } : null;
  if (!linkId || !idPattern.test(linkId)) return null;
  if (action === 'revoke' || action === 'regenerate') return { action, linkId };
  if (action !== 'extend') return null;
  const change = fields.change ?? '';
  const days = /^days:(\d{1,3})$/.exec(change);
  if (days) return { action, linkId, change: { kind: 'days', days: Number(days[1]) } };
  if (change === 'never') return { action, linkId, change: { kind: 'never' } };
  if (change === 'until') return { action, linkId, change: { kind: 'until', date: (fields.until ?? '').trim().slice(0, 20) } };
  return null;
}

/**
 * Revoking and regenerating cut the buyer off at once, so they run only from the confirmation step
 * (its form posts `confirmed=1`); the first press only asks.
 */
export function awaitsConfirmation(action: LinkAction, fields: Record<string, string | undefined>): action is Extract<LinkAction, { action: 'revoke' | 'regenerate' }> {
  return (action.action === 'revoke' || action.action === 'regenerate') && fields.confirmed !== '1';
}

export type LinkNotice = 'created' | 'revoked' | 'extended' | 'regenerated';

/** What the workspace settings (/admin/settings) decide for a link created in one click. */
export interface NewLinkDefaults {
  roomLocale: RoomDefaults['locale'];
  /** 0: the link does not expire. */
  linkExpiryDays: number;
}

/** The end of the day `days` days from today in the expiry time zone; null for 0 (never expires). */
export function defaultLinkExpiry(days: number, now: Date, timeZone = workspaceTimeZone()): Date | null {
  return days > 0 ? endOfDay(addDays(calendarDateOf(now, timeZone), days), timeZone) : null;
}

/** Runs a parsed action; the contact is returned so the page can scroll to it. */
export async function performLinkAction(
  db: RingiDb,
  key: SecretKey,
  actor: Actor,
  opportunityId: string,
  action: LinkAction,
  now = new Date(),
  defaults: NewLinkDefaults = { roomLocale: 'ja', linkExpiryDays: 0 },
): Promise<LinkResult<{ notice: LinkNotice; contactId: string }>> {
  switch (action.action) {
    case 'create': {
      const input = {
        opportunityId,
        contactId: action.contactId,
        expiresAt: defaultLinkExpiry(defaults.linkExpiryDays, now),
        roomDefaults: { locale: defaults.roomLocale },
      };
      const result = await createLinkForContact(db, key, actor, input, now);
      return result.ok ? { ok: true, value: { notice: 'created', contactId: action.contactId } } : { ...result, contactId: result.contactId ?? action.contactId };
    }
    case 'revoke': {
      const result = await revokeLink(db, actor, { opportunityId, linkId: action.linkId }, now);
      return result.ok ? { ok: true, value: { notice: 'revoked', contactId: result.value.contactId } } : result;
    }
    case 'regenerate': {
      const result = await regenerateLink(db, key, actor, { opportunityId, linkId: action.linkId }, now);
      return result.ok ? { ok: true, value: { notice: 'regenerated', contactId: result.value.contactId } } : result;
    }
    case 'extend': {
      const result = await extendLink(db, actor, { opportunityId, linkId: action.linkId }, action.change, now);
      return result.ok ? { ok: true, value: { notice: 'extended', contactId: result.value.contactId } } : result;
    }
  }
}

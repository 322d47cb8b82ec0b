// Everything a prospect's page needs, loaded from a token in one query.
import { and, asc, desc, eq, isNotNull, sql } from 'drizzle-orm';
import { accessLinks, accounts, contacts, documents, documentViews, opportunities, roomDocuments, rooms, users } from '../db/tables';
import type { RingiDb } from '../db/client';
import { findLink, selectLinkScope, type LinkScope } from '../tracking/link-scope';
import { roomOffersDocument } from './access-rules';
import { roomTitle } from './room-title';

export interface RepContact {
  name: string;
  email: string;
  phone: string | null;
  jobTitle: string | null;
}

export interface ProspectRoom extends LinkScope {
  locale: 'ja' | 'en';
  message: string;
  /** The buyer-facing heading (roomTitle); the opportunity's internal name is deliberately not loaded. */
  title: string;
  accountName: string;
  contactName: string;
  rep: RepContact;
  /** The room's documents that have a current version, in the rep's order. */
  documentSlugs: string[];
  /** Slug → the current version's id: part of the page template's fingerprint, so a new version renders anew. */
  documentVersions: Record<string, string>;
  /**
   * Documents this contact last read in an older version ("updated since you last read"). Per link,
   * but empty for most links, so those still share one template (ADR 0006's fingerprint).
   */
  updatedSinceRead: string[];
}

export type ProspectAccess =
  /** Malformed, unknown or wrong secret: answer as if nothing were there. */
  | { status: 'unknown' }
  /** The link was real: tell the prospect how to reach the rep, nothing else. */
  | { status: 'revoked' | 'expired'; locale: 'ja' | 'en'; rep: RepContact }
  | { status: 'active'; room: ProspectRoom };

// Prepared once per connection: building and compiling this join on every hit cost about a third
// of a document page's CPU (docs/performance.md).
function prepareLookups(db: RingiDb) {
  return {
    link: selectLinkScope(db, {
      locale: rooms.locale,
      message: rooms.message,
      roomTitle: rooms.title,
      accountName: accounts.name,
      contactName: contacts.name,
      repName: users.displayName,
      repEmail: users.email,
      repPhone: users.phone,
      repJobTitle: users.jobTitle,
    })
      .innerJoin(accounts, eq(accounts.id, opportunities.accountId))
      .innerJoin(contacts, eq(contacts.id, accessLinks.contactId))
      .innerJoin(users, eq(users.id, opportunities.ownerUserId))
      .where(eq(accessLinks.id, sql.placeholder('linkId')))
      .prepare(),
    // With each document, the version this contact read last: one index walk per offered document
    // (document_views_contact_idx), however much the contact has read.
    documentSlugs: db
      .select({
        slug: roomDocuments.documentSlug,
        versionId: documents.currentVersionId,
        lastReadVersionId: sql<string | null>`(${db
          .select({ versionId: documentViews.documentVersionId })
          .from(documentViews)
          .where(
            and(
              eq(documentViews.contactId, sql.placeholder('contactId')),
              eq(documentViews.documentSlug, roomDocuments.documentSlug),
              isNotNull(documentViews.documentVersionId),
            ),
          )
          .orderBy(desc(documentViews.startedAt))
          .limit(1)})`,
      })
      .from(roomDocuments)
      .innerJoin(documents, eq(documents.slug, roomDocuments.documentSlug))
      .where(and(eq(roomDocuments.roomId, sql.placeholder('roomId')), isNotNull(documents.currentVersionId)))
      .orderBy(asc(roomDocuments.position))
      .prepare(),
  };
}

const lookups = new WeakMap<RingiDb, ReturnType<typeof prepareLookups>>();

export async function loadProspectRoom(db: RingiDb, token: string, now = new Date()): Promise<ProspectAccess> {
  let prepared = lookups.get(db);
  if (!prepared) {
    prepared = prepareLookups(db);
    lookups.set(db, prepared);
  }
  const link = await findLink(token, (linkId) => prepared.link.execute({ linkId }), now);
  if (!link) return { status: 'unknown' };
  const { row, state } = link;

  const rep: RepContact = { name: row.repName, email: row.repEmail, phone: row.repPhone, jobTitle: row.repJobTitle };
  if (state !== 'active') return { status: state, locale: row.locale, rep };

  const offered = await prepared.documentSlugs.execute({ roomId: row.roomId, contactId: row.contactId });
  const documentVersions = Object.fromEntries(offered.map((d) => [d.slug, d.versionId!]));
  const updatedSinceRead = offered.filter((d) => d.lastReadVersionId !== null && d.lastReadVersionId !== d.versionId).map((d) => d.slug);

  return {
    status: 'active',
    room: {
      accessLinkId: row.accessLinkId,
      roomId: row.roomId,
      contactId: row.contactId,
      opportunityId: row.opportunityId,
      accountId: row.accountId,
      locale: row.locale,
      message: row.message,
      title: roomTitle(row.roomTitle, row.locale, row.accountName),
      accountName: row.accountName,
      contactName: row.contactName,
      rep,
      documentSlugs: offered.map((d) => d.slug),
      documentVersions,
      updatedSinceRead,
    },
  };
}

export function roomOffers(room: ProspectRoom, slug: string): boolean {
  return roomOffersDocument(room.documentSlugs, slug);
}

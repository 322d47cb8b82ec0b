// Unknown readers on an opportunity (issue 19): the other browsers on its links that the rep has not
// named yet, with what they read; and naming one, which re-attributes its whole history (visits,
// views, downloads and prints, then the running totals and the score) to the contact the rep chose.
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { accessLinks, contacts, documentViews, linkBrowsers, linkEvents, opportunities, visits } from '../db/tables';
import type { Queryable, RingiDb, RingiTx } from '../db/client';
import { serialiseOn } from '../db/locks';
import { canEditOpportunity, type Actor } from '../auth/permissions';
import { createContact, type ContactField } from '../crm/contacts';
import type { FieldErrors } from '../crm/common';
import { ok, type Invalid, type Refused, type Result } from '../result';
import { rebuildOpportunityTotals } from './rebuild-totals';

export interface UnknownReaderDocument {
  slug: string;
  /** The title the reader saw (null for views recorded before titles were kept). */
  title: string | null;
  views: number;
  activeSeconds: number;
  maxScrollPercent: number;
  lastSeenAt: Date;
}

export interface UnknownReader {
  accessLinkId: string;
  deviceId: string;
  /** Whose link it opened. */
  linkContactId: string;
  linkContactName: string;
  deviceLabel: string;
  /** Its reading clearly differs from the link's contact: a reader of its own (else a possible one). */
  distinctReader: boolean;
  firstSeenAt: Date;
  lastSeenAt: Date;
  visits: number;
  /** Most active time first. */
  documents: UnknownReaderDocument[];
}

/** The unnamed other browsers on the opportunity's links, newest first, with their reading (raw rows). */
export async function unknownReaders(db: Queryable, opportunityId: string): Promise<UnknownReader[]> {
  const browsers = await db
    .select({
      accessLinkId: linkBrowsers.accessLinkId,
      deviceId: linkBrowsers.deviceId,
      distinctReader: linkBrowsers.distinctReader,
      firstSeenAt: linkBrowsers.firstSeenAt,
      linkContactId: accessLinks.contactId,
      linkContactName: contacts.name,
    })
    .from(linkBrowsers)
    .innerJoin(accessLinks, eq(accessLinks.id, linkBrowsers.accessLinkId))
    .innerJoin(contacts, eq(contacts.id, accessLinks.contactId))
    .where(and(eq(linkBrowsers.opportunityId, opportunityId), isNull(linkBrowsers.contactId)))
    .orderBy(asc(linkBrowsers.firstSeenAt));
  if (browsers.length === 0) return [];
  const visitRows = await db
    .select({ id: visits.id, accessLinkId: visits.accessLinkId, deviceId: visits.deviceId, deviceLabel: visits.deviceLabel, lastActivityAt: visits.lastActivityAt })
    .from(visits)
    .where(and(eq(visits.opportunityId, opportunityId), inArray(visits.deviceId, browsers.map((b) => b.deviceId))));
  const viewRows = visitRows.length === 0 ? [] : await db.select().from(documentViews).where(inArray(documentViews.visitId, visitRows.map((v) => v.id)));

  const readers = browsers.map((browser): UnknownReader => {
    const own = visitRows.filter((v) => v.accessLinkId === browser.accessLinkId && v.deviceId === browser.deviceId);
    const ids = new Set(own.map((v) => v.id));
    const documents = new Map<string, UnknownReaderDocument>();
    for (const view of viewRows.filter((v) => ids.has(v.visitId))) {
      const doc = documents.get(view.documentSlug) ?? { slug: view.documentSlug, title: view.documentTitle, views: 0, activeSeconds: 0, maxScrollPercent: 0, lastSeenAt: view.lastBeaconAt };
      doc.views += 1;
      doc.activeSeconds += view.activeSeconds;
      doc.maxScrollPercent = Math.max(doc.maxScrollPercent, view.maxScrollPercent);
      if (view.lastBeaconAt > doc.lastSeenAt) doc.lastSeenAt = view.lastBeaconAt;
      documents.set(view.documentSlug, doc);
    }
    const lastSeenAt = own.reduce((latest, v) => (v.lastActivityAt > latest ? v.lastActivityAt : latest), browser.firstSeenAt);
    return {
      ...browser,
      deviceLabel: own[0]?.deviceLabel ?? '',
      lastSeenAt,
      visits: own.length,
      documents: [...documents.values()].sort((a, b) => b.activeSeconds - a.activeSeconds || (a.slug < b.slug ? -1 : 1)),
    };
  });
  return readers.sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
}

export interface BrowserRef {
  opportunityId: string;
  accessLinkId: string;
  deviceId: string;
}

export type NameBrowserResult = Result<{ contactId: string }, Refused<'not_found' | 'forbidden'> | Invalid<FieldErrors<ContactField | 'contactId'>>>;

/** The browser, if it is an unnamed other browser on this opportunity's links, and the opportunity's account. */
async function findBrowser(db: Queryable, actor: Actor, ref: BrowserRef): Promise<Refused<'not_found' | 'forbidden'> | { accountId: string }> {
  const [opportunity] = await db
    .select({ accountId: opportunities.accountId, ownerUserId: opportunities.ownerUserId })
    .from(opportunities)
    .where(eq(opportunities.id, ref.opportunityId))
    .limit(1);
  if (!opportunity) return { ok: false, reason: 'not_found' };
  if (!canEditOpportunity(actor, opportunity)) return { ok: false, reason: 'forbidden' };
  const [browser] = await db
    .select({ contactId: linkBrowsers.contactId })
    .from(linkBrowsers)
    .where(and(eq(linkBrowsers.opportunityId, ref.opportunityId), eq(linkBrowsers.accessLinkId, ref.accessLinkId), eq(linkBrowsers.deviceId, ref.deviceId)))
    .limit(1);
  // Named already (another tab, a colleague): not found as an unknown reader.
  if (!browser || browser.contactId !== null) return { ok: false, reason: 'not_found' };
  return { accountId: opportunity.accountId };
}

/** Moves the browser's raw history to the contact, records who named it, and rebuilds the totals. */
async function reattribute(tx: RingiTx, actor: Actor, ref: BrowserRef, contactId: string, now: Date): Promise<void> {
  // Ingestion's key for starting visits on this link: a visit this browser starts meanwhile (another
  // instance, PostgreSQL) waits and then reads the name, instead of slipping in under the old contact.
  await serialiseOn(tx, [`visit-start:${ref.accessLinkId}`]);
  const browser = and(eq(visits.accessLinkId, ref.accessLinkId), eq(visits.deviceId, ref.deviceId));
  const visitIds = sql`(select ${visits.id} from ${visits} where ${browser})`;
  await tx.update(documentViews).set({ contactId }).where(and(eq(documentViews.accessLinkId, ref.accessLinkId), sql`${documentViews.visitId} in ${visitIds}`));
  await tx.update(linkEvents).set({ contactId }).where(and(eq(linkEvents.accessLinkId, ref.accessLinkId), sql`${linkEvents.visitId} in ${visitIds}`));
  await tx.update(visits).set({ contactId }).where(browser);
  await tx
    .update(linkBrowsers)
    .set({ contactId, namedByUserId: actor.id, namedAt: now })
    .where(and(eq(linkBrowsers.accessLinkId, ref.accessLinkId), eq(linkBrowsers.deviceId, ref.deviceId)));
  await rebuildOpportunityTotals(tx, ref.opportunityId);
}

/**
 * The rep says who an unknown reader is: a contact of the opportunity's account (the link's own
 * contact when it was them on another device). Its history becomes that contact's.
 */
export async function nameBrowser(db: RingiDb, actor: Actor, ref: BrowserRef, contactId: string, now = new Date()): Promise<NameBrowserResult> {
  const found = await findBrowser(db, actor, ref);
  if ('ok' in found) return found;
  const [contact] = await db.select({ accountId: contacts.accountId, archivedAt: contacts.archivedAt }).from(contacts).where(eq(contacts.id, contactId)).limit(1);
  if (!contact || contact.accountId !== found.accountId || contact.archivedAt) return { ok: false, reason: 'invalid', fieldErrors: { contactId: 'invalidChoice' } };
  await db.transaction(async (tx) => reattribute(tx, actor, ref, contactId, now));
  return ok({ contactId });
}

/** The rep creates a contact (with a buying role) from an unknown reader; its history becomes theirs. */
export async function nameBrowserAsNewContact(db: RingiDb, actor: Actor, ref: BrowserRef, contactFields: unknown, now = new Date()): Promise<NameBrowserResult> {
  const found = await findBrowser(db, actor, ref);
  if ('ok' in found) return found;
  return await db.transaction(async (tx) => {
    const created = await createContact(tx as unknown as RingiDb, actor, found.accountId, contactFields);
    if (!created.ok) return created;
    await reattribute(tx, actor, ref, created.value.id, now);
    return ok({ contactId: created.value.id });
  });
}

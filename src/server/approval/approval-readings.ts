// The reading behind the approval map: who read which document of an opportunity, from the raw views
// (kept for the retention period), each reader with their buying role. A named browser's views are its
// contact's; an unnamed other browser is an unknown reader of its own, on the link it came in on.
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { accessLinks, contacts, documentViews, linkBrowsers, rooms, visits } from '../db/tables';
import type { Queryable } from '../db/client';
import { isCompleted } from '../tracking/rules';
import type { BuyingRole } from '../crm/messages';
import type { MapReading } from './approval-map';

export interface ApprovalReadings {
  readings: MapReading[];
  /** Roles of the contacts the room was shared with (one per link). */
  linkContactRoles: BuyingRole[];
  /** Titles readers saw, for documents since removed from the catalog. */
  recordedTitles: Map<string, string>;
}

export async function approvalReadings(db: Queryable, opportunityId: string): Promise<ApprovalReadings> {
  const views = await db
    .select({
      contactId: documentViews.contactId,
      accessLinkId: documentViews.accessLinkId,
      deviceId: visits.deviceId,
      slug: documentViews.documentSlug,
      title: documentViews.documentTitle,
      activeSeconds: documentViews.activeSeconds,
      maxScrollPercent: documentViews.maxScrollPercent,
      lastBeaconAt: documentViews.lastBeaconAt,
    })
    .from(documentViews)
    .innerJoin(visits, eq(visits.id, documentViews.visitId))
    .where(eq(documentViews.opportunityId, opportunityId));
  const unnamed = await db
    .select({ accessLinkId: linkBrowsers.accessLinkId, deviceId: linkBrowsers.deviceId })
    .from(linkBrowsers)
    .where(and(eq(linkBrowsers.opportunityId, opportunityId), isNull(linkBrowsers.contactId)));
  const unnamedKeys = new Set(unnamed.map((b) => `${b.accessLinkId}/${b.deviceId}`));
  const links = await db
    .select({ accessLinkId: accessLinks.id, contactId: accessLinks.contactId })
    .from(accessLinks)
    .innerJoin(rooms, eq(rooms.id, accessLinks.roomId))
    .where(eq(rooms.opportunityId, opportunityId));
  const linkContact = new Map(links.map((l) => [l.accessLinkId, l.contactId]));
  const contactIds = [...new Set([...views.map((v) => v.contactId), ...linkContact.values()])];
  const people = contactIds.length === 0 ? [] : await db.select({ id: contacts.id, name: contacts.name, role: contacts.buyingRole }).from(contacts).where(inArray(contacts.id, contactIds));
  const person = new Map(people.map((p) => [p.id, p]));

  const readings = new Map<string, MapReading>();
  const recordedTitles = new Map<string, string>();
  for (const view of views) {
    if (view.title) recordedTitles.set(view.slug, view.title);
    const browserKey = `${view.accessLinkId}/${view.deviceId}`;
    const unknown = unnamedKeys.has(browserKey);
    const contact = person.get(view.contactId);
    const readerKey = unknown ? `browser:${browserKey}` : view.contactId;
    const key = `${readerKey}\u0000${view.slug}`;
    const reading = readings.get(key) ?? {
      readerKey,
      readerName: unknown ? '' : (contact?.name ?? ''),
      unknownOnLinkOf: unknown ? (person.get(linkContact.get(view.accessLinkId) ?? '')?.name ?? '') : null,
      role: unknown ? 'unknown' : (contact?.role ?? 'unknown'),
      documentSlug: view.slug,
      views: 0,
      activeSeconds: 0,
      completedViews: 0,
      lastSeenAt: view.lastBeaconAt,
    };
    reading.views += 1;
    reading.activeSeconds += view.activeSeconds;
    if (isCompleted(view.activeSeconds, view.maxScrollPercent)) reading.completedViews += 1;
    if (view.lastBeaconAt > reading.lastSeenAt) reading.lastSeenAt = view.lastBeaconAt;
    readings.set(key, reading);
  }
  const linkContactRoles = [...new Set([...linkContact.values()].map((id) => person.get(id)?.role ?? 'unknown'))];
  return { readings: [...readings.values()], linkContactRoles, recordedTitles };
}

// The facts the approval rules read, for one opportunity, from the read model: running totals per
// contact and document (complete, they survive the retention purge), the deal's latest visits (for
// silences and for other browsers on a link), and the contacts' buying roles. A fixed number of
// indexed queries, bounded by the deal's contacts × documents and RECENT_VISITS.
import { desc, eq, inArray } from 'drizzle-orm';
import { contacts, documentViews, readingTotals, visits } from '../db/tables';
import type { Queryable } from '../db/client';
import { chunks } from '../tracking/read-model-support';
import type { ApprovalFacts, BuyingRole, Reader, ReaderDocument } from './approval-rules';

/** Visits read per opportunity: enough for weeks of a buying committee, bounded whatever the history. */
export const RECENT_VISITS = 500;

export interface FactsOpportunity {
  id: string;
  stage: number;
  stageOutcome: 'open' | 'won' | 'lost';
  salesCycle: 'short' | 'long';
}

export type DocumentInfo = ReadonlyMap<string, { title: string; category: string | null }>;

export async function loadApprovalFacts(db: Queryable, opportunity: FactsOpportunity, documents: DocumentInfo, now: Date): Promise<ApprovalFacts> {
  // reading_totals' primary key starts with opportunity_id.
  const totals = await db
    .select({ contactId: readingTotals.contactId, slug: readingTotals.documentSlug, activeSeconds: readingTotals.activeSeconds, firstSeenAt: readingTotals.firstSeenAt })
    .from(readingTotals)
    .where(eq(readingTotals.opportunityId, opportunity.id));
  // visits_opportunity_idx, newest first.
  const recent = await db
    .select({ id: visits.id, contactId: visits.contactId, deviceId: visits.deviceId, newDevice: visits.newDevice, startedAt: visits.startedAt, lastActivityAt: visits.lastActivityAt })
    .from(visits)
    .where(eq(visits.opportunityId, opportunity.id))
    .orderBy(desc(visits.startedAt))
    .limit(RECENT_VISITS);

  const doc = (slug: string, activeSeconds: number): ReaderDocument => ({ slug, title: documents.get(slug)?.title ?? slug, category: documents.get(slug)?.category ?? null, activeSeconds });
  const byContact = new Map<string, { firstSeenAt: Date; documents: ReaderDocument[] }>();
  const seen = (contactId: string, at: Date) => {
    const entry = byContact.get(contactId) ?? { firstSeenAt: at, documents: [] };
    if (at < entry.firstSeenAt) entry.firstSeenAt = at;
    byContact.set(contactId, entry);
    return entry;
  };
  for (const t of totals) seen(t.contactId, t.firstSeenAt).documents.push(doc(t.slug, t.activeSeconds));
  for (const v of recent) seen(v.contactId, v.startedAt);

  // Other browsers on a link (a visit flagged as a new device), with every visit of that browser.
  const flagged = new Set(recent.filter((v) => v.newDevice).map((v) => v.deviceId));
  const browserVisits = recent.filter((v) => flagged.has(v.deviceId));
  const byBrowser = new Map<string, { contactId: string; firstSeenAt: Date; seconds: Map<string, number> }>();
  for (const v of browserVisits) {
    const entry = byBrowser.get(v.deviceId) ?? { contactId: v.contactId, firstSeenAt: v.startedAt, seconds: new Map<string, number>() };
    if (v.startedAt < entry.firstSeenAt) entry.firstSeenAt = v.startedAt;
    byBrowser.set(v.deviceId, entry);
  }
  const deviceOfVisit = new Map(browserVisits.map((v) => [v.id, v.deviceId]));
  for (const ids of chunks([...deviceOfVisit.keys()])) {
    // document_views_visit_idx.
    for (const view of await db.select({ visitId: documentViews.visitId, slug: documentViews.documentSlug, activeSeconds: documentViews.activeSeconds }).from(documentViews).where(inArray(documentViews.visitId, ids))) {
      const seconds = byBrowser.get(deviceOfVisit.get(view.visitId)!)!.seconds;
      seconds.set(view.slug, (seconds.get(view.slug) ?? 0) + view.activeSeconds);
    }
  }

  const contactIds = [...new Set([...byContact.keys(), ...[...byBrowser.values()].map((b) => b.contactId)])];
  const people = new Map<string, { name: string; role: BuyingRole }>();
  for (const ids of chunks(contactIds)) {
    for (const c of await db.select({ id: contacts.id, name: contacts.name, role: contacts.buyingRole }).from(contacts).where(inArray(contacts.id, ids))) people.set(c.id, { name: c.name, role: c.role });
  }

  const readers: Reader[] = [];
  for (const [contactId, entry] of byContact) {
    const person = people.get(contactId);
    if (person) readers.push({ key: `contact:${contactId}`, contactName: person.name, role: person.role, possible: false, firstSeenAt: entry.firstSeenAt, documents: entry.documents });
  }
  for (const [deviceId, entry] of byBrowser) {
    const person = people.get(entry.contactId);
    if (!person) continue;
    readers.push({
      key: `browser:${deviceId}`,
      contactName: person.name,
      role: 'unknown',
      possible: true,
      firstSeenAt: entry.firstSeenAt,
      documents: [...entry.seconds].map(([slug, seconds]) => doc(slug, seconds)),
    });
  }
  return {
    now,
    stage: opportunity.stage,
    stageOutcome: opportunity.stageOutcome,
    salesCycle: opportunity.salesCycle,
    readers,
    visits: recent.map((v) => ({ startedAt: v.startedAt, lastActivityAt: v.lastActivityAt })),
  };
}

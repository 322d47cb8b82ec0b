// The approval map (issue 19): the buyer's functions (buying roles) × the room's documents, each
// cell who of that function read the document, how much and when; and the gaps: a function the room
// serves that has not read what it needs to sign off. Pure; approval-readings.ts gathers the reading.
import type { BuyingRole } from '../crm/messages';
import { buyingRoles } from '../db/tables';
import { isDocumentRead } from '../tracking/engagement-score';

/**
 * Which functions each document category is for: whom a rep expects to read it before the 稟議 can
 * pass. Overviews, case studies and whitepapers are for everyone and make no gap.
 */
export const ROLES_BY_CATEGORY: Readonly<Record<string, readonly BuyingRole[]>> = {
  security: ['it-security'],
  pricing: ['finance-purchasing', 'decision-maker'],
  roi: ['finance-purchasing', 'decision-maker'],
  'approval-template': ['manager', 'decision-maker'],
  implementation: ['it-security', 'end-user'],
};

export function rolesForCategory(category: string | null): readonly BuyingRole[] {
  return category !== null && Object.hasOwn(ROLES_BY_CATEGORY, category) ? ROLES_BY_CATEGORY[category]! : [];
}

/**
 * The functions a room serves: those of the contacts it was shared with (an unknown role says
 * nothing), and those its documents are for (a pricing sheet in the room needs finance and the
 * decision maker). In the order of buyingRoles.
 */
export function servedRoles(linkContactRoles: Iterable<BuyingRole>, documentCategories: Iterable<string | null>): BuyingRole[] {
  const served = new Set<BuyingRole>();
  for (const role of linkContactRoles) if (role !== 'unknown') served.add(role);
  for (const category of documentCategories) for (const role of rolesForCategory(category)) served.add(role);
  return buyingRoles.filter((role) => served.has(role));
}

export interface MapDocument {
  slug: string;
  title: string;
  category: string | null;
}

/** One reader's reading of one document (all their views of it). */
export interface MapReading {
  /** A contact id, or the browser's key for an unknown reader. */
  readerKey: string;
  readerName: string;
  /** For an unknown reader: whose link it came in on. */
  unknownOnLinkOf: string | null;
  role: BuyingRole;
  documentSlug: string;
  views: number;
  activeSeconds: number;
  completedViews: number;
  lastSeenAt: Date;
}

export interface MapCellReader extends MapReading {
  /** Read (≥ 30 active seconds or to the end), not just opened. */
  read: boolean;
}

export interface ApprovalMap {
  /** Rows: the served roles and any role with reading, in buyingRoles order. */
  roles: BuyingRole[];
  documents: MapDocument[];
  /** `${role}\u0000${slug}` → readers, most active time first. */
  cells: ReadonlyMap<string, MapCellReader[]>;
  /** A served role that nobody of has read a document meant for it: highlighted, in row then column order. */
  gaps: { role: BuyingRole; slug: string }[];
  /** Served roles (from the contacts) with no document meant for them in the room and nothing read. */
  silentRoles: BuyingRole[];
}

export const cellKey = (role: BuyingRole, slug: string) => `${role}\u0000${slug}`;

export function buildApprovalMap(input: { documents: readonly MapDocument[]; linkContactRoles: readonly BuyingRole[]; readings: readonly MapReading[] }): ApprovalMap {
  const served = servedRoles(input.linkContactRoles, input.documents.map((d) => d.category));
  const withReading = new Set(input.readings.map((r) => r.role));
  const roles = buyingRoles.filter((role) => served.includes(role) || withReading.has(role));
  const cells = new Map<string, MapCellReader[]>();
  for (const reading of input.readings) {
    const key = cellKey(reading.role, reading.documentSlug);
    const list = cells.get(key) ?? [];
    list.push({ ...reading, read: isDocumentRead(reading.activeSeconds, reading.completedViews) });
    cells.set(key, list);
  }
  for (const list of cells.values()) list.sort((a, b) => b.activeSeconds - a.activeSeconds || a.readerName.localeCompare(b.readerName));

  const gaps: ApprovalMap['gaps'] = [];
  const silentRoles: BuyingRole[] = [];
  for (const role of served) {
    const meant = input.documents.filter((d) => rolesForCategory(d.category).includes(role));
    for (const doc of meant) {
      if (!(cells.get(cellKey(role, doc.slug)) ?? []).some((r) => r.read)) gaps.push({ role, slug: doc.slug });
    }
    if (meant.length === 0 && !input.readings.some((r) => r.role === role && isDocumentRead(r.activeSeconds, r.completedViews))) silentRoles.push(role);
  }
  return { roles, documents: [...input.documents], cells, gaps, silentRoles };
}

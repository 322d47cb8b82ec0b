// Who reads a room (issue 19). A link belongs to one contact, and its first browser is that contact.
// Another browser on the link is either the same person on another device (a phone and a laptop) or
// someone the link was forwarded to. Until the rep says which, it is a *possible* reader: shown as
// "unknown reader on 山田さん's link" and counted as half a reader. It counts as a reader of its own,
// still unknown, once its reading clearly differs (readsClearlyDiffer). Pure: the callers gather the inputs.

/** A possible reader counts this much in readers counts and the engagement score. */
export const POSSIBLE_READER_WEIGHT = 0.5;

export interface BrowserEvidence {
  /** Network hashes this browser read from (null: unknown network). */
  browserNetworks: ReadonlySet<string | null>;
  /** Network hashes the link's contact read from, on any of their browsers. */
  ownerNetworks: ReadonlySet<string | null>;
  /** The document this browser opens now. */
  documentSlug: string;
  /** Documents the link's contact ever opened. */
  ownerDocuments: ReadonlySet<string>;
}

/**
 * A later browser is a reader of its own when it came only from networks the link's contact never
 * used AND opens a document the contact never opened: another place and other interests. A phone on
 * mobile data re-reading the pricing the contact read at the office stays a possible reader (it is
 * the typical "same person, second device"), and so does a colleague reading the same pricing from
 * the office network. An unknown network (no address) is never evidence.
 */
export function readsClearlyDiffer(evidence: BrowserEvidence): boolean {
  const networks = [...evidence.browserNetworks];
  if (networks.length === 0 || networks.some((n) => n === null || evidence.ownerNetworks.has(n))) return false;
  return !evidence.ownerDocuments.has(evidence.documentSlug);
}

export interface BrowserState {
  /** Who the rep said it is; null while unnamed. */
  contactId: string | null;
  distinctReader: boolean;
}

export interface ReaderCount {
  /** Named contacts who read, plus unnamed browsers whose reading clearly differs. */
  readers: number;
  /** Unnamed browsers that may be the link's contact on another device. */
  possibleReaders: number;
}

/**
 * Readers of a room: the contacts with views (a named browser's views are its contact's) plus the
 * unnamed browsers, a distinct one as a reader, the others as possible readers.
 */
export function countReaders(contactsReading: number, browsers: Iterable<BrowserState>): ReaderCount {
  let distinct = 0;
  let possible = 0;
  for (const browser of browsers) {
    if (browser.contactId !== null) continue;
    if (browser.distinctReader) distinct += 1;
    else possible += 1;
  }
  return { readers: contactsReading + distinct, possibleReaders: possible };
}

/** Readers with possible ones weighted: what the engagement score counts. */
export function weightedReaders(count: ReaderCount): number {
  return count.readers + POSSIBLE_READER_WEIGHT * count.possibleReaders;
}

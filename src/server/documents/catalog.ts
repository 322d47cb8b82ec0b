// The document catalog: the current published version of every document (ADR 0018). Versions never
// change once published, so each is read from the database once per process and kept by its id;
// only "which version is current" is asked per request (one primary-key lookup).
import { eq } from 'drizzle-orm';
import { documents } from '../db/tables';
import { getDb, type RingiDb } from '../db/client';
import { currentVersionIds, getVersion, type DocumentVersion } from './versions';

export type DocumentEntry = DocumentVersion;

export interface DocumentCard {
  slug: string;
  versionId: string;
  /** 1, 2, 3… (null only for a draft in the studio's preview). */
  number: number | null;
  title: string;
  summary: string;
  category: DocumentVersion['category'];
  language: 'ja' | 'en';
  version: string;
  note: string;
  updated: Date;
  publishedAt: Date | null;
  readingMinutes: number;
  attachments: DocumentVersion['attachments'];
}

export function documentCard(entry: DocumentEntry): DocumentCard {
  return {
    slug: entry.slug,
    versionId: entry.id,
    number: entry.number,
    title: entry.title,
    summary: entry.summary,
    category: entry.category,
    language: entry.language,
    version: entry.versionLabel,
    note: entry.note,
    updated: entry.updatedOn,
    publishedAt: entry.publishedAt,
    readingMinutes: entry.readingMinutes,
    attachments: entry.attachments,
  };
}

// Bounded: versions are small (the HTML of one document), and a long-running server may see many.
const MAX_CACHED_VERSIONS = 2000;
const versions = new Map<string, DocumentEntry>();

function remember(entry: DocumentEntry): DocumentEntry {
  if (versions.size >= MAX_CACHED_VERSIONS) versions.delete(versions.keys().next().value!);
  versions.set(entry.id, entry);
  return entry;
}

/** A version by id (any status: a view may have read one withdrawn since). */
export async function documentVersion(versionId: string, db: RingiDb = getDb()): Promise<DocumentEntry | undefined> {
  const cached = versions.get(versionId);
  if (cached) return cached;
  const entry = await getVersion(db, versionId);
  return entry && entry.status !== 'draft' ? remember(entry) : entry;
}

/** The current version of a document, or undefined when none is published (or all were withdrawn). */
export async function getDocument(slug: string, db: RingiDb = getDb()): Promise<DocumentEntry | undefined> {
  const [row] = await db.select({ versionId: documents.currentVersionId }).from(documents).where(eq(documents.slug, slug)).limit(1);
  return row?.versionId ? documentVersion(row.versionId, db) : undefined;
}

async function currentEntries(db: RingiDb): Promise<Map<string, DocumentEntry>> {
  const entries = new Map<string, DocumentEntry>();
  for (const [slug, id] of await currentVersionIds(db)) {
    const entry = await documentVersion(id, db);
    if (entry) entries.set(slug, entry);
  }
  return entries;
}

/** Cards of the given versions, in that order (a room's documents as its lookup found them). */
export async function versionCards(versionIds: readonly string[], db: RingiDb = getDb()): Promise<DocumentCard[]> {
  const entries = await Promise.all(versionIds.map((id) => documentVersion(id, db)));
  return entries.filter((e): e is DocumentEntry => e !== undefined).map(documentCard);
}

/** Cards for the given slugs, in that order; slugs with no current version are skipped. */
export async function documentCards(slugs: readonly string[], db: RingiDb = getDb()): Promise<DocumentCard[]> {
  const entries = await currentEntries(db);
  return slugs.map((slug) => entries.get(slug)).filter((e): e is DocumentEntry => e !== undefined).map(documentCard);
}

export async function allDocumentCards(db: RingiDb = getDb()): Promise<DocumentCard[]> {
  return [...(await currentEntries(db)).values()].map(documentCard).sort((a, b) => a.slug.localeCompare(b.slug));
}

/** The stored HTML and headings of a version (rendered when it was submitted, never here). */
export function renderDocument(entry: DocumentEntry): { html: string; headings: DocumentEntry['headings'] } {
  return { html: entry.html, headings: entry.headings };
}

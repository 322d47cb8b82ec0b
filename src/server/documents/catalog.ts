// The document catalog from content/ (Astro's content layer: rendered once at build, served from
// memory). Only usable inside the Astro server, not from Vitest or the CLI.
import { getCollection, getEntry, render, type CollectionEntry } from 'astro:content';
import { readingMinutes } from './presentation';

export type DocumentEntry = CollectionEntry<'documents'>;

export interface DocumentCard {
  slug: string;
  title: string;
  summary: string;
  category: DocumentEntry['data']['category'];
  language: 'ja' | 'en';
  version: string;
  updated: Date;
  readingMinutes: number;
  attachments: DocumentEntry['data']['attachments'];
}

const cards = new Map<string, DocumentCard>();

function toCard(entry: DocumentEntry): DocumentCard {
  let card = cards.get(entry.id);
  if (!card) {
    const { data } = entry;
    card = {
      slug: entry.id,
      title: data.title,
      summary: data.summary,
      category: data.category,
      language: data.language,
      version: data.version,
      updated: data.updated,
      readingMinutes: readingMinutes(entry.body ?? '', data.language),
      attachments: data.attachments,
    };
    cards.set(entry.id, card);
  }
  return card;
}

export async function getDocument(slug: string): Promise<DocumentEntry | undefined> {
  return getEntry('documents', slug);
}

/** Cards for the given slugs, in that order; slugs whose file was removed are skipped. */
export async function documentCards(slugs: readonly string[]): Promise<DocumentCard[]> {
  const entries = await Promise.all(slugs.map((slug) => getEntry('documents', slug)));
  return entries.filter((e): e is DocumentEntry => e !== undefined).map(toCard);
}

export async function allDocumentCards(): Promise<DocumentCard[]> {
  return (await getCollection('documents')).map(toCard);
}

export async function renderDocument(entry: DocumentEntry) {
  return render(entry);
}

export { toCard as documentCard };

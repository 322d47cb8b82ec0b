// The document catalog from content/ (Astro's content layer: rendered once at build, served from
// memory). Only usable inside the Astro server, not from Vitest or the CLI.
import { getCollection, render, type CollectionEntry } from 'astro:content';
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

// The catalog is fixed once built, so it is read once per process: getEntry() costs a dynamic
// import per call and logs a warning for every slug a room still lists after its file was removed.
// In `astro dev` content changes live, so it is read every time.
let catalog: Promise<Map<string, DocumentEntry>> | undefined;

function documentsBySlug(): Promise<Map<string, DocumentEntry>> {
  const read = () => getCollection('documents').then((entries) => new Map(entries.map((e) => [e.id, e])));
  if (import.meta.env.DEV) return read();
  catalog ??= read();
  return catalog;
}

export async function getDocument(slug: string): Promise<DocumentEntry | undefined> {
  return (await documentsBySlug()).get(slug);
}

/** Cards for the given slugs, in that order; slugs whose file was removed are skipped. */
export async function documentCards(slugs: readonly string[]): Promise<DocumentCard[]> {
  const entries = await documentsBySlug();
  return slugs.map((slug) => entries.get(slug)).filter((e): e is DocumentEntry => e !== undefined).map(toCard);
}

export async function allDocumentCards(): Promise<DocumentCard[]> {
  return [...(await documentsBySlug()).values()].map(toCard);
}

export async function renderDocument(entry: DocumentEntry) {
  return render(entry);
}

export { toCard as documentCard };

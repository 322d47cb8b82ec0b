// Documents and their versions in the database (ADR 0018). A submission is checked
// (validation.ts), rendered once (render.ts) and stored as a draft; publishing gives it the next
// number and makes it current. Published versions never change: a newer one, or a withdrawal,
// moves "current" on, and the old ones stay for the history and for the views that read them.
import crypto from 'node:crypto';
import { and, count, desc, eq, inArray, isNotNull, isNull, lt, max, notExists, sql } from 'drizzle-orm';
import { documentFiles, documents, documentVersions, documentViews, roomDocuments } from '../db/tables';
import type { RingiDb } from '../db/client';
import { serialiseOn } from '../db/locks';
import type { DocumentCategory } from './frontmatter';
import type { TocHeading } from './presentation';
import type { RenderedDocument } from './render';
import type { ValidDocument } from './validation';

export interface DocumentVersion {
  id: string;
  slug: string;
  number: number | null;
  status: 'draft' | 'published' | 'withdrawn';
  source: 'git' | 'studio';
  sourceName: string;
  title: string;
  summary: string;
  category: DocumentCategory;
  language: 'ja' | 'en';
  versionLabel: string;
  note: string;
  updatedOn: Date;
  html: string;
  headings: TocHeading[];
  readingMinutes: number;
  attachments: { file: string; label: string }[];
  createdByUserId: string | null;
  createdAt: Date;
  publishedAt: Date | null;
  withdrawnAt: Date | null;
}

type VersionRow = typeof documentVersions.$inferSelect;

function toVersion(row: VersionRow): DocumentVersion {
  return {
    id: row.id,
    slug: row.documentSlug,
    number: row.number,
    status: row.status,
    source: row.source,
    sourceName: row.sourceName,
    title: row.title,
    summary: row.summary,
    category: row.category as DocumentCategory,
    language: row.language,
    versionLabel: row.versionLabel,
    note: row.note,
    updatedOn: row.updatedOn,
    html: row.html,
    headings: JSON.parse(row.headings) as TocHeading[],
    readingMinutes: row.readingMinutes,
    attachments: JSON.parse(row.attachments) as { file: string; label: string }[],
    createdByUserId: row.createdByUserId,
    createdAt: row.createdAt,
    publishedAt: row.publishedAt,
    withdrawnAt: row.withdrawnAt,
  };
}

/** SHA-256 over the Markdown and the attachments (by name): equal hashes, nothing new to publish. */
export function contentHash(markdown: string, files: ReadonlyMap<string, Uint8Array>): string {
  const hash = crypto.createHash('sha256').update(markdown).update('\0');
  for (const name of [...files.keys()].sort()) hash.update(name).update('\0').update(files.get(name)!).update('\0');
  return hash.digest('hex');
}

export interface Submission {
  document: ValidDocument;
  rendered: RenderedDocument;
  markdown: string;
  source: 'git' | 'studio';
  sourceName: string;
  userId: string | null;
  now: Date;
}

/** Stores a checked and rendered document as a draft version; returns its id. */
export async function saveDraft(db: RingiDb, input: Submission): Promise<string> {
  const { document, rendered } = input;
  const { frontmatter } = document;
  const id = crypto.randomUUID();
  // One step: a draft is never kept without the attachments its preview lists.
  await db.transaction(async (tx) => {
    await tx.insert(documents).values({ slug: document.slug, createdAt: input.now }).onConflictDoNothing();
    await tx.insert(documentVersions).values({
      id,
      documentSlug: document.slug,
      status: 'draft',
      source: input.source,
      sourceName: input.sourceName,
      contentHash: contentHash(input.markdown, document.files),
      title: frontmatter.title,
      summary: frontmatter.summary,
      category: frontmatter.category,
      language: frontmatter.language,
      versionLabel: frontmatter.version,
      note: frontmatter.note,
      updatedOn: frontmatter.updated,
      markdown: input.markdown,
      html: rendered.html,
      headings: JSON.stringify(rendered.headings),
      readingMinutes: rendered.readingMinutes,
      attachments: JSON.stringify(frontmatter.attachments),
      createdByUserId: input.userId,
      createdAt: input.now,
    });
    for (const [file, bytes] of document.files) {
      await tx.insert(documentFiles).values({ versionId: id, file, bytes: Buffer.from(bytes), size: bytes.byteLength });
    }
  });
  return id;
}

/** How long a draft nobody published is kept (its HTML and attachments, up to 20 MB each). */
export const DRAFT_KEEP_DAYS = 14;

/**
 * Deletes drafts older than DRAFT_KEEP_DAYS with their attachments, and the documents they alone had
 * brought in (no version left, offered by no room). Published and withdrawn versions are history: kept.
 */
export async function discardStaleDrafts(db: RingiDb, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - DRAFT_KEEP_DAYS * 24 * 60 * 60 * 1000);
  return db.transaction(async (tx) => {
    const discarded = await tx
      .delete(documentVersions)
      .where(and(eq(documentVersions.status, 'draft'), lt(documentVersions.createdAt, cutoff)))
      .returning({ id: documentVersions.id });
    if (discarded.length === 0) return 0;
    await tx
      .delete(documents)
      .where(
        and(
          isNull(documents.currentVersionId),
          notExists(tx.select({ one: sql`1` }).from(documentVersions).where(eq(documentVersions.documentSlug, documents.slug))),
          notExists(tx.select({ one: sql`1` }).from(roomDocuments).where(eq(roomDocuments.documentSlug, documents.slug))),
        ),
      );
    return discarded.length;
  });
}

export type PublishResult = { ok: true; number: number; slug: string } | { ok: false; reason: 'notFound' | 'notDraft' };

/** A draft becomes the next version and the current one: whichever was published last wins (ADR 0018). */
export async function publishDraft(db: RingiDb, versionId: string, now: Date): Promise<PublishResult> {
  const [draft] = await db.select({ slug: documentVersions.documentSlug, status: documentVersions.status }).from(documentVersions).where(eq(documentVersions.id, versionId)).limit(1);
  if (!draft) return { ok: false, reason: 'notFound' };
  return db.transaction(async (tx) => {
    // Two publishes of one document (two editors, two instances) take numbers one after the other.
    await serialiseOn(tx, [`document:${draft.slug}`]);
    const [current] = await tx.select({ status: documentVersions.status }).from(documentVersions).where(eq(documentVersions.id, versionId)).limit(1);
    if (current?.status !== 'draft') return { ok: false, reason: 'notDraft' } as const;
    const [last] = await tx.select({ number: max(documentVersions.number) }).from(documentVersions).where(eq(documentVersions.documentSlug, draft.slug));
    const number = (last?.number ?? 0) + 1;
    await tx.update(documentVersions).set({ status: 'published', number, publishedAt: now }).where(eq(documentVersions.id, versionId));
    await tx.update(documents).set({ currentVersionId: versionId }).where(eq(documents.slug, draft.slug));
    return { ok: true, number, slug: draft.slug } as const;
  });
}

export type WithdrawResult = { ok: true; slug: string; currentVersionId: string | null } | { ok: false; reason: 'notFound' | 'notPublished' };

/** Withdraws a published version: it stays in the history; the newest published one left becomes current (or none). */
export async function withdrawVersion(db: RingiDb, versionId: string, userId: string | null, now: Date): Promise<WithdrawResult> {
  const [version] = await db.select({ slug: documentVersions.documentSlug, status: documentVersions.status }).from(documentVersions).where(eq(documentVersions.id, versionId)).limit(1);
  if (!version) return { ok: false, reason: 'notFound' };
  if (version.status !== 'published') return { ok: false, reason: 'notPublished' };
  await db.update(documentVersions).set({ status: 'withdrawn', withdrawnAt: now, withdrawnByUserId: userId }).where(eq(documentVersions.id, versionId));
  const [newest] = await db
    .select({ id: documentVersions.id })
    .from(documentVersions)
    .where(and(eq(documentVersions.documentSlug, version.slug), eq(documentVersions.status, 'published')))
    .orderBy(desc(documentVersions.number))
    .limit(1);
  const currentVersionId = newest?.id ?? null;
  await db.update(documents).set({ currentVersionId }).where(eq(documents.slug, version.slug));
  return { ok: true, slug: version.slug, currentVersionId };
}

export async function getVersion(db: RingiDb, versionId: string): Promise<DocumentVersion | undefined> {
  const [row] = await db.select().from(documentVersions).where(eq(documentVersions.id, versionId)).limit(1);
  return row ? toVersion(row) : undefined;
}

/** Every published or withdrawn version of a document, newest first (drafts are not history). */
export async function versionHistory(db: RingiDb, slug: string): Promise<DocumentVersion[]> {
  const rows = await db
    .select()
    .from(documentVersions)
    .where(and(eq(documentVersions.documentSlug, slug), isNotNull(documentVersions.number)))
    .orderBy(desc(documentVersions.number));
  return rows.map(toVersion);
}

/** The current version's id of every document that has one, by slug. */
export async function currentVersionIds(db: RingiDb): Promise<Map<string, string>> {
  const rows = await db.select({ slug: documents.slug, versionId: documents.currentVersionId }).from(documents).where(isNotNull(documents.currentVersionId));
  return new Map(rows.map((r) => [r.slug, r.versionId!]));
}

export async function currentVersion(db: RingiDb, slug: string): Promise<DocumentVersion | undefined> {
  const [row] = await db
    .select({ version: documentVersions })
    .from(documents)
    .innerJoin(documentVersions, eq(documentVersions.id, documents.currentVersionId))
    .where(eq(documents.slug, slug))
    .limit(1);
  return row ? toVersion(row.version) : undefined;
}

export async function versionFile(db: RingiDb, versionId: string, file: string): Promise<Buffer | undefined> {
  const [row] = await db.select({ bytes: documentFiles.bytes }).from(documentFiles).where(and(eq(documentFiles.versionId, versionId), eq(documentFiles.file, file))).limit(1);
  return row?.bytes;
}

/** The newest version a source published of a document (any status): a sync compares its hash. */
export async function latestFromSource(db: RingiDb, slug: string, source: 'git' | 'studio'): Promise<{ id: string; contentHash: string } | undefined> {
  const [row] = await db
    .select({ id: documentVersions.id, contentHash: documentVersions.contentHash })
    .from(documentVersions)
    .where(and(eq(documentVersions.documentSlug, slug), eq(documentVersions.source, source), isNotNull(documentVersions.number)))
    .orderBy(desc(documentVersions.number))
    .limit(1);
  return row;
}

/** Version numbers and labels by id, for timelines. */
export async function versionLabels(db: RingiDb, versionIds: readonly string[]): Promise<Map<string, { number: number | null; label: string }>> {
  if (versionIds.length === 0) return new Map();
  const rows = await db
    .select({ id: documentVersions.id, number: documentVersions.number, label: documentVersions.versionLabel })
    .from(documentVersions)
    .where(inArray(documentVersions.id, [...new Set(versionIds)]));
  return new Map(rows.map((r) => [r.id, { number: r.number, label: r.label }]));
}

/** Views recorded per version of a document (views from before versions are not counted). */
export async function viewsPerVersion(db: RingiDb, slug: string): Promise<Map<string, number>> {
  const rows = await db
    .select({ versionId: documentViews.documentVersionId, views: count() })
    .from(documentViews)
    .where(and(eq(documentViews.documentSlug, slug), isNotNull(documentViews.documentVersionId)))
    .groupBy(documentViews.documentVersionId);
  return new Map(rows.map((r) => [r.versionId!, r.views]));
}

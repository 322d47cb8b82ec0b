// The dashboard's aggregates, maintained with every write instead of computed from history
// (docs/adr/0020-incrementally-maintained-aggregates.md):
// - opportunity_engagement: the opportunity's filter columns, the engagement score's inputs, its
//   undecayed score and a hot key that orders opportunities by score at any moment, and the oldest
//   unread share (the unopened list's candidates);
// - opportunity_documents: per opportunity and document it was given, what it adds to
// - document_performance: the document table per document × stage × channel × owner.
// Beacons apply their change (recordReading); changes of an opportunity, its room or its links
// recompute that one opportunity from the running totals (rebuildOpportunityAggregates); the CLI
// rebuilds everything (rebuildAllAggregates). The three give the same rows.
import { and, eq, getTableColumns, inArray, isNotNull, isNull, sql, type Placeholder } from 'drizzle-orm';
import {
  accessLinks,
  documentPerformance,
  documents,
  documentVersions,
  documentViews,
  jobLeases,
  opportunities,
  opportunityDocuments,
  opportunityEngagement,
  readingTotals,
  roomDocuments,
  rooms,
} from '../db/tables';
import { firstBatchSize, nextBatchSize } from '../db/batch-budget';
import type { Queryable, RingiDb } from '../db/client';
import { isPostgres } from '../db/postgres';
import { claimJobRun } from '../db/job-leases';
import { engagementScoreDetail, isDocumentRead, KEY_DOCUMENT_CATEGORIES, READ_MIN_ACTIVE_SECONDS, RECENCY_HALF_LIFE_DAYS } from './engagement-score';
import { chunks, DAY_MS, groupBy } from './read-model-support';
import { countReaders, type BrowserState } from './readers';
import { browsersOf } from './engagement-summary';

const HALF_LIFE_MS = RECENCY_HALF_LIFE_DAYS * DAY_MS;

export interface ScoreInputs {
  activeSeconds: number;
  documentsRead: number;
  documentsInRoom: number;
  completedViews: number;
  contactsReading: number;
  browserReaders: number;
  possibleReaders: number;
  keyDocumentsRead: number;
  downloads: number;
  prints: number;
}

/** The score before the recency decay: what the hot key is built from. */
export function scoreBase(inputs: ScoreInputs): number {
  return engagementScoreDetail({ ...inputs, readers: inputs.contactsReading + inputs.browserReaders, lastSeenAt: null }, new Date(0)).base;
}

/**
 * base × 0.5^((now − lastSeen) / half-life) = 2^((hotKey − now) / half-life) with
 * hotKey = lastSeen + half-life × log2(base): a larger key is a larger score at every `now`, so the
 * hottest list is an index walk on it. Moving last seen by Δ moves the key by Δ (done in SQL).
 */
export function hotKey(base: number, lastSeenAt: Date | null): number | null {
  return base > 0 && lastSeenAt !== null ? lastSeenAt.getTime() + HALF_LIFE_MS * Math.log2(base) : null;
}

/** The exact (unrounded) score a hot key stands for at `now`; the rounded one is what lists show. */
export function scoreAt(key: number, now: Date): number {
  return 2 ** ((key - now.getTime()) / HALF_LIFE_MS);
}

const isKeyCategory = (category: string | null | undefined) => category !== null && category !== undefined && KEY_DOCUMENT_CATEGORIES.includes(category);

/**
 * The reading activity at `now` on the opportunity: last seen moves forward (never back), the hot key
 * with it, and no share is unread any more. Every write that moves last_seen_at uses this.
 */
export function seenAt(now: Date | Placeholder) {
  const at = now instanceof Date ? now.getTime() : now;
  const e = opportunityEngagement;
  return {
    firstSeenAt: sql`coalesce(${e.firstSeenAt}, ${at})`,
    lastSeenAt: sql`case when ${e.lastSeenAt} is null or ${e.lastSeenAt} < ${at} then ${at} else ${e.lastSeenAt} end`,
    hotKey: sql`case when ${e.hotKey} is null then null when ${e.lastSeenAt} < ${at} then ${e.hotKey} + (${at} - ${e.lastSeenAt}) else ${e.hotKey} end`,
    // A share dated after this reading (a clock moved back) stays unread.
    unreadShareAt: sql`case when ${e.unreadShareAt} > ${at} then ${e.unreadShareAt} else null end`,
  };
}

export interface ReadingChange {
  views?: number;
  activeSeconds?: number;
  completedViews?: number;
  downloads?: number;
  prints?: number;
  /** The contact's first view on this opportunity. */
  newContact?: boolean;
  /** The document's category as the reader saw it: decides whether a newly read document is a key one. */
  category?: string | null;
}

/**
 * Applies one change of reading_totals to the aggregates: the score inputs and hot key, the
 * opportunity's document row, the document table. Returns true when the opportunity's aggregates were
 * never built and were rebuilt from reading_totals instead: a caller that writes reading_totals after
 * this call rebuilds again once it has.
 *
 * Lock order (PostgreSQL row locks; every ingest path and rebuild follows it, so two transactions never
 * wait for each other in a cycle): the opportunity_engagement row first. It guards the opportunity's
 * other rows (reading_totals, opportunity_documents), which only a transaction holding it writes; then
 * document_performance, shared between opportunities, one row at a time in key order.
 */
export async function recordReading(tx: Queryable, opportunityId: string, documentSlug: string, change: ReadingChange, now: Date, db?: RingiDb): Promise<boolean> {
  const q = db ? preparedReadingQueries(db) : readingQueries(tx);
  const views = change.views ?? 0;
  const active = change.activeSeconds ?? 0;
  const completed = change.completedViews ?? 0;
  const [row] = (await q.engagement.execute({
    active,
    completed,
    downloads: change.downloads ?? 0,
    prints: change.prints ?? 0,
    newContact: change.newContact ? 1 : 0,
    now: now.getTime(),
    opportunityId,
  })) as Array<Pick<typeof opportunityEngagement.$inferSelect, keyof typeof engagementReturned>>;
  if (!row || row.stage === null || row.channel === null || row.ownerUserId === null) {
    // Never filled in (an opportunity from before the aggregates, or written around the CRM code).
    await rebuildOpportunityAggregates(tx, opportunityId);
    return true;
  }
  let newlyGiven = false;
  let becameRead = false;
  if (views !== 0 || active !== 0 || completed !== 0 || change.downloads || change.prints) {
    const [after] = (await q.document.execute({ views, active, completed, opportunityId, slug: documentSlug })) as Array<{ activeSeconds: number; completedViews: number }>;
    if (after) becameRead = isDocumentRead(after.activeSeconds, after.completedViews) && !isDocumentRead(after.activeSeconds - active, after.completedViews - completed);
    else {
      // Read though the room does not offer it (any more): it was given all the same.
      await tx.insert(opportunityDocuments).values({ opportunityId, documentSlug, views, activeSeconds: active, completedViews: completed, offered: false });
      newlyGiven = true;
      becameRead = isDocumentRead(active, completed);
    }
    if (newlyGiven || views !== 0 || active !== 0 || completed !== 0) {
      await addToDocumentTable(tx, [{ slug: documentSlug, stage: row.stage, channel: row.channel, ownerUserId: row.ownerUserId, views, activeSeconds: active, completedViews: completed, rooms: newlyGiven ? 1 : 0, roomsRead: becameRead ? 1 : 0 }], q);
    }
  }
  const inputs = becameRead ? { ...row, documentsRead: row.documentsRead + 1, keyDocumentsRead: row.keyDocumentsRead + (isKeyCategory(change.category) ? 1 : 0) } : row;
  const base = scoreBase(inputs);
  const key = hotKey(base, row.lastSeenAt);
  // Most beacons stop here: the base moves at the score's steps, not with every second read.
  if (becameRead || base !== row.scoreBase || (row.hotKey === null) !== (key === null)) {
    await q.score.execute({ documentsRead: inputs.documentsRead, keyDocumentsRead: inputs.keyDocumentsRead, scoreBase: base, hotKey: key, opportunityId });
  }
  return false;
}

// What recordReading reads back from its engagement update: the filters and the score's inputs.
const { accountId: _a, visits: _v, devices: _d, newDevices: _n, automatedOpens: _o, firstSeenAt: _f, archived: _r, unreadShareAt: _u, ...engagementReturned } = getTableColumns(opportunityEngagement);

/** The three statements every beacon runs, with placeholders (built on `db`: prepared once, or on `tx` for one call). */
function readingQueries(db: Queryable) {
  const od = opportunityDocuments;
  const e = opportunityEngagement;
  const d = documentPerformance;
  const p = (name: string) => sql.placeholder(name);
  return {
    document: db
      .update(od)
      .set({ views: sql`${od.views} + ${p('views')}`, activeSeconds: sql`${od.activeSeconds} + ${p('active')}`, completedViews: sql`${od.completedViews} + ${p('completed')}` })
      .where(and(eq(od.opportunityId, p('opportunityId')), eq(od.documentSlug, p('slug'))))
      .returning({ activeSeconds: od.activeSeconds, completedViews: od.completedViews })
      .prepare(),
    engagement: db
      .update(e)
      .set({
        activeSeconds: sql`${e.activeSeconds} + ${p('active')}`,
        completedViews: sql`${e.completedViews} + ${p('completed')}`,
        downloads: sql`${e.downloads} + ${p('downloads')}`,
        prints: sql`${e.prints} + ${p('prints')}`,
        contactsReading: sql`${e.contactsReading} + ${p('newContact')}`,
        ...seenAt(p('now')),
      })
      .where(eq(e.opportunityId, p('opportunityId')))
      .returning(engagementReturned)
      .prepare(),
    score: db
      .update(e)
      .set({
        documentsRead: sql`${p('documentsRead')}`,
        keyDocumentsRead: sql`${p('keyDocumentsRead')}`,
        scoreBase: sql`${p('scoreBase')}`,
        hotKey: sql`${p('hotKey')}`,
      })
      .where(eq(e.opportunityId, p('opportunityId')))
      .prepare(),
    table: db
      .insert(d)
      .values({
        documentSlug: sql`${p('slug')}`,
        stage: sql`${p('stage')}`,
        channel: sql`${p('channel')}`,
        ownerUserId: sql`${p('ownerUserId')}`,
        views: sql`${p('views')}`,
        activeSeconds: sql`${p('active')}`,
        completedViews: sql`${p('completed')}`,
        rooms: sql`${p('rooms')}`,
        roomsRead: sql`${p('roomsRead')}`,
      })
      .onConflictDoUpdate({
        target: [d.documentSlug, d.stage, d.channel, d.ownerUserId],
        set: {
          views: sql`${d.views} + ${p('views')}`,
          activeSeconds: sql`${d.activeSeconds} + ${p('active')}`,
          completedViews: sql`${d.completedViews} + ${p('completed')}`,
          rooms: sql`${d.rooms} + ${p('rooms')}`,
          roomsRead: sql`${d.roomsRead} + ${p('roomsRead')}`,
        },
      })
      .returning({ rooms: d.rooms, views: d.views })
      .prepare(),
  };
}

type ReadingQueries = ReturnType<typeof readingQueries>;
// Beacons arrive every few seconds per reader: compile their statements once per connection, as the
// heartbeat's own (ingest.ts). They run on that connection, so inside the caller's transaction.
const preparedByDb = new WeakMap<RingiDb, ReadingQueries>();
function preparedReadingQueries(db: RingiDb): ReadingQueries {
  let q = preparedByDb.get(db);
  if (!q) preparedByDb.set(db, (q = readingQueries(db)));
  return q;
}

/** The engagement row exists and carries the opportunity's filter columns (before its first reading). */
export async function ensureOpportunityAggregates(tx: Queryable, opportunityId: string): Promise<void> {
  const [row] = await tx.select({ stage: opportunityEngagement.stage }).from(opportunityEngagement).where(eq(opportunityEngagement.opportunityId, opportunityId)).limit(1);
  if (!row || row.stage === null) await rebuildOpportunityAggregates(tx, opportunityId);
}

type Channel = NonNullable<typeof opportunityEngagement.$inferSelect.channel>;
interface DocumentTableChange {
  slug: string;
  stage: number;
  channel: Channel;
  ownerUserId: string;
  views: number;
  activeSeconds: number;
  completedViews: number;
  rooms: number;
  roomsRead: number;
}

/** The unnamed other browsers of an opportunity's links, as the score counts them (readers.ts). */
function browserCounts(contactsReading: number, browsers: readonly BrowserState[]): { browserReaders: number; possibleReaders: number } {
  const { readers, possibleReaders } = countReaders(contactsReading, browsers);
  return { browserReaders: readers - contactsReading, possibleReaders };
}

async function addToDocumentTable(tx: Queryable, changes: readonly DocumentTableChange[], q: ReadingQueries = readingQueries(tx)): Promise<void> {
  const d = documentPerformance;
  // Shared between opportunities: always taken in key order (see recordReading's lock order).
  const ordered = [...changes].sort((a, b) => compareKeys(a, b));
  for (const c of ordered) {
    if (c.views === 0 && c.activeSeconds === 0 && c.completedViews === 0 && c.rooms === 0 && c.roomsRead === 0) continue;
    const [after] = (await q.table.execute({ ...c, active: c.activeSeconds, completed: c.completedViews })) as Array<{ rooms: number; views: number }>;
    // A group nobody is in any more (an opportunity moved to another stage) leaves no row behind.
    if (after && after.rooms === 0 && after.views === 0) {
      await tx.delete(d).where(and(eq(d.documentSlug, c.slug), eq(d.stage, c.stage), eq(d.channel, c.channel), eq(d.ownerUserId, c.ownerUserId)));
    }
  }
}

function compareKeys(a: DocumentTableChange, b: DocumentTableChange): number {
  const x = [a.slug, a.stage, a.channel, a.ownerUserId];
  const y = [b.slug, b.stage, b.channel, b.ownerUserId];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return 0;
}

/** The category of each document: its published version's, else the one recorded on these opportunities' views. */
async function categoriesOf(tx: Queryable, slugs: readonly string[], opportunityIds: readonly string[]): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  for (const part of chunks(slugs)) {
    for (const row of await tx
      .select({ slug: documents.slug, category: documentVersions.category })
      .from(documents)
      .innerJoin(documentVersions, eq(documentVersions.id, documents.currentVersionId))
      .where(inArray(documents.slug, part)))
      map.set(row.slug, row.category);
  }
  // Never published from the studio or content/ (history from before versions): the category its
  // readers saw, from one of these opportunities' views.
  for (const slug of slugs) {
    if (map.has(slug)) continue;
    for (const ids of chunks(opportunityIds)) {
      const [row] = await tx
        .select({ category: documentViews.documentCategory })
        .from(documentViews)
        .where(and(inArray(documentViews.opportunityId, ids), eq(documentViews.documentSlug, slug), isNotNull(documentViews.documentCategory)))
        .limit(1);
      if (row?.category) {
        map.set(slug, row.category);
        break;
      }
    }
  }
  return map;
}

/**
 * Recomputes the aggregates of one opportunity from the running totals (reading_totals and the visit
 * counters of opportunity_engagement), its room and its links, and moves its share of the document
 * table to its current stage, channel and owner. Call it in the transaction that changed any of
 * them (the opportunity, its room's documents, its links, or reading_totals rows moved between
 * contacts).
 */
export async function rebuildOpportunityAggregates(tx: Queryable, opportunityId: string): Promise<void> {
  await rebuildAggregatesOf(tx, [opportunityId]);
}

/** rebuildOpportunityAggregates for the opportunity of a room whose documents or links changed. */
export async function rebuildRoomAggregates(tx: Queryable, roomId: string): Promise<void> {
  const [room] = await tx.select({ opportunityId: rooms.opportunityId }).from(rooms).where(eq(rooms.id, roomId)).limit(1);
  if (room) await rebuildOpportunityAggregates(tx, room.opportunityId);
}

/**
 * Takes the opportunities' engagement rows first, as recordReading does (its lock order), before a
 * write of their other rows: a no-op write that holds their row locks (PostgreSQL) until commit.
 */
export async function lockOpportunityAggregates(tx: Queryable, opportunityIds: readonly string[]): Promise<void> {
  const e = opportunityEngagement;
  for (const ids of chunks(opportunityIds)) await tx.update(e).set({ archived: sql`${e.archived}` }).where(inArray(e.opportunityId, ids));
}

/** rebuildOpportunityAggregates for several opportunities at once (the CLI's batches). */
export async function rebuildAggregatesOf(tx: Queryable, opportunityIds: readonly string[], options: { documentTable?: boolean } = {}): Promise<void> {
  if (opportunityIds.length === 0) return;
  const ids = [...new Set(opportunityIds)];
  const e = opportunityEngagement;
  const od = opportunityDocuments;
  await lockOpportunityAggregates(tx, ids);
  const engagement = new Map((await tx.select().from(e).where(inArray(e.opportunityId, ids))).map((r) => [r.opportunityId, r]));
  const given = await tx.select().from(od).where(inArray(od.opportunityId, ids));

  // Take out what they added under the stage, channel and owner they had.
  const changes = new Map<string, DocumentTableChange>();
  const add = (slug: string, key: { stage: number | null; channel: Channel | null; ownerUserId: string | null } | undefined, sign: number, doc: { views: number; activeSeconds: number; completedViews: number }) => {
    if (!key || key.stage === null || key.channel === null || key.ownerUserId === null) return;
    const k = `${slug}\u0000${key.stage}\u0000${key.channel}\u0000${key.ownerUserId}`;
    let c = changes.get(k);
    if (!c) changes.set(k, (c = { slug, stage: key.stage, channel: key.channel, ownerUserId: key.ownerUserId, views: 0, activeSeconds: 0, completedViews: 0, rooms: 0, roomsRead: 0 }));
    c.views += sign * doc.views;
    c.activeSeconds += sign * doc.activeSeconds;
    c.completedViews += sign * doc.completedViews;
    c.rooms += sign;
    c.roomsRead += isDocumentRead(doc.activeSeconds, doc.completedViews) ? sign : 0;
  };
  for (const doc of given) add(doc.documentSlug, engagement.get(doc.opportunityId), -1, doc);
  await tx.delete(od).where(inArray(od.opportunityId, ids));

  const opps = await tx
    .select({ id: opportunities.id, accountId: opportunities.accountId, stage: opportunities.stage, channel: opportunities.channel, ownerUserId: opportunities.ownerUserId, archivedAt: opportunities.archivedAt })
    .from(opportunities)
    .where(inArray(opportunities.id, ids));
  const totals = await tx.select().from(readingTotals).where(inArray(readingTotals.opportunityId, ids));
  const offered = await tx
    .select({ opportunityId: rooms.opportunityId, slug: roomDocuments.documentSlug })
    .from(rooms)
    .innerJoin(roomDocuments, eq(roomDocuments.roomId, rooms.id))
    .where(inArray(rooms.opportunityId, ids));
  const shares = await tx
    .select({ opportunityId: rooms.opportunityId, createdAt: accessLinks.createdAt })
    .from(rooms)
    .innerJoin(accessLinks, eq(accessLinks.roomId, rooms.id))
    .where(and(inArray(rooms.opportunityId, ids), isNull(accessLinks.revokedAt)));
  const browsersByOpportunity = groupBy(await browsersOf(tx, ids), (b) => b.opportunityId);
  const categories = await categoriesOf(tx, [...new Set(totals.map((t) => t.documentSlug))], ids);
  const totalsOf = groupBy(totals, (t) => t.opportunityId);
  const offeredOf = groupBy(offered, (r) => r.opportunityId);
  const sharesOf = groupBy(shares, (r) => r.opportunityId);

  const docRows: Array<typeof od.$inferInsert> = [];
  const engagementRows: Array<typeof e.$inferInsert> = [];
  for (const o of opps) {
    const docs = new Map<string, { views: number; activeSeconds: number; completedViews: number; offered: boolean }>();
    const doc = (slug: string) => {
      let d = docs.get(slug);
      if (!d) docs.set(slug, (d = { views: 0, activeSeconds: 0, completedViews: 0, offered: false }));
      return d;
    };
    for (const r of offeredOf.get(o.id) ?? []) doc(r.slug).offered = true;
    const contacts = new Set<string>();
    let activeSeconds = 0;
    let completedViews = 0;
    let downloads = 0;
    let prints = 0;
    let firstSeen: number | null = null;
    let lastSeen: number | null = null;
    for (const t of totalsOf.get(o.id) ?? []) {
      const d = doc(t.documentSlug);
      d.views += t.views;
      d.activeSeconds += t.activeSeconds;
      d.completedViews += t.completedViews;
      if (t.views > 0) contacts.add(t.contactId);
      activeSeconds += t.activeSeconds;
      completedViews += t.completedViews;
      downloads += t.downloads;
      prints += t.prints;
      firstSeen = firstSeen === null ? t.firstSeenAt.getTime() : Math.min(firstSeen, t.firstSeenAt.getTime());
      lastSeen = lastSeen === null ? t.lastSeenAt.getTime() : Math.max(lastSeen, t.lastSeenAt.getTime());
    }
    const old = engagement.get(o.id);
    if (old?.firstSeenAt) firstSeen = firstSeen === null ? old.firstSeenAt.getTime() : Math.min(firstSeen, old.firstSeenAt.getTime());
    if (old?.lastSeenAt) lastSeen = lastSeen === null ? old.lastSeenAt.getTime() : Math.max(lastSeen, old.lastSeenAt.getTime());
    let documentsRead = 0;
    let keyDocumentsRead = 0;
    for (const [slug, d] of docs) {
      docRows.push({ opportunityId: o.id, documentSlug: slug, ...d });
      add(slug, o, 1, d);
      if (isDocumentRead(d.activeSeconds, d.completedViews)) {
        documentsRead += 1;
        if (isKeyCategory(categories.get(slug))) keyDocumentsRead += 1;
      }
    }
    let unreadShareAt: number | null = null;
    for (const s of sharesOf.get(o.id) ?? []) {
      if (lastSeen !== null && s.createdAt.getTime() <= lastSeen) continue;
      unreadShareAt = unreadShareAt === null ? s.createdAt.getTime() : Math.min(unreadShareAt, s.createdAt.getTime());
    }
    const inputs = {
      activeSeconds,
      completedViews,
      downloads,
      prints,
      documentsRead,
      keyDocumentsRead,
      documentsInRoom: [...docs.values()].filter((d) => d.offered).length,
      contactsReading: contacts.size,
      ...browserCounts(contacts.size, browsersByOpportunity.get(o.id) ?? []),
    };
    const base = scoreBase(inputs);
    const derived = {
      ...inputs,
      stage: o.stage,
      channel: o.channel,
      ownerUserId: o.ownerUserId,
      archived: o.archivedAt !== null,
      firstSeenAt: firstSeen === null ? null : new Date(firstSeen),
      lastSeenAt: lastSeen === null ? null : new Date(lastSeen),
      scoreBase: base,
      hotKey: hotKey(base, lastSeen === null ? null : new Date(lastSeen)),
      unreadShareAt: unreadShareAt === null ? null : new Date(unreadShareAt),
    };
    engagementRows.push({ opportunityId: o.id, accountId: o.accountId, ...derived });
  }
  // The visit counters (visits, devices, new devices, automated opens) are running totals of rows the
  // retention purge deletes: kept as they are.
  const kept = new Set(['opportunityId', 'visits', 'devices', 'newDevices', 'automatedOpens']);
  const set = Object.fromEntries(
    Object.entries(getTableColumns(e))
      .filter(([key]) => !kept.has(key))
      .map(([key, column]) => [key, sql.raw(`excluded."${column.name}"`)]),
  );
  for (const part of chunks(engagementRows, 100)) await tx.insert(e).values(part).onConflictDoUpdate({ target: e.opportunityId, set });
  for (const part of chunks(docRows, 200)) await tx.insert(od).values(part);
  if (options.documentTable !== false) await addToDocumentTable(tx, [...changes.values()]);
}

/**
 * Rebuilds every aggregate from the running totals, rooms and links: opportunities in batches (one
 * transaction each, sized to take about TRANSACTION_BUDGET_MS, so beacons keep flowing and the event
 * loop turns).
 * - `regroup` (the repair, `ringi aggregates rebuild`): the document table is then regrouped from
 *   opportunity_documents in one transaction, which drops anything no opportunity accounts for. It
 *   holds the write lock for as long as the grouping takes (0.7 s at 1 M views).
 * - Without (the build on start): each batch moves its opportunities' shares of the document table
 *   from what they were to what they are, as every other change does. The table is the grouping of
 *   opportunity_documents before (both empty before the first build), so it is after; only a table
 *   that had drifted from it needs the repair.
 * `batchSize` caps a batch (default 1000 opportunities).
 */
export async function rebuildAllAggregates(
  db: RingiDb,
  options: { batchSize?: number; regroup?: boolean; onProgress?: (done: number, total: number) => void | Promise<void> } = {},
): Promise<{ opportunities: number; documentRows: number }> {
  const maxBatch = options.batchSize ?? 1000;
  const regroup = options.regroup ?? true;
  const ids = (await db.select({ id: opportunities.id }).from(opportunities).orderBy(opportunities.id)).map((r) => r.id);
  for (let i = 0, size = firstBatchSize(maxBatch); i < ids.length; ) {
    const startedAt = performance.now();
    await db.transaction(async (tx) => await rebuildAggregatesOf(tx, ids.slice(i, i + size), { documentTable: !regroup }));
    i += size;
    size = nextBatchSize(size, performance.now() - startedAt, maxBatch);
    await options.onProgress?.(Math.min(ids.length, i), ids.length);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const d = documentPerformance;
  if (!regroup) return { opportunities: ids.length, documentRows: (await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(d))[0]?.n ?? 0 };
  const od = opportunityDocuments;
  const e = opportunityEngagement;
  const documentRows = await db.transaction(async (tx) => {
    // PostgreSQL: a beacon committing between the delete and the insert below would insert a group
    // the regrouping inserts too (a duplicate key), or add to a row about to be replaced. Beacons
    // write this table last (lock order above): they wait here, holding nothing the regroup needs.
    if (isPostgres(tx)) await tx.execute(sql`lock table ${d} in share row exclusive mode`);
    await tx.delete(d);
    const grouped = await tx
      .select({
        documentSlug: od.documentSlug,
        stage: e.stage,
        channel: e.channel,
        ownerUserId: e.ownerUserId,
        views: sql<number>`sum(${od.views})`.mapWith(Number),
        activeSeconds: sql<number>`sum(${od.activeSeconds})`.mapWith(Number),
        completedViews: sql<number>`sum(${od.completedViews})`.mapWith(Number),
        rooms: sql<number>`count(*)`.mapWith(Number),
        roomsRead: sql<number>`sum(case when ${od.activeSeconds} >= ${READ_MIN_ACTIVE_SECONDS} or ${od.completedViews} > 0 then 1 else 0 end)`.mapWith(Number),
      })
      .from(od)
      .innerJoin(e, eq(e.opportunityId, od.opportunityId))
      .where(and(isNotNull(e.stage), isNotNull(e.channel), isNotNull(e.ownerUserId)))
      .groupBy(od.documentSlug, e.stage, e.channel, e.ownerUserId);
    const rows = grouped.map((r) => ({ ...r, stage: r.stage!, channel: r.channel!, ownerUserId: r.ownerUserId! }));
    for (const part of chunks(rows, 200)) await tx.insert(d).values(part);
    return rows.length;
  });
  return { opportunities: ids.length, documentRows };
}

/**
 * What the aggregates hold. Bump it when that changes (a new column, another rule): every database
 * then rebuilds them once, on its next start (buildAggregatesOnce).
 */
export const AGGREGATES_VERSION = 1;
/** The build's lease row once done: its next run is never. */
const BUILT_AT_VERSION = new Date('9999-12-31T00:00:00Z');

/**
 * Builds the aggregates from the running totals once per database and AGGREGATES_VERSION, however
 * many instances start at once: the one holding the job lease (renewed with every batch, so another
 * instance takes over only when this one died) rebuilds; then the lease marks the version built.
 * 'busy': another instance is building; ask again later.
 */
export async function buildAggregatesOnce(db: RingiDb, options: { leaseMs?: number; batchSize?: number; clock?: () => Date } = {}): Promise<'built' | 'done-before' | 'busy'> {
  const name = `aggregates-build:v${AGGREGATES_VERSION}`;
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const clock = options.clock ?? (() => new Date());
  const [lease] = await db.select({ nextRunAt: jobLeases.nextRunAt }).from(jobLeases).where(eq(jobLeases.name, name)).limit(1);
  if (lease && lease.nextRunAt.getTime() >= BUILT_AT_VERSION.getTime()) return 'done-before';
  if (!(await claimJobRun(db, name, leaseMs, clock()))) return 'busy';
  const renew = async () => {
    await db.update(jobLeases).set({ nextRunAt: new Date(clock().getTime() + leaseMs) }).where(eq(jobLeases.name, name));
  };
  await rebuildAllAggregates(db, { batchSize: options.batchSize, regroup: false, onProgress: renew });
  await db.update(jobLeases).set({ nextRunAt: BUILT_AT_VERSION }).where(eq(jobLeases.name, name));
  return 'built';
}

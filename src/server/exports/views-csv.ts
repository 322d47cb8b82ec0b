// CSV export of document views: one row per view, per opportunity or for a date range.
//
// - Format: RFC 4180 quoting, CRLF line ends, UTF-8 with a BOM so Excel (Japanese Windows included)
//   opens Japanese text correctly. Cells a spreadsheet would run as a formula (= + - @, tab, CR)
//   get a leading apostrophe: names and titles come from outside (CSV injection).
// - Timestamps are local wall-clock time "YYYY-MM-DD HH:mm:ss" in the workspace time zone
//   (RINGI_TIME_ZONE, Asia/Tokyo by default), the zone named in the header: Excel reads that form as
//   a date, it would not read ISO 8601 with an offset.
// - Rows are read in keyset batches (started_at, id) on the document_views indexes, so a year of
//   views never becomes one giant string or one long-held read transaction.
// - Never exported: access-link tokens or ids, device ids, network hashes, IPs.
//
// Downloads are counted on the view they belong to: the latest view of the same document in the same
// visit that started at or before the download (else the first view of that document in the visit).
// Downloads outside any visit (no device cookie) have no view and are not in this file; they are on
// the timeline and in the running totals.
import { and, asc, eq, gt, gte, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { accounts, contacts, documentViews, linkEvents, opportunities, pipelineStages, users, visits } from '../db/tables';
import { channelLabel } from '../crm/messages';
import type { RingiDb } from '../db/client';
import type { Locale } from '../i18n/format';
import { addDays, endOfDay, isCalendarDate, wallClock, workspaceTimeZone } from '../i18n/calendar';
import { isCompleted } from '../tracking/rules';
import { tExports, type ExportsMessageKey } from './messages';

export const CSV_BOM = '\uFEFF';
export const CSV_EOL = '\r\n';
/** Longest date range of one export, in calendar days (both ends included). */
export const MAX_RANGE_DAYS = 366;
const DEFAULT_BATCH = 500;

export type CsvValue = string | number | boolean | null | undefined;

/** Text a spreadsheet would evaluate: prefixed with ' so it stays text (OWASP CSV injection). */
export function guardFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** One cell: numbers as they are, booleans as 1/0, text guarded and quoted when it must be. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = guardFormula(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One line, CRLF-terminated. */
export function csvRow(values: readonly CsvValue[]): string {
  return values.map(csvCell).join(',') + CSV_EOL;
}

/** "2026-11-20 10:00:05" in the given time zone. */
export function formatCsvTimestamp(instant: Date, timeZone: string): string {
  const w = wallClock(instant, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${String(w.y).padStart(4, '0')}-${two(w.m)}-${two(w.d)} ${two(w.hh)}:${two(w.mm)}:${two(w.ss)}`;
}

/** The file's columns in order: what a person reads first (when, who, what, how long), the deal next, ids last. */
export const VIEW_COLUMNS = [
  'startedAt',
  'account',
  'contact',
  'contactEmail',
  'documentTitle',
  'activeSeconds',
  'completed',
  'maxScrollPercent',
  'downloads',
  'prints',
  'opportunity',
  'owner',
  'amountJpy',
  'stage',
  'channel',
  'device',
  'newReader',
  'endedAt',
  'documentSlug',
  'viewId',
  'visitId',
] as const;

export function viewsCsvHeader(locale: Locale, timeZone: string): string[] {
  return VIEW_COLUMNS.map((column) => tExports(locale, `col.${column}` as ExportsMessageKey, { timeZone }));
}

// --- The query: which views ---

export interface ViewsExportScope {
  /** Only this opportunity's views. */
  opportunityId?: string;
  /** Views that started at or after this instant. */
  from?: Date;
  /** Views that started strictly before this instant. */
  to?: Date;
}

export interface ViewsCsvOptions {
  locale: Locale;
  /** Default: the workspace time zone (RINGI_TIME_ZONE). */
  timeZone?: string;
  /** Slug → title from the content catalog; the title recorded on the view is the fallback. */
  documentTitles?: ReadonlyMap<string, string>;
  /** Views per query (default 500). */
  batchSize?: number;
}

export interface ViewExportRow {
  viewId: string;
  visitId: string;
  startedAt: Date;
  endedAt: Date;
  account: string | null;
  opportunity: string | null;
  owner: string | null;
  amountJpy: number | null;
  stage: string | null;
  /** The channel's label in the reader's language. */
  channel: string | null;
  contact: string | null;
  contactEmail: string | null;
  documentSlug: string;
  documentTitle: string | null;
  activeSeconds: number;
  maxScrollPercent: number;
  completed: boolean;
  downloads: number;
  prints: number;
  device: string;
  newReader: boolean;
}

interface Cursor {
  startedAt: Date;
  id: string;
}

/**
 * The views of a scope in batches, oldest first, with their downloads and prints. Each batch is a few
 * indexed queries: the views (+ visit, contact, opportunity, account, stage by primary key), the other
 * views of their visits (to attribute downloads), and the visits' downloads and prints.
 */
export async function* viewExportBatches(db: RingiDb, scope: ViewsExportScope, options: Pick<ViewsCsvOptions, 'locale' | 'documentTitles' | 'batchSize'>): AsyncGenerator<ViewExportRow[]> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) throw new RangeError('batchSize must be an integer from 1 to 5000');
  let cursor: Cursor | null = null;
  for (;;) {
    const conditions: (SQL | undefined)[] = [
      scope.opportunityId !== undefined ? eq(documentViews.opportunityId, scope.opportunityId) : undefined,
      scope.from ? gte(documentViews.startedAt, scope.from) : undefined,
      scope.to ? lt(documentViews.startedAt, scope.to) : undefined,
      // Keyset on (started_at, id): the started_at indexes give the order; only views started in the same millisecond need sorting.
      cursor ? gte(documentViews.startedAt, cursor.startedAt) : undefined,
      cursor ? or(sql`${documentViews.startedAt} > ${cursor.startedAt.getTime()}`, and(eq(documentViews.startedAt, cursor.startedAt), gt(documentViews.id, cursor.id))) : undefined,
    ];
    const rows = await db
      .select({
        view: documentViews,
        visitStartedAt: visits.startedAt,
        visitLastActivityAt: visits.lastActivityAt,
        deviceLabel: visits.deviceLabel,
        newDevice: visits.newDevice,
        contactName: contacts.name,
        contactEmail: contacts.email,
        opportunityName: opportunities.name,
        ownerName: users.displayName,
        amountJpy: opportunities.amountJpy,
        channel: opportunities.channel,
        stage: opportunities.stage,
        stageLabelJa: pipelineStages.labelJa,
        stageLabelEn: pipelineStages.labelEn,
        accountName: accounts.name,
      })
      .from(documentViews)
      .leftJoin(visits, eq(visits.id, documentViews.visitId))
      .leftJoin(contacts, eq(contacts.id, documentViews.contactId))
      .leftJoin(opportunities, eq(opportunities.id, documentViews.opportunityId))
      .leftJoin(pipelineStages, eq(pipelineStages.number, opportunities.stage))
      .leftJoin(users, eq(users.id, opportunities.ownerUserId))
      .leftJoin(accounts, eq(accounts.id, documentViews.accountId))
      .where(and(...conditions))
      .orderBy(asc(documentViews.startedAt), asc(documentViews.id))
      .limit(batchSize);
    if (rows.length === 0) return;
    const last = rows[rows.length - 1]!;
    cursor = { startedAt: last.view.startedAt, id: last.view.id };

    const { downloads, prints } = await countEvents(db, rows.map((r) => ({ ...r.view, visitStartedAt: r.visitStartedAt, visitLastActivityAt: r.visitLastActivityAt })));
    yield rows.map((r) => {
      const v = r.view;
      const label = r.stage === null ? null : (options.locale === 'en' ? r.stageLabelEn || r.stageLabelJa : r.stageLabelJa || r.stageLabelEn) ?? '';
      return {
        viewId: v.id,
        visitId: v.visitId,
        startedAt: v.startedAt,
        endedAt: v.lastBeaconAt,
        account: r.accountName,
        opportunity: r.opportunityName,
        owner: r.ownerName,
        amountJpy: r.amountJpy,
        stage: r.stage === null ? null : `${r.stage}. ${label}`.trim(),
        channel: r.channel === null ? null : channelLabel(options.locale, r.channel),
        contact: r.contactName,
        contactEmail: r.contactEmail,
        documentSlug: v.documentSlug,
        documentTitle: options.documentTitles?.get(v.documentSlug) ?? v.documentTitle,
        activeSeconds: v.activeSeconds,
        maxScrollPercent: v.maxScrollPercent,
        completed: isCompleted(v.activeSeconds, v.maxScrollPercent),
        downloads: downloads.get(v.id) ?? 0,
        prints: prints.get(v.id) ?? 0,
        device: r.deviceLabel ?? '',
        newReader: r.newDevice ?? false,
      };
    });
    if (rows.length < batchSize) return;
  }
}

interface BatchView {
  id: string;
  visitId: string;
  opportunityId: string;
  documentSlug: string;
  startedAt: Date;
  visitStartedAt: Date | null;
  visitLastActivityAt: Date | null;
}

/** Downloads and prints per view id, for a batch of views. */
async function countEvents(db: RingiDb, batch: readonly BatchView[]): Promise<{ downloads: Map<string, number>; prints: Map<string, number> }> {
  const downloads = new Map<string, number>();
  const prints = new Map<string, number>();
  const visitIds = new Set(batch.map((v) => v.visitId));
  const opportunityIds = [...new Set(batch.map((v) => v.opportunityId))];
  // Events of a visit happen while it lasts: read the batch's time span on an index, keep its visits'.
  let from = Infinity;
  let to = -Infinity;
  for (const v of batch) {
    from = Math.min(from, (v.visitStartedAt ?? v.startedAt).getTime());
    to = Math.max(to, (v.visitLastActivityAt ?? v.startedAt).getTime());
  }
  const events = (await db
    .select({ kind: linkEvents.kind, visitId: linkEvents.visitId, viewId: linkEvents.viewId, documentSlug: linkEvents.documentSlug, occurredAt: linkEvents.occurredAt })
    .from(linkEvents)
    .where(
      and(
        opportunityIds.length <= 50 ? inArray(linkEvents.opportunityId, opportunityIds) : undefined,
        gte(linkEvents.occurredAt, new Date(from)),
        lte(linkEvents.occurredAt, new Date(to)),
        inArray(linkEvents.kind, ['download', 'print']),
      ),
    ))
    .filter((e) => e.visitId !== null && visitIds.has(e.visitId));
  if (events.length === 0) return { downloads, prints };

  for (const e of events) if (e.kind === 'print' && e.viewId) prints.set(e.viewId, (prints.get(e.viewId) ?? 0) + 1);

  const downloadEvents = events.filter((e) => e.kind === 'download');
  if (downloadEvents.length > 0) {
    // Every view of those visits (some may be in other batches): document_views_visit_idx.
    const withDownloads = [...new Set(downloadEvents.map((e) => e.visitId!))];
    const views = await db
      .select({ id: documentViews.id, visitId: documentViews.visitId, slug: documentViews.documentSlug, startedAt: documentViews.startedAt })
      .from(documentViews)
      .where(inArray(documentViews.visitId, withDownloads))
      .orderBy(asc(documentViews.startedAt), asc(documentViews.id));
    for (const e of downloadEvents) {
      const candidates = views.filter((v) => v.visitId === e.visitId && v.slug === e.documentSlug);
      if (candidates.length === 0) continue;
      let owner = candidates[0]!;
      for (const v of candidates) if (v.startedAt.getTime() <= e.occurredAt.getTime()) owner = v;
      downloads.set(owner.id, (downloads.get(owner.id) ?? 0) + 1);
    }
  }
  return { downloads, prints };
}

/**
 * The whole file, piece by piece: BOM and header first, then one string per batch of rows. Feed it
 * to a stream; joining it gives the complete CSV.
 */
export async function* viewsCsvChunks(db: RingiDb, scope: ViewsExportScope, options: ViewsCsvOptions): AsyncGenerator<string> {
  const timeZone = options.timeZone ?? workspaceTimeZone();
  yield CSV_BOM + csvRow(viewsCsvHeader(options.locale, timeZone));
  for await (const batch of viewExportBatches(db, scope, options)) {
    let text = '';
    for (const r of batch) {
      text += csvRow(VIEW_COLUMNS.map((column) => (column === 'startedAt' || column === 'endedAt' ? formatCsvTimestamp(r[column], timeZone) : r[column])));
    }
    yield text;
  }
}

/** A ReadableStream of the CSV's UTF-8 bytes, one batch per pull. */
export function viewsCsvStream(db: RingiDb, scope: ViewsExportScope, options: ViewsCsvOptions): ReadableStream<Uint8Array> {
  const chunks = viewsCsvChunks(db, scope, options);
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}

// --- Input: the date-range query and the download's headers ---

export interface ExportRange {
  /** Calendar days in the workspace time zone, both included. */
  fromDate: string;
  toDate: string;
  /** [from, to): the instants those days start and end. */
  from: Date;
  to: Date;
  opportunityId?: string;
}

export type ExportRangeError = { field: 'from' | 'to' | 'opportunity'; message: string };
export type RangeParse = { ok: true; value: ExportRange } | { ok: false; errors: ExportRangeError[] };

const calendarDate = z.string().trim().refine(isCalendarDate);
const rangeQuery = z.object({
  from: calendarDate,
  to: calendarDate,
  opportunity: z
    .string()
    .trim()
    .max(100)
    .regex(/^[A-Za-z0-9_-]*$/)
    .optional(),
});

/** Whole days from one calendar date to another (to − from). */
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Validates ?from=YYYY-MM-DD&to=YYYY-MM-DD[&opportunity=id]: real dates, in order, at most MAX_RANGE_DAYS. */
export function parseExportRange(params: URLSearchParams, locale: Locale, timeZone = workspaceTimeZone()): RangeParse {
  const raw = {
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    opportunity: params.get('opportunity') || undefined,
  };
  const parsed = rangeQuery.safeParse(raw);
  const t = (key: ExportsMessageKey) => tExports(locale, key, { days: MAX_RANGE_DAYS });
  if (!parsed.success) {
    const fields = new Set(parsed.error.issues.map((i) => String(i.path[0])));
    const errors: ExportRangeError[] = [];
    if (fields.has('from')) errors.push({ field: 'from', message: t('error.from') });
    if (fields.has('to')) errors.push({ field: 'to', message: t('error.to') });
    if (fields.has('opportunity')) errors.push({ field: 'opportunity', message: t('error.opportunity') });
    return { ok: false, errors };
  }
  const { from, to, opportunity } = parsed.data;
  const days = daysBetween(from, to);
  if (days < 0) return { ok: false, errors: [{ field: 'to', message: t('error.order') }] };
  if (days + 1 > MAX_RANGE_DAYS) return { ok: false, errors: [{ field: 'to', message: t('error.tooLong') }] };
  return {
    ok: true,
    value: {
      fromDate: from,
      toDate: to,
      from: endOfDay(addDays(from, -1), timeZone),
      to: endOfDay(to, timeZone),
      ...(opportunity ? { opportunityId: opportunity } : {}),
    },
  };
}

/** ASCII letters, digits, dot, dash and underscore only: the fallback name for old clients. */
export function asciiFileName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-|-(?=\.)|-$/g, '');
  return cleaned || 'export.csv';
}

/** attachment; filename="ascii.csv"; filename*=UTF-8''%E9%96%B2… (RFC 6266 / 5987). */
export function contentDisposition(asciiName: string, utf8Name: string): string {
  const encoded = encodeURIComponent(utf8Name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${asciiFileName(asciiName)}"; filename*=UTF-8''${encoded}`;
}

/** Headers of a CSV download: never cached, never sniffed. */
export function csvHeaders(asciiName: string, utf8Name: string): Record<string, string> {
  return {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': contentDisposition(asciiName, utf8Name),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  };
}

/** Characters a file name may not carry on Windows or macOS, replaced in the UTF-8 name. */
export function safeFileName(name: string): string {
  return name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_').trim().slice(0, 120) || 'export';
}

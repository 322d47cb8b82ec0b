// The engagement score of an opportunity (0-100): how much, how widely and how recently the buying
// side reads its room, with the reasons a rep can act on. Pure: the read model gathers the inputs.
// The formula, every weight and a worked example: docs/engagement-score.md.
import { POSSIBLE_READER_WEIGHT } from './readers';

/** Document categories a buyer reads when preparing an approval (稟議): price, risk, return, the form. */
export const KEY_DOCUMENT_CATEGORIES: readonly string[] = ['pricing', 'security', 'roi', 'approval-template'];

/** A document counts as read with this much active time over all its views (or one completed view). */
export const READ_MIN_ACTIVE_SECONDS = 30;

/** The score halves for every week without reading. */
export const RECENCY_HALF_LIFE_DAYS = 7;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Most points each component adds; they sum to 100 before the recency decay. */
export const SCORE_CAPS = {
  active_time: 25,
  coverage: 15,
  key_documents: 20,
  readers: 20,
  completions: 10,
  downloads_prints: 10,
} as const;

/** Active time earns its full points at this many seconds (30 minutes), on a logarithmic curve. */
export const ACTIVE_TIME_FULL_SECONDS = 30 * 60;
/** Points by count (index = count, the last entry holds for any higher count). */
export const KEY_DOCUMENT_POINTS: readonly number[] = [0, 10, 16, 20];
export const READER_POINTS: readonly number[] = [0, 6, 12, 16, 20];
export const COMPLETION_POINTS: readonly number[] = [0, 5, 8, 10];
export const DOWNLOAD_PRINT_POINTS: readonly number[] = [0, 6, 10];

export type ScoreComponent = keyof typeof SCORE_CAPS;
export type ScoreReasonCode = ScoreComponent | 'recency';

/**
 * One line of "why": a machine code and numbers, phrased by the UI in Japanese or English.
 * The points of all reasons add up to the score exactly (recency carries the decay, as minus points).
 */
export interface ScoreReason {
  code: ScoreReasonCode;
  /** Points this component adds; for recency the points the decay takes away (zero or negative). */
  points: number;
  /** Most points the component can add (recency: 0). */
  max: number;
  /**
   * What was measured: active_time seconds, coverage documents read, key_documents key documents read,
   * readers people (possible readers weighted, so it may be x.5), completions completed views, downloads_prints files, recency days since last seen
   * (one decimal).
   */
  value: number;
  /** coverage only: documents in the room. */
  of?: number;
}

export interface EngagementInput {
  /** Active reading seconds over all views. */
  activeSeconds: number;
  /** Distinct documents read: ≥ READ_MIN_ACTIVE_SECONDS active seconds or a completed view (see isDocumentRead). */
  documentsRead: number;
  /** Documents the room offers now (may be 0). */
  documentsInRoom: number;
  /** Views that reached the end with real time spent (rules.isCompleted). */
  completedViews: number;
  /** Distinct contacts with views, plus unnamed browsers whose reading clearly differs (readers.ts). */
  readers: number;
  /** Unnamed other browsers on a contact's link: maybe the same person; each counts POSSIBLE_READER_WEIGHT. */
  possibleReaders?: number;
  /** Documents read whose category is one of KEY_DOCUMENT_CATEGORIES (see countKeyDocuments). */
  keyDocumentsRead: number;
  downloads: number;
  prints: number;
  /** Last reading activity; null when never seen (no decay is applied). */
  lastSeenAt: Date | null;
}

export interface EngagementScore {
  /** 0-100, an integer. */
  score: number;
  /** Every component in a fixed order (active_time, coverage, key_documents, readers, completions, downloads_prints, recency). */
  reasons: ScoreReason[];
}

export interface EngagementScoreDetail extends EngagementScore {
  /** Sum of the component points before the decay (integer, 0-100). */
  base: number;
  /** 0.5 ^ (days since last seen / half-life), 1 when seen now or never. */
  decay: number;
  /** base × decay before rounding: ranks ties of the rounded score. */
  exact: number;
}

/** Read: enough active time in total, or one view read to the end. */
export function isDocumentRead(activeSeconds: number, completedViews: number): boolean {
  return activeSeconds >= READ_MIN_ACTIVE_SECONDS || completedViews > 0;
}

/** Slug → category, as the caller knows it (the content catalog). */
export type DocumentCategoryLookup = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

export function categoryOf(lookup: DocumentCategoryLookup, slug: string): string | null {
  if (lookup instanceof Map) return lookup.get(slug) ?? null;
  const record = lookup as Readonly<Record<string, string>>;
  return Object.hasOwn(record, slug) ? (record[slug] ?? null) : null;
}

/** How many of the read documents are key documents, given their categories. */
export function countKeyDocuments(readSlugs: Iterable<string>, lookup: DocumentCategoryLookup): number {
  let count = 0;
  for (const slug of new Set(readSlugs)) {
    const category = categoryOf(lookup, slug);
    if (category !== null && KEY_DOCUMENT_CATEGORIES.includes(category)) count += 1;
  }
  return count;
}

/** The decay factor for a last-seen date: 1 now (or in the future, or never seen), ½ after a half-life. */
export function recencyDecay(lastSeenAt: Date | null, now: Date): number {
  if (lastSeenAt === null) return 1;
  return 0.5 ** (daysSince(lastSeenAt, now) / RECENCY_HALF_LIFE_DAYS);
}

/**
 * The highest score an opportunity last seen at `lastSeenAt` can have: 100 decayed. Anything seen
 * longer ago than RECENCY_ZERO_AFTER_DAYS scores 0 whatever it read.
 */
export function maxScoreSeenAt(lastSeenAt: Date, now: Date): number {
  return Math.round(100 * recencyDecay(lastSeenAt, now));
}

/** Days after which even a perfect 100 rounds down to 0 (100 × 0.5^(d/7) < 0.5 ⇔ d > 7·log2(200) ≈ 53.5). */
export const RECENCY_ZERO_AFTER_DAYS = RECENCY_HALF_LIFE_DAYS * Math.log2(200);

function daysSince(lastSeenAt: Date, now: Date): number {
  return Math.max(0, (now.getTime() - lastSeenAt.getTime()) / DAY_MS);
}

/** A count: negatives, NaN and infinities are treated as nothing; fractions are floored. */
function count(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

function stepPoints(table: readonly number[], n: number): number {
  return table[Math.min(n, table.length - 1)] ?? 0;
}

/** Points for a weighted count (possible readers make halves): linear between the whole counts around it. */
function weightedStepPoints(table: readonly number[], n: number): number {
  const whole = Math.floor(n);
  const below = stepPoints(table, whole);
  return Math.round(below + (n - whole) * (stepPoints(table, whole + 1) - below));
}

/**
 * The engagement score with its reasons. Each component is rounded to whole points, capped, and
 * never falls when its input grows; the sum (0-100) is then decayed by recency (half-life 7 days)
 * and rounded. More reading never lowers the score.
 */
export function engagementScoreDetail(input: EngagementInput, now: Date): EngagementScoreDetail {
  const activeSeconds = count(input.activeSeconds);
  const documentsRead = count(input.documentsRead);
  const documentsInRoom = count(input.documentsInRoom);
  const completedViews = count(input.completedViews);
  const readers = count(input.readers) + POSSIBLE_READER_WEIGHT * count(input.possibleReaders ?? 0);
  const keyDocumentsRead = count(input.keyDocumentsRead);
  const files = count(input.downloads) + count(input.prints);

  // Concave: the first minutes say the most (someone opened it and stayed), then it saturates at 30 minutes.
  const timeShare = Math.min(1, Math.log1p(activeSeconds / 60) / Math.log1p(ACTIVE_TIME_FULL_SECONDS / 60));
  // Share of the room read; documents read but since removed from the room still count, capped at all.
  const coverageShare = documentsRead === 0 ? 0 : documentsRead / Math.max(documentsInRoom, documentsRead);

  const reasons: ScoreReason[] = [
    { code: 'active_time', points: Math.round(SCORE_CAPS.active_time * timeShare), max: SCORE_CAPS.active_time, value: activeSeconds },
    {
      code: 'coverage',
      points: Math.round(SCORE_CAPS.coverage * coverageShare),
      max: SCORE_CAPS.coverage,
      value: documentsRead,
      of: documentsInRoom,
    },
    { code: 'key_documents', points: stepPoints(KEY_DOCUMENT_POINTS, keyDocumentsRead), max: SCORE_CAPS.key_documents, value: keyDocumentsRead },
    { code: 'readers', points: weightedStepPoints(READER_POINTS, readers), max: SCORE_CAPS.readers, value: readers },
    { code: 'completions', points: stepPoints(COMPLETION_POINTS, completedViews), max: SCORE_CAPS.completions, value: completedViews },
    { code: 'downloads_prints', points: stepPoints(DOWNLOAD_PRINT_POINTS, files), max: SCORE_CAPS.downloads_prints, value: files },
  ];
  const base = reasons.reduce((sum, reason) => sum + reason.points, 0);
  const decay = recencyDecay(input.lastSeenAt, now);
  const exact = base * decay;
  const score = Math.round(exact);
  const days = input.lastSeenAt === null ? 0 : Math.round(daysSince(input.lastSeenAt, now) * 10) / 10;
  reasons.push({ code: 'recency', points: score - base, max: 0, value: days });
  return { score, reasons, base, decay, exact };
}

/** The engagement score (0-100) of an opportunity or account, with the reasons that make it. */
export function engagementScore(input: EngagementInput, now: Date): EngagementScore {
  const { score, reasons } = engagementScoreDetail(input, now);
  return { score, reasons };
}

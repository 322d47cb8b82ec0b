// Pure rules of the home dashboard: what counts as "reading now", when a shared room is overdue,
// and the rates of the document-performance table. No I/O: unit-tested directly.
import type { ScoreReason } from '../tracking/engagement-score';
import { READ_MIN_ACTIVE_SECONDS } from '../tracking/engagement-score';
import { HEARTBEAT_SECONDS } from '../tracking/rules';

export const MINUTE_MS = 60 * 1000;
export const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * A view whose last beacon is this recent is "閲覧中" (reading now). The page script beats every
 * HEARTBEAT_SECONDS while the reader is active (a slow table included, up to the idle cut-off), and
 * goes quiet the moment the reader idles out, hides the tab or leaves. Three missed beats mean the
 * reader is gone: a longer window kept a closed tab "reading" for minutes.
 */
export const LIVE_WINDOW_MS = 3 * HEARTBEAT_SECONDS * 1000;
/** Recent visits in the feed: the last week, so a quiet Monday still shows Friday's readers. */
export const RECENT_VISITS_WINDOW_MS = 7 * DAY_MS;

/** Start of the "reading now" window. */
export function liveSince(now: Date): Date {
  return new Date(now.getTime() - LIVE_WINDOW_MS);
}

/** Links shared at or before this time have waited `days` days. */
export function unopenedCutoff(now: Date, days: number): Date {
  if (!Number.isInteger(days) || days < 0) throw new RangeError('days must be a whole number ≥ 0');
  return new Date(now.getTime() - days * DAY_MS);
}

/**
 * A room is overdue when a link was shared `days` or more days ago and nobody has read since: no
 * counted view, beacon, download or print after the share (automated opens never count).
 */
export function isUnopened(sharedAt: Date, lastSeenAt: Date | null, now: Date, days: number): boolean {
  if (sharedAt.getTime() > unopenedCutoff(now, days).getTime()) return false;
  return lastSeenAt === null || lastSeenAt.getTime() < sharedAt.getTime();
}

/** Whole days since `from` (0 for the future). */
export function wholeDaysSince(from: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - from.getTime()) / DAY_MS));
}

/** Same rule as the engagement score (isDocumentRead), as SQL needs the threshold. */
export const READ_SECONDS = READ_MIN_ACTIVE_SECONDS;

/** What SQL counts per document. */
export interface DocumentCounts {
  views: number;
  activeSeconds: number;
  completedViews: number;
  /** Opportunities whose room offers the document now or whose contacts read it before. */
  rooms: number;
  /** Of those, where it was read (≥ 30 active seconds over all views, or a completed view). */
  roomsRead: number;
  wonRooms: number;
  wonRoomsRead: number;
  lostRooms: number;
  lostRoomsRead: number;
}

export interface DocumentRates {
  /** Active seconds per view, rounded; null without views. */
  averageActiveSeconds: number | null;
  /** Completed views / views (0-1); null without views. */
  completionRate: number | null;
  /** Rooms where it was read / rooms offering it (0-1); null when no room offers it. */
  readShare: number | null;
  /** Read rate in won and lost opportunities (0-1); null when there are none of that outcome. */
  wonReadRate: number | null;
  lostReadRate: number | null;
}

const ratio = (part: number, whole: number): number | null => (whole > 0 ? Math.min(1, Math.max(0, part / whole)) : null);

export function documentRates(c: DocumentCounts): DocumentRates {
  return {
    averageActiveSeconds: c.views > 0 ? Math.round(c.activeSeconds / c.views) : null,
    completionRate: ratio(c.completedViews, c.views),
    readShare: ratio(c.roomsRead, c.rooms),
    wonReadRate: ratio(c.wonRoomsRead, c.wonRooms),
    lostReadRate: ratio(c.lostRoomsRead, c.lostRooms),
  };
}

/** The reasons worth showing next to a score: those that add points, strongest first, at most `n`. */
export function topReasons(reasons: readonly ScoreReason[], n = 3): ScoreReason[] {
  return reasons
    .filter((r) => r.code !== 'recency' && r.points > 0)
    .slice()
    .sort((a, b) => b.points - a.points)
    .slice(0, n);
}

/** A list size from the caller: a whole number in [min, max], or the fallback when missing. */
export function boundedLimit(value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`limit must be a whole number in ${min}-${max}`);
  return value;
}

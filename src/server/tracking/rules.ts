// Pure rules of view tracking: what counts, what merges, what gets clamped.
import type { HeartbeatPayload } from './beacon-payloads';

/** Activity closer together than this is one visit (DocSend merges within 10 min; we allow a coffee break). */
export const VISIT_GAP_MS = 30 * 60 * 1000;
/** The page script sends a beacon this often while the reader is active. */
export const HEARTBEAT_SECONDS = 10;
/**
 * No scroll, key, pointer or touch for this long and the reader counts as away. Papermark uses five
 * minutes; two keep a forgotten tab from inflating the time reps act on, yet cover a slow table.
 */
export const IDLE_CUTOFF_SECONDS = 2 * 60;
/** Slack for clocks and network delay when checking active time against wall-clock time. */
const WALL_CLOCK_SLACK_SECONDS = 5;

/** A view is complete when the reader reached the end and spent real time on the way. */
export const COMPLETION_SCROLL_PERCENT = 90;
export const COMPLETION_MIN_SECONDS = 30;

export function isCompleted(activeSeconds: number, maxScrollPercent: number): boolean {
  return maxScrollPercent >= COMPLETION_SCROLL_PERCENT && activeSeconds >= COMPLETION_MIN_SECONDS;
}

export interface StoredView {
  startedAt: Date;
  activeSeconds: number;
  maxScrollPercent: number;
  sectionSeconds: Record<string, number>;
  lastSequence: number;
}

export type HeartbeatOutcome =
  | { kind: 'replay' }
  | { kind: 'unknown-section'; section: string }
  | {
      kind: 'apply';
      activeSeconds: number;
      activeDelta: number;
      maxScrollPercent: number;
      sectionSeconds: Record<string, number>;
      sequence: number;
    };

/**
 * Merges a beacon into a view. Values are cumulative, so merging takes maxima: a replayed, reordered
 * or duplicated beacon (visibilitychange and pagehide both fire) never counts twice. Active time is
 * clamped to the wall-clock time since the view started; sections must be the document's own.
 */
export function mergeHeartbeat(view: StoredView, beacon: HeartbeatPayload, now: Date): HeartbeatOutcome {
  if (beacon.seq <= view.lastSequence) return { kind: 'replay' };
  for (const section of Object.keys(beacon.sections)) {
    if (!Object.hasOwn(view.sectionSeconds, section)) return { kind: 'unknown-section', section };
  }
  const wallClockSeconds = Math.max(0, Math.floor((now.getTime() - view.startedAt.getTime()) / 1000)) + WALL_CLOCK_SLACK_SECONDS;
  const activeSeconds = Math.max(view.activeSeconds, Math.min(beacon.activeSeconds, wallClockSeconds));
  // A null prototype keeps a heading called "__proto__" an ordinary key.
  const sectionSeconds: Record<string, number> = Object.assign(Object.create(null), view.sectionSeconds);
  for (const [section, seconds] of Object.entries(beacon.sections)) {
    sectionSeconds[section] = Math.max(sectionSeconds[section] ?? 0, Math.min(seconds, activeSeconds));
  }
  return {
    kind: 'apply',
    activeSeconds,
    activeDelta: activeSeconds - view.activeSeconds,
    maxScrollPercent: Math.max(view.maxScrollPercent, beacon.maxScrollPercent),
    sectionSeconds,
    sequence: beacon.seq,
  };
}

/** Keeps only the network part of an address (/24 for IPv4, /48 for IPv6) before it is hashed. */
export function truncateIp(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/i.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (ip.includes(':')) {
    const [head = ''] = ip.split('::');
    const groups = head.split(':').filter(Boolean).slice(0, 3);
    while (groups.length < 3) groups.push('0');
    return `${groups.join(':')}::/48`;
  }
  return 'unknown';
}

/** "Chrome / Windows", "Safari / iPhone": enough for a rep to tell devices apart, nothing more. */
export function deviceLabel(userAgent: string | null): string {
  const ua = userAgent ?? '';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Line\//.test(ua)
      ? 'LINE'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Chrome\/|CriOS\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua)
            ? 'Safari'
            : 'Browser';
  const os = /iPhone/.test(ua)
    ? 'iPhone'
    : /iPad/.test(ua)
      ? 'iPad'
      : /Android/.test(ua)
        ? 'Android'
        : /Windows/.test(ua)
          ? 'Windows'
          : /Mac OS X|Macintosh/.test(ua)
            ? 'Mac'
            : /Linux/.test(ua)
              ? 'Linux'
              : 'Other';
  return `${browser} / ${os}`;
}

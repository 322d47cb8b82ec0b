// The dashboard in words: feed lines ("山田 太郎 様（株式会社A）が「料金表」を 4分 閲覧中"), score
// reasons as short chips, durations and rates. Pure, so the page and the JSON feed say exactly the
// same thing and the client script only copies text into the list.
import type { Locale } from '../i18n/format';
import type { ScoreReason } from '../tracking/engagement-score';
import type { LiveActivity } from './dashboard';
import { tDashboard } from './messages';
import { DAY_MS, MINUTE_MS } from './rules';

/** "45秒", "4分", "1時間5分" / "45 s", "4 min", "1 h 5 min": whole minutes are what a rep acts on. */
export function formatDuration(locale: Locale, seconds: number): string {
  const s = Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds) : 0;
  if (s < 60) return tDashboard(locale, 'duration.s', { s });
  const minutes = Math.round(s / 60);
  if (minutes < 60) return tDashboard(locale, 'duration.m', { m: minutes });
  return tDashboard(locale, 'duration.h', { h: Math.floor(minutes / 60), m: minutes % 60 });
}

/** "たった今", "5分前", "3時間前", "2日前". */
export function formatAgo(locale: Locale, at: Date, now: Date): string {
  const elapsed = Math.max(0, now.getTime() - at.getTime());
  if (elapsed < MINUTE_MS) return tDashboard(locale, 'ago.now');
  if (elapsed < 60 * MINUTE_MS) return tDashboard(locale, 'ago.minutes', { n: Math.floor(elapsed / MINUTE_MS) });
  if (elapsed < DAY_MS) return tDashboard(locale, 'ago.hours', { n: Math.floor(elapsed / (60 * MINUTE_MS)) });
  return tDashboard(locale, 'ago.days', { n: Math.floor(elapsed / DAY_MS) });
}

/** "43%" / "—" for no data. */
export function formatRate(rate: number | null): string | null {
  return rate === null ? null : `${Math.round(rate * 100)}%`;
}

/** One reason of the score as a chip: "閲覧者 3名 +16点". */
export function reasonText(locale: Locale, reason: ScoreReason): { text: string; points: string } {
  const points = tDashboard(locale, 'why.points', { points: reason.points });
  switch (reason.code) {
    case 'active_time':
      return { text: tDashboard(locale, 'why.active_time', { duration: formatDuration(locale, reason.value) }), points };
    case 'coverage':
      return {
        text: reason.of ? tDashboard(locale, 'why.coverage', { value: reason.value, of: reason.of }) : tDashboard(locale, 'why.coverage.noRoom', { value: reason.value }),
        points,
      };
    case 'recency':
      // Never a "why": the decay only takes away. topReasons leaves it out.
      return { text: '', points };
    default:
      return { text: tDashboard(locale, `why.${reason.code}`, { value: reason.value }), points };
  }
}

export interface FeedEntry {
  key: string;
  kind: 'reading' | 'visit';
  /** The whole line, in the user's language. */
  text: string;
  /** When it happened (last beacon, or the visit's last activity), ISO. */
  at: string;
  ago: string;
  opportunityId: string;
  opportunityName: string;
  opportunityHref: string;
  timelineHref: string;
  /** Accessible names of the two links ("商談「…」を開く"). */
  opportunityLabel: string;
  timelineLabel: string;
}

const opportunityHref = (id: string) => `/admin/opportunities/${encodeURIComponent(id)}`;

/** How many document titles a visit line names before "ほか N 件". */
const NAMED_DOCUMENTS = 2;

/**
 * The feed as lines, reading-now first (newest beacon first), then visits (most recent first).
 * `titleOf` gives the catalog's title of a slug, or null for a removed document (then the title the
 * reader saw, or the slug, is used).
 */
export function feedEntries(locale: Locale, activity: LiveActivity, titleOf: (slug: string) => string | null, now: Date): FeedEntry[] {
  const t = tDashboard.in(locale);
  const title = (slug: string, seen: string | null) => titleOf(slug) ?? seen ?? slug;
  const who = (contact: string | null, account: string | null) => ({
    contact: contact ?? t('live.unknownContact'),
    account: account ?? t('live.unknownAccount'),
  });
  const links = (id: string, name: string) => ({
    opportunityName: name,
    opportunityHref: opportunityHref(id),
    timelineHref: `${opportunityHref(id)}/timeline`,
    opportunityLabel: t('link.opportunityLabel', { name }),
    timelineLabel: t('link.timelineLabel', { name }),
  });

  const reading: FeedEntry[] = activity.readingNow.map((v) => ({
    key: `view:${v.viewId}`,
    kind: 'reading',
    text: t('live.reading', { ...who(v.contactName, v.accountName), title: title(v.documentSlug, v.documentTitle), duration: formatDuration(locale, v.activeSeconds) }),
    at: v.lastBeaconAt.toISOString(),
    ago: formatAgo(locale, v.lastBeaconAt, now),
    opportunityId: v.opportunityId,
    ...links(v.opportunityId, v.opportunityName),
  }));

  const visits: FeedEntry[] = activity.recentVisits.map((v) => {
    const named = v.documents.slice(0, NAMED_DOCUMENTS).map((d) => t('live.docList', { title: title(d.slug, d.title) }));
    if (v.documents.length > NAMED_DOCUMENTS) named.push(t('live.moreDocs', { count: v.documents.length - NAMED_DOCUMENTS }));
    const documents = named.length > 0 ? named.join(t('live.docSep')) : t('live.noDocs');
    let text = t('live.visited', { ...who(v.contactName, v.accountName), documents, duration: formatDuration(locale, v.activeSeconds) });
    if (v.newDevice) text += t('live.forwarded');
    return {
      key: `visit:${v.visitId}`,
      kind: 'visit',
      text,
      at: v.lastActivityAt.toISOString(),
      ago: formatAgo(locale, v.lastActivityAt, now),
      opportunityId: v.opportunityId,
      ...links(v.opportunityId, v.opportunityName),
    };
  });
  return [...reading, ...visits];
}

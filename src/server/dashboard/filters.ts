// The dashboard's filters from a GET query (?channel=event&stage=3&deals=mine). Empty means "all";
// anything else that is not a known channel or stage is refused (the page and the JSON feed answer 400).
import { z } from 'zod';
import { channels } from '../db/tables';
import type { SessionUser } from '../auth/sessions';
import type { DashboardFilters } from './dashboard';

const blankToUndefined = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const query = z
  .object({
    channel: z.preprocess(blankToUndefined, z.enum(channels).optional()),
    stage: z.preprocess(
      blankToUndefined,
      z
        .string()
        .regex(/^\d{1,4}$/)
        .transform(Number)
        .optional(),
    ),
    deals: z.preprocess(blankToUndefined, z.enum(['mine', 'all']).optional()),
  })
  .strict();

export type FilterField = 'channel' | 'stage' | 'deals';
export type FilterResult = { ok: true; filters: DashboardFilters } | { ok: false; field: FilterField | 'query' };

/** Reps open the dashboard on their own deals; admins (who own none, usually) on everyone's. */
export function defaultDeals(viewer: Pick<SessionUser, 'role'>): 'mine' | 'all' {
  return viewer.role === 'rep' ? 'mine' : 'all';
}

const isField = (name: unknown): name is FilterField => name === 'channel' || name === 'stage' || name === 'deals';

/**
 * Parses ?channel=&stage=&deals= against the channels and the stage numbers that exist. Repeated or
 * unknown parameters are refused too: a filter that silently did nothing would mislead.
 */
export function parseDashboardFilters(params: URLSearchParams, stageNumbers: readonly number[], viewer: Pick<SessionUser, 'id' | 'role'>): FilterResult {
  const raw: Record<string, string> = {};
  for (const [name, value] of params) {
    if (name in raw) return { ok: false, field: isField(name) ? name : 'query' };
    raw[name] = value;
  }
  const parsed = query.safeParse(raw);
  if (!parsed.success) {
    const path = parsed.error.issues[0]?.path[0];
    return { ok: false, field: isField(path) ? path : 'query' };
  }
  const { channel, stage, deals = defaultDeals(viewer) } = parsed.data;
  if (stage !== undefined && !stageNumbers.includes(stage)) return { ok: false, field: 'stage' };
  return {
    ok: true,
    filters: {
      ...(channel !== undefined ? { channel } : {}),
      ...(stage !== undefined ? { stageNumber: stage } : {}),
      ...(deals === 'mine' ? { ownerUserId: viewer.id } : {}),
    },
  };
}

/** The query string of the filters (for links and the feed's JSON URL), "" when none. */
export function filtersQuery(filters: DashboardFilters): string {
  const params = new URLSearchParams();
  if (filters.channel !== undefined) params.set('channel', filters.channel);
  if (filters.stageNumber !== undefined) params.set('stage', String(filters.stageNumber));
  // Always spelled out: the default differs between reps and admins.
  params.set('deals', filters.ownerUserId !== undefined ? 'mine' : 'all');
  return `?${params}`;
}

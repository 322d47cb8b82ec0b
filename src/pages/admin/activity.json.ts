// GET: the dashboard's live feed as data (the home page itself swaps in /admin/activity, the same
// feed rendered). Same filters as /admin (?channel=&stage=&deals=), same lines as the rendered list
// (phrased here in the user's language), the one JSON error shape for anything refused.
import type { APIRoute } from 'astro';
import { adminHeaders, requireUserForApi } from '../../server/auth/guard';
import { listStages } from '../../server/crm/stages';
import { liveActivity } from '../../server/dashboard/dashboard';
import { parseDashboardFilters } from '../../server/dashboard/filters';
import { feedEntries } from '../../server/dashboard/present';
import { getDb } from '../../server/db/client';
import { allDocumentCards } from '../../server/documents/catalog';
import { jsonError, jsonOk } from '../../server/http/json';

export const prerender = false;

export const GET: APIRoute = async (context) => {
  const user = await requireUserForApi(context);
  if (user instanceof Response) return user;
  const db = getDb();
  const parsed = parseDashboardFilters(context.url.searchParams, (await listStages(db)).map((s) => s.number), user);
  if (!parsed.ok) return jsonError(400, 'bad_request', `Unknown or repeated filter: ${parsed.field}.`);

  const titles = new Map((await allDocumentCards()).map((card) => [card.slug, card.title]));
  const now = new Date();
  const activity = await liveActivity(db, now, parsed.filters);
  return jsonOk(
    {
      generatedAt: now.toISOString(),
      entries: feedEntries(user.locale, activity, (slug) => titles.get(slug) ?? null, now),
    },
    200,
    adminHeaders,
  );
};

export const ALL: APIRoute = () => {
  const response = jsonError(405, 'method_not_allowed', 'Only GET is supported.');
  response.headers.set('Allow', 'GET, HEAD');
  return response;
};

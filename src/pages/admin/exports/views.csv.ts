// GET ?from=YYYY-MM-DD&to=YYYY-MM-DD[&opportunity=id]: the views that started in those days (workspace
// time zone, both included, at most 366 days) as CSV, streamed. Bad input: 400 with the reasons.
import type { APIRoute } from 'astro';
import { eq } from 'drizzle-orm';
import { opportunities } from '../../../server/db/tables';
import { adminHeaders, requireUser } from '../../../server/auth/guard';
import { getDb } from '../../../server/db/client';
import { catalogTitles, csvDownload, exportError } from '../../../server/exports/http';
import { tExports } from '../../../server/exports/messages';
import { asciiFileName, parseExportRange } from '../../../server/exports/views-csv';

export const prerender = false;

export const GET: APIRoute = async (context) => {
  const user = await requireUser(context);
  if (user instanceof Response) return user;
  const { locale } = user;
  const params = context.url.searchParams;
  const back = { href: `/admin/exports?${new URLSearchParams({ from: params.get('from') ?? '', to: params.get('to') ?? '' })}`, label: tExports(locale, 'error.back') };
  const range = parseExportRange(params, locale);
  if (!range.ok) return exportError(context.request, 400, 'bad_request', range.errors.map((e) => e.message), locale, back);

  const db = getDb();
  const { opportunityId, fromDate, toDate } = range.value;
  if (opportunityId !== undefined && !(await db.select({ id: opportunities.id }).from(opportunities).where(eq(opportunities.id, opportunityId)).limit(1))[0]) {
    return exportError(context.request, 404, 'not_found', [tExports(locale, 'error.unknownOpportunity')], locale, back);
  }
  const name = `ringi-views-${fromDate}_${toDate}${opportunityId ? `-${opportunityId}` : ''}.csv`;
  const utf8 = `${locale === 'ja' ? '閲覧データ' : 'views'}_${fromDate}_${toDate}${opportunityId ? `_${opportunityId}` : ''}.csv`;
  return csvDownload(db, { from: range.value.from, to: range.value.to, opportunityId }, locale, await catalogTitles(), { ascii: asciiFileName(name), utf8 });
};

export const ALL: APIRoute = () => new Response(null, { status: 405, headers: { ...adminHeaders, Allow: 'GET' } });

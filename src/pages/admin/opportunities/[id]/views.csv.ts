// GET: every view of one opportunity as CSV (UTF-8 with BOM, CRLF), streamed. Any signed-in rep may
// export what they may see on the timeline. Format and columns: src/server/exports/views-csv.ts.
import type { APIRoute } from 'astro';
import { adminHeaders, requireUser } from '../../../../server/auth/guard';
import { getDb } from '../../../../server/db/client';
import { catalogTitles, csvDownload, exportError } from '../../../../server/exports/http';
import { tExports } from '../../../../server/exports/messages';
import { asciiFileName, safeFileName } from '../../../../server/exports/views-csv';
import { calendarDateOf } from '../../../../server/i18n/calendar';
import { getOpportunity } from '../../../../server/crm/opportunities';

export const prerender = false;

export const GET: APIRoute = async (context) => {
  const user = await requireUser(context);
  if (user instanceof Response) return user;
  const db = getDb();
  const id = context.params.id ?? '';
  const opportunity = await getOpportunity(db, id);
  if (!opportunity) {
    return exportError(context.request, 404, 'not_found', [tExports(user.locale, 'error.notFound')], user.locale, {
      href: '/admin/opportunities',
      label: tExports(user.locale, 'page.back'),
    });
  }
  const today = calendarDateOf(new Date());
  const prefix = user.locale === 'ja' ? '閲覧データ' : 'views';
  return csvDownload(db, { opportunityId: id }, user.locale, await catalogTitles(), {
    ascii: `ringi-views-${asciiFileName(id)}-${today}.csv`,
    utf8: `${safeFileName(`${prefix}_${opportunity.accountName}_${opportunity.name}`)}_${today}.csv`,
  });
};

export const ALL: APIRoute = () => new Response(null, { status: 405, headers: { ...adminHeaders, Allow: 'GET' } });

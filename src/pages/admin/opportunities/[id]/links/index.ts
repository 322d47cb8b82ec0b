// POST: the access-link actions of the opportunity page (create, revoke, extend, regenerate), as
// plain forms (Astro's origin check covers them). Revoke and regenerate first go to a confirmation step. Answers with a redirect back to the page and a
// notice or error; a rep who may not edit this opportunity gets 403 and nothing changes.
import type { APIContext, APIRoute } from 'astro';
import { awaitsConfirmation, parseLinkAction, performLinkAction } from '../../../../../server/access-links/link-management';
import { getSettingValues } from '../../../../../server/settings/settings';
import { adminHeaders, requireUser } from '../../../../../server/auth/guard';
import { crossSiteRefusal, readForm } from '../../../../../server/http/forms';
import { messagePageHtml } from '../../../../../server/http/message-page';
import { getDb } from '../../../../../server/db/client';
import { tRooms } from '../../../../../server/rooms/admin-messages';
import { opportunityAccess } from '../../../../../server/rooms/room-builder';
import { loadSecretKey } from '../../../../../server/security/secret-box';

export const prerender = false;

const MAX_FORM_BYTES = 4096;

function detailPath(opportunityId: string): string {
  return `/admin/opportunities/${encodeURIComponent(opportunityId)}`;
}

function back(opportunityId: string, params: Record<string, string>, contactId?: string): Response {
  const query = new URLSearchParams(params);
  if (contactId) query.set('contact', contactId);
  const hash = contactId ? `#contact-${encodeURIComponent(contactId)}` : '#links';
  return new Response(null, { status: 303, headers: { ...adminHeaders, Location: `${detailPath(opportunityId)}?${query}${hash}` } });
}

function page(status: number, title: string, body: string, opportunityId: string, locale: 'ja' | 'en'): Response {
  const html = messagePageHtml([{ lang: locale, title, paragraphs: [body], back: { href: detailPath(opportunityId), label: tRooms(locale, 'builder.back') } }]);
  return new Response(html, { status, headers: { ...adminHeaders, 'Content-Type': 'text/html; charset=utf-8' } });
}

export const POST: APIRoute = async (context: APIContext) => {
  const user = await requireUser(context);
  if (user instanceof Response) return user;
  const posted = await readForm(context.request, context.url, MAX_FORM_BYTES);
  if (!posted.ok && posted.problem === 'crossSite') return crossSiteRefusal();
  const opportunityId = context.params.id ?? '';
  const db = getDb();
  const opportunity = await opportunityAccess(db, opportunityId);
  if (!opportunity) return page(404, tRooms(user.locale, 'detail.notFound'), tRooms(user.locale, 'detail.notFound'), opportunityId, user.locale);

  const action = posted.ok ? parseLinkAction(posted.fields) : null;
  if (!action) return back(opportunityId, { error: 'badRequest' });
  if (awaitsConfirmation(action, posted.ok ? posted.fields : {})) {
    // No #fragment: the confirm button's autofocus scrolls to it, and browsers skip autofocus with one.
    const query = new URLSearchParams({ confirm: action.action, link: action.linkId });
    return new Response(null, { status: 303, headers: { ...adminHeaders, Location: `${detailPath(opportunityId)}?${query}` } });
  }

  const settings = await getSettingValues(db);
  const defaults = { roomLocale: settings.defaultRoomLocale, linkExpiryDays: settings.defaultLinkExpiryDays };
  const result = await performLinkAction(db, loadSecretKey(), user, opportunityId, action, new Date(), defaults);
  if (result.ok) return back(opportunityId, { notice: result.value.notice }, result.value.contactId);
  if (result.reason === 'forbidden') {
    return page(403, tRooms(user.locale, 'forbidden.title'), tRooms(user.locale, 'error.forbidden'), opportunityId, user.locale);
  }
  return back(opportunityId, { error: result.reason }, result.contactId);
};

/** Links are changed from the opportunity page; anything else here just goes back there. */
export const GET: APIRoute = async (context) => {
  const user = await requireUser(context);
  if (user instanceof Response) return user;
  return new Response(null, { status: 303, headers: { ...adminHeaders, Location: `${detailPath(context.params.id ?? '')}#links` } });
};

export const ALL: APIRoute = () => new Response(null, { status: 405, headers: { ...adminHeaders, Allow: 'GET, POST' } });

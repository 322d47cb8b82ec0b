// POST: the access-link actions of the opportunity page (create, revoke, extend, regenerate), as
// plain forms (Astro's origin check covers them). Revoke and regenerate first go to a confirmation step. Answers with a redirect back to the page and a
// notice or error; a rep who may not edit this opportunity gets 403 and nothing changes.
import type { APIContext, APIRoute } from 'astro';
import { awaitsConfirmation, parseLinkAction, performLinkAction } from '../../../../../server/access-links/link-management';
import { getSettingValues } from '../../../../../server/settings/settings';
import { adminHeaders, requireUser } from '../../../../../server/auth/guard';
import { answerAdminPost, seeOther } from '../../../../../server/http/admin-form';
import { getDb } from '../../../../../server/db/client';
import { tRooms } from '../../../../../server/rooms/admin-messages';
import { opportunityAccess } from '../../../../../server/rooms/room-builder';
import { loadSecretKey } from '../../../../../server/security/secret-box';

export const prerender = false;

const MAX_FORM_BYTES = 4096;

function detailPath(opportunityId: string): string {
  return `/admin/opportunities/${encodeURIComponent(opportunityId)}`;
}

/** Back to the opportunity page with a notice or error (and the contact it is about). */
function back(opportunityId: string, params: Record<string, string>, contactId?: string): string {
  const query = new URLSearchParams(params);
  if (contactId) query.set('contact', contactId);
  const hash = contactId ? `#contact-${encodeURIComponent(contactId)}` : '#links';
  return `${detailPath(opportunityId)}?${query}${hash}`;
}

export const POST: APIRoute = async (context: APIContext) => {
  const user = requireUser(context);
  if (user instanceof Response) return user;
  const opportunityId = context.params.id ?? '';
  const db = getDb();
  const opportunity = await opportunityAccess(db, opportunityId);
  return answerAdminPost(context, user, {
    maxBytes: MAX_FORM_BYTES,
    refuse: opportunity ? null : 'not_found',
    refusal: {
      detail: (lang) => tRooms(lang, opportunity ? 'error.forbidden' : 'detail.notFound'),
      back: { href: opportunity ? detailPath(opportunityId) : '/admin/opportunities', label: (lang) => tRooms(lang, 'builder.back') },
    },
    act: async ({ fields }) => {
      const action = parseLinkAction(fields);
      if (!action) return { ok: true, redirect: back(opportunityId, { error: 'badRequest' }) };
      if (awaitsConfirmation(action, fields)) {
        // No #fragment: the confirm button's autofocus scrolls to it, and browsers skip autofocus with one.
        return { ok: true, redirect: `${detailPath(opportunityId)}?${new URLSearchParams({ confirm: action.action, link: action.linkId })}` };
      }
      const settings = await getSettingValues(db);
      const defaults = { roomLocale: settings.defaultRoomLocale, linkExpiryDays: settings.defaultLinkExpiryDays };
      const result = await performLinkAction(db, loadSecretKey(), user, opportunityId, action, new Date(), defaults);
      if (result.ok) return { ok: true, redirect: back(opportunityId, { notice: result.value.notice }, result.value.contactId) };
      if (result.reason === 'forbidden') return { ok: false, reason: 'forbidden' };
      return { ok: true, redirect: back(opportunityId, { error: result.reason }, result.contactId) };
    },
  });
};

/** Links are changed from the opportunity page; anything else here just goes back there. */
export const GET: APIRoute = (context) => {
  const user = requireUser(context);
  if (user instanceof Response) return user;
  return seeOther(`${detailPath(context.params.id ?? '')}#links`);
};

export const ALL: APIRoute = () => new Response(null, { status: 405, headers: { ...adminHeaders, Allow: 'GET, POST' } });

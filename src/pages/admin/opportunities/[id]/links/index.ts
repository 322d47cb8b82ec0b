// POST: the access-link actions of the opportunity page (create, revoke, extend, regenerate), as
// plain forms (Astro's origin check covers them). Revoke and regenerate first go to a confirmation step. Answers with a redirect back to the page and a
// notice or error; a rep who may not edit this opportunity gets 403 and nothing changes.
import type { APIContext, APIRoute } from 'astro';
import { opportunityPath, submitLinkAction } from '../../../../../server/access-links/link-forms';
import { adminHeaders, requireUser } from '../../../../../server/auth/guard';
import { answerAdminPost, seeOther } from '../../../../../server/http/admin-form';
import { BODY_LIMITS } from '../../../../../server/http/body-limits';
import { getDb } from '../../../../../server/db/client';
import { tRooms } from '../../../../../server/rooms/admin-messages';
import { opportunityAccess } from '../../../../../server/rooms/room-builder';
import { loadSecretKey } from '../../../../../server/security/secret-box';

export const prerender = false;

export const POST: APIRoute = async (context: APIContext) => {
  const user = await requireUser(context);
  if (user instanceof Response) return user;
  const opportunityId = context.params.id ?? '';
  const db = getDb();
  const opportunity = await opportunityAccess(db, opportunityId);
  return answerAdminPost(context, user, {
    maxBytes: BODY_LIMITS.linkForm,
    refuse: opportunity ? null : 'not_found',
    refusal: {
      detail: (lang) => tRooms(lang, opportunity ? 'error.forbidden' : 'detail.notFound'),
      back: { href: opportunity ? opportunityPath(opportunityId) : '/admin/opportunities', label: (lang) => tRooms(lang, 'builder.back') },
    },
    act: (form) => submitLinkAction(db, loadSecretKey(), user, opportunityId, form),
  });
};

/** Links are changed from the opportunity page; anything else here just goes back there. */
export const GET: APIRoute = async (context) => {
  const user = await requireUser(context);
  if (user instanceof Response) return user;
  return seeOther(`${opportunityPath(context.params.id ?? '')}#links`);
};

export const ALL: APIRoute = () => new Response(null, { status: 405, headers: { ...adminHeaders, Allow: 'GET, POST' } });

// POST: record who an unknown reader of the opportunity is (an existing contact, or a new one with a
// role); its reading history moves to that contact. Only the owner and admins (link-browsers.ts checks).
import type { APIContext, APIRoute } from 'astro';
import { opportunityPath } from '../../../../server/access-links/link-forms';
import { adminHeaders, requireUser } from '../../../../server/auth/guard';
import { answerAdminPost, seeOther } from '../../../../server/http/admin-form';
import { getDb } from '../../../../server/db/client';
import { tRooms } from '../../../../server/rooms/admin-messages';
import { submitReaderForm } from '../../../../server/tracking/reader-form';

export const prerender = false;

export const POST: APIRoute = async (context: APIContext) => {
  const user = await requireUser(context);
  if (user instanceof Response) return user;
  const opportunityId = context.params.id ?? '';
  return answerAdminPost(context, user, {
    refusal: { detail: (lang) => tRooms(lang, 'error.forbidden'), back: { href: `${opportunityPath(opportunityId)}#unknown-readers`, label: (lang) => tRooms(lang, 'builder.back') } },
    act: (form) => submitReaderForm(getDb(), user, opportunityId, form),
  });
};

export const GET: APIRoute = async (context) => {
  const user = await requireUser(context);
  if (user instanceof Response) return user;
  return seeOther(`${opportunityPath(context.params.id ?? '')}#unknown-readers`);
};

export const ALL: APIRoute = () => new Response(null, { status: 405, headers: { ...adminHeaders, Allow: 'GET, POST' } });

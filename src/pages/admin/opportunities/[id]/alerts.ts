// POST: mute or unmute Slack alerts for one opportunity (a plain form on the opportunity page).
// Owner and admins only; answers with a redirect back to the page.
import type { APIRoute } from 'astro';
import { z } from 'zod';
import { requireUser } from '../../../../server/auth/guard';
import { setOpportunityAlertsMuted } from '../../../../server/crm/opportunities';
import { getDb } from '../../../../server/db/client';
import { answerAdminPost, seeOther } from '../../../../server/http/admin-form';
import { tRooms } from '../../../../server/rooms/admin-messages';

export const prerender = false;

const muteForm = z.object({ muted: z.enum(['0', '1']) });

export const POST: APIRoute = async (context) => {
  const user = await requireUser(context);
  if (user instanceof Response) return user;
  const detail = `/admin/opportunities/${encodeURIComponent(context.params.id ?? '')}`;
  return answerAdminPost(context, user, {
    refusal: { detail: (lang) => tRooms(lang, 'error.forbidden'), back: { href: detail, label: (lang) => tRooms(lang, 'builder.back') } },
    act: async ({ fields }) => {
      const parsed = muteForm.safeParse(fields);
      if (!parsed.success) return { ok: false, reason: 'bad_request' };
      const result = await setOpportunityAlertsMuted(getDb(), user, context.params.id ?? '', parsed.data.muted === '1');
      if (!result.ok) return { ok: false, reason: result.reason === 'invalid' ? 'bad_request' : result.reason };
      return { ok: true, redirect: `${detail}#alerts` };
    },
  });
};

export const GET: APIRoute = async (context) => {
  const user = await requireUser(context);
  if (user instanceof Response) return user;
  return seeOther(`/admin/opportunities/${encodeURIComponent(context.params.id ?? '')}`);
};

// POST: accept the hand-off of a long-cycle deal (the hand-off owner, the owner or an admin), from the
// opportunity page; redirects back to its hand-off section.
import type { APIRoute } from 'astro';
import { acceptHandOff } from '../../../../server/approval/hand-off';
import { tApproval } from '../../../../server/approval/approval-messages';
import { requireUser } from '../../../../server/auth/guard';
import { getDb } from '../../../../server/db/client';
import { answerAdminPost, seeOther } from '../../../../server/http/admin-form';
import { tRooms } from '../../../../server/rooms/admin-messages';

export const prerender = false;

export const POST: APIRoute = async (context) => {
  const user = await requireUser(context);
  if (user instanceof Response) return user;
  const detail = `/admin/opportunities/${encodeURIComponent(context.params.id ?? '')}`;
  return answerAdminPost(context, user, {
    refusal: { detail: (lang) => tApproval(lang, 'error.handoff'), back: { href: detail, label: (lang) => tRooms(lang, 'builder.back') } },
    act: async () => {
      const result = await acceptHandOff(getDb(), user, context.params.id ?? '');
      if (!result.ok && result.reason !== 'not_ready') return { ok: false, reason: result.reason };
      return { ok: true, redirect: result.ok ? `${detail}#hand-off` : `${detail}?handoff=not_ready#hand-off` };
    },
  });
};

export const GET: APIRoute = async (context) => {
  const user = await requireUser(context);
  if (user instanceof Response) return user;
  return seeOther(`/admin/opportunities/${encodeURIComponent(context.params.id ?? '')}`);
};

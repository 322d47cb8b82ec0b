// POST: the rep's answer to an approval suggestion (accept or dismiss), from the opportunity page.
// Owner and admins only; redirects back with a notice. A suggestion that no longer applies says so.
import type { APIRoute } from 'astro';
import { z } from 'zod';
import { decideSuggestion } from '../../../../server/approval/suggestions';
import { tApproval } from '../../../../server/approval/approval-messages';
import { requireUser } from '../../../../server/auth/guard';
import { getDb } from '../../../../server/db/client';
import { answerAdminPost, seeOther } from '../../../../server/http/admin-form';
import { tRooms } from '../../../../server/rooms/admin-messages';

export const prerender = false;

const decisionForm = z.object({ key: z.string().min(1).max(200), decision: z.enum(['accept', 'dismiss']) });

export const POST: APIRoute = async (context) => {
  const user = await requireUser(context);
  if (user instanceof Response) return user;
  const detail = `/admin/opportunities/${encodeURIComponent(context.params.id ?? '')}`;
  return answerAdminPost(context, user, {
    refusal: { detail: (lang) => tApproval(lang, 'error.forbidden'), back: { href: detail, label: (lang) => tRooms(lang, 'builder.back') } },
    act: async ({ fields }) => {
      const parsed = decisionForm.safeParse(fields);
      if (!parsed.success) return { ok: false, reason: 'bad_request' };
      const result = await decideSuggestion(getDb(), user, context.params.id ?? '', parsed.data.key, parsed.data.decision);
      if (!result.ok && result.reason !== 'stale') return { ok: false, reason: result.reason };
      const notice = result.ok ? (parsed.data.decision === 'accept' ? 'accepted' : 'dismissed') : 'stale';
      return { ok: true, redirect: `${detail}?${new URLSearchParams({ suggestion: notice })}#approval` };
    },
  });
};

export const GET: APIRoute = async (context) => {
  const user = await requireUser(context);
  if (user instanceof Response) return user;
  return seeOther(`/admin/opportunities/${encodeURIComponent(context.params.id ?? '')}`);
};

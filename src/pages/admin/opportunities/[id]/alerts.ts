// POST: mute or unmute Slack alerts for one opportunity (a plain form on the opportunity page).
// Owner and admins only; answers with a redirect back to the page.
import type { APIRoute } from 'astro';
import { z } from 'zod';
import { adminHeaders, requireUser } from '../../../../server/auth/guard';
import { setOpportunityAlertsMuted } from '../../../../server/crm/opportunities';
import { getDb } from '../../../../server/db/client';
import { crossSiteRefusal, MAX_TEXT_FORM_BYTES, readForm } from '../../../../server/http/forms';

export const prerender = false;

const muteForm = z.object({ muted: z.enum(['0', '1']) });

const text = (status: number, body: string) =>
  new Response(body, { status, headers: { ...adminHeaders, 'Content-Type': 'text/plain; charset=utf-8' } });

export const POST: APIRoute = async (context) => {
  const user = await requireUser(context);
  if (user instanceof Response) return user;
  const posted = await readForm(context.request, context.url, MAX_TEXT_FORM_BYTES);
  if (!posted.ok && posted.problem === 'crossSite') return crossSiteRefusal();
  const parsed = muteForm.safeParse(posted.ok ? posted.fields : null);
  if (!parsed.success) return text(400, 'Expected muted=0 or muted=1.');
  const id = context.params.id ?? '';
  const result = await setOpportunityAlertsMuted(getDb(), user, id, parsed.data.muted === '1');
  if (!result.ok) return text(result.reason === 'forbidden' ? 403 : 404, result.reason === 'forbidden' ? 'Only the owner or an admin can change this.' : 'No such opportunity.');
  return new Response(null, { status: 303, headers: { ...adminHeaders, Location: `/admin/opportunities/${encodeURIComponent(id)}#alerts` } });
};

export const GET: APIRoute = async (context) => {
  const user = await requireUser(context);
  if (user instanceof Response) return user;
  return new Response(null, { status: 303, headers: { ...adminHeaders, Location: `/admin/opportunities/${encodeURIComponent(context.params.id ?? '')}` } });
};

import type { APIRoute } from 'astro';
import { adminHeaders, clearSessionCookie, currentSession, isSameOrigin } from '../../server/auth/guard';
import { crossSiteRefusal } from '../../server/http/forms';
import { invalidateSession } from '../../server/auth/sessions';
import { getDb } from '../../server/db/client';

// POST only (a form button), so a link or image elsewhere cannot sign a rep out.
// Astro's checkOrigin skips JSON bodies, so the origin is checked here for every content type.
export const POST: APIRoute = async (context) => {
  if (!isSameOrigin(context.request, context.url)) return crossSiteRefusal();
  const session = await currentSession(context);
  if (session) await invalidateSession(getDb(), session.sessionId);
  clearSessionCookie(context.cookies);
  return new Response(null, { status: 303, headers: { ...adminHeaders, Location: '/admin/sign-in' } });
};

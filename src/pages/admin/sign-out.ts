import type { APIRoute } from 'astro';
import { adminHeaders, clearSessionCookie, currentSession } from '../../server/auth/guard';
import { invalidateSession } from '../../server/auth/sessions';
import { getDb } from '../../server/db/client';

// POST only (a form button), so a link or image elsewhere cannot sign a rep out.
export const POST: APIRoute = (context) => {
  const session = currentSession(context);
  if (session) invalidateSession(getDb(), session.sessionId);
  clearSessionCookie(context.cookies);
  return new Response(null, { status: 303, headers: { ...adminHeaders, Location: '/admin/sign-in' } });
};

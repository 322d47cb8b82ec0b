import type { APIRoute } from 'astro';
import { adminHeaders, clearSessionCookie, currentSession, isSameOrigin } from '../../server/auth/guard';
import { crossSiteRefusal } from '../../server/http/forms';
import { messagePageHtml } from '../../server/http/message-page';
import { tAdmin } from '../../server/i18n/admin-common';
import { invalidateSession } from '../../server/auth/sessions';
import { getDb } from '../../server/db/client';

// Signing out is a POST (a form button), so a link or image elsewhere cannot sign a rep out.
// Astro's checkOrigin skips JSON bodies, so the origin is checked here for every content type.
export const POST: APIRoute = async (context) => {
  if (!isSameOrigin(context.request, context.url)) return crossSiteRefusal();
  const session = await currentSession(context);
  if (session) await invalidateSession(getDb(), session.sessionId);
  clearSessionCookie(context.cookies);
  return new Response(null, { status: 303, headers: { ...adminHeaders, Location: '/admin/sign-in' } });
};

// The page to sign out from where no form may post: the document preview keeps the prospect page's
// CSP (form-action 'none'), so its menu links here. Showing the button signs nobody out.
export const GET: APIRoute = async (context) => {
  const session = await currentSession(context);
  if (!session) return new Response(null, { status: 303, headers: { ...adminHeaders, Location: '/admin/sign-in' } });
  const locale = session.user.locale;
  const html = messagePageHtml([
    {
      lang: locale,
      title: tAdmin(locale, 'signOut.confirm'),
      action: { href: '/admin/sign-out', label: tAdmin(locale, 'nav.signOut') },
      back: { href: '/admin/documents', label: tAdmin(locale, 'signOut.back') },
    },
  ]);
  return new Response(html, { status: 200, headers: { ...adminHeaders, 'Content-Type': 'text/html; charset=utf-8' } });
};

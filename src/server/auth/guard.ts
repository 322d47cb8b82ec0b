// The one authorisation check of the admin area: every admin page and endpoint calls it first.
// (Astro's docs warn that pathname checks in middleware can be bypassed: nothing here looks at URLs.)
import type { AstroCookies } from 'astro';
import { getDb } from '../db/client';
import type { Locale } from '../i18n/format';
import { jsonError } from '../http/json';
import { refusalResponse } from '../http/refusal';
import { SESSION_COOKIE, SESSION_INACTIVITY_MS, validateSession, type SessionUser, type ValidSession } from './sessions';

export interface RequestContext {
  cookies: AstroCookies;
  url: URL;
  request: Request;
  response?: { headers: Headers };
}

export const adminHeaders: Readonly<Record<string, string>> = {
  'Cache-Control': 'private, no-store',
  'Referrer-Policy': 'same-origin', // no-referrer would make Chromium send "Origin: null" on form POSTs, which checkOrigin refuses
  'X-Robots-Tag': 'noindex, nofollow',
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

export function setSessionCookie(cookies: AstroCookies, token: string, secure: boolean): void {
  cookies.set(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: SESSION_INACTIVITY_MS / 1000 });
}

export function clearSessionCookie(cookies: AstroCookies): void {
  cookies.delete(SESSION_COOKIE, { path: '/' });
}

/** The signed-in user's session, or null. Keeps the cookie's expiry in step with the session's. */
export async function currentSession(context: RequestContext): Promise<ValidSession | null> {
  const token = context.cookies.get(SESSION_COOKIE)?.value;
  if (!token) return null;
  const session = await validateSession(getDb(), token);
  if (!session) {
    clearSessionCookie(context.cookies);
    return null;
  }
  if (session.refreshed) setSessionCookie(context.cookies, token, context.url.protocol === 'https:');
  return session;
}

export type UserRole = SessionUser['role'];

/**
 * Who may open a page: admins only, or the roles listed. Without either, reps and admins: content
 * editors (issue 18) see only the pages that name them, so a page added later is closed to them.
 */
export interface Access {
  role?: 'admin';
  roles?: readonly UserRole[];
}

export function allows(role: UserRole, access: Access): boolean {
  if (access.role === 'admin') return role === 'admin';
  return (access.roles ?? ['admin', 'rep']).includes(role);
}

/**
 * For admin pages: the signed-in user, or a response to return at once (the sign-in page for
 * anonymous visitors, 403 for a user whose role the page does not allow).
 */
export async function requireUser(context: RequestContext, options: Access = {}): Promise<SessionUser | Response> {
  if (context.response) for (const [name, value] of Object.entries(adminHeaders)) context.response.headers.set(name, value);
  const session = await currentSession(context);
  if (!session) {
    const next = context.url.pathname + context.url.search;
    return new Response(null, {
      status: 303,
      headers: { ...adminHeaders, Location: `/admin/sign-in?next=${encodeURIComponent(next)}` },
    });
  }
  if (!allows(session.user.role, options)) {
    // A content editor's way back is the documents area: the admin home is not theirs.
    const back = session.user.role === 'content' ? { href: '/admin/documents', label: (locale: Locale) => (locale === 'ja' ? '資料に戻る' : 'Back to documents') } : undefined;
    return refusalResponse(session.user.locale, 'forbidden', { back });
  }
  return session.user;
}

/**
 * For admin JSON endpoints: the user, or a 401/403 JSON error. State-changing methods must also come
 * from our own pages: Astro's origin check covers form posts only, not JSON bodies.
 */
export async function requireUserForApi(context: RequestContext, options: Access = {}): Promise<SessionUser | Response> {
  const session = await currentSession(context);
  if (!session) return jsonError(401, 'unauthorized', 'Sign in first.');
  if (!['GET', 'HEAD'].includes(context.request.method) && !isSameOrigin(context.request, context.url)) {
    return jsonError(403, 'forbidden', 'Cross-site requests are refused.');
  }
  if (!allows(session.user.role, options)) return jsonError(403, 'forbidden', options.role === 'admin' ? 'Admins only.' : 'Not for your role.');
  return session.user;
}

/** Sec-Fetch-Site where the browser sends it, else the Origin header against our own origin. */
export function isSameOrigin(request: Request, url: URL): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site) return site === 'same-origin';
  const origin = request.headers.get('origin');
  return origin !== null && origin === url.origin;
}

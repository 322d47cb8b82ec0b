// Where the sign-in page may send a user afterwards: only our own admin pages (no open redirect).

const BASE = 'http://ringi.invalid';

/**
 * `value` as a path under /admin, normalised the way a browser resolves a Location header (`..`,
 * backslashes, tabs and newlines), else `/admin`. Resolving first means `/admin/../../x` cannot
 * leave the admin area and a control character can never reach the Location header (a 500).
 */
export function safeNextPath(value: string | null | undefined): string {
  if (!value || !value.startsWith('/') || value.startsWith('//')) return '/admin';
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return '/admin';
  }
  if (url.origin !== BASE || !/^\/admin(?:\/|$)/.test(url.pathname) || url.pathname.startsWith('//')) return '/admin';
  const next = url.pathname + url.search + url.hash;
  return /[\u0000-\u001f\u007f]/.test(next) ? '/admin' : next;
}

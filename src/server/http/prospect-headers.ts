// Headers on every prospect-facing response: private, unindexed, no token in any Referer,
// and a CSP that allows only the page's own stylesheet, script and beacons.
export const prospectContentSecurityPolicy = [
  "default-src 'none'",
  "style-src 'self'",
  "script-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const prospectHeaders: Readonly<Record<string, string>> = {
  'X-Robots-Tag': 'noindex, nofollow, noarchive',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'private, no-store',
  'Content-Security-Policy': prospectContentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

export function applyProspectHeaders(headers: Headers): void {
  for (const [name, value] of Object.entries(prospectHeaders)) headers.set(name, value);
}

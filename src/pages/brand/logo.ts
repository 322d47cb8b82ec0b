// GET /brand/logo?v=<version>: the vendor logo from the settings, for the prospect pages' header.
// Served as a file (not inlined) so a 200 KB logo is fetched once per browser, not with every page.
import type { APIRoute } from 'astro';
import { getDb } from '../../server/db/client';
import { vendorBranding } from '../../server/settings/branding';

export const prerender = false;

export const GET: APIRoute = async ({ request, url }) => {
  const logo = (await vendorBranding(getDb())).logo;
  if (!logo) return new Response('No logo is set.', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });
  const etag = `"${logo.version}"`;
  const headers = {
    'Content-Type': logo.contentType,
    ETag: etag,
    'X-Content-Type-Options': 'nosniff',
    // A versioned URL never changes content; the bare URL is revalidated.
    'Cache-Control': url.searchParams.get('v') === logo.version ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
  if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers });
  return new Response(new Uint8Array(logo.bytes), { headers: { ...headers, 'Content-Length': String(logo.bytes.byteLength) } });
};

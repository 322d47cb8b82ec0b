// The vendor's name and logo (admin settings) on the pages prospects see. Prospect pages are the hot
// path, so the decoded values (the logo is up to 200 KB of base64) are kept per connection, and
// each request only reads when the two settings were last written: a change in /admin/settings
// shows on the next request of every instance on the database (docs/adr/0014). One cache per
// connection, so the page filled from a template, the page Astro renders and the logo it links to
// agree on whether there is a logo, or a prospect's browser asks for a logo that is already gone.
import crypto from 'node:crypto';
import { inArray, sql } from 'drizzle-orm';
import type { RingiDb } from '../db/client';
import { workspaceSettings } from '../db/tables';
import { getSettingValues } from './settings';

const BRANDING_KEYS = ['organisationName', 'logoDataUrl'];

export interface BrandLogo {
  contentType: string;
  bytes: Buffer;
  /** A short hash of the bytes: the logo URL's version and its ETag. */
  version: string;
}

export interface Branding {
  /** The organisation name, or '' when none is set (pages then show "Ringi"). */
  organisationName: string;
  logo: BrandLogo | null;
}


/** Decodes the stored data: URL (validated on upload by logoDataUrl()); null when absent or unreadable. */
export function decodeLogo(dataUrl: string | null): BrandLogo | null {
  const match = dataUrl ? /^data:(image\/(?:png|jpeg|webp));base64,([A-Za-z0-9+/]+={0,2})$/.exec(dataUrl) : null;
  if (!match) return null;
  const bytes = Buffer.from(match[2]!, 'base64');
  const version = crypto.createHash('sha256').update(bytes).digest('base64url').slice(0, 16);
  return { contentType: match[1]!, bytes, version };
}

// Prepared once per connection: building this query on every prospect page cost more than the
// page's own token lookup. octet_length, not length: SQLite answers it from the record header, while
// length() reads and counts the characters of a 200 KB logo on every request (160 µs; docs/performance.md).
const stampQueries = new WeakMap<RingiDb, ReturnType<typeof prepareStamp>>();

function prepareStamp(db: RingiDb) {
  return db
    .select({ key: workspaceSettings.key, updatedAt: workspaceSettings.updatedAt, size: sql<number>`octet_length(${workspaceSettings.value})`.mapWith(Number) })
    .from(workspaceSettings)
    .where(inArray(workspaceSettings.key, BRANDING_KEYS))
    .prepare();
}

/** When and how big the branding settings were last written: it changes with every save or removal. */
async function brandingStamp(db: RingiDb): Promise<string> {
  let query = stampQueries.get(db);
  if (!query) {
    query = prepareStamp(db);
    stampQueries.set(db, query);
  }
  const rows = await query.execute();
  return rows
    .map((r) => `${r.key}:${r.updatedAt.getTime()}:${r.size}`)
    .sort()
    .join('|');
}

const brandingCache = new WeakMap<RingiDb, { stamp: string; branding: Branding }>();

export async function vendorBranding(db: RingiDb): Promise<Branding> {
  const stamp = await brandingStamp(db);
  const cached = brandingCache.get(db);
  if (cached && cached.stamp === stamp) return cached.branding;
  const values = await getSettingValues(db);
  const branding = { organisationName: values.organisationName, logo: decodeLogo(values.logoDataUrl) };
  brandingCache.set(db, { stamp, branding });
  return branding;
}

// The vendor's name and logo (admin settings) on the pages prospects see. Prospect pages are the hot
// path, so the values are cached per database for a few seconds rather than read on every request;
// a change in /admin/settings shows within BRANDING_TTL_MS. One cache per connection, so the page
// filled from a template, the page Astro renders and the logo it links to agree on whether there is
// a logo, or a prospect's browser asks for a logo that is already gone.
import crypto from 'node:crypto';
import type { RingiDb } from '../db/client';
import { getSettingValues } from './settings';

export const BRANDING_TTL_MS = 5_000;

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

const brandingCache = new WeakMap<RingiDb, { loadedAt: number; branding: Branding }>();

export async function vendorBranding(db: RingiDb, now = Date.now()): Promise<Branding> {
  const cached = brandingCache.get(db);
  if (cached && now - cached.loadedAt < BRANDING_TTL_MS) return cached.branding;
  const values = await getSettingValues(db);
  const branding = { organisationName: values.organisationName, logo: decodeLogo(values.logoDataUrl) };
  brandingCache.set(db, { loadedAt: now, branding });
  return branding;
}

// The vendor name and logo shown to prospects: decoded from the settings, cached for a few seconds.
import { describe, expect, it } from 'vitest';
import { users } from '../../src/server/db/tables';
import { BRANDING_TTL_MS, decodeLogo, vendorBranding } from '../../src/server/settings/branding';
import { updateSettings } from '../../src/server/settings/settings';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();
const admin = { id: 'u-admin', role: 'admin' as const };
await db.insert(users).values({ id: admin.id, email: 'admin@example.com', displayName: '管理者', role: 'admin' });
// The smallest valid PNG signature plus a few bytes: logoDataUrl() checks the magic bytes only.
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

describe('vendorBranding', () => {
  it('is empty on a fresh workspace', async () => {
    expect(await vendorBranding(db, 0)).toEqual({ organisationName: '', logo: null });
  });

  it('shows a change once the cache has expired, not before', async () => {
    expect((await updateSettings(db, admin, { organisationName: '株式会社サンプル', logo: png }, { env: {} })).ok).toBe(true);
    expect((await vendorBranding(db, BRANDING_TTL_MS - 1)).organisationName).toBe('');
    const fresh = await vendorBranding(db, BRANDING_TTL_MS);
    expect(fresh.organisationName).toBe('株式会社サンプル');
    expect(fresh.logo).toMatchObject({ contentType: 'image/png' });
    expect(new Uint8Array(fresh.logo!.bytes)).toEqual(png);
    expect(fresh.logo!.version).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it('is one answer within the TTL, logo included (the filled page and the logo it links to agree)', async () => {
    const shown = await vendorBranding(db, 10 * BRANDING_TTL_MS);
    expect((await updateSettings(db, admin, { organisationName: '株式会社べつ', logo: null }, { env: {} })).ok).toBe(true);
    expect(await vendorBranding(db, 10 * BRANDING_TTL_MS + 1)).toBe(shown);
    const refreshed = await vendorBranding(db, 11 * BRANDING_TTL_MS);
    expect(refreshed).toEqual({ organisationName: '株式会社べつ', logo: null });
    expect(await vendorBranding(db, 11 * BRANDING_TTL_MS + 1)).toBe(refreshed);
  });
});

describe('decodeLogo', () => {
  it('reads only image data: URLs of the allowed types', () => {
    expect(decodeLogo(null)).toBeNull();
    expect(decodeLogo('data:image/svg+xml;base64,PHN2Zz4=')).toBeNull();
    expect(decodeLogo('https://example.com/logo.png')).toBeNull();
    expect(decodeLogo('data:image/webp;base64,UklGRg==')).toMatchObject({ contentType: 'image/webp' });
  });
});

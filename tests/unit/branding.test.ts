// The vendor name and logo shown to prospects: decoded from the settings, kept until they change.
import { describe, expect, it } from 'vitest';
import { users } from '../../src/server/db/tables';
import { closeDatabase } from '../../src/server/db/client';
import { decodeLogo, vendorBranding } from '../../src/server/settings/branding';
import { updateSettings } from '../../src/server/settings/settings';
import { openSecondConnection, useTempDatabase } from './support/temp-db';

const db = useTempDatabase();
const admin = { id: 'u-admin', role: 'admin' as const };
await db.insert(users).values({ id: admin.id, email: 'admin@example.com', displayName: '管理者', role: 'admin' });
// The smallest valid PNG signature plus a few bytes: logoDataUrl() checks the magic bytes only.
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

describe('vendorBranding', () => {
  it('is empty on a fresh workspace', async () => {
    expect(await vendorBranding(db)).toEqual({ organisationName: '', logo: null });
  });

  it('shows a change on the next call, decoded once and then kept', async () => {
    expect((await updateSettings(db, admin, { organisationName: '株式会社サンプル', logo: png }, { env: {} })).ok).toBe(true);
    const fresh = await vendorBranding(db);
    expect(fresh.organisationName).toBe('株式会社サンプル');
    expect(fresh.logo).toMatchObject({ contentType: 'image/png' });
    expect(new Uint8Array(fresh.logo!.bytes)).toEqual(png);
    expect(fresh.logo!.version).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(await vendorBranding(db)).toBe(fresh); // unchanged settings: the kept answer, not a new decode
  });

  it('is one answer per database, whichever connection asks, and a change shows on every one at once', async () => {
    const second = openSecondConnection(db);
    try {
      const shown = await vendorBranding(db);
      expect(await vendorBranding(second)).toEqual(shown);
      // Saved through the second connection (another bundled copy, or another instance on PostgreSQL).
      expect((await updateSettings(second, admin, { organisationName: '株式会社べつ', logo: null }, { env: {} })).ok).toBe(true);
      const refreshed = await vendorBranding(db);
      expect(refreshed).toEqual({ organisationName: '株式会社べつ', logo: null });
      expect(await vendorBranding(second)).toEqual(refreshed);
    } finally {
      await closeDatabase(second);
    }
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

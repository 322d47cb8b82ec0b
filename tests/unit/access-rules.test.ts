import { describe, expect, it } from 'vitest';
import { documentOffersAttachment, linkState, roomOffersDocument } from '../../src/server/rooms/access-rules';

const now = new Date('2026-11-22T10:00:00Z');
const before = new Date('2026-11-22T09:59:59Z');
const after = new Date('2026-11-22T10:00:01Z');

describe('linkState', () => {
  it('is active with no revocation or expiry, or with both in the future', () => {
    expect(linkState({ revokedAt: null, expiresAt: null }, null, now)).toBe('active');
    expect(linkState({ revokedAt: after, expiresAt: after }, after, now)).toBe('active');
  });
  it('is revoked once revoked, even when also expired', () => {
    expect(linkState({ revokedAt: before, expiresAt: null }, null, now)).toBe('revoked');
    expect(linkState({ revokedAt: before, expiresAt: before }, before, now)).toBe('revoked');
  });
  it('expires with its own expiry or its room', () => {
    expect(linkState({ revokedAt: null, expiresAt: before }, null, now)).toBe('expired');
    expect(linkState({ revokedAt: null, expiresAt: null }, before, now)).toBe('expired');
    expect(linkState({ revokedAt: null, expiresAt: now }, null, now)).toBe('expired');
  });
});

describe('roomOffersDocument', () => {
  const slugs = ['pricing', 'security-check-sheet'];
  it('offers exactly the chosen slugs', () => {
    expect(roomOffersDocument(slugs, 'pricing')).toBe(true);
    expect(roomOffersDocument(slugs, 'roi-model')).toBe(false);
  });
  it('refuses path tricks and odd spellings', () => {
    for (const slug of ['../pricing', 'pricing/', 'Pricing', 'pricing.md', '%2e%2e', '', 'pricing\u0000', ' pricing']) {
      expect(roomOffersDocument([...slugs, slug], slug), JSON.stringify(slug)).toBe(false);
    }
  });
});

describe('documentOffersAttachment', () => {
  const attachments = [{ file: 'pricing-2026.pdf' }];
  it('serves only declared attachments', () => {
    expect(documentOffersAttachment(attachments, 'pricing-2026.pdf')).toBe(true);
    expect(documentOffersAttachment(attachments, 'other.pdf')).toBe(false);
  });
  it('refuses traversal even when such a name were declared', () => {
    for (const file of ['../secret.key', '..%2fsecret.pdf', 'pricing.md', '/etc/passwd', 'a/b.pdf', '.pdf']) {
      expect(documentOffersAttachment([{ file }], file), file).toBe(false);
    }
  });
});

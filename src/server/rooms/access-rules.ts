// Pure rules for what an access link may open. Kept free of I/O so they are unit-tested directly.

export type LinkState = 'active' | 'revoked' | 'expired';

export interface LinkTimes {
  revokedAt: Date | null;
  expiresAt: Date | null;
}

/** Revocation wins over expiry; a link also expires with its room. */
export function linkState(link: LinkTimes, roomExpiresAt: Date | null, now: Date): LinkState {
  if (link.revokedAt && link.revokedAt.getTime() <= now.getTime()) return 'revoked';
  const expiries = [link.expiresAt, roomExpiresAt].filter((d): d is Date => d !== null);
  if (expiries.some((d) => d.getTime() <= now.getTime())) return 'expired';
  return 'active';
}

const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const ATTACHMENT_PATTERN = /^[a-z0-9]+(?:[-_][a-z0-9]+)*\.(pdf|xlsx|csv)$/;

export function isValidSlug(slug: string): boolean {
  return slug.length <= 120 && SLUG_PATTERN.test(slug);
}

export function isValidAttachmentName(file: string): boolean {
  return file.length <= 120 && ATTACHMENT_PATTERN.test(file);
}

/** A room offers exactly the slugs chosen for it: nothing else is reachable with its links. */
export function roomOffersDocument(roomSlugs: readonly string[], slug: string): boolean {
  return isValidSlug(slug) && roomSlugs.includes(slug);
}

/** Only attachments declared in the document's frontmatter are served, matched by exact name. */
export function documentOffersAttachment(attachments: readonly { file: string }[], file: string): boolean {
  return isValidAttachmentName(file) && attachments.some((a) => a.file === file);
}

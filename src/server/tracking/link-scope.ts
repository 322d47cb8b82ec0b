import { eq, sql } from 'drizzle-orm';
import { accessLinks, opportunities, rooms } from '../db/tables';
import { parseAccessToken, secretMatches } from '../access-links/tokens';
import type { RingiDb } from '../db/client';
import { linkState } from '../rooms/access-rules';

/** Where a tracked event belongs: the link and everything above it. */
export interface LinkScope {
  accessLinkId: string;
  roomId: string;
  contactId: string;
  opportunityId: string;
  accountId: string;
}

function prepareScopeQuery(db: RingiDb) {
  return db
    .select({
      accessLinkId: accessLinks.id,
      roomId: accessLinks.roomId,
      contactId: accessLinks.contactId,
      opportunityId: rooms.opportunityId,
      accountId: opportunities.accountId,
      secretHash: accessLinks.secretHash,
      revokedAt: accessLinks.revokedAt,
      expiresAt: accessLinks.expiresAt,
      roomExpiresAt: rooms.expiresAt,
    })
    .from(accessLinks)
    .innerJoin(rooms, eq(rooms.id, accessLinks.roomId))
    .innerJoin(opportunities, eq(opportunities.id, rooms.opportunityId))
    .where(eq(accessLinks.id, sql.placeholder('id')))
    .prepare();
}

// Beacons arrive every few seconds per reader: keep the statement compiled.
const scopeQueries = new WeakMap<RingiDb, ReturnType<typeof prepareScopeQuery>>();

/** The scope of an active link, or null for any token that would not open the room right now. */
export async function activeLinkScope(db: RingiDb, token: string, now = new Date()): Promise<LinkScope | null> {
  const parsed = parseAccessToken(token);
  if (!parsed) return null;
  let query = scopeQueries.get(db);
  if (!query) scopeQueries.set(db, (query = prepareScopeQuery(db)));
  const [row] = await query.execute({ id: parsed.id });
  if (!row || !secretMatches(parsed.secret, row.secretHash)) return null;
  if (linkState(row, row.roomExpiresAt, now) !== 'active') return null;
  const { secretHash: _h, revokedAt: _r, expiresAt: _e, roomExpiresAt: _re, ...scope } = row;
  return scope;
}

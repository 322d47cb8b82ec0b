// A link and everything above it (room, opportunity, account), found from a token. The one join
// from a link up to its account lives here; beacons and view starts (activeLinkScope), the
// prospect's page (rooms/prospect-room.ts) and the link actions (access-links/link-management.ts)
// all walk it.
import { eq, sql } from 'drizzle-orm';
import type { SelectedFields } from 'drizzle-orm/sqlite-core';
import { accessLinks, opportunities, rooms } from '../db/tables';
import { parseAccessToken, secretMatches } from '../access-links/tokens';
import type { Queryable, RingiDb } from '../db/client';
import { linkState, type LinkState } from '../rooms/access-rules';

/** Where a tracked event belongs: the link and everything above it. */
export interface LinkScope {
  accessLinkId: string;
  roomId: string;
  contactId: string;
  opportunityId: string;
  accountId: string;
}

/** The scope's columns and what decides the link's state (linkState). */
const scopeColumns = {
  accessLinkId: accessLinks.id,
  roomId: accessLinks.roomId,
  contactId: accessLinks.contactId,
  opportunityId: rooms.opportunityId,
  accountId: opportunities.accountId,
  secretHash: accessLinks.secretHash,
  revokedAt: accessLinks.revokedAt,
  expiresAt: accessLinks.expiresAt,
  roomExpiresAt: rooms.expiresAt,
};

/**
 * The join from a link up to its account: link → room → opportunity, whose accountId is the
 * account's. `columns` adds what a caller needs beside the scope, from these tables or from tables
 * it joins on (the prospect's page adds the account's name, the contact and the rep).
 */
export function selectLinkScope<C extends SelectedFields>(db: Queryable, columns: C) {
  return db
    .select({ ...scopeColumns, ...columns })
    .from(accessLinks)
    .innerJoin(rooms, eq(rooms.id, accessLinks.roomId))
    .innerJoin(opportunities, eq(opportunities.id, rooms.opportunityId));
}

type LinkRow = LinkScope & { secretHash: Uint8Array; revokedAt: Date | null; expiresAt: Date | null; roomExpiresAt: Date | null };

/**
 * A token's link (a row of selectLinkScope, which `find` runs by link id) and its state at `now`;
 * null for a malformed or unknown token or a wrong secret, which answer as if nothing were there.
 */
export async function findLink<R extends LinkRow>(token: string, find: (linkId: string) => Promise<R[]>, now: Date): Promise<{ row: R; state: LinkState } | null> {
  const parsed = parseAccessToken(token);
  if (!parsed) return null;
  const [row] = await find(parsed.id);
  if (!row || !secretMatches(parsed.secret, row.secretHash)) return null;
  return { row, state: linkState(row, row.roomExpiresAt, now) };
}

function prepareScopeQuery(db: RingiDb) {
  return selectLinkScope(db, {}).where(eq(accessLinks.id, sql.placeholder('id'))).prepare();
}

// Beacons arrive every few seconds per reader: keep the statement compiled.
const scopeQueries = new WeakMap<RingiDb, ReturnType<typeof prepareScopeQuery>>();

/** The scope of an active link, or null for any token that would not open the room right now. */
export async function activeLinkScope(db: RingiDb, token: string, now = new Date()): Promise<LinkScope | null> {
  const query = scopeQueries.get(db) ?? prepareScopeQuery(db);
  scopeQueries.set(db, query);
  const link = await findLink(token, (id) => query.execute({ id }), now);
  if (link?.state !== 'active') return null;
  const { secretHash: _h, revokedAt: _r, expiresAt: _e, roomExpiresAt: _re, ...scope } = link.row;
  return scope;
}

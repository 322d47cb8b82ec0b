// Workspace API tokens: `<id>.<secret>` with the access links' token shape (Lucia's design), only the
// secret's SHA-256 stored and compared in constant time. A token acts as the admin who created it and
// stops working when that admin is deactivated or loses the admin role, or when it is revoked.
import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { apiTokens, apiTokenScopes, users } from '../db/tables';
import { generateAccessToken, hashSecret, parseAccessToken, secretMatches } from '../access-links/tokens';
import { canManageWorkspace } from '../auth/permissions';
import type { Actor } from '../crm/common';
import type { Queryable } from '../db/client';

export type ApiTokenScope = (typeof apiTokenScopes)[number];
export type ApiTokenRow = typeof apiTokens.$inferSelect;

export const MAX_TOKEN_NAME = 100;
/** Last-used times are written at most this often per token: not one write per API request. */
export const LAST_USED_PRECISION_MS = 60_000;

export const apiTokenInput = z.object({
  name: z.string({ required_error: 'required', invalid_type_error: 'invalid' }).trim().min(1, 'required').max(MAX_TOKEN_NAME, 'tooLong'),
  scope: z.enum(apiTokenScopes, { errorMap: () => ({ message: 'invalidChoice' }) }).default('read'),
});

export type CreateTokenResult =
  | { ok: true; value: { id: string; name: string; scope: ApiTokenScope; token: string } }
  | { ok: false; reason: 'forbidden' }
  | { ok: false; reason: 'invalid'; fieldErrors: Partial<Record<'name' | 'scope', string>> };

/** A new token for an admin; the plain token is in the answer only, never stored. */
export async function createApiToken(db: Queryable, actor: Actor, input: unknown): Promise<CreateTokenResult> {
  if (!canManageWorkspace(actor)) return { ok: false, reason: 'forbidden' };
  const parsed = apiTokenInput.safeParse(input);
  if (!parsed.success) {
    const fieldErrors: Partial<Record<'name' | 'scope', string>> = {};
    for (const issue of parsed.error.issues) fieldErrors[issue.path[0] as 'name' | 'scope'] ??= issue.message;
    return { ok: false, reason: 'invalid', fieldErrors };
  }
  const { id, secret, token } = generateAccessToken();
  await db.insert(apiTokens).values({ id, name: parsed.data.name, scope: parsed.data.scope, secretHash: Buffer.from(hashSecret(secret)), createdByUserId: actor.id });
  return { ok: true, value: { id, name: parsed.data.name, scope: parsed.data.scope, token } };
}

export interface ApiTokenListRow {
  id: string;
  name: string;
  scope: ApiTokenScope;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdByName: string;
  /** The creating admin was deactivated or is no longer an admin: the token does not work. */
  ownerInactive: boolean;
}

export async function listApiTokens(db: Queryable): Promise<ApiTokenListRow[]> {
  const rows = await db
    .select({ token: apiTokens, createdByName: users.displayName, role: users.role, deactivatedAt: users.deactivatedAt })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.createdByUserId))
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
  return rows.map(({ token, createdByName, role, deactivatedAt }) => ({
    id: token.id,
    name: token.name,
    scope: token.scope,
    createdAt: token.createdAt,
    lastUsedAt: token.lastUsedAt,
    revokedAt: token.revokedAt,
    createdByName,
    ownerInactive: role !== 'admin' || deactivatedAt !== null,
  }));
}

/** Revokes at once; revoking twice changes nothing. False when there is no such token. */
export async function revokeApiToken(db: Queryable, actor: Actor, id: string, now = new Date()): Promise<boolean | 'forbidden'> {
  if (!canManageWorkspace(actor)) return 'forbidden';
  const [row] = await db.select({ revokedAt: apiTokens.revokedAt }).from(apiTokens).where(eq(apiTokens.id, id)).limit(1);
  if (!row) return false;
  if (!row.revokedAt) await db.update(apiTokens).set({ revokedAt: now }).where(eq(apiTokens.id, id));
  return true;
}

export interface AuthenticatedToken {
  tokenId: string;
  scope: ApiTokenScope;
  /** The admin the token acts as. */
  actor: Actor;
}

export type TokenCheck = { ok: true; value: AuthenticatedToken } | { ok: false; message: string };

/** The token of an `Authorization: Bearer <token>` header, if it is one. */
export function bearerToken(header: string | null): string | null {
  const match = header ? /^Bearer +(\S+) *$/i.exec(header) : null;
  return match ? match[1]! : null;
}

/**
 * Checks a presented token. Every refusal says only "invalid or revoked" in substance: which part was
 * wrong is not told to a caller who may be guessing.
 */
export async function authenticateApiToken(db: Queryable, presented: string | null, now = new Date()): Promise<TokenCheck> {
  if (presented === null) return { ok: false, message: 'Send an API token: Authorization: Bearer <token>.' };
  const parsed = parseAccessToken(presented);
  const refused = { ok: false as const, message: 'The API token is invalid, revoked, or its admin is no longer active.' };
  if (!parsed) return refused;
  const [row] = await db
    .select({ token: apiTokens, role: users.role, deactivatedAt: users.deactivatedAt })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.createdByUserId))
    .where(eq(apiTokens.id, parsed.id))
    .limit(1);
  if (!row || !secretMatches(parsed.secret, row.token.secretHash)) return refused;
  if (row.token.revokedAt || row.deactivatedAt || row.role !== 'admin') return refused;
  if (!row.token.lastUsedAt || now.getTime() - row.token.lastUsedAt.getTime() >= LAST_USED_PRECISION_MS) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.token.id));
  }
  return { ok: true, value: { tokenId: row.token.id, scope: row.token.scope, actor: { id: row.token.createdByUserId, role: row.role } } };
}

/** Whether a token of `scope` may call a route that needs `needed`: write includes read. */
export function scopeAllows(scope: ApiTokenScope, needed: ApiTokenScope): boolean {
  return needed === 'read' || scope === 'write';
}

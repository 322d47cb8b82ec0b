// Accounts (取引先): shared records. Any rep creates and edits them; only admins archive.
import crypto from 'node:crypto';
import { and, asc, count, desc, eq, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { accounts } from '../db/tables';
import { canArchiveAccount, canEditAccount } from '../auth/permissions';
import type { Queryable, RingiDb } from '../db/client';
import {
  fieldErrorsOf,
  forbidden,
  invalid,
  like,
  notFound,
  ok,
  optionalText,
  optionalWebsite,
  pageOf,
  requiredText,
  searchText,
  type Actor,
  type ArchiveFilter,
  type CrmResult,
  type Paged,
} from './common';

export type Account = typeof accounts.$inferSelect;

export const accountInput = z.object({
  name: requiredText(200),
  industry: optionalText(100),
  website: optionalWebsite,
});
export type AccountField = keyof z.input<typeof accountInput>;
export type AccountInput = z.input<typeof accountInput>;

export const accountSorts = ['name', 'recent', 'activity'] as const;
export type AccountSort = (typeof accountSorts)[number];

export interface AccountListQuery {
  q?: string;
  status?: ArchiveFilter;
  sort?: AccountSort;
  limit?: number;
  offset?: number;
}

export interface AccountListRow {
  id: string;
  name: string;
  industry: string | null;
  website: string | null;
  archivedAt: Date | null;
  createdAt: Date;
  contactCount: number;
  openOpportunityCount: number;
  lastSeenAt: Date | null;
}

function archiveCondition(status: ArchiveFilter): SQL | undefined {
  if (status === 'archived') return isNotNull(accounts.archivedAt);
  if (status === 'all') return undefined;
  return isNull(accounts.archivedAt);
}

/** Accounts matching a name search, with their contact and open-deal counts and last reading. */
export async function listAccounts(db: Queryable, query: AccountListQuery = {}): Promise<Paged<AccountListRow>> {
  const { limit, offset } = pageOf(query);
  const q = searchText(query.q);
  const where = and(archiveCondition(query.status ?? 'active'), q ? like(accounts.name, q) : undefined);

  // Written out with aliases: in a single-table select drizzle leaves columns unqualified, which a
  // correlated subquery would resolve against its own tables.
  const contactCount = sql<number>`(select count(*) from "contacts" c where c."account_id" = "accounts"."id" and c."archived_at" is null)`.mapWith(Number);
  const openOpportunityCount = sql<number>`(select count(*) from "opportunities" o inner join "pipeline_stages" s on s."number" = o."stage"
    where o."account_id" = "accounts"."id" and o."archived_at" is null and s."outcome" = 'open')`.mapWith(Number);
  const lastSeen = sql<number | null>`(select max(e."last_seen_at") from "opportunity_engagement" e where e."account_id" = "accounts"."id")`.mapWith(Number);

  const sort = query.sort ?? 'name';
  const order =
    sort === 'recent'
      ? [desc(accounts.createdAt), asc(accounts.id)]
      : sort === 'activity'
        ? [sql`${lastSeen} desc nulls last`, asc(accounts.name), asc(accounts.id)]
        : [asc(accounts.name), asc(accounts.id)];

  const rows = await db
    .select({
      id: accounts.id,
      name: accounts.name,
      industry: accounts.industry,
      website: accounts.website,
      archivedAt: accounts.archivedAt,
      createdAt: accounts.createdAt,
      contactCount,
      openOpportunityCount,
      lastSeen,
    })
    .from(accounts)
    .where(where)
    .orderBy(...order)
    .limit(limit)
    .offset(offset);
  const total = (await db.select({ n: count() }).from(accounts).where(where).limit(1))[0]?.n ?? 0;
  return {
    rows: rows.map(({ lastSeen: seen, ...row }) => ({ ...row, lastSeenAt: seen === null ? null : new Date(seen) })),
    total,
    limit,
    offset,
  };
}

export async function getAccount(db: Queryable, id: string): Promise<Account | null> {
  return (await db.select().from(accounts).where(eq(accounts.id, id)).limit(1))[0] ?? null;
}

/** Active accounts for a select (id and name), by name. */
export async function accountChoices(db: Queryable): Promise<{ id: string; name: string }[]> {
  return await db.select({ id: accounts.id, name: accounts.name }).from(accounts).where(isNull(accounts.archivedAt)).orderBy(asc(accounts.name), asc(accounts.id));
}

/** `external`: the CRM's id, set through the API (src/server/api/crm-sync.ts), never by the forms. */
export async function createAccount(db: RingiDb, actor: Actor, input: unknown, external: { externalId?: string | null } = {}): Promise<CrmResult<Account, AccountField>> {
  if (!canEditAccount(actor)) return forbidden();
  const parsed = accountInput.safeParse(input);
  if (!parsed.success) return invalid(fieldErrorsOf<AccountField>(parsed.error));
  const [row] = await db.insert(accounts).values({ id: crypto.randomUUID(), ...parsed.data, ...external }).returning();
  return ok(row);
}

export async function updateAccount(db: RingiDb, actor: Actor, id: string, input: unknown): Promise<CrmResult<Account, AccountField>> {
  if (!(await getAccount(db, id))) return notFound();
  if (!canEditAccount(actor)) return forbidden();
  const parsed = accountInput.safeParse(input);
  if (!parsed.success) return invalid(fieldErrorsOf<AccountField>(parsed.error));
  const [row] = await db.update(accounts).set(parsed.data).where(eq(accounts.id, id)).returning();
  return ok(row!);
}

/** Admins only. Archived accounts leave the lists and the opportunity form; nothing is deleted. */
export async function setAccountArchived(db: RingiDb, actor: Actor, id: string, archived: boolean, now = new Date()): Promise<CrmResult<Account>> {
  const existing = await getAccount(db, id);
  if (!existing) return notFound();
  if (!canArchiveAccount(actor)) return forbidden();
  if ((existing.archivedAt !== null) === archived) return ok(existing);
  const [row] = await db
    .update(accounts)
    .set({ archivedAt: archived ? now : null })
    .where(eq(accounts.id, id))
    .returning();
  return ok(row!);
}

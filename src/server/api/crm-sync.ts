// What a CRM integration needs beyond the rep workspace's domain functions: records found and
// upserted by their external id, stable keyset pages (created order, so a sync never skips or
// repeats a record when others are added), and views across opportunities. Writes go through the
// domain functions in src/server/crm, so the API follows the same rules as the forms.
import { and, asc, eq, gt, gte, lt, or, type Column, type SQL } from 'drizzle-orm';
import { accounts, contacts, documentViews, opportunities } from '../db/tables';
import { createAccount, updateAccount, type Account } from '../crm/accounts';
import type { Actor, CrmResult } from '../crm/common';
import { createContact, updateContact, type Contact } from '../crm/contacts';
import { createOpportunity, updateOpportunity, type Opportunity } from '../crm/opportunities';
import type { Queryable, RingiDb } from '../db/client';
import { isCompleted } from '../tracking/rules';

// --- Cursors: "<ms>.<id>" of the last item, base64url so clients treat them as opaque ---

export interface KeysetCursor {
  at: Date;
  id: string;
}

export function encodeCursor(cursor: KeysetCursor): string {
  return Buffer.from(`${cursor.at.getTime()}.${cursor.id}`).toString('base64url');
}

export function decodeCursor(text: string): KeysetCursor | null {
  const match = /^(\d{1,16})\.([A-Za-z0-9_-]{1,100})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  return match ? { at: new Date(Number(match[1])), id: match[2]! } : null;
}

/** Rows after the cursor in (time, id) order. */
function afterCursor(time: Column, id: Column, cursor: KeysetCursor | null): SQL | undefined {
  return cursor ? or(gt(time, cursor.at), and(eq(time, cursor.at), gt(id, cursor.id))) : undefined;
}

export interface KeysetPage<T> {
  rows: T[];
  next: KeysetCursor | null;
}

function cut<T extends { id: string }>(rows: T[], limit: number, at: (row: T) => Date): KeysetPage<T> {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return { rows: page, next: more && last ? { at: at(last), id: last.id } : null };
}

export interface RecordQuery {
  externalId?: string;
  accountId?: string;
  limit: number;
  cursor: KeysetCursor | null;
}

/** The filters of a record list: external id, account, and after the cursor. */
function recordWhere(columns: { externalId: Column; createdAt: Column; id: Column; accountId?: Column }, q: RecordQuery): SQL | undefined {
  return and(
    q.externalId ? eq(columns.externalId, q.externalId) : undefined,
    q.accountId && columns.accountId ? eq(columns.accountId, q.accountId) : undefined,
    afterCursor(columns.createdAt, columns.id, q.cursor),
  );
}

export async function pageAccounts(db: Queryable, q: RecordQuery): Promise<KeysetPage<Account>> {
  const rows = await db.select().from(accounts).where(recordWhere(accounts, q)).orderBy(asc(accounts.createdAt), asc(accounts.id)).limit(q.limit + 1);
  return cut(rows, q.limit, (r) => r.createdAt);
}

export async function pageContacts(db: Queryable, q: RecordQuery): Promise<KeysetPage<Contact>> {
  const rows = await db.select().from(contacts).where(recordWhere(contacts, q)).orderBy(asc(contacts.createdAt), asc(contacts.id)).limit(q.limit + 1);
  return cut(rows, q.limit, (r) => r.createdAt);
}

export async function pageOpportunities(db: Queryable, q: RecordQuery): Promise<KeysetPage<Opportunity>> {
  const rows = await db.select().from(opportunities).where(recordWhere(opportunities, q)).orderBy(asc(opportunities.createdAt), asc(opportunities.id)).limit(q.limit + 1);
  return cut(rows, q.limit, (r) => r.createdAt);
}

export async function getAccountRow(db: Queryable, id: string): Promise<Account | null> {
  const [row] = await db.select().from(accounts).where(eq(accounts.id, id)).limit(1);
  return row ?? null;
}
export async function getContactRow(db: Queryable, id: string): Promise<Contact | null> {
  const [row] = await db.select().from(contacts).where(eq(contacts.id, id)).limit(1);
  return row ?? null;
}
export async function getOpportunityRow(db: Queryable, id: string): Promise<Opportunity | null> {
  const [row] = await db.select().from(opportunities).where(eq(opportunities.id, id)).limit(1);
  return row ?? null;
}

// --- Upserts by external id ---

/** A unique index refused the write (SQLite and PostgreSQL spell it differently; drizzle may wrap it). */
export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505') return true;
  }
  return false;
}

export type Upserted<T> = { created: boolean; result: CrmResult<T> } | { conflict: string };

/**
 * Finds the record with this external id and updates it, or creates it with the id. Two integrations
 * creating the same id at once: the unique index refuses the second insert, which then updates.
 */
async function upsert<T>(
  find: () => Promise<T | null>,
  update: (existing: T) => Promise<CrmResult<T> | { conflict: string }>,
  create: () => Promise<CrmResult<T>>,
): Promise<Upserted<T>> {
  const existing = await find();
  if (existing) {
    const result = await update(existing);
    return 'conflict' in result ? result : { created: false, result };
  }
  try {
    return { created: true, result: await create() };
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const winner = await find();
    if (!winner) throw error;
    const result = await update(winner);
    return 'conflict' in result ? result : { created: false, result };
  }
}

export function upsertAccount(db: RingiDb, actor: Actor, externalId: string, input: unknown): Promise<Upserted<Account>> {
  return upsert(
    async () => (await db.select().from(accounts).where(eq(accounts.externalId, externalId)).limit(1))[0] ?? null,
    async (existing) => updateAccount(db, actor, existing.id, input),
    async () => createAccount(db, actor, input, { externalId }),
  );
}

export function upsertContact(db: RingiDb, actor: Actor, externalId: string, input: { accountId: string } & Record<string, unknown>): Promise<Upserted<Contact>> {
  const { accountId, ...fields } = input;
  return upsert(
    async () => (await db.select().from(contacts).where(eq(contacts.externalId, externalId)).limit(1))[0] ?? null,
    async (existing) =>
      existing.accountId === accountId
        ? updateContact(db, actor, existing.id, fields)
        : { conflict: `The contact with this externalId belongs to account ${existing.accountId}; contacts do not move between accounts.` },
    async () => createContact(db, actor, accountId, fields, { externalId }),
  );
}

export function upsertOpportunity(db: RingiDb, actor: Actor, externalId: string, input: unknown): Promise<Upserted<Opportunity>> {
  return upsert(
    async () => (await db.select().from(opportunities).where(eq(opportunities.externalId, externalId)).limit(1))[0] ?? null,
    async (existing) => updateOpportunity(db, actor, existing.id, input, { via: 'api' }),
    async () => createOpportunity(db, actor, input, { externalId }),
  );
}

// --- Views across opportunities ---

export interface ViewQuery {
  opportunityId?: string;
  contactId?: string;
  since?: Date;
  until?: Date;
  limit: number;
  cursor: KeysetCursor | null;
}

/** Confirmed views, oldest first (document_views_started_idx, or the opportunity's index). */
export async function pageViews(db: Queryable, q: ViewQuery) {
  const rows = await db
    .select()
    .from(documentViews)
    .where(
      and(
        q.opportunityId ? eq(documentViews.opportunityId, q.opportunityId) : undefined,
        q.contactId ? eq(documentViews.contactId, q.contactId) : undefined,
        q.since ? gte(documentViews.startedAt, q.since) : undefined,
        q.until ? lt(documentViews.startedAt, q.until) : undefined,
        afterCursor(documentViews.startedAt, documentViews.id, q.cursor),
      ),
    )
    .orderBy(asc(documentViews.startedAt), asc(documentViews.id))
    .limit(q.limit + 1);
  const page = cut(rows, q.limit, (r) => r.startedAt);
  return {
    next: page.next,
    rows: page.rows.map((v) => ({
      id: v.id,
      visitId: v.visitId,
      contactId: v.contactId,
      accessLinkId: v.accessLinkId,
      opportunityId: v.opportunityId,
      documentSlug: v.documentSlug,
      documentTitle: v.documentTitle,
      startedAt: v.startedAt.toISOString(),
      lastActivityAt: v.lastBeaconAt.toISOString(),
      activeSeconds: v.activeSeconds,
      maxScrollPercent: v.maxScrollPercent,
      completed: isCompleted(v.activeSeconds, v.maxScrollPercent),
    })),
  };
}

// Contacts (取引先責任者): people at an account. Shared like accounts: any rep edits, admins archive.
import crypto from 'node:crypto';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { buyingRoles, contacts } from '../db/tables';
import { canArchiveAccount, canEditAccount } from '../auth/permissions';
import type { Queryable, RingiDb } from '../db/client';
import { getAccount } from './accounts';
import { blank } from '../form-fields';
import { fieldErrorsOf, forbidden, invalid, notFound, ok, optionalEmail, optionalText, requiredText, type Actor, type CrmResult } from './common';

export type Contact = typeof contacts.$inferSelect;

export const contactInput = z.object({
  name: requiredText(100),
  email: optionalEmail,
  department: optionalText(100),
  jobTitle: optionalText(100),
  /** Omitted: unchanged on update, "unknown" on create (the column's default). */
  buyingRole: z.preprocess(blank, z.enum(buyingRoles, { errorMap: () => ({ message: 'invalidChoice' }) }).optional()),
});
export type ContactField = keyof z.input<typeof contactInput>;
export type ContactInput = z.input<typeof contactInput>;

/** An account's contacts by name; archived ones only when asked. */
export async function listContacts(db: Queryable, accountId: string, options: { includeArchived?: boolean } = {}): Promise<Contact[]> {
  return await db
    .select()
    .from(contacts)
    .where(and(eq(contacts.accountId, accountId), options.includeArchived ? undefined : isNull(contacts.archivedAt)))
    .orderBy(asc(contacts.archivedAt), asc(contacts.name), asc(contacts.id));
}

export async function getContact(db: Queryable, id: string): Promise<Contact | null> {
  return (await db.select().from(contacts).where(eq(contacts.id, id)).limit(1))[0] ?? null;
}

/** Adds a contact to an account (not to an archived one: unarchive it first). */
/** `external`: the CRM's id, set through the API (src/server/api/crm-sync.ts), never by the forms. */
export async function createContact(db: RingiDb, actor: Actor, accountId: string, input: unknown, external: { externalId?: string | null } = {}): Promise<CrmResult<Contact, ContactField>> {
  const account = await getAccount(db, accountId);
  if (!account) return notFound();
  if (!canEditAccount(actor) || account.archivedAt) return forbidden();
  const parsed = contactInput.safeParse(input);
  if (!parsed.success) return invalid(fieldErrorsOf<ContactField>(parsed.error));
  const [row] = await db.insert(contacts).values({ id: crypto.randomUUID(), accountId, ...parsed.data, ...external }).returning();
  return ok(row);
}

export async function updateContact(db: RingiDb, actor: Actor, id: string, input: unknown): Promise<CrmResult<Contact, ContactField>> {
  if (!(await getContact(db, id))) return notFound();
  if (!canEditAccount(actor)) return forbidden();
  const parsed = contactInput.safeParse(input);
  if (!parsed.success) return invalid(fieldErrorsOf<ContactField>(parsed.error));
  const [row] = await db.update(contacts).set(parsed.data).where(eq(contacts.id, id)).returning();
  return ok(row!);
}

/** Admins only. Archiving does not revoke the contact's access links: revoke those on the room. */
export async function setContactArchived(db: RingiDb, actor: Actor, id: string, archived: boolean, now = new Date()): Promise<CrmResult<Contact>> {
  const existing = await getContact(db, id);
  if (!existing) return notFound();
  if (!canArchiveAccount(actor)) return forbidden();
  if ((existing.archivedAt !== null) === archived) return ok(existing);
  const [row] = await db.update(contacts).set({ archivedAt: archived ? now : null }).where(eq(contacts.id, id)).returning();
  return ok(row!);
}

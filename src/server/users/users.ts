import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { userRoles, users } from '../db/tables';
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../auth/passwords';
import { invalidateUserSessions } from '../auth/sessions';
import type { RingiDb } from '../db/client';

export const newUserInput = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  displayName: z.string().trim().min(1).max(100),
  role: z.enum(userRoles),
  locale: z.enum(['ja', 'en']).default('ja'),
  password: z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH),
  jobTitle: z.string().trim().max(100).optional(),
  phone: z.string().trim().max(40).optional(),
});
export type NewUserInput = z.input<typeof newUserInput>;

export class DuplicateEmailError extends Error {
  constructor(email: string) {
    super(`A user with the e-mail address ${email} already exists.`);
  }
}

export async function createUser(db: RingiDb, input: NewUserInput): Promise<{ id: string }> {
  const data = newUserInput.parse(input);
  if ((await db.select({ id: users.id }).from(users).where(eq(users.email, data.email)).limit(1))[0]) throw new DuplicateEmailError(data.email);
  const id = crypto.randomUUID();
  const { password, ...rest } = data;
  await db.insert(users).values({ id, ...rest, passwordHash: await hashPassword(password) });
  return { id };
}

/** Sets a new password and ends every session of the user. */
export async function setPassword(db: RingiDb, userId: string, password: string): Promise<void> {
  const passwordHash = await hashPassword(z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH).parse(password));
  await db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, userId));
    await invalidateUserSessions(tx, userId);
  });
}

/** Deactivated users cannot sign in and their sessions end at once. */
export async function deactivateUser(db: RingiDb, userId: string, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.update(users).set({ deactivatedAt: now }).where(eq(users.id, userId));
    await invalidateUserSessions(tx, userId);
  });
}

export async function reactivateUser(db: RingiDb, userId: string): Promise<void> {
  await db.update(users).set({ deactivatedAt: null }).where(eq(users.id, userId));
}

/** A readable random password for invitations and resets (about 100 bits). */
export function generatePassword(): string {
  return crypto.randomBytes(15).toString('base64url');
}

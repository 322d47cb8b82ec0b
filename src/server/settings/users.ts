// User administration (admins) and the signed-in user's own account. Rules live here, pages only
// translate the outcomes: the last active admin stays, nobody deactivates or demotes themselves,
// resets and deactivation end the user's sessions at once.
import { and, asc, eq, isNull, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { locales, slackAlertModes, userRoles, users } from '../db/tables';
import { passwordProblem, verifyPassword } from '../auth/passwords';
import { canManageWorkspace } from '../auth/permissions';
import { createSession, invalidateUserSessions } from '../auth/sessions';
import { signInSucceeded, takeSignInAttempt, type SignInSource } from '../auth/throttle';
import type { Queryable, RingiDb } from '../db/client';
import { blank, choice } from '../form-fields';
import type { Invalid, Refused, Result } from '../result';
import { createUser, DuplicateEmailError, generatePassword, reactivateUser, setPassword } from '../users/users';
import type { Actor } from './settings';

export type UserRow = typeof users.$inferSelect;
export type PublicUser = Omit<UserRow, 'passwordHash'>;

export const userErrorCodes = [
  'required',
  'tooLong',
  'invalidEmail',
  'duplicateEmail',
  'invalidChoice',
  'invalidPhone',
  'invalidSlackUserId',
  'wrongPassword',
  'passwordTooShort',
  'passwordTooLong',
  'passwordSame',
  'passwordMismatch',
] as const;
export type UserErrorCode = (typeof userErrorCodes)[number];
export type UserFieldErrors = Partial<Record<string, UserErrorCode>>;

export type UserFailure =
  | Invalid<UserFieldErrors>
  /**
   * `self`: admins cannot deactivate, reset or change the role of themselves here (use /admin/account);
   * `last_admin`: the workspace would be left without an active admin.
   */
  | Refused<'forbidden' | 'not_found' | 'self' | 'last_admin' | 'throttled'>;
export type UserResult<T> = Result<T, UserFailure>;

const invalid = (fieldErrors: UserFieldErrors): UserFailure => ({ ok: false, reason: 'invalid', fieldErrors });

const requiredText = (max: number) =>
  z.preprocess(blank, z.string({ required_error: 'required', invalid_type_error: 'required' }).trim().min(1, 'required').max(max, 'tooLong'));
const optionalText = (max: number) =>
  z.preprocess(blank, z.string({ invalid_type_error: 'required' }).trim().max(max, 'tooLong').optional()).transform((v) => v ?? null);

/** Slack member ids look like U012AB3CD (W… on Enterprise Grid). */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{6,20}$/;
export const slackUserIdField = z
  .preprocess(
    (value) => (typeof value === 'string' ? (blank(value.normalize('NFKC')) as string | undefined)?.trim().toUpperCase() : value),
    z.string({ invalid_type_error: 'invalidSlackUserId' }).regex(SLACK_USER_ID, 'invalidSlackUserId').optional(),
  )
  .transform((v) => v ?? null);

/** Shown to prospects on room pages: digits, spaces, + - ( ) only; full-width digits are folded. */
export const phoneField = z
  .preprocess(
    (value) => (typeof value === 'string' ? blank(value.normalize('NFKC').trim()) : value),
    z
      .string({ invalid_type_error: 'invalidPhone' })
      .max(40, 'tooLong')
      .regex(/^\+?[0-9][0-9 ()-]{4,}$/, 'invalidPhone')
      .optional(),
  )
  .transform((v) => v ?? null);

const profileFields = {
  displayName: requiredText(100),
  locale: choice(locales),
  jobTitle: optionalText(100),
  phone: phoneField,
  slackUserId: slackUserIdField,
};

export const inviteSchema = z.object({
  email: z.preprocess(
    blank,
    z.string({ required_error: 'required', invalid_type_error: 'required' }).trim().toLowerCase().max(254, 'tooLong').email('invalidEmail'),
  ),
  role: choice(userRoles),
  ...profileFields,
});
export const profileSchema = z.object({ role: choice(userRoles), ...profileFields });

function fieldErrorsOf(error: z.ZodError): UserFieldErrors {
  const errors: UserFieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? '_');
    if (errors[field]) continue;
    errors[field] = (userErrorCodes as readonly string[]).includes(issue.message)
      ? (issue.message as UserErrorCode)
      : issue.code === 'too_big'
        ? 'tooLong'
        : issue.code === 'invalid_type' && issue.received === 'undefined'
          ? 'required'
          : 'invalidChoice';
  }
  return errors;
}

const publicColumns = {
  id: users.id,
  email: users.email,
  displayName: users.displayName,
  role: users.role,
  locale: users.locale,
  jobTitle: users.jobTitle,
  phone: users.phone,
  slackUserId: users.slackUserId,
  slackAlerts: users.slackAlerts,
  deactivatedAt: users.deactivatedAt,
  createdAt: users.createdAt,
};

/** Everyone, active first, then by name. */
export async function listUsers(db: Queryable): Promise<PublicUser[]> {
  return await db
    .select(publicColumns)
    .from(users)
    .orderBy(sql`${users.deactivatedAt} is not null`, asc(users.displayName), asc(users.email));
}

export async function getUser(db: Queryable, userId: string): Promise<PublicUser | null> {
  return (await db.select(publicColumns).from(users).where(eq(users.id, userId)).limit(1))[0] ?? null;
}

/** Active admins other than `exceptUserId`. */
async function otherActiveAdmins(db: Queryable, exceptUserId: string): Promise<number> {
  return (
    (await db
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(users)
      .where(and(eq(users.role, 'admin'), isNull(users.deactivatedAt), ne(users.id, exceptUserId))).limit(1))[0]?.n ?? 0
  );
}

/**
 * Creates a rep or admin with a generated password, returned ONCE for the admin to hand over (there
 * is no e-mail sending). Input fields are form strings.
 */
export async function inviteUser(db: RingiDb, actor: Actor, input: Record<string, unknown>): Promise<UserResult<{ id: string; password: string }>> {
  if (!canManageWorkspace(actor)) return { ok: false, reason: 'forbidden' };
  const parsed = inviteSchema.safeParse(input);
  if (!parsed.success) return invalid(fieldErrorsOf(parsed.error));
  const { slackUserId, jobTitle, phone, ...rest } = parsed.data;
  const password = generatePassword();
  try {
    const { id } = await createUser(db, { ...rest, password, jobTitle: jobTitle ?? undefined, phone: phone ?? undefined });
    if (slackUserId) await db.update(users).set({ slackUserId }).where(eq(users.id, id));
    return { ok: true, value: { id, password } };
  } catch (error) {
    // Checked first in createUser; the unique index catches a race between two admins.
    if (error instanceof DuplicateEmailError || (error instanceof Error && /UNIQUE constraint failed: users\.email/.test(`${error.message} ${String(error.cause)}`))) {
      return invalid({ email: 'duplicateEmail' });
    }
    throw error;
  }
}

/** Display name, role, locale, job title, phone and Slack user id of a user. */
export async function updateUserProfile(db: RingiDb, actor: Actor, userId: string, input: Record<string, unknown>): Promise<UserResult<PublicUser>> {
  if (!canManageWorkspace(actor)) return { ok: false, reason: 'forbidden' };
  const parsed = profileSchema.safeParse(input);
  if (!parsed.success) return invalid(fieldErrorsOf(parsed.error));
  return await db.transaction(async (tx): Promise<UserResult<PublicUser>> => {
    const user = await getUser(tx, userId);
    if (!user) return { ok: false, reason: 'not_found' };
    if (parsed.data.role !== user.role) {
      if (userId === actor.id) return { ok: false, reason: 'self' };
      if (user.role === 'admin' && !user.deactivatedAt && (await otherActiveAdmins(tx, userId)) === 0) return { ok: false, reason: 'last_admin' };
    }
    await tx.update(users).set(parsed.data).where(eq(users.id, userId));
    return { ok: true, value: (await getUser(tx, userId))! };
  });
}

/** A new generated password, returned once; every session of the user ends. */
export async function resetUserPassword(db: RingiDb, actor: Actor, userId: string): Promise<UserResult<{ password: string }>> {
  if (!canManageWorkspace(actor)) return { ok: false, reason: 'forbidden' };
  if (userId === actor.id) return { ok: false, reason: 'self' };
  if (!(await getUser(db, userId))) return { ok: false, reason: 'not_found' };
  const password = generatePassword();
  await setPassword(db, userId, password);
  return { ok: true, value: { password } };
}

/** Ends the user's sessions at once; never yourself, never the last active admin. */
export async function deactivateUserByAdmin(db: RingiDb, actor: Actor, userId: string, now = new Date()): Promise<UserResult<PublicUser>> {
  if (!canManageWorkspace(actor)) return { ok: false, reason: 'forbidden' };
  if (userId === actor.id) return { ok: false, reason: 'self' };
  // Checked and written in one transaction: two admins deactivating each other cannot both succeed.
  return await db.transaction(async (tx): Promise<UserResult<PublicUser>> => {
    const user = await getUser(tx, userId);
    if (!user) return { ok: false, reason: 'not_found' };
    if (user.deactivatedAt) return { ok: true, value: user };
    if (user.role === 'admin' && (await otherActiveAdmins(tx, userId)) === 0) return { ok: false, reason: 'last_admin' };
    // As deactivateUser() in users/users.ts, inside this transaction: sessions end with the flag.
    await tx.update(users).set({ deactivatedAt: now }).where(eq(users.id, userId));
    await invalidateUserSessions(tx, userId);
    return { ok: true, value: (await getUser(tx, userId))! };
  });
}

export async function reactivateUserByAdmin(db: RingiDb, actor: Actor, userId: string): Promise<UserResult<PublicUser>> {
  if (!canManageWorkspace(actor)) return { ok: false, reason: 'forbidden' };
  if (!(await getUser(db, userId))) return { ok: false, reason: 'not_found' };
  await reactivateUser(db, userId);
  return { ok: true, value: (await getUser(db, userId))! };
}

// --- The signed-in user's own account ----------------------------------------------------------

export const preferencesSchema = z.object({
  locale: choice(locales),
  slackUserId: slackUserIdField,
  slackAlerts: choice(slackAlertModes),
});

/** Language, Slack user id and Slack alert mode of the signed-in user. */
export async function updateOwnPreferences(db: RingiDb, userId: string, input: Record<string, unknown>): Promise<UserResult<PublicUser>> {
  const parsed = preferencesSchema.safeParse(input);
  if (!parsed.success) return invalid(fieldErrorsOf(parsed.error));
  if (!(await getUser(db, userId))) return { ok: false, reason: 'not_found' };
  await db.update(users).set(parsed.data).where(eq(users.id, userId));
  return { ok: true, value: (await getUser(db, userId))! };
}

/**
 * Changes the signed-in user's password after checking the current one. Every session ends (others
 * too); the caller sets the returned fresh session's cookie so this browser stays signed in. Wrong
 * current passwords count as failed sign-ins (the same throttle), so a stolen session cannot be used
 * to guess the password.
 */
export async function changeOwnPassword(
  db: RingiDb,
  userId: string,
  input: { currentPassword?: unknown; newPassword?: unknown; confirmPassword?: unknown },
  now = new Date(),
): Promise<UserResult<{ token: string; expiresAt: Date }>> {
  const [user] = await db.select().from(users).where(and(eq(users.id, userId), isNull(users.deactivatedAt))).limit(1);
  if (!user) return { ok: false, reason: 'not_found' };
  const current = typeof input.currentPassword === 'string' ? input.currentPassword : '';
  const next = typeof input.newPassword === 'string' ? input.newPassword : '';
  const confirm = typeof input.confirmPassword === 'string' ? input.confirmPassword : '';
  // A signed-in session guessing its own password: counted like sign-ins from an unknown network.
  const source: SignInSource = { network: null };

  const errors: UserFieldErrors = {};
  if (current === '') errors.currentPassword = 'required';
  if (next === '') errors.newPassword = 'required';
  else {
    const problem = passwordProblem(next);
    if (problem) errors.newPassword = problem === 'too_short' ? 'passwordTooShort' : 'passwordTooLong';
    else if (next === current) errors.newPassword = 'passwordSame';
  }
  if (!errors.newPassword && confirm !== next) errors.confirmPassword = 'passwordMismatch';
  if (!errors.currentPassword) {
    if (!(await takeSignInAttempt(db, user.email, source, now)).allowed) return { ok: false, reason: 'throttled' };
    const valid = current.length <= 256 && user.passwordHash !== null && (await verifyPassword(user.passwordHash, current));
    if (!valid) errors.currentPassword = 'wrongPassword';
    else await signInSucceeded(db, user.email, source);
  }
  if (Object.keys(errors).length > 0) return invalid(errors);

  await setPassword(db, userId, next);
  return { ok: true, value: await createSession(db, userId, now) };
}

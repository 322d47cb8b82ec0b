// The act steps of the user forms (admins' user pages and everyone's own account page), run through
// the admin form pipeline (http/admin-form.ts). Outcomes of settings/users.ts become the pipeline's:
// saved → redirect with `?saved=`, refused input → the form again (400, or 409/429 with a reason).
import type { SessionUser } from '../auth/sessions';
import type { RingiDb } from '../db/client';
import type { FormOutcome } from '../http/admin-form';
import type { PostedForm } from '../http/forms';
import type { Locale } from '../i18n/format';
import { errorMessage } from './messages';
import {
  changeOwnPassword,
  deactivateUserByAdmin,
  inviteUser,
  reactivateUserByAdmin,
  resetUserPassword,
  updateOwnPreferences,
  updateUserProfile,
  type UserFieldErrors,
  type UserResult,
} from './users';

/** What a user page shows after a post: the refused form, or a password generated just now (shown once). */
export interface UserFormState {
  /** The form that was posted (`_action`). */
  action: string;
  fieldErrors: UserFieldErrors;
  submitted: Record<string, string>;
  /** A refusal the page explains in place: acting on yourself, the last admin, too many wrong passwords. */
  problem?: 'self' | 'last_admin' | 'throttled';
  password?: string;
}

/** The pipeline's outcome of a users.ts result. */
function outcome<T>(form: PostedForm, result: UserResult<T>, success: (value: T) => FormOutcome<UserFormState>): FormOutcome<UserFormState> {
  if (result.ok) return success(result.value);
  const state = { action: form.fields._action ?? '', fieldErrors: {}, submitted: form.fields };
  switch (result.reason) {
    case 'invalid':
      return { ok: false, reason: 'invalid', failed: { ...state, fieldErrors: result.fieldErrors } };
    case 'self':
    case 'last_admin':
      return { ok: false, reason: 'invalid', status: 409, failed: { ...state, problem: result.reason } };
    case 'throttled':
      return { ok: false, reason: 'invalid', status: 429, failed: { ...state, problem: 'throttled' } };
    default:
      return { ok: false, reason: result.reason };
  }
}

/** A new user (admins): the generated first password is shown once on the result page. */
export async function submitNewUser(db: RingiDb, admin: SessionUser, form: PostedForm): Promise<FormOutcome<UserFormState & { id?: string }>> {
  return outcome(form, await inviteUser(db, admin, form.fields), ({ id, password }) => ({
    ok: true,
    show: { action: 'create', fieldErrors: {}, submitted: form.fields, password, id },
  }));
}

/** One user's page (admins): profile, password reset, deactivation, reactivation. */
export async function submitUserForm(db: RingiDb, admin: SessionUser, userId: string, form: PostedForm): Promise<FormOutcome<UserFormState>> {
  const saved = (notice: string) => () => ({ ok: true, redirect: `/admin/users/${encodeURIComponent(userId)}?saved=${notice}` }) as const;
  switch (form.fields._action) {
    case 'profile':
      return outcome(form, await updateUserProfile(db, admin, userId, form.fields), saved('profile'));
    case 'reset':
      return outcome(form, await resetUserPassword(db, admin, userId), ({ password }) => ({ ok: true, show: { action: 'reset', fieldErrors: {}, submitted: {}, password } }));
    case 'deactivate':
      return outcome(form, await deactivateUserByAdmin(db, admin, userId), saved('deactivated'));
    case 'reactivate':
      return outcome(form, await reactivateUserByAdmin(db, admin, userId), saved('reactivated'));
    default:
      return { ok: false, reason: 'bad_request' };
  }
}

/**
 * The signed-in user's own account: preferences, or a new password (every session ends; the fresh
 * one is handed to `keepSignedIn` so this browser stays signed in).
 */
export async function submitAccountForm(
  db: RingiDb,
  user: SessionUser,
  form: PostedForm,
  keepSignedIn: (token: string) => void,
): Promise<FormOutcome<UserFormState>> {
  switch (form.fields._action) {
    case 'preferences':
      return outcome(form, await updateOwnPreferences(db, user.id, form.fields), () => ({ ok: true, redirect: '/admin/account?saved=preferences' }));
    case 'password':
      return outcome(form, await changeOwnPassword(db, user.id, form.fields), ({ token }) => {
        keepSignedIn(token);
        return { ok: true, redirect: '/admin/account?saved=password' };
      });
    default:
      return { ok: false, reason: 'bad_request' };
  }
}

/** The translated errors of a refused user form, by field, and its error summary (field ids from `idOf`). */
export function userFormErrors(locale: Locale, state: UserFormState | null, labels: Record<string, string>, idOf: (field: string) => string) {
  const errors: Record<string, string> = {};
  for (const [field, code] of Object.entries(state?.fieldErrors ?? {})) if (code) errors[field] = errorMessage(locale, code);
  return { errors, summary: Object.keys(errors).map((field) => ({ id: idOf(field), label: labels[field] ?? field, message: errors[field]! })) };
}

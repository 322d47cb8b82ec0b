// The opportunity page's link forms as the admin form pipeline runs them: the inline "add a contact
// and issue their link" form (posted to the page), the link actions (posted to ./links, which
// redirects back with a notice or an error), and reading those notices back on the page.
import type { SessionUser } from '../auth/sessions';
import type { FieldErrors } from '../crm/common';
import type { ContactField } from '../crm/contacts';
import type { RingiDb } from '../db/client';
import type { FormOutcome } from '../http/admin-form';
import type { PostedForm } from '../http/forms';
import type { SecretKey } from '../security/secret-box';
import { getSettingValues } from '../settings/settings';
import { addContactWithLink, awaitsConfirmation, parseLinkAction, performLinkAction } from './link-management';

export function opportunityPath(opportunityId: string): string {
  return `/admin/opportunities/${encodeURIComponent(opportunityId)}`;
}

/** Back to the opportunity page with a notice or error (and the contact it is about). */
function back(opportunityId: string, params: Record<string, string>, contactId?: string): string {
  const query = new URLSearchParams(params);
  if (contactId) query.set('contact', contactId);
  const hash = contactId ? `#contact-${encodeURIComponent(contactId)}` : '#links';
  return `${opportunityPath(opportunityId)}?${query}${hash}`;
}

async function linkDefaults(db: RingiDb) {
  const settings = await getSettingValues(db);
  return { roomLocale: settings.defaultRoomLocale, linkExpiryDays: settings.defaultLinkExpiryDays };
}

/** The link actions (create, revoke, extend, regenerate): every outcome but "not allowed" goes back to the page. */
export async function submitLinkAction(db: RingiDb, key: SecretKey, user: SessionUser, opportunityId: string, { fields }: PostedForm, now = new Date()): Promise<FormOutcome<never>> {
  const action = parseLinkAction(fields);
  if (!action) return { ok: true, redirect: back(opportunityId, { error: 'badRequest' }) };
  if (awaitsConfirmation(action, fields)) {
    // No #fragment: the confirm button's autofocus scrolls to it, and browsers skip autofocus with one.
    return { ok: true, redirect: `${opportunityPath(opportunityId)}?${new URLSearchParams({ confirm: action.action, link: action.linkId })}` };
  }
  const result = await performLinkAction(db, key, user, opportunityId, action, now, await linkDefaults(db));
  if (result.ok) return { ok: true, redirect: back(opportunityId, { notice: result.value.notice }, result.value.contactId) };
  if (result.reason === 'forbidden') return { ok: false, reason: 'forbidden' };
  return { ok: true, redirect: back(opportunityId, { error: result.reason }, result.contactId) };
}

export const linkErrors = ['forbidden', 'not_found', 'otherAccount', 'contactArchived', 'activeLinkExists', 'revoked', 'invalidDays', 'invalidDate', 'pastDate', 'tooFarDate', 'badRequest'] as const;
export type LinkError = (typeof linkErrors)[number];

/** A refused "add a contact and issue their link": what was typed, the field errors, or why not. */
export interface AddContactFailure {
  values: Record<string, string>;
  fieldErrors: FieldErrors<ContactField>;
  error: LinkError | null;
}

export async function submitAddContact(db: RingiDb, key: SecretKey, user: SessionUser, opportunityId: string, { fields }: PostedForm, now = new Date()): Promise<FormOutcome<AddContactFailure>> {
  if (fields.intent !== 'addContactAndLink') return { ok: false, reason: 'bad_request' };
  const contact = { name: fields.name, email: fields.email, department: fields.department, jobTitle: fields.jobTitle, buyingRole: fields.buyingRole };
  const result = await addContactWithLink(db, key, user, opportunityId, contact, now, await linkDefaults(db));
  if (result.ok) {
    const contactId = encodeURIComponent(result.value.contactId);
    return { ok: true, redirect: `${opportunityPath(opportunityId)}?notice=created&contact=${contactId}#contact-${contactId}` };
  }
  if (result.reason === 'forbidden' || result.reason === 'not_found') return { ok: false, reason: result.reason };
  if (result.reason === 'invalid') return { ok: false, reason: 'invalid', failed: { values: fields, fieldErrors: result.fieldErrors, error: null } };
  return { ok: false, reason: 'invalid', failed: { values: fields, fieldErrors: {}, error: result.reason } };
}

/** What the page says after ./links sent the rep back: a notice or error about a contact, or the confirm step. */
export function linkFlash(params: URLSearchParams, canEdit: boolean) {
  const notice = (['created', 'revoked', 'extended', 'regenerated'] as const).find((n) => n === params.get('notice'));
  const error = linkErrors.find((e) => e === params.get('error'));
  // The second step of revoke / regenerate (./links sends the first press here).
  const confirmKind = (['revoke', 'regenerate'] as const).find((kind) => kind === params.get('confirm')) ?? null;
  return { notice, error, contactId: params.get('contact'), confirmKind, confirmLinkId: confirmKind && canEdit ? params.get('link') : null };
}

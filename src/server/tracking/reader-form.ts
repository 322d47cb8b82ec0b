// The opportunity page's unknown-reader forms: "record as an existing contact" and "record as a new
// contact". Posted to /admin/opportunities/<id>/readers; answers a redirect back to the page, or the
// refusal page saying what was wrong (nothing changes then).
import type { SessionUser } from '../auth/sessions';
import type { RingiDb } from '../db/client';
import type { FormOutcome } from '../http/admin-form';
import type { PostedForm } from '../http/forms';
import { opportunityPath } from '../access-links/link-forms';
import { errorMessage, tCrm, type CrmMessageKey } from '../crm/messages';
import { tApproval } from '../approval/messages';
import { nameBrowser, nameBrowserAsNewContact } from './link-browsers';

export async function submitReaderForm(db: RingiDb, user: SessionUser, opportunityId: string, { fields }: PostedForm, now = new Date()): Promise<FormOutcome<never>> {
  const ref = { opportunityId, accessLinkId: fields.accessLinkId ?? '', deviceId: fields.deviceId ?? '' };
  const contact = { name: fields.name, email: fields.email, department: fields.department, jobTitle: fields.jobTitle, buyingRole: fields.buyingRole };
  const result =
    fields.action === 'attach'
      ? await nameBrowser(db, user, ref, fields.contactId ?? '', now)
      : fields.action === 'create'
        ? await nameBrowserAsNewContact(db, user, ref, contact, now)
        : ({ ok: false, reason: 'bad_request' } as const);
  if (result.ok) return { ok: true, redirect: `${opportunityPath(opportunityId)}?reader=named&contact=${encodeURIComponent(result.value.contactId)}#unknown-readers` };
  if (result.reason === 'not_found') return { ok: false, reason: 'not_found', detail: (lang) => tApproval(lang, 'readers.gone') };
  if (result.reason !== 'invalid') return { ok: false, reason: result.reason };
  const [field, code] = Object.entries(result.fieldErrors)[0] ?? ['contactId', 'invalid'];
  const label = (lang: 'ja' | 'en') => (field === 'contactId' ? tApproval(lang, 'readers.attachContact') : tCrm(lang, `contact.${field}` as CrmMessageKey));
  return { ok: false, reason: 'bad_request', detail: (lang) => tApproval(lang, 'readers.invalid', { field: label(lang), problem: errorMessage(lang, code!) }) };
}

// A first deal in one form: a new account, its first contact and the opportunity, saved together
// (all three or nothing), so a rep meeting a new buyer does not fill three forms before a link.
import type { RingiDb } from '../db/client';
import { accountInput, createAccount, type AccountField } from './accounts';
import { fieldErrorsOf, invalid, ok, type Actor, type CrmResult, type FieldErrors } from './common';
import { contactInput, createContact, type ContactField } from './contacts';
import { createOpportunity, opportunityInput, type OpportunityField } from './opportunities';

export type FirstDealField = `account.${AccountField}` | `contact.${ContactField}` | `opportunity.${Exclude<OpportunityField, 'accountId'>}`;

export interface FirstDealInput {
  account: unknown;
  contact: unknown;
  /** Without accountId: it is the new account's. */
  opportunity: unknown;
}

/** The posted fields "account.name", "contact.email", "opportunity.stage", … split into the three parts. */
export function firstDealInput(fields: Record<string, string | undefined>): FirstDealInput {
  const part = (prefix: string) => Object.fromEntries(Object.entries(fields).filter(([name]) => name.startsWith(`${prefix}.`)).map(([name, value]) => [name.slice(prefix.length + 1), value]));
  return { account: part('account'), contact: part('contact'), opportunity: part('opportunity') };
}

function prefixed<F extends string, P extends string>(prefix: P, errors: FieldErrors<F>): Partial<Record<`${P}.${F}`, FieldErrors<F>[F]>> {
  return Object.fromEntries(Object.entries(errors).map(([field, code]) => [`${prefix}.${field}`, code])) as Partial<Record<`${P}.${F}`, FieldErrors<F>[F]>>;
}

const ROLLBACK = new Error('first deal refused');

/**
 * Creates the account, the contact and the opportunity (owned by the actor, or whom an admin picks)
 * in one transaction. Every field is checked and every problem reported at once; nothing is written
 * unless all three are valid.
 */
export async function createFirstDeal(db: RingiDb, actor: Actor, input: FirstDealInput): Promise<CrmResult<{ accountId: string; contactId: string; opportunityId: string }, FirstDealField>> {
  const opportunityFields = typeof input.opportunity === 'object' && input.opportunity !== null ? input.opportunity : {};
  // Checked up front so the rep sees every field's problem even when the account is refused.
  const account = accountInput.safeParse(input.account);
  const contact = contactInput.safeParse(input.contact);
  const opportunity = opportunityInput.omit({ accountId: true }).safeParse(opportunityFields);
  const early: FieldErrors<FirstDealField> = {
    ...(account.success ? {} : prefixed('account', fieldErrorsOf<AccountField>(account.error))),
    ...(contact.success ? {} : prefixed('contact', fieldErrorsOf<ContactField>(contact.error))),
    ...(opportunity.success ? {} : prefixed('opportunity', fieldErrorsOf<Exclude<OpportunityField, 'accountId'>>(opportunity.error))),
  };
  if (Object.keys(early).length) return invalid(early);

  let refusal: CrmResult<never, FirstDealField> | null = null;
  try {
    return await db.transaction(async (tx) => {
      const txDb = tx as unknown as RingiDb;
      const newAccount = await createAccount(txDb, actor, input.account);
      if (!newAccount.ok) {
        refusal = newAccount.reason === 'invalid' ? invalid(prefixed('account', newAccount.fieldErrors)) : newAccount;
        throw ROLLBACK;
      }
      const newContact = await createContact(txDb, actor, newAccount.value.id, input.contact);
      const newOpportunity = await createOpportunity(txDb, actor, { ...opportunityFields, accountId: newAccount.value.id });
      if (!newContact.ok || !newOpportunity.ok) {
        // Database checks (stage, owner) or permissions: report and roll the account back.
        if (!newContact.ok && newContact.reason !== 'invalid') refusal = newContact;
        else if (!newOpportunity.ok && newOpportunity.reason !== 'invalid') refusal = newOpportunity;
        else
          refusal = invalid({
            ...(newContact.ok || newContact.reason !== 'invalid' ? {} : prefixed('contact', newContact.fieldErrors)),
            ...(newOpportunity.ok || newOpportunity.reason !== 'invalid' ? {} : prefixed('opportunity', newOpportunity.fieldErrors)),
          } as FieldErrors<FirstDealField>);
        throw ROLLBACK;
      }
      return ok({ accountId: newAccount.value.id, contactId: newContact.value.id, opportunityId: newOpportunity.value.id });
    });
  } catch (error) {
    if (error === ROLLBACK && refusal) return refusal;
    throw error;
  }
}

// The first deal in one form (account + contact + opportunity, all or nothing), and the opportunity
// page's shortcut: a new contact and their link in one step.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { accessLinks, accounts, contacts, opportunities, users } from '../../src/server/db/tables';
import { addContactWithLink, listLinksForOpportunity } from '../../src/server/access-links/link-management';
import { createFirstDeal, firstDealInput } from '../../src/server/crm/first-deal';
import { loadProspectRoom } from '../../src/server/rooms/prospect-room';
import { parseSecretKey } from '../../src/server/security/secret-box';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();
const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));
const now = new Date('2026-11-22T03:00:00Z');
const sato = { id: 'u-sato', role: 'rep' as const };
const tanaka = { id: 'u-tanaka', role: 'rep' as const };
db.insert(users)
  .values([
    { id: sato.id, email: 'sato@example.com', displayName: '佐藤 健太', role: 'rep' },
    { id: tanaka.id, email: 'tanaka@example.com', displayName: '田中 美咲', role: 'rep' },
  ])
  .run();

const counts = () => ({
  accounts: db.select().from(accounts).all().length,
  contacts: db.select().from(contacts).all().length,
  opportunities: db.select().from(opportunities).all().length,
});

const form = {
  'account.name': '株式会社はやて運輸',
  'account.industry': '物流',
  'contact.name': '木村 彩',
  'contact.email': 'kimura@hayate.example',
  'contact.jobTitle': '経理部長',
  'opportunity.name': '経費精算 全社導入',
  'opportunity.stage': '2',
  'opportunity.amountJpy': '2,400,000',
  'opportunity.channel': 'event',
  'opportunity.salesCycle': 'short',
};

describe('createFirstDeal', () => {
  it('creates the account, its first contact and the opportunity, owned by the rep', () => {
    const result = createFirstDeal(db, sato, firstDealInput(form));
    if (!result.ok) throw new Error(JSON.stringify(result));
    const opp = db.select().from(opportunities).all().find((o) => o.id === result.value.opportunityId)!;
    expect(opp).toMatchObject({ name: '経費精算 全社導入', accountId: result.value.accountId, ownerUserId: sato.id, stage: 2, amountJpy: 2_400_000 });
    expect(db.select().from(contacts).all().find((c) => c.id === result.value.contactId)).toMatchObject({ accountId: result.value.accountId, name: '木村 彩', jobTitle: '経理部長' });
  });

  it('reports every problem of the three parts at once and writes nothing', () => {
    const before = counts();
    const result = createFirstDeal(db, sato, firstDealInput({ ...form, 'account.name': ' ', 'contact.email': 'not-an-email', 'opportunity.channel': 'fax' }));
    expect(result).toMatchObject({ ok: false, reason: 'invalid', fieldErrors: { 'account.name': 'required', 'contact.email': expect.any(String), 'opportunity.channel': expect.any(String) } });
    expect(counts()).toEqual(before);
  });

  it('rolls the new account back when a database check refuses the opportunity', () => {
    const before = counts();
    const result = createFirstDeal(db, sato, firstDealInput({ ...form, 'opportunity.stage': '99' }));
    expect(result).toMatchObject({ ok: false, reason: 'invalid', fieldErrors: { 'opportunity.stage': 'unknownStage' } });
    expect(counts()).toEqual(before);
  });
});

describe('addContactWithLink', () => {
  const deal = createFirstDeal(db, sato, firstDealInput({ ...form, 'account.name': '株式会社みなと商事' }));
  if (!deal.ok) throw new Error('setup');
  const opportunityId = deal.value.opportunityId;

  it('adds a contact at the opportunity’s account and gives them a working link, in one step', () => {
    const result = addContactWithLink(db, key, sato, opportunityId, { name: '森 翔', email: 'mori@minato.example' }, now);
    if (!result.ok) throw new Error(result.reason);
    const card = listLinksForOpportunity(db, opportunityId, now, { key, baseUrl: 'https://ringi.example' }).find((c) => c.contact.id === result.value.contactId)!;
    expect(card).toMatchObject({ contact: { name: '森 翔', accountId: deal.value.accountId }, current: { status: 'active' } });
    expect(loadProspectRoom(db, card.current!.url!.split('/r/')[1]!, now).status).toBe('active');
  });

  it('writes nothing for an invalid contact or a rep who does not own the deal', () => {
    const before = { ...counts(), links: db.select().from(accessLinks).all().length };
    expect(addContactWithLink(db, key, sato, opportunityId, { name: '', email: 'x' }, now)).toMatchObject({ ok: false, reason: 'invalid', fieldErrors: { name: 'required' } });
    expect(addContactWithLink(db, key, tanaka, opportunityId, { name: '森 翔' }, now)).toEqual({ ok: false, reason: 'forbidden' });
    expect(addContactWithLink(db, key, sato, 'no-such-opportunity', { name: '森 翔' }, now)).toEqual({ ok: false, reason: 'not_found' });
    expect({ ...counts(), links: db.select().from(accessLinks).all().length }).toEqual(before);
  });
});

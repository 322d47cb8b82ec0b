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
await db.insert(users)
  .values([
    { id: sato.id, email: 'sato@example.com', displayName: '佐藤 健太', role: 'rep' },
    { id: tanaka.id, email: 'tanaka@example.com', displayName: '田中 美咲', role: 'rep' },
  ]);

const counts = async () => ({
  accounts: (await db.select().from(accounts)).length,
  contacts: (await db.select().from(contacts)).length,
  opportunities: (await db.select().from(opportunities)).length,
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
  it('creates the account, its first contact and the opportunity, owned by the rep', async () => {
    const result = await createFirstDeal(db, sato, firstDealInput(form));
    if (!result.ok) throw new Error(JSON.stringify(result));
    const opp = (await db.select().from(opportunities)).find((o) => o.id === result.value.opportunityId)!;
    expect(opp).toMatchObject({ name: '経費精算 全社導入', accountId: result.value.accountId, ownerUserId: sato.id, stage: 2, amountJpy: 2_400_000 });
    expect((await db.select().from(contacts)).find((c) => c.id === result.value.contactId)).toMatchObject({ accountId: result.value.accountId, name: '木村 彩', jobTitle: '経理部長' });
  });

  it('reports every problem of the three parts at once and writes nothing', async () => {
    const before = await counts();
    const result = await createFirstDeal(db, sato, firstDealInput({ ...form, 'account.name': ' ', 'contact.email': 'not-an-email', 'opportunity.channel': 'fax' }));
    expect(result).toMatchObject({ ok: false, reason: 'invalid', fieldErrors: { 'account.name': 'required', 'contact.email': expect.any(String), 'opportunity.channel': expect.any(String) } });
    expect(await counts()).toEqual(before);
  });

  it('rolls the new account back when a database check refuses the opportunity', async () => {
    const before = await counts();
    const result = await createFirstDeal(db, sato, firstDealInput({ ...form, 'opportunity.stage': '99' }));
    expect(result).toMatchObject({ ok: false, reason: 'invalid', fieldErrors: { 'opportunity.stage': 'unknownStage' } });
    expect(await counts()).toEqual(before);
  });
});

describe('addContactWithLink', async () => {
  const deal = await createFirstDeal(db, sato, firstDealInput({ ...form, 'account.name': '株式会社みなと商事' }));
  if (!deal.ok) throw new Error('setup');
  const opportunityId = deal.value.opportunityId;

  it('adds a contact at the opportunity’s account and gives them a working link, in one step', async () => {
    const result = await addContactWithLink(db, key, sato, opportunityId, { name: '森 翔', email: 'mori@minato.example' }, now);
    if (!result.ok) throw new Error(result.reason);
    const card = (await listLinksForOpportunity(db, opportunityId, now, { key, baseUrl: 'https://ringi.example' })).find((c) => c.contact.id === result.value.contactId)!;
    expect(card).toMatchObject({ contact: { name: '森 翔', accountId: deal.value.accountId }, current: { status: 'active' } });
    expect((await loadProspectRoom(db, card.current!.url!.split('/r/')[1]!, now)).status).toBe('active');
  });

  it('writes nothing for an invalid contact or a rep who does not own the deal', async () => {
    const before = { ...await counts(), links: (await db.select().from(accessLinks)).length };
    expect(await addContactWithLink(db, key, sato, opportunityId, { name: '', email: 'x' }, now)).toMatchObject({ ok: false, reason: 'invalid', fieldErrors: { name: 'required' } });
    expect(await addContactWithLink(db, key, tanaka, opportunityId, { name: '森 翔' }, now)).toEqual({ ok: false, reason: 'forbidden' });
    expect(await addContactWithLink(db, key, sato, 'no-such-opportunity', { name: '森 翔' }, now)).toEqual({ ok: false, reason: 'not_found' });
    expect({ ...await counts(), links: (await db.select().from(accessLinks)).length }).toEqual(before);
  });
});

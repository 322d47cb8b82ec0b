// Accounts and contacts: validation, search, pagination, archive rules (shared records, admins archive).
import { describe, expect, it } from 'vitest';
import { accounts, contacts, users } from '../../src/server/db/tables';
import { createAccount, getAccount, listAccounts, setAccountArchived, updateAccount } from '../../src/server/crm/accounts';
import { createContact, getContact, listContacts, setContactArchived, updateContact } from '../../src/server/crm/contacts';
import { containsPattern } from '../../src/server/crm/common';
import { isCalendarDate } from '../../src/server/i18n/calendar';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();
const admin = { id: 'u-admin', role: 'admin' as const };
const sato = { id: 'u-sato', role: 'rep' as const };
await db.insert(users)
  .values([
    { id: admin.id, email: 'admin@example.com', displayName: '管理者', role: 'admin' },
    { id: sato.id, email: 'sato@example.com', displayName: '佐藤', role: 'rep' },
  ]);

describe('account validation', () => {
  it('requires a name and keeps optional fields null', async () => {
    const result = await createAccount(db, sato, { name: '   ', industry: '', website: '' });
    expect(result).toEqual({ ok: false, reason: 'invalid', fieldErrors: { name: 'required' } });
    const created = await createAccount(db, sato, { name: ' 株式会社テスト ', industry: '', website: '' });
    expect(created.ok && created.value).toMatchObject({ name: '株式会社テスト', industry: null, website: null, archivedAt: null });
  });

  it('refuses over-long text and non-http websites, accepts a bare domain as https', async () => {
    const result = await createAccount(db, sato, { name: 'x'.repeat(201), website: 'javascript:alert(1)' });
    expect(result).toEqual({ ok: false, reason: 'invalid', fieldErrors: { name: 'tooLong', website: 'invalidUrl' } });
    expect(await createAccount(db, sato, { name: 'A', website: 'ftp://files.example.com' })).toMatchObject({ fieldErrors: { website: 'invalidUrl' } });
    expect(await createAccount(db, sato, { name: 'A', website: 'localhost' })).toMatchObject({ fieldErrors: { website: 'invalidUrl' } });
    const bare = await createAccount(db, sato, { name: 'Bare domain K.K.', website: 'bare.example.co.jp' });
    expect(bare.ok && bare.value.website).toBe('https://bare.example.co.jp');
  });

  it('lets any rep edit, and reports unknown ids', async () => {
    const created = await createAccount(db, sato, { name: '編集前' });
    if (!created.ok) throw new Error('setup');
    expect(await updateAccount(db, sato, created.value.id, { name: '編集後', industry: '製造業' })).toMatchObject({ ok: true, value: { name: '編集後', industry: '製造業' } });
    expect(await updateAccount(db, sato, 'nope', { name: 'x' })).toEqual({ ok: false, reason: 'not_found' });
    expect(await updateAccount(db, sato, created.value.id, { name: '' })).toMatchObject({ reason: 'invalid', fieldErrors: { name: 'required' } });
    expect((await getAccount(db, created.value.id))?.name).toBe('編集後');
  });
});

describe('account list', async () => {
  await db.insert(accounts)
    .values(Array.from({ length: 23 }, (_, i) => ({ id: `page-${String(i).padStart(2, '0')}`, name: `ページ送り商事 ${String(i).padStart(2, '0')}` })));
  await db.insert(accounts)
    .values([
      { id: 'acme', name: 'ACME Japan K.K.' },
      { id: 'sakura', name: '株式会社さくら製作所' },
      { id: 'pct', name: '100%_Percent Co.' },
    ]);

  it('searches names case-insensitively, in Japanese too, with % and _ taken literally', async () => {
    expect((await listAccounts(db, { q: 'acme' })).rows.map((r) => r.id)).toEqual(['acme']);
    expect((await listAccounts(db, { q: 'さくら' })).rows.map((r) => r.id)).toEqual(['sakura']);
    expect((await listAccounts(db, { q: '%_' })).rows.map((r) => r.id)).toEqual(['pct']);
    expect((await listAccounts(db, { q: '_' })).rows.map((r) => r.id)).toEqual(['pct']);
    expect(containsPattern('a%b_c\\')).toBe('%a\\%b\\_c\\\\%');
  });

  it('paginates with a total count', async () => {
    const first = await listAccounts(db, { q: 'ページ送り', limit: 10 });
    expect(first.total).toBe(23);
    expect(first.rows).toHaveLength(10);
    expect(first.rows[0]!.id).toBe('page-00');
    const last = await listAccounts(db, { q: 'ページ送り', limit: 10, offset: 20 });
    expect(last.rows.map((r) => r.id)).toEqual(['page-20', 'page-21', 'page-22']);
    expect(last.total).toBe(23);
    expect(await listAccounts(db, { q: 'ページ送り', limit: 10, offset: 30 })).toMatchObject({ rows: [], total: 23 });
  });

  it('counts active contacts per account', async () => {
    await db.insert(contacts)
      .values([
        { id: 'c-1', accountId: 'sakura', name: '山田' },
        { id: 'c-2', accountId: 'sakura', name: '鈴木', archivedAt: new Date() },
      ]);
    expect((await listAccounts(db, { q: 'さくら' })).rows[0]).toMatchObject({ contactCount: 1, openOpportunityCount: 0, lastSeenAt: null });
  });
});

describe('archiving accounts and contacts', () => {
  it('is for admins only, and hides the account from the default list', async () => {
    const created = await createAccount(db, sato, { name: 'アーカイブ対象株式会社' });
    if (!created.ok) throw new Error('setup');
    const id = created.value.id;
    expect(await setAccountArchived(db, sato, id, true)).toEqual({ ok: false, reason: 'forbidden' });
    expect((await getAccount(db, id))?.archivedAt).toBeNull();

    const when = new Date('2026-11-01T00:00:00Z');
    expect(await setAccountArchived(db, admin, id, true, when)).toMatchObject({ ok: true, value: { archivedAt: when } });
    expect((await listAccounts(db, { q: 'アーカイブ対象' })).total).toBe(0);
    expect((await listAccounts(db, { q: 'アーカイブ対象', status: 'archived' })).total).toBe(1);
    expect((await listAccounts(db, { q: 'アーカイブ対象', status: 'all' })).total).toBe(1);
    // No contacts can be added while archived.
    expect(await createContact(db, sato, id, { name: '新人' })).toEqual({ ok: false, reason: 'forbidden' });

    expect(await setAccountArchived(db, sato, id, false)).toEqual({ ok: false, reason: 'forbidden' });
    expect(await setAccountArchived(db, admin, id, false)).toMatchObject({ ok: true, value: { archivedAt: null } });
    expect(await setAccountArchived(db, admin, 'nope', true)).toEqual({ ok: false, reason: 'not_found' });
  });

  it('validates contacts, lets reps edit them and admins archive them', async () => {
    expect(await createContact(db, sato, 'sakura', { name: '', email: 'not-an-email' })).toEqual({
      ok: false,
      reason: 'invalid',
      fieldErrors: { name: 'required', email: 'invalidEmail' },
    });
    expect(await createContact(db, sato, 'nope', { name: 'x' })).toEqual({ ok: false, reason: 'not_found' });
    const created = await createContact(db, sato, 'sakura', { name: '小林 恵', email: ' kobayashi@sakura.example ', department: '総務部', jobTitle: '' });
    if (!created.ok) throw new Error('setup');
    expect(created.value).toMatchObject({ accountId: 'sakura', email: 'kobayashi@sakura.example', department: '総務部', jobTitle: null });

    expect(await updateContact(db, sato, created.value.id, { name: '小林 恵', jobTitle: '主任' })).toMatchObject({ ok: true, value: { jobTitle: '主任', email: null } });
    expect(await setContactArchived(db, sato, created.value.id, true)).toEqual({ ok: false, reason: 'forbidden' });
    expect(await setContactArchived(db, admin, created.value.id, true)).toMatchObject({ ok: true });
    expect((await listContacts(db, 'sakura')).map((c) => c.name)).toEqual(['山田']);
    expect(await listContacts(db, 'sakura', { includeArchived: true })).toHaveLength(3);
    expect((await getContact(db, created.value.id))?.archivedAt).not.toBeNull();
  });
});

describe('isCalendarDate', () => {
  it('accepts real dates only', () => {
    expect(isCalendarDate('2026-02-28')).toBe(true);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-13-01')).toBe(false);
    expect(isCalendarDate('2026/01/01')).toBe(false);
    expect(isCalendarDate('26-01-01')).toBe(false);
    expect(isCalendarDate('1999-12-31')).toBe(false); // a typo in a sales tool
  });
});

// `ringi contact role`: reps' buying roles from the command line (issue 19), as the CLI is run — a
// separate process on the database file. SQLite only: the CLI is exercised, not the engine.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/server/crm/accounts';
import { createContact } from '../../src/server/crm/contacts';
import { closeDatabase, openDatabase } from '../../src/server/db/client';
import { contacts, users } from '../../src/server/db/tables';
import { SLOW_BY_NATURE } from './support/slow-by-nature';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringi-cli-'));
const file = path.join(dir, 'cli.db');
const db = openDatabase(file, path.resolve('db/migrations'));
const admin = { id: 'admin-1', role: 'admin' as const };
const ids: Record<string, string> = {};

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/ringi.ts', 'contact', 'role', ...args], {
    cwd: path.resolve('.'),
    env: { ...process.env, DATABASE_PATH: file, RINGI_SECRET_KEY: Buffer.alloc(32, 1).toString('base64') },
    encoding: 'utf8',
    timeout: 120_000,
  });
const roleOf = async (id: string) => (await db.select({ role: contacts.buyingRole }).from(contacts).where(eq(contacts.id, id)))[0]?.role;

beforeAll(async () => {
  await db.insert(users).values({ id: admin.id, email: 'admin@example.jp', displayName: '管理者', role: 'admin', passwordHash: 'x' });
  const account = await createAccount(db, admin, { name: '桜商事' });
  if (!account.ok) throw new Error('account');
  for (const [key, email] of [['it', 'it@sakura.example.jp'], ['twinA', 'shared@sakura.example.jp'], ['twinB', 'shared@sakura.example.jp']] as const) {
    const contact = await createContact(db, admin, account.value.id, { name: key, email, department: '情報システム部' });
    if (!contact.ok) throw new Error('contact');
    ids[key] = contact.value.id;
  }
});

afterAll(async () => {
  await closeDatabase(db);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ringi contact role', () => {
  it('sets the role of the contact named by email or id, and leaves its other fields alone', SLOW_BY_NATURE, async () => {
    const byEmail = cli('IT@sakura.example.jp', '--role', 'it-security');
    expect(byEmail.stderr).toBe('');
    expect(byEmail.status).toBe(0);
    expect(byEmail.stdout).toContain('is now it-security');
    expect(await roleOf(ids.it!)).toBe('it-security');
    const [row] = await db.select().from(contacts).where(eq(contacts.id, ids.it!));
    expect(row).toMatchObject({ name: 'it', email: 'it@sakura.example.jp', department: '情報システム部' });

    expect(cli(ids.twinA!, '--role', 'legal').status).toBe(0);
    expect(await roleOf(ids.twinA!)).toBe('legal');
  });

  it('refuses an unknown role, an unknown or ambiguous contact, and changes nothing', SLOW_BY_NATURE, async () => {
    const badRole = cli(ids.twinB!, '--role', 'ceo');
    expect(badRole.status).toBe(2);
    expect(badRole.stderr).toContain('contact role needs --role champion, manager, decision-maker');
    const unknown = cli('nobody@example.jp', '--role', 'legal');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no contact with the id, external id or email "nobody@example.jp"');
    const shared = cli('shared@sakura.example.jp', '--role', 'finance-purchasing');
    expect(shared.status).toBe(2);
    expect(shared.stderr).toContain('names 2 contacts');
    expect(await roleOf(ids.twinB!)).toBe('unknown');
  });
});

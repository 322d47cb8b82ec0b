// Ringi's command line: `npm run ringi -- <command>`. Errors are one clear line and exit code 2.
import { parseArgs } from 'node:util';
import { and, asc, eq, isNull, or } from 'drizzle-orm';
import { ZodError } from 'zod';
import { buyingRoles, contacts, users } from '../server/db/tables';
import { createApiToken, listApiTokens, revokeApiToken } from '../server/api/tokens';
import { config } from '../server/config';
import { BackupError, backupDatabase } from '../server/db/backup';
import { closeDatabase, prepareDatabase, type RingiDb } from '../server/db/client';
import { updateContact } from '../server/crm/contacts';
import { loadDemoCatalog } from '../server/demo/content';
import { checkContentDirectory, syncContentDirectory, syncReportLines } from '../server/documents/content-sync';
import { formatProblem } from '../server/documents/validation';
import { demoAdmin, seedDemo } from '../server/demo/seed';
import { loadSecretKey } from '../server/security/secret-box';
import { rebuildAllAggregates } from '../server/tracking/aggregates';
import { createUser, DuplicateEmailError, generatePassword } from '../server/users/users';

const usage = `Usage: npm run ringi -- <command>

Commands:
  migrate      create or upgrade the database at DATABASE_PATH (${config.databasePath})
  demo         migrate, then add the demo data (idempotent) and print the admin login and prospect links
  user add --email EMAIL --role admin|rep|content [--name NAME] [--locale ja|en] [--password PASSWORD]
               create a rep or admin; without --password a random one is generated and printed once
  content sync publish every changed document of content/ (RINGI_CONTENT_DIR) as a new version;
               documents with problems are listed (file:line field) and keep their current version
  content check
               check every document of content/ and list all problems (part of \`npm run build\`)
  api-token create --name NAME [--scope read|write] [--admin EMAIL]
               a workspace API token (default scope read), printed once; it acts as the admin (needed
               when there are several), and stops working when that admin is deactivated
  api-token list | api-token revoke ID
  contact role CONTACT --role ${buyingRoles.join('|')} [--admin EMAIL]
               set a contact's buying role (the approval map's rows); CONTACT is its id, external id
               or email (an email shared by several contacts is refused: use the id)
  aggregates rebuild
               recompute the dashboard's aggregates (document table, scores, unopened rooms) from the
               running totals, rooms and links (docs/adr/0020); after a repair by hand (an upgrade
               builds them on start)
  backup FILE  write a consistent copy of the database to FILE (a new file), also while the server runs;
               the secret key is not in it: back it up separately (README "Backup and restore")
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'user') return userCommand(rest);
  if (command === 'backup') return backupCommand(rest);
  if (command === 'content') return contentCommand(rest);
  if (command === 'api-token') return apiTokenCommand(rest);
  if (command === 'contact') return contactCommand(rest);
  if (command === 'aggregates') return aggregatesCommand(rest);
  if (rest.length > 0) return fail(`unexpected argument "${rest[0]}"`);
  switch (command) {
    case 'migrate': {
      await closeDatabase(await prepareDatabase());
      console.log(`Database ready: ${config.databasePath}`);
      return 0;
    }
    case 'demo': {
      const db = await prepareDatabase();
      const { links, historySeeded } = await seedDemo(db, loadSecretKey(), loadDemoCatalog(config.contentDir));
      await closeDatabase(db);
      const base = config.publicBaseUrl;
      console.log(`\nRingi demo data is ready (${config.databasePath}).`);
      console.log(
        historySeeded.length > 0
          ? `  Reading history of the last weeks added for ${historySeeded.length} opportunities (one of them is being read right now).`
          : '  Reading history already there: kept as it is.',
      );
      console.log(`\n  Admin login: email ${demoAdmin.email}  password ${demoAdmin.password}`);
      console.log('\n  Prospect links (each is the identity of one contact: treat them like passwords):');
      for (const link of links) console.log(`    ${link.accountName} / ${link.contactName}\n      ${base}${link.path}`);
      console.log('');
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
      console.log(usage);
      return command ? 0 : 2;
    default:
      return fail(`unknown command "${command}"`);
  }
}

async function aggregatesCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action !== 'rebuild') return fail(`unknown aggregates action "${action ?? ''}" (expected "aggregates rebuild")`);
  if (rest.length > 0) return fail(`unexpected argument "${rest[0]}"`);
  const db = await prepareDatabase();
  try {
    const started = Date.now();
    let reported = 0;
    const result = await rebuildAllAggregates(db, {
      onProgress: (done, total) => {
        if (done === total || done - reported >= 10_000) {
          reported = done;
          console.log(`  ${done} / ${total} opportunities`);
        }
      },
    });
    console.log(`Aggregates rebuilt: ${result.opportunities} opportunities, ${result.documentRows} document table rows, in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return 0;
  } finally {
    await closeDatabase(db);
  }
}

async function userCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action !== 'add') return fail(`unknown user action "${action ?? ''}" (expected "user add")`);
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, locale: { type: 'string' }, password: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  if (!values.email) return fail('user add needs --email');
  if (values.role !== 'admin' && values.role !== 'rep' && values.role !== 'content') return fail('user add needs --role admin, rep or content');
  const generated = values.password === undefined;
  const password = values.password ?? generatePassword();
  const db = await prepareDatabase();
  try {
    await createUser(db, {
      email: values.email,
      role: values.role,
      displayName: values.name ?? values.email.split('@')[0]!,
      locale: values.locale === 'en' ? 'en' : 'ja',
      password,
    });
  } catch (error) {
    if (error instanceof DuplicateEmailError) return fail(error.message);
    if (error instanceof ZodError) return fail(error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
    throw error;
  } finally {
    await closeDatabase(db);
  }
  console.log(`Created ${values.role} ${values.email.trim().toLowerCase()}.`);
  if (generated) console.log(`Password (shown once, change it after signing in): ${password}`);
  return 0;
}

async function contentCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (rest.length > 0) return fail(`unexpected argument "${rest[0]}"`);
  if (action === 'check') {
    const problems = checkContentDirectory(config.contentDir);
    if (problems.length === 0) return 0;
    console.error(`${problems.length} problem${problems.length === 1 ? '' : 's'} in ${config.contentDir}/ (fix them, then build again):`);
    for (const problem of problems) console.error(`  ${formatProblem(problem)}`);
    return 2;
  }
  if (action !== 'sync') return fail(`unknown content action "${action ?? ''}" (expected "content sync" or "content check")`);
  const db = await prepareDatabase();
  try {
    const report = await syncContentDirectory(db, config.contentDir);
    const lines = syncReportLines(report);
    for (const line of lines.info) console.log(line);
    for (const line of lines.problems) console.error(line);
    return report.problems.length === 0 ? 0 : 2;
  } finally {
    await closeDatabase(db);
  }
}

async function apiTokenCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { name: { type: 'string' }, scope: { type: 'string' }, admin: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const db = await prepareDatabase();
  try {
    if (action === 'list' && positionals.length === 0) {
      const tokens = await listApiTokens(db);
      if (tokens.length === 0) console.log('No API tokens.');
      for (const t of tokens) {
        const state = t.revokedAt ? 'revoked' : t.ownerInactive ? 'inactive (admin deactivated)' : 'active';
        console.log(`${t.id}  ${t.scope.padEnd(5)}  ${state.padEnd(8)}  last used ${t.lastUsedAt?.toISOString() ?? 'never'}  ${t.name} (by ${t.createdByName})`);
      }
      return 0;
    }
    // The CLI has no signed-in user: the token acts as the admin named, or the only one there is.
    const admin = await cliAdmin(db, values.admin);
    if (typeof admin === 'string') return fail(admin);
    if (action === 'revoke' && positionals.length === 1) {
      const revoked = await revokeApiToken(db, admin, positionals[0]!);
      if (revoked !== true) return fail(`no API token ${positionals[0]}`);
      console.log(`Revoked ${positionals[0]}.`);
      return 0;
    }
    if (action !== 'create' || positionals.length > 0) return fail(`unknown api-token action "${[action, ...positionals].join(' ')}" (expected create, list or revoke ID)`);
    if (!values.name) return fail('api-token create needs --name');
    const created = await createApiToken(db, admin, { name: values.name, scope: values.scope ?? 'read' });
    if (!created.ok) return fail(created.reason === 'invalid' ? Object.entries(created.fieldErrors).map(([f, code]) => `--${f}: ${code === 'invalidChoice' ? 'read or write' : code}`).join('; ') : 'not allowed');
    console.log(`Created API token "${created.value.name}" (${created.value.scope}) acting as ${admin.email}.`);
    console.log(`Token (shown once; send it as "Authorization: Bearer <token>"): ${created.value.token}`);
    return 0;
  } finally {
    await closeDatabase(db);
  }
}

/** Who the CLI acts as: the active admin named with --admin, or the only one; otherwise why not. */
async function cliAdmin(db: RingiDb, email: string | undefined): Promise<{ id: string; email: string; role: 'admin' } | string> {
  const admins = await db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(and(eq(users.role, 'admin'), isNull(users.deactivatedAt), email ? eq(users.email, email.trim().toLowerCase()) : undefined))
    .orderBy(asc(users.email));
  if (admins.length === 0) return email ? `no active admin with the email ${email}` : 'no active admin: create one first with `user add --role admin`';
  if (admins.length > 1) return `several admins: choose one with --admin (${admins.map((a) => a.email).join(', ')})`;
  return { ...admins[0]!, role: 'admin' };
}

async function contactCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action !== 'role') return fail(`unknown contact action "${action ?? ''}" (expected "contact role")`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { role: { type: 'string' }, admin: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) return fail('contact role needs exactly one contact: its id, external id or email');
  if (!(buyingRoles as readonly string[]).includes(values.role ?? '')) return fail(`contact role needs --role ${buyingRoles.join(', ')}`);
  const key = positionals[0]!.trim();
  const db = await prepareDatabase();
  try {
    const admin = await cliAdmin(db, values.admin);
    if (typeof admin === 'string') return fail(admin);
    const found = await db
      .select()
      .from(contacts)
      .where(or(eq(contacts.id, key), eq(contacts.externalId, key), eq(contacts.email, key.toLowerCase())));
    if (found.length === 0) return fail(`no contact with the id, external id or email "${key}"`);
    if (found.length > 1) return fail(`"${key}" names ${found.length} contacts: use one of their ids (${found.map((c) => c.id).join(', ')})`);
    const contact = found[0]!;
    // The contact form's update: every field is sent again, so only the role changes.
    const fields = { name: contact.name, email: contact.email ?? '', department: contact.department ?? '', jobTitle: contact.jobTitle ?? '' };
    const updated = await updateContact(db, admin, contact.id, { ...fields, buyingRole: values.role });
    if (!updated.ok) return fail(updated.reason === 'invalid' ? Object.entries(updated.fieldErrors).map(([f, code]) => `${f}: ${code}`).join('; ') : `not allowed (${updated.reason})`);
    console.log(`${contact.name} (${contact.id}) is now ${updated.value.buyingRole}.`);
    return 0;
  } finally {
    await closeDatabase(db);
  }
}

function backupCommand(argv: string[]): number {
  if (argv.length !== 1 || argv[0]!.startsWith('-')) return fail('backup needs exactly one argument: the new file to write');
  if (config.databaseUrl) return fail('backup copies the SQLite file; with DATABASE_URL back up PostgreSQL with its own tools (pg_dump)');
  try {
    const { file, bytes } = backupDatabase(config.databasePath, argv[0]!);
    console.log(`Backup written: ${file} (${(bytes / 1024 / 1024).toFixed(1)} MB, integrity check ok).`);
    console.log('The secret key is not in it: keep a copy of RINGI_SECRET_KEY or the key file (RINGI_SECRET_KEY_FILE) apart from it.');
    return 0;
  } catch (error) {
    if (error instanceof BackupError) return fail(error.message);
    throw error;
  }
}

function fail(message: string): number {
  console.error(`ringi: ${message}\n\n${usage}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`ringi: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);

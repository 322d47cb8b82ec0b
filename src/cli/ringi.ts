// Ringi's command line: `npm run ringi -- <command>`. Errors are one clear line and exit code 2.
import { parseArgs } from 'node:util';
import { ZodError } from 'zod';
import { config } from '../server/config';
import { BackupError, backupDatabase } from '../server/db/backup';
import { closeDatabase, prepareDatabase } from '../server/db/client';
import { loadDemoCatalog } from '../server/demo/content';
import { demoAdmin, seedDemo } from '../server/demo/seed';
import { loadSecretKey } from '../server/security/secret-box';
import { createUser, DuplicateEmailError, generatePassword } from '../server/users/users';

const usage = `Usage: npm run ringi -- <command>

Commands:
  migrate      create or upgrade the database at DATABASE_PATH (${config.databasePath})
  demo         migrate, then add the demo data (idempotent) and print the admin login and prospect links
  user add --email EMAIL --role admin|rep [--name NAME] [--locale ja|en] [--password PASSWORD]
               create a rep or admin; without --password a random one is generated and printed once
  backup FILE  write a consistent copy of the database to FILE (a new file), also while the server runs;
               the secret key is not in it: back it up separately (README "Backup and restore")
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'user') return userCommand(rest);
  if (command === 'backup') return backupCommand(rest);
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
  if (values.role !== 'admin' && values.role !== 'rep') return fail('user add needs --role admin or --role rep');
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

function backupCommand(argv: string[]): number {
  if (argv.length !== 1 || argv[0]!.startsWith('-')) return fail('backup needs exactly one argument: the new file to write');
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

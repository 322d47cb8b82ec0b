// Ringi's command line: `npm run ringi -- <command>`. Errors are one clear line and exit code 2.
import { config } from '../server/config';
import { openDatabase } from '../server/db/client';
import { demoAdmin, seedDemo } from '../server/demo/seed';
import { loadSecretKey } from '../server/security/secret-box';

const usage = `Usage: npm run ringi -- <command>

Commands:
  migrate      create or upgrade the database at DATABASE_PATH (${config.databasePath})
  demo         migrate, then add the demo data (idempotent) and print the admin login and prospect links
`;

// Which demo documents each demo room offers, in the rep's order.
const demoDocuments = {
  sakura: ['product-overview', 'pricing', 'security-check-sheet', 'case-study-manufacturing', 'roi-model', 'implementation-plan', 'approval-request-template'],
  aozora: ['product-overview', 'case-study-manufacturing', 'implementation-plan'],
  northwind: ['product-overview-en', 'case-study-logistics-en', 'pricing', 'roi-model'],
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (rest.length > 0) return fail(`unexpected argument "${rest[0]}"`);
  switch (command) {
    case 'migrate': {
      openDatabase(config.databasePath).$client.close();
      console.log(`Database ready: ${config.databasePath}`);
      return 0;
    }
    case 'demo': {
      const db = openDatabase(config.databasePath);
      const links = await seedDemo(db, loadSecretKey(), demoDocuments);
      db.$client.close();
      const base = config.publicBaseUrl;
      console.log(`\nRingi demo data is ready (${config.databasePath}).`);
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

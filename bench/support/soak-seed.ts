// Soak fixture, run with tsx by bench/soak.mjs (never by the app):
//   tsx bench/support/soak-seed.ts <database-path>
// Migrates a fresh database and seeds it with the project's own demo seeder. Prints one JSON line:
// { admin: { email, password }, links: [{ path, documents: [slug, ...] }], opportunities: [id, ...] }.
import { openDatabase } from '../../src/server/db/client';
import { demoAdmin, seedDemo } from '../../src/server/demo/seed';
import { loadSecretKey } from '../../src/server/security/secret-box';

const documents = {
  sakura: ['product-overview', 'pricing', 'security-check-sheet', 'case-study-manufacturing', 'roi-model'],
  aozora: ['product-overview', 'case-study-manufacturing', 'implementation-plan'],
  northwind: ['product-overview-en', 'case-study-logistics-en', 'pricing'],
};

async function main(): Promise<void> {
  const [databasePath] = process.argv.slice(2);
  if (!databasePath) throw new Error('usage: soak-seed.ts <database-path>');
  const db = openDatabase(databasePath);
  const links = await seedDemo(db, loadSecretKey(), documents);
  const rooms = db.$client.prepare('select opportunity_id as id from rooms').all() as { id: string }[];
  db.$client.close();
  const active = links.filter((l) => l.state === 'active');
  if (active.length === 0) throw new Error('the demo seeder returned no active link');
  const room = (accountName: string) => (accountName.includes('さくら') ? documents.sakura : accountName.includes('青空') ? documents.aozora : documents.northwind);
  console.log(
    JSON.stringify({
      admin: demoAdmin,
      links: active.map((l) => ({ path: l.path, documents: room(l.accountName) })),
      opportunities: rooms.map((r) => r.id),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});

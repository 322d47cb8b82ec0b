// Soak fixture, run with tsx by bench/soak.mjs (never by the app):
//   tsx bench/support/soak-seed.ts <database-path>
// Migrates a fresh database and seeds it with the project's own demo seeder. Prints one JSON line:
// { admin: { email, password }, links: [{ path, documents: [slug, ...] }], opportunities: [id, ...] }.
import { openDatabase } from '../../src/server/db/client';
import { config } from '../../src/server/config';
import { loadDemoCatalog } from '../../src/server/demo/content';
import { demoAdmin, demoRoomDocuments, seedDemo } from '../../src/server/demo/seed';
import { loadSecretKey } from '../../src/server/security/secret-box';

async function main(): Promise<void> {
  const [databasePath] = process.argv.slice(2);
  if (!databasePath) throw new Error('usage: soak-seed.ts <database-path>');
  const db = openDatabase(databasePath);
  const { links } = await seedDemo(db, loadSecretKey(), loadDemoCatalog(config.contentDir));
  const rooms = db.$client.prepare('select opportunity_id as id from rooms').all() as { id: string }[];
  db.$client.close();
  const active = links.filter((l) => l.state === 'active');
  if (active.length === 0) throw new Error('the demo seeder returned no active link');
  console.log(
    JSON.stringify({
      admin: demoAdmin,
      links: active.map((l) => ({ path: l.path, documents: demoRoomDocuments[l.roomId] ?? [] })),
      opportunities: rooms.map((r) => r.id),
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});

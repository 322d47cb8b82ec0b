// Benchmark fixture, run with tsx by bench/document-page.mjs (never by the app):
//   tsx bench/support/prepare-db.ts <database-path> <document-slug> <comma-separated-room-slugs>
// Migrates a fresh database and seeds it with the project's own demo seeder, then resolves one
// prospect link with the project's own loadProspectRoom while recording the SQL that drizzle
// prepares, so the raw node:http baseline can run exactly the same statements.
// Prints one JSON line: { token, path, statements: [sql, ...] }.
import { closeDatabase, openDatabase } from '../../src/server/db/client';
import { config } from '../../src/server/config';
import { loadDemoCatalog } from '../../src/server/demo/content';
import { syncContentDirectory } from '../../src/server/documents/content-sync';
import { demoRoomDocuments, seedDemo } from '../../src/server/demo/seed';
import { loadProspectRoom, roomOffers } from '../../src/server/rooms/prospect-room';
import { loadSecretKey } from '../../src/server/security/secret-box';
import { recordPreparedSql } from './record-sql';

async function main(): Promise<void> {
  const [databasePath, slug, roomSlugList] = process.argv.slice(2);
  if (!databasePath || !slug || !roomSlugList) throw new Error('usage: prepare-db.ts <database-path> <slug> <room-slugs>');
  const roomSlugs = roomSlugList.split(',').filter(Boolean);
  if (!roomSlugs.includes(slug)) throw new Error(`room slugs must include ${slug}`);

  const seeded = openDatabase(databasePath);
  // Every demo room offers the same realistic list (the room_documents query returns all of them).
  const everyRoom = Object.fromEntries(Object.keys(demoRoomDocuments).map((roomId) => [roomId, roomSlugs]));
  const { links } = await seedDemo(seeded, loadSecretKey(), loadDemoCatalog(config.contentDir), new Date(), everyRoom);
  // Documents are versions in the database (ADR 0018): published from content/ as the server's start does.
  await syncContentDirectory(seeded, config.contentDir);
  await closeDatabase(seeded);
  const link = links.find((l) => l.state === 'active');
  if (!link) throw new Error('the demo seeder returned no active link');
  const token = link.path.replace(/^\/r\//, '');

  // Record what drizzle prepares while the real lookup runs (on a fresh connection: nothing prepared yet).
  const db = openDatabase(databasePath);
  const { statements, result: access } = await recordPreparedSql(db.$client, () => loadProspectRoom(db, token));
  if (access.status !== 'active') throw new Error(`seeded link is ${access.status}, expected active`);
  if (!roomOffers(access.room, slug)) throw new Error(`seeded room does not offer ${slug}`);
  if (statements.length !== 2) throw new Error(`expected 2 statements from loadProspectRoom, saw ${statements.length}`);

  db.$client.close();
  console.log(JSON.stringify({ token, path: `/r/${token}/d/${slug}`, statements }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});

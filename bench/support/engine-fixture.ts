// Benchmark fixture, run with tsx by bench/postgres.mjs (never by the app), on the database the
// environment names (DATABASE_URL for PostgreSQL, else DATABASE_PATH): migrates it, seeds the demo
// with the project's own seeder (every room offering the same documents) and signs the demo admin in
// with the project's own session code. Prints one JSON line:
//   { links: [{ token, roomDocuments }], sessionCookie, opportunityId }
import { eq } from 'drizzle-orm';
import { config } from '../../src/server/config';
import { createSession, SESSION_COOKIE } from '../../src/server/auth/sessions';
import { closeDatabase, prepareDatabase } from '../../src/server/db/client';
import { users } from '../../src/server/db/tables';
import { loadDemoCatalog } from '../../src/server/demo/content';
import { demoAdmin, demoRoomDocuments, seedDemo } from '../../src/server/demo/seed';
import { loadSecretKey } from '../../src/server/security/secret-box';

async function main(): Promise<void> {
  const roomSlugs = (process.argv[2] ?? '').split(',').filter(Boolean);
  if (roomSlugs.length === 0) throw new Error('usage: engine-fixture.ts <comma-separated-room-slugs>');
  const db = await prepareDatabase();
  try {
    const everyRoom = Object.fromEntries(Object.keys(demoRoomDocuments).map((roomId) => [roomId, roomSlugs]));
    const { links } = await seedDemo(db, loadSecretKey(), loadDemoCatalog(config.contentDir), new Date(), everyRoom);
    const [admin] = await db.select({ id: users.id }).from(users).where(eq(users.email, demoAdmin.email)).limit(1);
    if (!admin) throw new Error('the demo seeder made no admin');
    const { token } = await createSession(db, admin.id);
    const active = links.filter((l) => l.state === 'active').map((l) => ({ token: l.path.replace(/^\/r\//, ''), roomDocuments: roomSlugs }));
    if (active.length === 0) throw new Error('the demo seeder returned no active link');
    // The hot demo deal: the timeline with the most on it.
    console.log(JSON.stringify({ links: active, sessionCookie: `${SESSION_COOKIE}=${token}`, opportunityId: 'demo-opp-sakura' }));
  } finally {
    await closeDatabase(db);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});

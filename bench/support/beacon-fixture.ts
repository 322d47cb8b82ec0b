// Benchmark fixture, run with tsx by bench/beacons.mjs (never by the app). Two commands, each prints
// one JSON line:
//   tsx bench/support/beacon-fixture.ts links <database-path>
//     The active prospect links of a database seeded by bench/support/prepare-db.ts, through the
//     project's own (idempotent) demo seeder, which re-reveals existing links' tokens:
//     { links: [{ token, roomDocuments: [slug, ...] }] }
//   tsx bench/support/beacon-fixture.ts capture <scratch-database-path> <token> <view-id>
//     Applies one heartbeat to that view with the project's own activeLinkScope + recordHeartbeat
//     while recording every SQL statement drizzle prepares, so the raw node:http baseline can check
//     that it runs exactly the same statements. Writes to the database: give it a throwaway copy.
//     { statements: [sql, ...], result }
import { openDatabase } from '../../src/server/db/client';
import { config } from '../../src/server/config';
import { loadDemoCatalog } from '../../src/server/demo/content';
import { seedDemo } from '../../src/server/demo/seed';
import { loadSecretKey } from '../../src/server/security/secret-box';
import { heartbeatPayload } from '../../src/server/tracking/beacon-payloads';
import { recordHeartbeat } from '../../src/server/tracking/ingest';
import { activeLinkScope } from '../../src/server/tracking/link-scope';
import { recordPreparedSql } from './record-sql';

async function links(databasePath: string): Promise<void> {
  const db = openDatabase(databasePath);
  const rows = db.$client.prepare('select room_id as roomId, document_slug as slug from room_documents order by room_id, position').all() as { roomId: string; slug: string }[];
  const byRoom = new Map<string, string[]>();
  for (const r of rows) byRoom.set(r.roomId, [...(byRoom.get(r.roomId) ?? []), r.slug]);
  // The rooms exist already, so the seeder leaves them alone and only reveals the links again.
  const demo = await seedDemo(db, loadSecretKey(), loadDemoCatalog(config.contentDir));
  const result = [];
  for (const link of demo.links.filter((l) => l.state === 'active')) {
    const token = link.path.replace(/^\/r\//, '');
    const room = db.$client.prepare('select room_id as roomId from access_links where id = ?').get(token.split('.')[0]) as { roomId: string } | undefined;
    if (!room) throw new Error(`link ${token.split('.')[0]} is not in the database`);
    result.push({ token, roomDocuments: byRoom.get(room.roomId) ?? [] });
  }
  if (result.length === 0) throw new Error('the demo seeder returned no active link');
  db.$client.close();
  console.log(JSON.stringify({ links: result }));
}

async function capture(databasePath: string, token: string, viewId: string): Promise<void> {
  const db = openDatabase(databasePath);
  const view = db.$client.prepare('select started_at as startedAt, section_seconds as sections from document_views where id = ?').get(viewId) as { startedAt: number; sections: string } | undefined;
  if (!view) throw new Error(`no view ${viewId}`);
  // An hour after the view started, well inside the link's life: nothing is clamped.
  const now = new Date(view.startedAt + 60 * 60 * 1000);
  const [section] = Object.keys(JSON.parse(view.sections) as Record<string, number>);
  const beacon = heartbeatPayload.parse({ seq: 999_999, activeSeconds: 600, maxScrollPercent: 95, sections: section ? { [section]: 300 } : {} });
  const { statements, result } = await recordPreparedSql(db.$client, async () => {
    const scope = await activeLinkScope(db, token, now);
    if (!scope) throw new Error('the link is not active');
    return await recordHeartbeat(db, scope, viewId, beacon, now);
  });
  if (result !== 'applied') throw new Error(`the probe heartbeat was not applied: ${result}`);
  db.$client.close();
  console.log(JSON.stringify({ statements, result }));
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'links' && args.length === 1) return links(args[0]!);
  if (command === 'capture' && args.length === 3) return capture(args[0]!, args[1]!, args[2]!);
  throw new Error('usage: beacon-fixture.ts links <db> | capture <db> <token> <view-id>');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});

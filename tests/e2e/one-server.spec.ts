// The server is assembled once (docs/adr/0016): Astro builds Ringi's server with the pages, so the
// built server holds ONE connection to its database, and `npm run dev` runs the same request pipeline
// in front of Astro's dev server: reading beacons, the request guard and the pages. Each case runs on
// a server of its own (support/second-server.ts).
import fs from 'node:fs';
import { expect, test } from './support/fixtures';
import { humanUserAgent } from './support/human';
import { startSecondServer, type SecondServer } from './support/second-server';
import { openTrackingDb } from './support/tracking-db';

/** How many of `pid`'s open files are `file` itself (better-sqlite3 holds one per connection, besides -wal and -shm). */
function openHandles(pid: number, file: string): number {
  const real = fs.realpathSync(file);
  return fs.readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === real;
    } catch {
      return false; // closed meanwhile
    }
  }).length;
}

/** A reader's view start and one beacon, as ReadingTracker.astro sends them. */
async function readOnce(server: SecondServer, token: string): Promise<{ start: Response; beacon: Response; viewId: string }> {
  const headers = { 'content-type': 'application/json', 'user-agent': humanUserAgent(), 'sec-fetch-site': 'same-origin' };
  const start = await fetch(`${server.baseURL}/r/${token}/views`, { method: 'POST', headers, body: JSON.stringify({ slug: 'pricing', input: 'wheel' }) });
  const { viewId, beaconPath } = (await start.clone().json()) as { viewId: string; beaconPath: string };
  const beacon = await fetch(server.baseURL + beaconPath, { method: 'POST', headers, body: JSON.stringify({ seq: 1, activeSeconds: 0, maxScrollPercent: 42 }) });
  return { start, beacon, viewId };
}

test.describe('the built server', () => {
  let server: SecondServer;
  test.beforeAll(async () => {
    server = await startSecondServer({});
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  test('pages, beacons and background jobs share one database connection', async () => {
    const token = server.fixtures.tokens.jaActive;
    // The page (Astro), a template fill (the pipeline) and a beacon (the pipeline) have all used the database.
    for (const path of [`/r/${token}/d/pricing?via=astro`, `/r/${token}/d/pricing`]) {
      expect((await fetch(server.baseURL + path, { headers: { 'user-agent': humanUserAgent() } })).status).toBe(200);
    }
    const { beacon } = await readOnce(server, token);
    expect(beacon.status).toBe(204);
    expect(openHandles(server.pid, server.databasePath)).toBe(1);
  });
});

test.describe('npm run dev', () => {
  let server: SecondServer;
  test.beforeAll(async () => {
    test.setTimeout(180_000);
    server = await startSecondServer({ NODE_ENV: 'development' }, { serve: 'dev', timeoutMs: 150_000 });
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  test('serves reading beacons through the same pipeline, and the pages', async () => {
    test.setTimeout(120_000); // the dev server compiles each page on its first request
    const token = server.fixtures.tokens.jaActive;
    const room = await fetch(`${server.baseURL}/r/${token}`, { headers: { 'user-agent': humanUserAgent() } });
    expect(room.status).toBe(200);
    expect(room.headers.get('referrer-policy')).toBe('no-referrer');

    const { start, beacon, viewId } = await readOnce(server, token);
    expect(start.status).toBe(201);
    expect(beacon.status).toBe(204); // Astro's dev server alone has no such route: 404
    const db = openTrackingDb(server.databasePath);
    try {
      const [view] = db.all<{ last_sequence: number; max_scroll_percent: number }>('SELECT last_sequence, max_scroll_percent FROM document_views WHERE id = ?', viewId);
      expect(view).toEqual({ last_sequence: 1, max_scroll_percent: 42 });
    } finally {
      db.close();
    }

    // The request guard runs in dev too: an unknown method never reaches Astro.
    const propfind = await fetch(`${server.baseURL}/`, { method: 'PROPFIND' });
    expect(propfind.status).toBe(501);
  });
});

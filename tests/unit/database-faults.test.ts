// Database faults (src/server/db/faults.ts, client.ts): a full database (SQLITE_FULL, made here with
// PRAGMA max_page_count on the server's own connection) turns beacons into 503 with Retry-After and
// the JSON error shape, logged once a minute, while prospect rooms still load; a read-only database
// file stops start-up with a clear message.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { authSessions, documentViews, linkEvents, users } from '../../src/server/db/tables';
import { openDatabase } from '../../src/server/db/client';
import { answerStorageFull, FaultLog, isStorageFull } from '../../src/server/db/faults';
import { handleBeacon } from '../../src/server/http/beacon-endpoint';
import { loadProspectRoom } from '../../src/server/rooms/prospect-room';
import { startView } from '../../src/server/tracking/ingest';
import { createSession, validateSession } from '../../src/server/auth/sessions';
import { useBeaconServer } from './support/beacon-server';
import { useTempDatabase } from './support/temp-db';
import { seedTrackingFixture } from './support/tracking-fixture';

describe('a full database', async () => {
  const db = useTempDatabase();
  const world = await seedTrackingFixture(db);
  const view = await startView(db, { scope: world.yamada.scope, documentSlug: 'pricing', sectionIds: ['plans'], deviceId: 'a'.repeat(26), deviceLabel: '', networkHash: null, now: new Date(Date.now() - 60_000) });
  const logged: string[] = [];
  const faults = new FaultLog('database full', (line) => logged.push(line));
  let clock = Date.now();
  const server = useBeaconServer((req, res, target) => handleBeacon(db, req, res, target, () => new Date(clock), faults));

  const stored = async () => (await db.select().from(documentViews).where(eq(documentViews.id, view.viewId)).limit(1))[0]!;
  const beacon = (seq: number) =>
    fetch(`${server.base()}/r/${world.yamada.token}/views/${view.viewId}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ seq, activeSeconds: seq * 10, maxScrollPercent: 50, sections: { plans: seq * 5 }, printed: true }),
    });

  /**
   * Caps the file a little above its size and fills it: first a filler table, then link_events (the
   * table a "printed" beacon appends to) until SQLite can allocate no page. The next beacon that
   * must add a row then fails with SQLITE_FULL, exactly as on a full disk.
   */
  async function fill(): Promise<void> {
    db.$client.exec('create table filler (pad blob)');
    db.$client.pragma(`max_page_count = ${(db.$client.pragma('page_count', { simple: true }) as number) + 50}`);
    const untilFull = async (write: () => unknown) => {
      try {
        for (;;) await write();
      } catch (error) {
        expect(isStorageFull(error), String(error)).toBe(true);
      }
    };
    const filler = db.$client.prepare('insert into filler values (zeroblob(4000))');
    await untilFull(() => filler.run());
    await untilFull(() => db.insert(linkEvents).values({ ...world.yamada.scope, kind: 'download', detail: 'filler.pdf', occurredAt: new Date(0) }));
  }

  it('answers beacons with 503, Retry-After and the JSON error shape, stores nothing, and logs once a minute', async () => {
    const before = await stored();
    await fill();

    for (let seq = 2; seq <= 6; seq++) {
      const response = await beacon(seq);
      expect(response.status, `beacon ${seq}`).toBe(503);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await response.json()).toEqual({ error: { code: 'unavailable', message: expect.any(String) } });
    }
    expect(await stored()).toEqual(before);
    expect(logged).toEqual(['database full (1 time since the last report)']);
    clock += 60_000;
    expect((await beacon(7)).status).toBe(503);
    expect(logged).toEqual(['database full (1 time since the last report)', 'database full (5 times since the last report)']);

    // Prospect rooms are still read and served.
    expect((await loadProspectRoom(db, world.yamada.token)).status).toBe('active');

    // Space comes back: the next beacon (with the script's running totals) is stored.
    db.$client.exec('drop table filler');
    expect((await beacon(8)).status).toBe(204);
    expect(await stored()).toMatchObject({ activeSeconds: 80, lastSequence: 8 });
    expect((await db.select().from(linkEvents).where(eq(linkEvents.viewId, view.viewId))).map((e) => e.kind)).toEqual(['print']);
  });

  it('still lets a signed-in rep read admin pages: the session keeps its old expiry instead of failing the page', async () => {
    await db.insert(users).values({ id: 'full-disk-rep', email: 'full-disk@example.com', displayName: 'Rep', role: 'rep' });
    const signedInAt = new Date(clock);
    const { token } = await createSession(db, 'full-disk-rep', signedInAt);
    const lastVerified = async () => (await db.select().from(authSessions).where(eq(authSessions.id, token.split('.')[0]!)).limit(1))[0]?.lastVerifiedAt;
    await fill();
    // Moving the expiry rewrites a row in place, which a capped file still allows; on a full disk the
    // write-ahead log cannot grow and that write fails too. This connection-local trigger makes the
    // refresh need a page, so it fails with SQLITE_FULL as it would there.
    db.$client.exec('create temp trigger session_refresh_needs_space before update on auth_sessions begin insert into filler values (zeroblob(4000)); end');
    try {
      const session = await validateSession(db, token, new Date(clock + 2 * 60 * 60 * 1000));
      expect(session).toMatchObject({ refreshed: false, user: { email: 'full-disk@example.com', role: 'rep' } });
      expect(await lastVerified()).toEqual(signedInAt);
    } finally {
      db.$client.exec('drop trigger session_refresh_needs_space');
      db.$client.exec('drop table filler');
    }
    // Space is back: the next request moves the expiry.
    expect(await validateSession(db, token, new Date(clock + 3 * 60 * 60 * 1000))).toMatchObject({ refreshed: true });
  });

  it('turns a full disk in an Astro endpoint into the same 503, and lets every other error through', async () => {
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    const answer = await answerStorageFull(async () => Promise.reject(full), faults)();
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('60');
    expect(await answer.json()).toEqual({ error: { code: 'unavailable', message: expect.any(String) } });
    await expect(answerStorageFull(async () => Promise.reject(new Error('other')), faults)()).rejects.toThrow('other');
  });
});

describe('a read-only database file', { timeout: 60_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringi-readonly-'));
  const file = path.join(dir, 'ringi.db');
  afterAll(() => {
    fs.chmodSync(dir, 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stops the start with a message naming the file, before anything is served', () => {
    openDatabase(file, path.resolve('db/migrations')).$client.close();
    // root may write to any file it can read: run the command as "nobody" then.
    const asRoot = process.getuid?.() === 0;
    fs.chmodSync(file, asRoot ? 0o644 : 0o444);
    fs.chmodSync(dir, 0o555);
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/ringi.ts', 'migrate'], {
      cwd: path.resolve('.'),
      env: { PATH: process.env.PATH, HOME: dir, DATABASE_PATH: file, RINGI_SECRET_KEY: Buffer.alloc(32, 1).toString('base64'), TSX_DISABLE_CACHE: '1' },
      encoding: 'utf8',
      timeout: 60_000,
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    expect(result.stderr).toContain(`the database ${file} cannot be written`);
    expect(result.status).not.toBe(0);
  });
});

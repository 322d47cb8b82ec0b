// `npm run ringi -- aggregates rebuild`: the one way to rebuild the dashboard's aggregates from the
// running totals (ADR 0020), e.g. after rows were written around the application.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/server/db/client';
import { accounts, documentPerformance, opportunities, opportunityEngagement, readingTotals, roomDocuments, rooms, users } from '../../src/server/db/tables';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringi-aggregates-cli-'));
const file = path.join(dir, 'ringi.db');
const db = openDatabase(file, path.resolve('db/migrations'));
afterAll(() => {
  db.$client.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/ringi.ts', ...args], {
    cwd: path.resolve('.'),
    env: { ...process.env, DATABASE_PATH: file, RINGI_SECRET_KEY: Buffer.alloc(32, 1).toString('base64') },
    encoding: 'utf8',
    timeout: 120_000,
  });

describe('aggregates rebuild', { timeout: 120_000 }, () => {
  it('fills the aggregates of rows written around the application, and refuses unknown actions', async () => {
    const at = new Date('2026-11-20T10:00:00Z');
    await db.insert(users).values({ id: 'u1', email: 'rep@example.com', displayName: '営業' });
    await db.insert(accounts).values({ id: 'a1', name: '株式会社A' });
    await db.insert(opportunities).values({ id: 'o1', accountId: 'a1', name: '商談', stage: 7, channel: 'ads', ownerUserId: 'u1' });
    await db.insert(rooms).values({ id: 'r1', opportunityId: 'o1' });
    await db.insert(roomDocuments).values([{ roomId: 'r1', documentSlug: 'pricing', position: 0 }, { roomId: 'r1', documentSlug: 'overview', position: 1 }]);
    await db.insert(readingTotals).values({ opportunityId: 'o1', accountId: 'a1', contactId: 'c1', documentSlug: 'pricing', views: 3, activeSeconds: 95, firstSeenAt: at, lastSeenAt: at });
    expect(await db.select().from(documentPerformance)).toEqual([]);

    const result = cli('aggregates', 'rebuild');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Aggregates rebuilt: 1 opportunities, 2 document table rows/);
    const [engagement] = await db.select().from(opportunityEngagement);
    expect(engagement).toMatchObject({ opportunityId: 'o1', stage: 7, channel: 'ads', ownerUserId: 'u1', documentsInRoom: 2, documentsRead: 1, contactsReading: 1, activeSeconds: 95 });
    expect(engagement!.hotKey).not.toBeNull();
    const table = await db.select().from(documentPerformance).orderBy(documentPerformance.documentSlug);
    expect(table.map((r) => [r.documentSlug, r.stage, r.views, r.rooms, r.roomsRead])).toEqual([
      ['overview', 7, 0, 1, 0],
      ['pricing', 7, 3, 1, 1],
    ]);

    const wrong = cli('aggregates', 'refresh');
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/unknown aggregates action "refresh"/);
  });
});

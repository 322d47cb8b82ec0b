// Several instances each run the Slack worker on one database: every due alert is claimed by exactly
// one of them (the conditional claim in src/server/slack/outbox.ts). On PostgreSQL, where the two
// connections below are two pools claiming side by side (one SQLite file has one writer at a time).
import { describe, expect, it } from 'vitest';
import { closeDatabase } from '../../src/server/db/client';
import { users } from '../../src/server/db/tables';
import { claimDueAlerts, enqueueAlert } from '../../src/server/slack/outbox';
import { openSecondConnection, useTempDatabase } from './support/temp-db';

const db = useTempDatabase();

describe('the Slack outbox on several instances', () => {
  it('gives each due alert to exactly one of two workers claiming at the same time', async () => {
    await db.insert(users).values({ id: 'u-rep', email: 'rep@example.com', displayName: '担当 太郎' });
    const now = new Date('2026-12-03T10:00:00Z');
    for (let i = 0; i < 60; i++) {
      expect(await enqueueAlert(db, { idempotencyKey: `digest:u-rep:${i}`, kind: 'digest', recipientUserId: 'u-rep', dueAt: new Date(now.getTime() - i) })).toBe(true);
    }
    const other = openSecondConnection(db);
    try {
      const claimed: { worker: number; ids: number[] }[] = [];
      // Each worker claims in batches of five until nothing is left, both at once.
      const worker = async (n: number, handle: typeof db | typeof other) => {
        for (;;) {
          const rows = await Promise.all([claimDueAlerts(handle, now, 5), claimDueAlerts(handle, now, 5)]);
          const ids = rows.flat().map((r) => r.id);
          if (ids.length === 0) return;
          claimed.push({ worker: n, ids });
        }
      };
      await Promise.all([worker(0, db), worker(1, other)]);
      const all = claimed.flatMap((c) => c.ids);
      expect(all).toHaveLength(60);
      expect(new Set(all).size).toBe(60);
      // Both really worked (else this proves nothing about two of them).
      expect(new Set(claimed.map((c) => c.worker)).size).toBe(2);
      // Claimed rows stay taken until their lease runs out.
      expect(await claimDueAlerts(other, new Date(now.getTime() + 1000), 100)).toEqual([]);
    } finally {
      await closeDatabase(other);
    }
  });
});

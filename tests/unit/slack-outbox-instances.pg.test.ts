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
      const all: number[] = [];
      // In lockstep: each round both workers claim twice at once, usually racing for the same rows.
      for (let round = 0; round < 100; round++) {
        const rows = await Promise.all([claimDueAlerts(db, now, 5), claimDueAlerts(other, now, 5), claimDueAlerts(db, now, 5), claimDueAlerts(other, now, 5)]);
        const ids = rows.flat().map((r) => r.id);
        if (ids.length === 0) break;
        all.push(...ids);
      }
      expect(all).toHaveLength(60);
      expect(new Set(all).size).toBe(60);
      // Claimed rows stay taken until their lease runs out.
      expect(await claimDueAlerts(other, new Date(now.getTime() + 1000), 100)).toEqual([]);
    } finally {
      await closeDatabase(other);
    }
  });
});

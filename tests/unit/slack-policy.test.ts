// The alert policy in force comes from the workspace settings, with the env override for the delay.
import { describe, expect, it } from 'vitest';
import { users } from '../../src/server/db/tables';
import { updateSettings } from '../../src/server/settings/settings';
import { alertPolicy, defaultAlertPolicy } from '../../src/server/slack/policy';
import { enqueueDueDigests } from '../../src/server/slack/worker';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();
const admin = { id: 'u-admin', role: 'admin' as const };
await db.insert(users)
  .values([
    { id: admin.id, email: 'admin@example.com', displayName: '管理者', role: 'admin' },
    { id: 'u-digest', email: 'digest@example.com', displayName: '佐藤', role: 'rep', slackAlerts: 'digest' },
  ]);

describe('alertPolicy', () => {
  it('is the defaults on a fresh workspace', async () => {
    expect(await alertPolicy(db, {})).toEqual(defaultAlertPolicy);
  });

  it('follows the settings an admin saved', async () => {
    const saved = await updateSettings(db, admin, { slackAlertDelayMinutes: '5', hotScoreThreshold: '70', longReadMinutes: '8', slackDigestTime: '08:30' }, { env: {} });
    expect(saved.ok).toBe(true);
    expect(await alertPolicy(db, {})).toMatchObject({ delayMs: 5 * 60_000, hotScoreThreshold: 70, longReadSeconds: 8 * 60, digestAtMinutes: 8 * 60 + 30 });
  });

  it('takes RINGI_SLACK_ALERT_DELAY_SECONDS over the setting, and ignores it when empty or invalid', async () => {
    expect((await alertPolicy(db, { RINGI_SLACK_ALERT_DELAY_SECONDS: '2' })).delayMs).toBe(2000);
    expect((await alertPolicy(db, { RINGI_SLACK_ALERT_DELAY_SECONDS: '' })).delayMs).toBe(5 * 60_000);
    expect((await alertPolicy(db, { RINGI_SLACK_ALERT_DELAY_SECONDS: 'soon' })).delayMs).toBe(5 * 60_000);
  });

  it('sends no digests when the workspace turned them off', async () => {
    const after = new Date('2026-11-22T00:00:00Z'); // 09:00 in Japan, past 08:30
    expect((await updateSettings(db, admin, { slackDigest: 'off' }, { env: {} })).ok).toBe(true);
    expect((await alertPolicy(db, {})).digestEnabled).toBe(false);
    expect(await enqueueDueDigests(db, after, await alertPolicy(db, {}))).toBe(0);
    expect((await updateSettings(db, admin, { slackDigest: 'daily' }, { env: {} })).ok).toBe(true);
    expect(await enqueueDueDigests(db, after, await alertPolicy(db, {}))).toBe(1);
  });
});

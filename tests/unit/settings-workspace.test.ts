// Workspace settings: defaults, validation, the logo check, sealed and masked webhooks, environment
// overrides and stage labels. Every call gets its own env object, so the developer's shell (e.g. a
// RINGI_SLACK_WEBHOOK_URL) cannot leak into the results.
import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { pipelineStages, users, workspaceSettings } from '../../src/server/db/tables';
import { parseSecretKey } from '../../src/server/security/secret-box';
import {
  defaultSettings,
  detectImageType,
  getSettings,
  getUserWebhookUrl,
  getWorkspaceWebhookUrl,
  listUserWebhooks,
  maskWebhookUrl,
  MAX_LOGO_BYTES,
  retentionFromEnv,
  slackPolicySettings,
  updateSettings,
  userWebhookKey,
  validateWebhookUrl,
  webhookUrlForRecipient,
  WORKSPACE_WEBHOOK_KEY,
} from '../../src/server/settings/settings';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();
const key = parseSecretKey(crypto.randomBytes(32).toString('base64'));
const otherKey = parseSecretKey(crypto.randomBytes(32).toString('base64'));
const env: NodeJS.ProcessEnv = {};
const opts = { key, env };

await db.insert(users)
  .values([
    { id: 'admin-1', email: 'admin@example.com', displayName: 'Admin', role: 'admin' },
    { id: 'rep-1', email: 'rep1@example.com', displayName: 'Rep One', role: 'rep' },
    { id: 'rep-2', email: 'rep2@example.com', displayName: 'Rep Two', role: 'rep' },
  ]);
const admin = { id: 'admin-1', role: 'admin' as const };
const rep = { id: 'rep-1', role: 'rep' as const };

const SLACK_URL = 'https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstWXYZ';
const SLACK_SECRET = 'abcdefghijklmnopqrstWXYZ';

const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01]);
const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x1a, 0, 0, 0]), Buffer.from('WEBPVP8L'), Buffer.alloc(14)]);

async function row(settingKey: string) {
  return (await db.select().from(workspaceSettings).where(eq(workspaceSettings.key, settingKey)).limit(1))[0];
}

describe('settings defaults', () => {
  it('fill every setting on a fresh database', async () => {
    const settings = await getSettings(db, opts);
    expect(settings).toMatchObject({
      organisationName: '',
      logoDataUrl: null,
      defaultRoomLocale: 'ja',
      defaultLinkExpiryDays: 0,
      hotScoreThreshold: 60,
      unopenedAfterDays: 3,
      longReadMinutes: 5,
      retentionDays: 365,
      slackAlertDelayMinutes: 3,
      slackDigest: 'daily',
      slackDigestTime: '09:00',
      retentionSource: 'settings',
      retentionEnvInvalid: false,
      alertDelaySecondsFromEnv: null,
      workspaceWebhook: { source: 'none', masked: null, undecryptable: false },
    });
    expect(defaultSettings.hotScoreThreshold).toBe(60);
  });

  it('fall back to the default for a stored value that no longer fits the schema', async () => {
    await db.insert(workspaceSettings).values({ key: 'hotScoreThreshold', value: '"lots"', updatedAt: new Date() });
    await db.insert(workspaceSettings).values({ key: 'unopenedAfterDays', value: 'not json', updatedAt: new Date() });
    expect(await getSettings(db, opts)).toMatchObject({ hotScoreThreshold: 60, unopenedAfterDays: 3 });
    await db.delete(workspaceSettings);
  });

  it('convert into the Slack policy', () => {
    expect(slackPolicySettings({ ...defaultSettings, slackDigest: 'daily', slackDigestTime: '08:30' })).toEqual({
      delayMs: 3 * 60_000,
      hotScoreThreshold: 60,
      longReadSeconds: 300,
      digestEnabled: true,
      digestAtMinutes: 8 * 60 + 30,
    });
  });
});

describe('updateSettings', () => {
  it('saves form strings as typed values, recording who changed them', async () => {
    const now = new Date('2026-11-22T09:00:00Z');
    const result = await updateSettings(
      db,
      admin,
      {
        organisationName: '  株式会社リンギ  ',
        defaultRoomLocale: 'en',
        defaultLinkExpiryDays: '30',
        hotScoreThreshold: '75',
        unopenedAfterDays: '５', // full-width digits are folded
        longReadMinutes: 8,
        retentionDays: '400',
        slackAlertDelayMinutes: '0',
        slackDigest: 'daily',
        slackDigestTime: '18:45',
      },
      { ...opts, now },
    );
    expect(result.ok).toBe(true);
    expect(await getSettings(db, opts)).toMatchObject({
      organisationName: '株式会社リンギ',
      defaultRoomLocale: 'en',
      defaultLinkExpiryDays: 30,
      hotScoreThreshold: 75,
      unopenedAfterDays: 5,
      longReadMinutes: 8,
      retentionDays: 400,
      slackAlertDelayMinutes: 0,
      slackDigest: 'daily',
      slackDigestTime: '18:45',
    });
    expect(await row('hotScoreThreshold')).toMatchObject({ value: '75', updatedByUserId: 'admin-1', updatedAt: now });
  });

  it('refuses bad numbers with one code per field, and saves nothing when any field is wrong', async () => {
    const result = await updateSettings(
      db,
      admin,
      {
        organisationName: 'Changed',
        hotScoreThreshold: '0',
        unopenedAfterDays: 'abc',
        longReadMinutes: '1.5',
        retentionDays: '29',
        defaultLinkExpiryDays: '-1',
        slackAlertDelayMinutes: '',
        defaultRoomLocale: 'fr',
        slackDigest: 'weekly',
        slackDigestTime: '25:00',
      },
      opts,
    );
    expect(result).toEqual({
      ok: false,
      reason: 'invalid',
      fieldErrors: {
        hotScoreThreshold: 'outOfRange',
        unopenedAfterDays: 'notInteger',
        longReadMinutes: 'notInteger',
        retentionDays: 'outOfRange',
        defaultLinkExpiryDays: 'outOfRange',
        slackAlertDelayMinutes: 'required',
        defaultRoomLocale: 'invalidChoice',
        slackDigest: 'invalidChoice',
        slackDigestTime: 'invalidTime',
      },
    });
    expect((await getSettings(db, opts)).organisationName).toBe('株式会社リンギ');
    expect(await updateSettings(db, admin, { hotScoreThreshold: '101', retentionDays: '3651' }, opts)).toMatchObject({
      fieldErrors: { hotScoreThreshold: 'outOfRange', retentionDays: 'outOfRange' },
    });
    expect(await updateSettings(db, admin, { organisationName: 'x'.repeat(101) }, opts)).toMatchObject({ fieldErrors: { organisationName: 'tooLong' } });
  });

  it('accepts the bounds and a cleared organisation name', async () => {
    expect((await updateSettings(db, admin, { hotScoreThreshold: '1', retentionDays: '30', organisationName: '' }, opts)).ok).toBe(true);
    expect((await updateSettings(db, admin, { hotScoreThreshold: 100, retentionDays: 3650 }, opts)).ok).toBe(true);
    expect(await getSettings(db, opts)).toMatchObject({ hotScoreThreshold: 100, retentionDays: 3650, organisationName: '' });
  });

  it('is for admins only', async () => {
    expect(await updateSettings(db, rep, { organisationName: 'Rep Corp' }, opts)).toEqual({ ok: false, reason: 'forbidden' });
    expect((await getSettings(db, opts)).organisationName).toBe('');
  });
});

describe('logo', () => {
  it('recognises PNG, JPEG and WebP by their magic bytes only', () => {
    expect(detectImageType(png)).toBe('image/png');
    expect(detectImageType(jpeg)).toBe('image/jpeg');
    expect(detectImageType(webp)).toBe('image/webp');
    expect(detectImageType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'))).toBeNull();
    expect(detectImageType(Buffer.from('GIF89a'))).toBeNull();
    expect(detectImageType(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toBeNull();
  });

  it('is stored as a data: URL of the detected type', async () => {
    expect((await updateSettings(db, admin, { logo: new Uint8Array(png) }, opts)).ok).toBe(true);
    expect((await getSettings(db, opts)).logoDataUrl).toBe(`data:image/png;base64,${png.toString('base64')}`);
    expect((await updateSettings(db, admin, { logo: new Uint8Array(webp) }, opts)).ok).toBe(true);
    expect((await getSettings(db, opts)).logoDataUrl).toMatch(/^data:image\/webp;base64,/);
  });

  it('refuses a fake image, an empty file and one over 200 KB, keeping the current logo', async () => {
    const before = (await getSettings(db, opts)).logoDataUrl;
    const fake = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>');
    expect(await updateSettings(db, admin, { logo: new Uint8Array(fake) }, opts)).toMatchObject({ fieldErrors: { logo: 'logoType' } });
    expect(await updateSettings(db, admin, { logo: new Uint8Array(0) }, opts)).toMatchObject({ fieldErrors: { logo: 'logoEmpty' } });
    const oversize = Buffer.concat([png, Buffer.alloc(MAX_LOGO_BYTES - png.length + 1)]);
    expect(await updateSettings(db, admin, { logo: new Uint8Array(oversize) }, opts)).toMatchObject({ fieldErrors: { logo: 'logoTooLarge' } });
    const justFits = Buffer.concat([png, Buffer.alloc(MAX_LOGO_BYTES - png.length)]);
    expect((await updateSettings(db, admin, { logo: new Uint8Array(justFits) }, opts)).ok).toBe(true);
    expect((await getSettings(db, opts)).logoDataUrl).toMatch(/^data:image\/png;base64,/);
    expect((await getSettings(db, opts)).logoDataUrl).not.toBe(before);
  });

  it('can be removed', async () => {
    expect((await updateSettings(db, admin, { logo: null }, opts)).ok).toBe(true);
    expect((await getSettings(db, opts)).logoDataUrl).toBeNull();
  });
});

describe('webhook URLs', () => {
  it('must have the Slack incoming-webhook shape', () => {
    expect(validateWebhookUrl(SLACK_URL, env)).toEqual({ ok: true, url: SLACK_URL });
    expect(validateWebhookUrl(`  ${SLACK_URL}\n`, env)).toEqual({ ok: true, url: SLACK_URL });
    for (const bad of [
      'http://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstWXYZ',
      'https://hooks.slack.com.evil.example/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstWXYZ',
      'https://evil.example/?https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstWXYZ',
      'https://hooks.slack.com/services/T0123ABCD/B0456EFGH',
      'https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abc def',
      'https://user@hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstWXYZ',
      'https://example.com/hook',
      'javascript:alert(1)',
      'not a url',
    ]) {
      expect(validateWebhookUrl(bad, env), bad).toMatchObject({ ok: false, code: 'webhookInvalid' });
    }
    expect(validateWebhookUrl('   ', env)).toEqual({ ok: false, code: 'required' });
  });

  it('may point at 127.0.0.1 only when RINGI_ALLOW_LOOPBACK_WEBHOOKS=1', async () => {
    const loopback = 'http://127.0.0.1:4555/slack/hook';
    expect(validateWebhookUrl(loopback, {})).toEqual({ ok: false, code: 'webhookLoopback' });
    expect(validateWebhookUrl(loopback, { RINGI_ALLOW_LOOPBACK_WEBHOOKS: 'true' })).toEqual({ ok: false, code: 'webhookLoopback' });
    expect(validateWebhookUrl(loopback, { RINGI_ALLOW_LOOPBACK_WEBHOOKS: '1' })).toEqual({ ok: true, url: loopback });
    // Only the literal loopback address with an explicit port: no other host, no credentials.
    for (const bad of ['http://127.0.0.1/slack', 'http://localhost:4555/slack', 'http://10.0.0.1:4555/slack', 'http://u:p@127.0.0.1:4555/slack', 'http://127.0.0.1.evil.example:4555/x']) {
      expect(validateWebhookUrl(bad, { RINGI_ALLOW_LOOPBACK_WEBHOOKS: '1' }).ok, bad).toBe(false);
    }
    expect(await updateSettings(db, admin, { workspaceWebhookUrl: loopback }, opts)).toMatchObject({ fieldErrors: { workspaceWebhookUrl: 'webhookLoopback' } });
  });

  it('are masked to the team prefix and the last four characters', () => {
    expect(maskWebhookUrl(SLACK_URL)).toBe('https://hooks.slack.com/services/T0…/…WXYZ');
    expect(maskWebhookUrl('http://127.0.0.1:4555/slack/hook-abcdef')).toBe('http://127.0.0.1:4555/…cdef');
    expect(maskWebhookUrl('junk')).toBe('…');
    expect(maskWebhookUrl(SLACK_URL)).not.toContain(SLACK_SECRET);
  });

  it('are stored sealed: the raw URL is nowhere in the row, and it opens only under the right key and setting', async () => {
    expect((await updateSettings(db, admin, { workspaceWebhookUrl: SLACK_URL }, opts)).ok).toBe(true);
    const stored = (await row(WORKSPACE_WEBHOOK_KEY))!;
    expect(stored.value).not.toContain(SLACK_SECRET);
    expect(stored.value).not.toContain('hooks.slack.com');
    expect(JSON.stringify(db.$client.prepare('select * from workspace_settings').all())).not.toContain(SLACK_SECRET);
    expect(await getWorkspaceWebhookUrl(db, opts)).toBe(SLACK_URL);
    expect((await getSettings(db, opts)).workspaceWebhook).toEqual({ source: 'stored', masked: 'https://hooks.slack.com/services/T0…/…WXYZ', undecryptable: false });
    // Under another server key it cannot be opened: the page asks for a replacement.
    expect(await getWorkspaceWebhookUrl(db, { key: otherKey, env })).toBeNull();
    expect((await getSettings(db, { key: otherKey, env })).workspaceWebhook).toMatchObject({ source: 'stored', masked: null, undecryptable: true });
    // Sealed for its setting key: copied to a rep's key it does not open.
    await db.insert(workspaceSettings).values({ key: userWebhookKey('rep-2'), value: stored.value, updatedAt: new Date() });
    expect(await getUserWebhookUrl(db, 'rep-2', opts)).toBeNull();
    await db.delete(workspaceSettings).where(eq(workspaceSettings.key, userWebhookKey('rep-2')));
  });

  it('can be replaced and removed', async () => {
    const replacement = 'https://hooks.slack.com/services/T0999ZZZZ/B0999ZZZZ/zzzzzzzzzzzzzzzzzzzz1234';
    expect((await updateSettings(db, admin, { workspaceWebhookUrl: replacement }, opts)).ok).toBe(true);
    expect(await getWorkspaceWebhookUrl(db, opts)).toBe(replacement);
    expect((await updateSettings(db, admin, { workspaceWebhookUrl: null }, opts)).ok).toBe(true);
    expect(await getWorkspaceWebhookUrl(db, opts)).toBeNull();
    expect((await getSettings(db, opts)).workspaceWebhook.source).toBe('none');
  });

  it('per rep: theirs first, else the workspace one', async () => {
    const repHook = 'https://hooks.slack.com/services/T0123ABCD/B0REP0001/repsecretrepsecret0001';
    expect((await updateSettings(db, admin, { workspaceWebhookUrl: SLACK_URL, userWebhooks: { 'rep-1': repHook } }, opts)).ok).toBe(true);
    expect((await row(userWebhookKey('rep-1')))!.value).not.toContain('repsecretrepsecret0001');
    expect(await webhookUrlForRecipient(db, 'rep-1', opts)).toBe(repHook);
    expect(await webhookUrlForRecipient(db, 'rep-2', opts)).toBe(SLACK_URL);
    expect(await webhookUrlForRecipient(db, null, opts)).toBe(SLACK_URL);
    expect(await listUserWebhooks(db, opts)).toEqual([
      { userId: 'rep-1', displayName: 'Rep One', email: 'rep1@example.com', deactivated: false, masked: 'https://hooks.slack.com/services/T0…/…0001', undecryptable: false },
    ]);
    expect(await updateSettings(db, admin, { userWebhooks: { nobody: repHook } }, opts)).toMatchObject({ fieldErrors: { 'userWebhooks.nobody': 'unknownUser' } });
    expect(await updateSettings(db, admin, { userWebhooks: { 'rep-2': 'https://example.com/x' } }, opts)).toMatchObject({ fieldErrors: { 'userWebhooks.rep-2': 'webhookInvalid' } });
    expect((await updateSettings(db, admin, { userWebhooks: { 'rep-1': null } }, opts)).ok).toBe(true);
    expect(await webhookUrlForRecipient(db, 'rep-1', opts)).toBe(SLACK_URL);
    expect(await listUserWebhooks(db, opts)).toEqual([]);
  });
});

describe('environment overrides', () => {
  it('RINGI_SLACK_WEBHOOK_URL wins over the stored webhook and is shown masked as configured by environment', async () => {
    const envUrl = 'https://hooks.slack.com/services/TENV12345/BENV12345/envsecretenvsecret9876';
    const withEnv = { key, env: { RINGI_SLACK_WEBHOOK_URL: envUrl } };
    expect(await getWorkspaceWebhookUrl(db, opts)).toBe(SLACK_URL);
    expect(await getWorkspaceWebhookUrl(db, withEnv)).toBe(envUrl);
    expect(await webhookUrlForRecipient(db, 'rep-2', withEnv)).toBe(envUrl);
    expect((await getSettings(db, withEnv)).workspaceWebhook).toEqual({ source: 'env', masked: 'https://hooks.slack.com/services/TE…/…9876', undecryptable: false });
    // An empty variable (as the end-to-end setup has) means unset.
    expect(await getWorkspaceWebhookUrl(db, { key, env: { RINGI_SLACK_WEBHOOK_URL: '' } })).toBe(SLACK_URL);
  });

  it('RINGI_RETENTION_DAYS overrides and locks the retention', async () => {
    const locked = { key, env: { RINGI_RETENTION_DAYS: '90' } };
    expect(retentionFromEnv(locked.env)).toEqual({ days: 90 });
    expect(await getSettings(db, locked)).toMatchObject({ retentionDays: 90, retentionSource: 'env', retentionEnvInvalid: false });
    expect(await updateSettings(db, admin, { retentionDays: '120' }, locked)).toMatchObject({ fieldErrors: { retentionDays: 'lockedByEnv' } });
    // Other settings still save while retention is locked.
    expect((await updateSettings(db, admin, { hotScoreThreshold: '70' }, locked)).ok).toBe(true);
  });

  it('says when RINGI_SLACK_ALERT_DELAY_SECONDS overrides the alert delay', async () => {
    expect(await getSettings(db, { key, env: { RINGI_SLACK_ALERT_DELAY_SECONDS: '5' } })).toMatchObject({ slackAlertDelayMinutes: (await getSettings(db, opts)).slackAlertDelayMinutes, alertDelaySecondsFromEnv: 5 });
    for (const value of ['', 'soon', '-1']) expect((await getSettings(db, { key, env: { RINGI_SLACK_ALERT_DELAY_SECONDS: value } })).alertDelaySecondsFromEnv).toBeNull();
  });

  it('ignores an invalid RINGI_RETENTION_DAYS, and says so', async () => {
    for (const value of ['10', 'forever', '1.5']) {
      const invalid = { key, env: { RINGI_RETENTION_DAYS: value } };
      expect(retentionFromEnv(invalid.env)).toEqual({ invalid: true });
      expect(await getSettings(db, invalid)).toMatchObject({ retentionSource: 'settings', retentionEnvInvalid: true, retentionDays: (await getSettings(db, opts)).retentionDays });
    }
    expect(retentionFromEnv({ RINGI_RETENTION_DAYS: '' })).toBeNull();
  });
});

describe('stage labels', () => {
  it('rename the Japanese and English labels; numbers and outcomes stay', async () => {
    const result = await updateSettings(db, admin, { stageLabels: [{ number: 3, labelJa: ' 提案・見積 ', labelEn: 'Proposal & quote' }] }, opts);
    expect(result.ok).toBe(true);
    expect((await db.select().from(pipelineStages).where(eq(pipelineStages.number, 3)).limit(1))[0]).toEqual({
      number: 3,
      labelJa: '提案・見積',
      labelEn: 'Proposal & quote',
      outcome: 'open',
    });
  });

  it('refuse blank, overlong and unknown stages', async () => {
    const result = await updateSettings(
      db,
      admin,
      {
        stageLabels: [
          { number: 1, labelJa: '', labelEn: 'Prospecting' },
          { number: 2, labelJa: 'ニーズ把握', labelEn: 'x'.repeat(41) },
          { number: 99, labelJa: '謎', labelEn: 'Mystery' },
        ],
      },
      opts,
    );
    expect(result).toEqual({ ok: false, reason: 'invalid', fieldErrors: { 'stage.1.labelJa': 'required', 'stage.2.labelEn': 'tooLong', 'stage.99': 'unknownStage' } });
    expect((await db.select().from(pipelineStages).where(eq(pipelineStages.number, 1)).limit(1))[0]?.labelJa).toBe('アプローチ');
  });
});

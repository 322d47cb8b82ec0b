// Typed workspace settings over the workspace_settings table (one row per key, the value JSON).
// One zod schema gives every value its type, range and default; Slack webhook URLs are secrets and
// are stored sealed (AES-256-GCM under the server key, bound to their setting key), never logged, and
// only ever shown masked. Stage labels live in pipeline_stages and are edited here too.
import { eq, like } from 'drizzle-orm';
import { z } from 'zod';
import { locales, pipelineStages, users, workspaceSettings } from '../db/tables';
import { canManageWorkspace, type Actor } from '../auth/permissions';
import type { Queryable, RingiDb } from '../db/client';
import { choice } from '../form-fields';
import type { Invalid, Refused, Result } from '../result';
import { loadSecretKey, openSecret, sealSecret, type SecretKey } from '../security/secret-box';

export type { Actor };

/** Why a field was refused; pages translate `error.<code>` from ./messages.ts. */
export const settingsErrorCodes = [
  'required',
  'tooLong',
  'notInteger',
  'outOfRange',
  'invalidChoice',
  'invalidTime',
  'logoEmpty',
  'logoTooLarge',
  'logoType',
  'webhookInvalid',
  'webhookLoopback',
  'lockedByEnv',
  'unknownUser',
  'unknownStage',
] as const;
export type SettingsErrorCode = (typeof settingsErrorCodes)[number];
export type SettingsFieldErrors = Record<string, SettingsErrorCode>;

/** Inclusive bounds of every number setting (pages show them next to the inputs). */
export const settingsLimits = {
  defaultLinkExpiryDays: { min: 0, max: 365 },
  hotScoreThreshold: { min: 1, max: 100 },
  unopenedAfterDays: { min: 1, max: 90 },
  longReadMinutes: { min: 1, max: 60 },
  retentionDays: { min: 30, max: 3650 },
  slackAlertDelayMinutes: { min: 0, max: 60 },
} as const;

export const MAX_LOGO_BYTES = 200 * 1024;
export const MAX_ORGANISATION_NAME = 100;
export const MAX_STAGE_LABEL = 40;
export const digestModes = ['off', 'daily'] as const;

/** A whole number in range; form strings ("60") are accepted, anything else is notInteger. */
const integerIn = ({ min, max }: { min: number; max: number }) =>
  z.preprocess(
    (value) => {
      if (typeof value !== 'string') return value;
      const trimmed = value.normalize('NFKC').trim();
      if (trimmed === '') return undefined;
      return /^-?\d{1,9}$/.test(trimmed) ? Number(trimmed) : Number.NaN;
    },
    z
      .number({ required_error: 'required', invalid_type_error: 'notInteger' })
      .int('notInteger')
      .min(min, 'outOfRange')
      .max(max, 'outOfRange'),
  );

const LOGO_DATA_URL = /^data:image\/(?:png|jpeg|webp);base64,[A-Za-z0-9+/]+={0,2}$/;

/** The one schema of the workspace settings, with their defaults. Each key is one row. */
export const settingsSchema = z.object({
  organisationName: z.string({ invalid_type_error: 'required' }).trim().max(MAX_ORGANISATION_NAME, 'tooLong').default(''),
  /** An uploaded PNG/JPEG/WebP as a data: URL (the admin and prospect CSPs allow img-src data:). */
  logoDataUrl: z.string().max(Math.ceil((MAX_LOGO_BYTES * 4) / 3) + 64).regex(LOGO_DATA_URL).nullable().default(null),
  defaultRoomLocale: choice(locales).default('ja'),
  /** 0 = links and rooms do not expire by default. */
  defaultLinkExpiryDays: integerIn(settingsLimits.defaultLinkExpiryDays).default(0),
  hotScoreThreshold: integerIn(settingsLimits.hotScoreThreshold).default(60),
  /** Rooms shared but unopened for this many days are listed on the dashboard. */
  unopenedAfterDays: integerIn(settingsLimits.unopenedAfterDays).default(3),
  /** Reading a pricing or security sheet this long in one view is a hot signal. */
  longReadMinutes: integerIn(settingsLimits.longReadMinutes).default(5),
  /** Raw visits and views older than this are purged; RINGI_RETENTION_DAYS overrides it. */
  retentionDays: integerIn(settingsLimits.retentionDays).default(365),
  /** The coalescing delay of the first Slack alert of a visit. */
  slackAlertDelayMinutes: integerIn(settingsLimits.slackAlertDelayMinutes).default(3),
  /** Whether reps who chose the digest get it; on by default so choosing it in /admin/account just works. */
  slackDigest: choice(digestModes).default('daily'),
  /** HH:MM in the workspace time zone (RINGI_TIME_ZONE). */
  slackDigestTime: z
    .string({ invalid_type_error: 'invalidTime' })
    .trim()
    .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'invalidTime')
    .default('09:00'),
});
export type SettingsValues = z.output<typeof settingsSchema>;
export type SettingKey = keyof SettingsValues;
const settingKeys = Object.keys(settingsSchema.shape) as SettingKey[];

export const defaultSettings: Readonly<SettingsValues> = Object.freeze(settingsSchema.parse({}));

// --- Webhooks ----------------------------------------------------------------------------------

export const WORKSPACE_WEBHOOK_KEY = 'slack.workspaceWebhook';
const USER_WEBHOOK_PREFIX = 'slack.userWebhook:';
export const userWebhookKey = (userId: string) => `${USER_WEBHOOK_PREFIX}${userId}`;

const SLACK_WEBHOOK = /^https:\/\/hooks\.slack\.com\/services\/([A-Z0-9]{6,20})\/([A-Z0-9]{6,20})\/([A-Za-z0-9]{16,64})$/;
const MAX_WEBHOOK_LENGTH = 300;

function loopbackAllowed(env: NodeJS.ProcessEnv): boolean {
  return env.RINGI_ALLOW_LOOPBACK_WEBHOOKS === '1';
}

/** An http://127.0.0.1:<port>/… address: a local stand-in for Slack in tests. */
function isLoopbackWebhook(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === 'http:' &&
    parsed.hostname === '127.0.0.1' &&
    parsed.port !== '' &&
    parsed.username === '' &&
    parsed.password === '' &&
    url.startsWith(`http://127.0.0.1:${parsed.port}/`)
  );
}

/**
 * A Slack incoming-webhook URL (https://hooks.slack.com/services/T…/B…/…), or, only when
 * RINGI_ALLOW_LOOPBACK_WEBHOOKS=1, a loopback stand-in. Errors never repeat the URL.
 */
export function validateWebhookUrl(
  input: string,
  env: NodeJS.ProcessEnv = process.env,
): { ok: true; url: string } | { ok: false; code: 'required' | 'webhookInvalid' | 'webhookLoopback' } {
  const url = input.trim();
  if (url === '') return { ok: false, code: 'required' };
  if (url.length > MAX_WEBHOOK_LENGTH || /\s/.test(url)) return { ok: false, code: 'webhookInvalid' };
  if (SLACK_WEBHOOK.test(url)) return { ok: true, url };
  if (isLoopbackWebhook(url)) return loopbackAllowed(env) ? { ok: true, url } : { ok: false, code: 'webhookLoopback' };
  return { ok: false, code: 'webhookInvalid' };
}

/** What the UI shows of a webhook: `https://hooks.slack.com/services/T0…/…abcd`. Never the secret. */
export function maskWebhookUrl(url: string): string {
  const slack = SLACK_WEBHOOK.exec(url);
  if (slack) return `https://hooks.slack.com/services/${slack[1]!.slice(0, 2)}…/…${slack[3]!.slice(-4)}`;
  try {
    const parsed = new URL(url);
    const tail = parsed.pathname.replace(/\/+$/, '');
    const last4 = tail.length > 8 ? tail.slice(-4) : '';
    return `${parsed.protocol}//${parsed.host}/…${last4}`;
  } catch {
    return '…';
  }
}

export interface WebhookStatus {
  /** env: RINGI_SLACK_WEBHOOK_URL is set and wins; stored: sealed in the settings; none. */
  source: 'env' | 'stored' | 'none';
  masked: string | null;
  /** A stored webhook that the current server key cannot open (the key changed): replace it. */
  undecryptable: boolean;
}

function envWebhook(env: NodeJS.ProcessEnv): string | null {
  const value = env.RINGI_SLACK_WEBHOOK_URL?.trim();
  return value ? value : null;
}

interface SealedValue {
  sealed: string;
}

async function readSealed(db: Queryable, key: string, secretKey: SecretKey): Promise<{ url: string | null; present: boolean }> {
  const [row] = await db.select({ value: workspaceSettings.value }).from(workspaceSettings).where(eq(workspaceSettings.key, key)).limit(1);
  if (!row) return { url: null, present: false };
  let sealed: unknown;
  try {
    sealed = (JSON.parse(row.value) as Partial<SealedValue>).sealed;
  } catch {
    sealed = undefined;
  }
  return { url: typeof sealed === 'string' ? openSecret(secretKey, sealed, key) : null, present: true };
}

export interface SecretOptions {
  /** The server key; loadSecretKey() when not given. */
  key?: SecretKey;
  env?: NodeJS.ProcessEnv;
}

/** The workspace webhook, decrypted, for the Slack sender: the env variable wins; null when none. */
export async function getWorkspaceWebhookUrl(db: Queryable, options: SecretOptions = {}): Promise<string | null> {
  const fromEnv = envWebhook(options.env ?? process.env);
  if (fromEnv) return fromEnv;
  return (await readSealed(db, WORKSPACE_WEBHOOK_KEY, options.key ?? loadSecretKey())).url;
}

/** A rep's own webhook, decrypted, or null. */
export async function getUserWebhookUrl(db: Queryable, userId: string, options: SecretOptions = {}): Promise<string | null> {
  return (await readSealed(db, userWebhookKey(userId), options.key ?? loadSecretKey())).url;
}

/** Where alerts for this rep go: their own webhook, else the workspace's (for SlackWorkerDeps.webhookFor). */
export async function webhookUrlForRecipient(db: Queryable, recipientUserId: string | null, options: SecretOptions = {}): Promise<string | null> {
  const key = options.key ?? loadSecretKey();
  return (recipientUserId ? await getUserWebhookUrl(db, recipientUserId, { ...options, key }) : null) ?? (await getWorkspaceWebhookUrl(db, { ...options, key }));
}

export async function workspaceWebhookStatus(db: Queryable, options: SecretOptions = {}): Promise<WebhookStatus> {
  const fromEnv = envWebhook(options.env ?? process.env);
  if (fromEnv) return { source: 'env', masked: maskWebhookUrl(fromEnv), undecryptable: false };
  const { url, present } = await readSealed(db, WORKSPACE_WEBHOOK_KEY, options.key ?? loadSecretKey());
  if (!present) return { source: 'none', masked: null, undecryptable: false };
  return { source: 'stored', masked: url ? maskWebhookUrl(url) : null, undecryptable: url === null };
}

export interface UserWebhookRow {
  userId: string;
  displayName: string;
  email: string;
  deactivated: boolean;
  masked: string | null;
  undecryptable: boolean;
}

/** Every rep with a webhook of their own, masked. */
export async function listUserWebhooks(db: Queryable, options: SecretOptions = {}): Promise<UserWebhookRow[]> {
  const key = options.key ?? loadSecretKey();
  const rows = await db
    .select({ key: workspaceSettings.key, value: workspaceSettings.value })
    .from(workspaceSettings)
    .where(like(workspaceSettings.key, `${USER_WEBHOOK_PREFIX}%`));
  const result: UserWebhookRow[] = [];
  for (const row of rows) {
    const userId = row.key.slice(USER_WEBHOOK_PREFIX.length);
    const [user] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
    if (!user) continue;
    const { url } = await readSealed(db, row.key, key);
    result.push({
      userId,
      displayName: user.displayName,
      email: user.email,
      deactivated: user.deactivatedAt !== null,
      masked: url ? maskWebhookUrl(url) : null,
      undecryptable: url === null,
    });
  }
  return result.sort((a, b) => a.displayName.localeCompare(b.displayName, 'ja'));
}

// --- Retention ---------------------------------------------------------------------------------

/** RINGI_RETENTION_DAYS: a whole number of days ≥ 30 locks the setting; anything else is ignored. */
export function retentionFromEnv(env: NodeJS.ProcessEnv = process.env): { days: number } | { invalid: true } | null {
  const raw = env.RINGI_RETENTION_DAYS?.trim();
  if (!raw) return null;
  const parsed = settingsSchema.shape.retentionDays.safeParse(raw);
  return parsed.success ? { days: parsed.data } : { invalid: true };
}

// --- Alert delay ------------------------------------------------------------------------------

/**
 * RINGI_SLACK_ALERT_DELAY_SECONDS: seconds (≥ 0) that override the alert delay setting (tests and
 * demos want seconds, not minutes); null when unset or not a number.
 */
export function alertDelayFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  const raw = env.RINGI_SLACK_ALERT_DELAY_SECONDS?.trim();
  const seconds = raw ? Number(raw) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

// --- Logo --------------------------------------------------------------------------------------

const startsWith = (bytes: Uint8Array, signature: number[], at = 0) => signature.every((b, i) => bytes[at + i] === b);

/** The image type by its magic bytes (never the browser's claimed MIME type), or null. */
export function detectImageType(bytes: Uint8Array): 'image/png' | 'image/jpeg' | 'image/webp' | null {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  // RIFF <size> WEBP VP8(L|X)
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50, 0x56, 0x50, 0x38], 8)) return 'image/webp';
  return null;
}

export function logoDataUrl(bytes: Uint8Array): { ok: true; dataUrl: string } | { ok: false; code: 'logoEmpty' | 'logoTooLarge' | 'logoType' } {
  if (bytes.byteLength === 0) return { ok: false, code: 'logoEmpty' };
  if (bytes.byteLength > MAX_LOGO_BYTES) return { ok: false, code: 'logoTooLarge' };
  const type = detectImageType(bytes);
  if (!type) return { ok: false, code: 'logoType' };
  return { ok: true, dataUrl: `data:${type};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')}` };
}

// --- Reading and writing -----------------------------------------------------------------------

export interface WorkspaceSettings extends SettingsValues {
  /** env when RINGI_RETENTION_DAYS is set (and valid): the page shows the value locked. */
  retentionSource: 'env' | 'settings';
  /** RINGI_RETENTION_DAYS is set but not a whole number from 30 to 3650: ignored. */
  retentionEnvInvalid: boolean;
  /** RINGI_SLACK_ALERT_DELAY_SECONDS in force: the stored delay is not used; the page says so. */
  alertDelaySecondsFromEnv: number | null;
  workspaceWebhook: WebhookStatus;
}

async function storedValues(db: Queryable): Promise<SettingsValues> {
  const rows = await db.select({ key: workspaceSettings.key, value: workspaceSettings.value }).from(workspaceSettings);
  const stored = new Map(rows.map((r) => [r.key, r.value]));
  const values: Record<string, unknown> = {};
  for (const key of settingKeys) {
    const raw = stored.get(key);
    let parsed: unknown;
    try {
      parsed = raw === undefined ? undefined : JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    // A stored value that no longer fits the schema (e.g. after a range change) falls back to the default.
    const result = settingsSchema.shape[key].safeParse(parsed);
    values[key] = result.success ? result.data : defaultSettings[key];
  }
  return values as SettingsValues;
}

/** The setting values alone (env overrides applied), without touching the sealed webhook: cheap enough per request. */
export async function getSettingValues(db: Queryable, env: NodeJS.ProcessEnv = process.env): Promise<SettingsValues> {
  const values = await storedValues(db);
  const retention = retentionFromEnv(env);
  return retention && 'days' in retention ? { ...values, retentionDays: retention.days } : values;
}

/** Every setting with its default filled in, the environment's overrides applied. */
export async function getSettings(db: Queryable, options: SecretOptions = {}): Promise<WorkspaceSettings> {
  const env = options.env ?? process.env;
  const values = await storedValues(db);
  const retention = retentionFromEnv(env);
  return {
    ...values,
    retentionDays: retention && 'days' in retention ? retention.days : values.retentionDays,
    retentionSource: retention && 'days' in retention ? 'env' : 'settings',
    retentionEnvInvalid: retention !== null && 'invalid' in retention,
    alertDelaySecondsFromEnv: alertDelayFromEnv(env),
    workspaceWebhook: await workspaceWebhookStatus(db, { ...options, env }),
  };
}

/** What the Slack worker's AlertPolicy takes from the settings. */
export function slackPolicySettings(settings: SettingsValues): {
  delayMs: number;
  hotScoreThreshold: number;
  longReadSeconds: number;
  digestEnabled: boolean;
  digestAtMinutes: number;
} {
  const [hours, minutes] = settings.slackDigestTime.split(':').map(Number) as [number, number];
  return {
    delayMs: settings.slackAlertDelayMinutes * 60_000,
    hotScoreThreshold: settings.hotScoreThreshold,
    longReadSeconds: settings.longReadMinutes * 60,
    digestEnabled: settings.slackDigest === 'daily',
    digestAtMinutes: hours * 60 + minutes,
  };
}

export interface StageLabelInput {
  number: number;
  labelJa: string;
  labelEn: string;
}

/** A partial change: only the keys present are validated and written. */
export interface SettingsInput {
  organisationName?: unknown;
  defaultRoomLocale?: unknown;
  defaultLinkExpiryDays?: unknown;
  hotScoreThreshold?: unknown;
  unopenedAfterDays?: unknown;
  longReadMinutes?: unknown;
  retentionDays?: unknown;
  slackAlertDelayMinutes?: unknown;
  slackDigest?: unknown;
  slackDigestTime?: unknown;
  /** The uploaded file's bytes; null removes the logo. */
  logo?: Uint8Array | null;
  /** A new workspace webhook; null removes the stored one. */
  workspaceWebhookUrl?: string | null;
  /** userId → a new webhook for that rep, or null to remove theirs. */
  userWebhooks?: Record<string, string | null>;
  /** New labels of existing stages (numbers are fixed). */
  stageLabels?: StageLabelInput[];
}

export type SettingsResult = Result<WorkspaceSettings, Invalid<SettingsFieldErrors> | Refused<'forbidden'>>;

type PlainKey = Exclude<SettingKey, 'logoDataUrl'>;
const plainKeys = settingKeys.filter((k): k is PlainKey => k !== 'logoDataUrl');

function firstCode(error: z.ZodError): SettingsErrorCode {
  const message = error.issues[0]?.message ?? '';
  return (settingsErrorCodes as readonly string[]).includes(message) ? (message as SettingsErrorCode) : 'invalidChoice';
}

/**
 * Validates and saves the given settings, all or nothing. Admins only. Returns the field errors
 * (keyed by input name: `retentionDays`, `logo`, `userWebhooks.<userId>`, `stage.<n>.labelJa`) or the
 * settings now in force.
 */
export async function updateSettings(
  db: RingiDb,
  actor: Actor,
  input: SettingsInput,
  options: SecretOptions & { now?: Date } = {},
): Promise<SettingsResult> {
  if (!canManageWorkspace(actor)) return { ok: false, reason: 'forbidden' };
  const env = options.env ?? process.env;
  const now = options.now ?? new Date();
  const errors: SettingsFieldErrors = {};
  const writes = new Map<string, string>();
  const deletes: string[] = [];

  const envRetention = retentionFromEnv(env);
  const retentionLocked = envRetention !== null && 'days' in envRetention;
  for (const key of plainKeys) {
    const value = input[key];
    if (value === undefined) continue;
    if (key === 'retentionDays' && retentionLocked) {
      errors[key] = 'lockedByEnv';
      continue;
    }
    // Schemas with defaults would turn a missing value into the default: blank is "required" here
    // (only the organisation name may be cleared).
    if (value === null || (typeof value === 'string' && value.trim() === '' && key !== 'organisationName')) {
      errors[key] = 'required';
      continue;
    }
    const parsed = settingsSchema.shape[key].safeParse(value);
    if (!parsed.success) errors[key] = firstCode(parsed.error);
    else writes.set(key, JSON.stringify(parsed.data));
  }

  if (input.logo !== undefined) {
    if (input.logo === null) deletes.push('logoDataUrl');
    else {
      const logo = logoDataUrl(input.logo);
      if (logo.ok) writes.set('logoDataUrl', JSON.stringify(logo.dataUrl));
      else errors.logo = logo.code;
    }
  }

  const secretWrites = new Map<string, string>();
  if (input.workspaceWebhookUrl !== undefined) {
    if (input.workspaceWebhookUrl === null) deletes.push(WORKSPACE_WEBHOOK_KEY);
    else {
      const checked = validateWebhookUrl(input.workspaceWebhookUrl, env);
      if (checked.ok) secretWrites.set(WORKSPACE_WEBHOOK_KEY, checked.url);
      else errors.workspaceWebhookUrl = checked.code;
    }
  }

  for (const [userId, url] of Object.entries(input.userWebhooks ?? {})) {
    const field = `userWebhooks.${userId}`;
    const [exists] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId)).limit(1);
    if (!exists) {
      errors[field] = 'unknownUser';
      continue;
    }
    if (url === null) deletes.push(userWebhookKey(userId));
    else {
      const checked = validateWebhookUrl(url, env);
      if (checked.ok) secretWrites.set(userWebhookKey(userId), checked.url);
      else errors[field] = checked.code;
    }
  }

  const stageWrites: { number: number; labelJa: string; labelEn: string }[] = [];
  if (input.stageLabels) {
    const known = new Set((await db.select({ number: pipelineStages.number }).from(pipelineStages)).map((s) => s.number));
    for (const stage of input.stageLabels) {
      if (!known.has(stage.number)) {
        errors[`stage.${stage.number}`] = 'unknownStage';
        continue;
      }
      const labels = { labelJa: String(stage.labelJa ?? '').trim(), labelEn: String(stage.labelEn ?? '').trim() };
      let valid = true;
      for (const [field, value] of Object.entries(labels)) {
        const problem = value === '' ? 'required' : value.length > MAX_STAGE_LABEL ? 'tooLong' : null;
        if (problem) {
          errors[`stage.${stage.number}.${field}`] = problem;
          valid = false;
        }
      }
      if (valid) stageWrites.push({ number: stage.number, ...labels });
    }
  }

  if (Object.keys(errors).length > 0) return { ok: false, reason: 'invalid', fieldErrors: errors };

  const key = secretWrites.size > 0 ? (options.key ?? loadSecretKey()) : null;
  await db.transaction(async (tx) => {
    const put = async (settingKey: string, value: string) =>
      await tx
        .insert(workspaceSettings)
        .values({ key: settingKey, value, updatedAt: now, updatedByUserId: actor.id })
        .onConflictDoUpdate({ target: workspaceSettings.key, set: { value, updatedAt: now, updatedByUserId: actor.id } });
    for (const [settingKey, value] of writes) await put(settingKey, value);
    for (const [settingKey, url] of secretWrites) await put(settingKey, JSON.stringify({ sealed: sealSecret(key!, url, settingKey) } satisfies SealedValue));
    for (const settingKey of deletes) await tx.delete(workspaceSettings).where(eq(workspaceSettings.key, settingKey));
    for (const stage of stageWrites) {
      await tx.update(pipelineStages).set({ labelJa: stage.labelJa, labelEn: stage.labelEn }).where(eq(pipelineStages.number, stage.number));
    }
  });
  return { ok: true, value: await getSettings(db, { ...options, env }) };
}

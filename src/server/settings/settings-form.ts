// The workspace settings page's forms: one per section, each POSTed back with an `_action` naming
// it. This table is the page's parse step (form fields → SettingsInput); updateSettings() checks
// and saves. A new settings section is: its name in `settingsSections` (the table of contents), its
// `_action`s below, and its <section> on the page (src/pages/admin/settings/index.astro). A section
// with a store of its own (API tokens, say) gives its actions an `act` (its own src/server function)
// instead of `input`.
import type { SessionUser } from '../auth/sessions';
import { listStages, type PipelineStage } from '../crm/stages';
import type { RingiDb } from '../db/client';
import type { FormOutcome } from '../http/admin-form';
import type { PostedForm } from '../http/forms';
import type { Locale } from '../i18n/format';
import { errorMessage, tSettings } from './messages';
import { settingsLimits, updateSettings, type SettingsErrorCode, type SettingsFieldErrors, type SettingsInput } from './settings';

/** The page's sections, in order (the table of contents and each form's `#fragment`). */
export const settingsSections = ['general', 'logo', 'engagement', 'retention', 'slack', 'webhooks', 'stages'] as const;
export type SettingsSection = (typeof settingsSections)[number];

export const savedNotices = ['general', 'logo', 'logoRemoved', 'engagement', 'retention', 'slack', 'webhook', 'webhookRemoved', 'stages'] as const;
export type SavedNotice = (typeof savedNotices)[number];

type SettingsFormAction =
  | {
      section: SettingsSection;
      saved: SavedNotice;
      /** The posted fields as updateSettings' input, or errors found before it (an empty file). */
      input: (form: PostedForm, stages: readonly PipelineStage[]) => SettingsInput | { errors: SettingsFieldErrors } | Promise<SettingsInput | { errors: SettingsFieldErrors }>;
    }
  | {
      /** Acts through a function of its own; refused fields go back as `{ section, fieldErrors, submitted }`. */
      act: (db: RingiDb, user: SessionUser, form: PostedForm) => FormOutcome<SettingsFormFailure> | Promise<FormOutcome<SettingsFormFailure>>;
    };

/** Text fields as they were posted (missing ones empty: the schema says "required"). */
const texts =
  <K extends keyof SettingsInput>(...keys: K[]) =>
  (form: PostedForm): SettingsInput =>
    Object.fromEntries(keys.map((key) => [key, form.fields[key] ?? '']));

const settingsFormActions: Record<string, SettingsFormAction> = {
  general: { section: 'general', saved: 'general', input: texts('organisationName', 'defaultRoomLocale', 'defaultLinkExpiryDays') },
  logo: {
    section: 'logo',
    saved: 'logo',
    input: async ({ files }) => (files.logo && files.logo.size > 0 ? { logo: new Uint8Array(await files.logo.arrayBuffer()) } : { errors: { logo: 'logoEmpty' } }),
  },
  'logo-remove': { section: 'logo', saved: 'logoRemoved', input: () => ({ logo: null }) },
  engagement: { section: 'engagement', saved: 'engagement', input: texts('hotScoreThreshold', 'unopenedAfterDays', 'longReadMinutes') },
  retention: { section: 'retention', saved: 'retention', input: texts('retentionDays') },
  slack: { section: 'slack', saved: 'slack', input: texts('slackAlertDelayMinutes', 'slackDigest', 'slackDigestTime') },
  'webhook-set': { section: 'webhooks', saved: 'webhook', input: texts('workspaceWebhookUrl') },
  'webhook-remove': { section: 'webhooks', saved: 'webhookRemoved', input: () => ({ workspaceWebhookUrl: null }) },
  'user-webhook-set': {
    section: 'webhooks',
    saved: 'webhook',
    input: ({ fields }) => (fields.userId ? { userWebhooks: { [fields.userId]: fields.userWebhookUrl ?? '' } } : { errors: { userId: 'required' } }),
  },
  'user-webhook-remove': { section: 'webhooks', saved: 'webhookRemoved', input: ({ fields }) => ({ userWebhooks: { [fields.userId ?? '']: null } }) },
  stages: {
    section: 'stages',
    saved: 'stages',
    input: ({ fields }, stages) => ({
      stageLabels: stages.map((s) => ({ number: s.number, labelJa: fields[`stage-${s.number}-labelJa`] ?? '', labelEn: fields[`stage-${s.number}-labelEn`] ?? '' })),
    }),
  },
};

/** A refused settings form: its section, the errors keyed by the form's field names, what was sent. */
export interface SettingsFormFailure {
  section: SettingsSection;
  fieldErrors: SettingsFieldErrors;
  submitted: Record<string, string>;
}

/** Parse and act for one posted settings form (the page runs it through handleAdminForm). */
export async function submitSettingsForm(db: RingiDb, user: SessionUser, form: PostedForm): Promise<FormOutcome<SettingsFormFailure>> {
  const action = settingsFormActions[form.fields._action ?? ''];
  if (!action) return { ok: false, reason: 'bad_request' };
  if ('act' in action) return action.act(db, user, form);
  const input = await action.input(form, await listStages(db));
  const result = 'errors' in input ? ({ ok: false, reason: 'invalid', fieldErrors: input.errors } as const) : await updateSettings(db, user, input);
  if (result.ok) return { ok: true, redirect: `/admin/settings?saved=${action.saved}#${action.section}` };
  if (result.reason === 'forbidden') return { ok: false, reason: 'forbidden' };
  // Errors of per-rep webhooks are keyed by user: the form has one URL field.
  const fieldErrors = Object.fromEntries(
    Object.entries(result.fieldErrors).map(([key, code]) => [key.startsWith('userWebhooks.') ? (code === 'unknownUser' ? 'userId' : 'userWebhookUrl') : key, code]),
  );
  return { ok: false, reason: 'invalid', failed: { section: action.section, fieldErrors, submitted: form.fields } };
}

const fieldLabelKeys = {
  organisationName: 'settings.organisationName',
  defaultRoomLocale: 'settings.defaultRoomLocale',
  defaultLinkExpiryDays: 'settings.defaultLinkExpiryDays',
  logo: 'settings.logoFile',
  hotScoreThreshold: 'settings.hotScoreThreshold',
  unopenedAfterDays: 'settings.unopenedAfterDays',
  longReadMinutes: 'settings.longReadMinutes',
  retentionDays: 'settings.retentionDays',
  slackAlertDelayMinutes: 'settings.slackAlertDelayMinutes',
  slackDigest: 'settings.slackDigest',
  slackDigestTime: 'settings.slackDigestTime',
  workspaceWebhookUrl: 'settings.webhookUrl',
  userId: 'settings.userWebhookUser',
  userWebhookUrl: 'settings.webhookUrl',
} as const;
export type SettingsField = keyof typeof fieldLabelKeys;

const STAGE_FIELD = /^stage\.(\d+)\.(labelJa|labelEn)$/;

/** What the page's forms show: labels, errors (beside the field and in each section's summary), values. */
export function settingsFormView(locale: Locale, failure: SettingsFormFailure | null, savedParam: string | null) {
  const ranges: Record<string, { min: number; max: number }> = settingsLimits;
  const fieldErrors = failure?.fieldErrors ?? {};
  const label = (key: string): string => {
    const stage = STAGE_FIELD.exec(key);
    if (stage) return tSettings(locale, stage[2] === 'labelJa' ? 'settings.stageLabelJaFor' : 'settings.stageLabelEnFor', { number: stage[1]! });
    return key in fieldLabelKeys ? tSettings(locale, fieldLabelKeys[key as SettingsField]) : key;
  };
  const fieldId = (key: string) => {
    const stage = STAGE_FIELD.exec(key);
    return stage ? `stage-${stage[1]}-${stage[2]}` : `settings-${key}`;
  };
  const err = (key: string): string | undefined => {
    const code = fieldErrors[key] as SettingsErrorCode | undefined;
    return code ? errorMessage(locale, code, ranges[key]) : undefined;
  };
  return {
    label,
    err,
    /** The error summary above a section's form (empty unless that form was refused). */
    summary: (section: SettingsSection) =>
      failure?.section === section ? Object.keys(fieldErrors).map((key) => ({ id: fieldId(key), label: label(key), message: err(key)! })) : [],
    /** The value a field shows: what was just submitted when its form was refused, else the setting. */
    shown: (section: SettingsSection, key: string, current: string | number | null) =>
      failure?.section === section && key in failure.submitted ? failure.submitted[key]! : current,
    /** The notice of the save that redirected here. */
    saved: !failure && (savedNotices as readonly string[]).includes(savedParam ?? '') ? (savedParam as SavedNotice) : null,
  };
}

// When and how loudly Ringi alerts. The workspace settings (/admin/settings) override these defaults.
import type { Queryable } from '../db/client';
import { alertDelayFromEnv, getSettingValues, slackPolicySettings } from '../settings/settings';

export interface AlertPolicy {
  /** Coalescing delay: the first alert of a visit waits this long and summarises the visit so far. */
  delayMs: number;
  /** An engagement score at or above this raises a hot alert. */
  hotScoreThreshold: number;
  /** Reading a pricing or security document this long in one view raises a hot alert. */
  longReadSeconds: number;
  /** This many distinct readers at one account within 24 hours raise a hot alert. */
  readersPerDay: number;
  /** Whether reps who chose the daily digest get it (workspace switch). */
  digestEnabled: boolean;
  /** Daily digest time, minutes after midnight in the workspace time zone (RINGI_TIME_ZONE). */
  digestAtMinutes: number;
}

export const defaultAlertPolicy: AlertPolicy = {
  delayMs: 3 * 60 * 1000,
  hotScoreThreshold: 60,
  longReadSeconds: 5 * 60,
  readersPerDay: 2,
  digestEnabled: true,
  digestAtMinutes: 9 * 60,
};

/** Categories whose long reading signals a buyer preparing an approval. */
export const keyCategories: readonly string[] = ['pricing', 'security'];

/**
 * The policy in force: the workspace settings, then `RINGI_SLACK_ALERT_DELAY_SECONDS`, which overrides
 * the coalescing delay (tests and demos want seconds, not minutes).
 */
export async function alertPolicy(db: Queryable, env: NodeJS.ProcessEnv = process.env): Promise<AlertPolicy> {
  const fromSettings = slackPolicySettings(await getSettingValues(db, env));
  const delaySeconds = alertDelayFromEnv(env);
  return {
    ...defaultAlertPolicy,
    ...fromSettings,
    ...(delaySeconds !== null ? { delayMs: delaySeconds * 1000 } : {}),
  };
}

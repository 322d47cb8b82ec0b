// When and how loudly Ringi alerts. The workspace settings override these defaults.
export interface AlertPolicy {
  /** Coalescing delay: the first alert of a visit waits this long and summarises the visit so far. */
  delayMs: number;
  /** An engagement score at or above this raises a hot alert. */
  hotScoreThreshold: number;
  /** Reading a pricing or security document this long in one view raises a hot alert. */
  longReadSeconds: number;
  /** This many distinct readers at one account within 24 hours raise a hot alert. */
  readersPerDay: number;
  /** Daily digest time, minutes after midnight in Japan time. */
  digestAtMinutes: number;
}

export const defaultAlertPolicy: AlertPolicy = {
  delayMs: 3 * 60 * 1000,
  hotScoreThreshold: 60,
  longReadSeconds: 5 * 60,
  readersPerDay: 2,
  digestAtMinutes: 9 * 60,
};

/** Categories whose long reading signals a buyer preparing an approval. */
export const keyCategories: readonly string[] = ['pricing', 'security'];

/**
 * The policy in force. `RINGI_SLACK_ALERT_DELAY_SECONDS` overrides the coalescing delay (tests and
 * demos want seconds, not minutes).
 */
export function alertPolicy(_db?: unknown): AlertPolicy {
  const delaySeconds = Number(process.env.RINGI_SLACK_ALERT_DELAY_SECONDS);
  return {
    ...defaultAlertPolicy,
    ...(Number.isFinite(delaySeconds) && delaySeconds >= 0 ? { delayMs: delaySeconds * 1000 } : {}),
  };
}

// Pure retry rules for Slack deliveries. Slack incidents last hours, so the budget is a span of time
// (docs/adr/0008), not a number of attempts: a transient failure is retried with capped exponential
// backoff for at least a day; only answers that cannot change by waiting fail at once.

/** Transient failures are retried at least this long after the first one. */
export const RETRY_BUDGET_MS = 24 * 60 * 60 * 1000;
const BASE_DELAY_MS = 30_000;
/** Backoff cap: a recovered Slack is noticed within half an hour. */
export const MAX_BACKOFF_MS = 30 * 60 * 1000;
/** A Retry-After longer than this is read as this (a broken header must not park an alert for days). */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

export type DeliveryResult =
  | { kind: 'sent' }
  | { kind: 'rate-limited'; retryAfterMs: number | null }
  /** 5xx, 408, timeouts, refused or reset connections, DNS failures: Slack (or the way there) may come back. */
  | { kind: 'transient'; status: number | null; message: string }
  /** invalid_token, no_service, channel_is_archived, action_prohibited, invalid_payload…: waiting cannot help. */
  | { kind: 'rejected'; status: number; message: string };

export type NextStep = { kind: 'done' } | { kind: 'retry'; delayMs: number } | { kind: 'fail'; reason: string };

/** What an HTTP answer of an incoming webhook means. `message` must already be free of secrets. */
export function classifyAnswer(status: number, retryAfterMs: number | null, message: string): DeliveryResult {
  if (status >= 200 && status < 300) return { kind: 'sent' };
  if (status === 429) return { kind: 'rate-limited', retryAfterMs };
  if (status >= 500 || status === 408) return { kind: 'transient', status, message };
  // Any other 4xx names a webhook that is gone or a message Slack refuses: 403 invalid_token /
  // action_prohibited, 404 no_service / channel_not_found, 410 channel_is_archived, 400 invalid_payload.
  return { kind: 'rejected', status, message };
}

/**
 * The step after a delivery. `firstFailureAt` is when this alert first failed (now, for a first failure):
 * transient failures retry until the budget from then is spent; 429 waits as long as Slack asks.
 */
export function nextStep(result: DeliveryResult, attempts: number, firstFailureAt: Date, now: Date, baseDelayMs = BASE_DELAY_MS): NextStep {
  switch (result.kind) {
    case 'sent':
      return { kind: 'done' };
    case 'rejected':
      return { kind: 'fail', reason: `Slack refused the alert (HTTP ${result.status}): ${result.message}` };
    case 'rate-limited':
    case 'transient': {
      const failingFor = now.getTime() - firstFailureAt.getTime();
      if (failingFor >= RETRY_BUDGET_MS) {
        const hours = Math.floor(failingFor / 3_600_000);
        return { kind: 'fail', reason: `Gave up after ${hours} h and ${attempts} attempts: ${describeFailure(result)}` };
      }
      const delayMs = result.kind === 'rate-limited' && result.retryAfterMs !== null ? result.retryAfterMs : backoff(attempts, baseDelayMs);
      return { kind: 'retry', delayMs };
    }
  }
}

/** 30 s, 1 min, 2 min … capped at 30 min. */
export function backoff(attempts: number, baseDelayMs = BASE_DELAY_MS): number {
  return Math.min(MAX_BACKOFF_MS, baseDelayMs * 2 ** Math.min(30, Math.max(0, attempts - 1)));
}

/** What is stored as the alert's last error (shown to admins): never a URL. */
export function describeFailure(result: DeliveryResult): string {
  if (result.kind === 'rate-limited') return 'Rate-limited by Slack (429).';
  if (result.kind === 'transient' || result.kind === 'rejected') return result.message;
  return '';
}

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. Capped at one hour. */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.min(Math.max(0, date - now.getTime()), MAX_RETRY_AFTER_MS);
}

/** Error text safe to store and show: no URLs (a webhook URL is a secret). */
export function redactUrls(message: string): string {
  return message.replace(/\bhttps?:\/\/\S+/gi, '[url]').slice(0, 300);
}

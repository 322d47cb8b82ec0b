// Pure retry rules for Slack deliveries.
export const MAX_ATTEMPTS = 8;
const BASE_DELAY_MS = 30_000;
const MAX_DELAY_MS = 60 * 60 * 1000;

export type DeliveryResult =
  | { kind: 'sent' }
  | { kind: 'rate-limited'; retryAfterMs: number | null }
  | { kind: 'server-error'; status: number | null; message: string }
  | { kind: 'rejected'; status: number; message: string };

export type NextStep = { kind: 'done' } | { kind: 'retry'; delayMs: number } | { kind: 'fail'; reason: string };

/** Exponential backoff (30 s, 1 min, 2 min … capped at 1 h); 429 waits as long as Slack asks. */
export function nextStep(result: DeliveryResult, attempts: number, baseDelayMs = BASE_DELAY_MS): NextStep {
  switch (result.kind) {
    case 'sent':
      return { kind: 'done' };
    case 'rejected':
      // 4xx other than 429: the webhook is gone or the payload is refused; retrying cannot help.
      return { kind: 'fail', reason: `Slack refused the alert (HTTP ${result.status}): ${result.message}` };
    case 'rate-limited':
      if (attempts >= MAX_ATTEMPTS * 2) return { kind: 'fail', reason: 'Slack kept rate-limiting this alert.' };
      return { kind: 'retry', delayMs: result.retryAfterMs ?? backoff(attempts, baseDelayMs) };
    case 'server-error':
      if (attempts >= MAX_ATTEMPTS) return { kind: 'fail', reason: `Gave up after ${attempts} attempts: ${result.message}` };
      return { kind: 'retry', delayMs: backoff(attempts, baseDelayMs) };
  }
}

export function backoff(attempts: number, baseDelayMs = BASE_DELAY_MS): number {
  return Math.min(MAX_DELAY_MS, baseDelayMs * 2 ** Math.max(0, attempts - 1));
}

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. Capped at one hour. */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, MAX_DELAY_MS);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.min(Math.max(0, date - now.getTime()), MAX_DELAY_MS);
}

/** Error text safe to store and show: no URLs (a webhook URL is a secret). */
export function redactUrls(message: string): string {
  return message.replace(/\bhttps?:\/\/\S+/gi, '[url]').slice(0, 300);
}

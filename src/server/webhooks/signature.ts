// Standard Webhooks signing (standardwebhooks.com): the receiver checks `webhook-signature`, a
// space-separated list of `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`,
// with the endpoint's secret, shown to admins once as `whsec_<base64 of the key>`.
import crypto from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
const KEY_BYTES = 32;

/** A new endpoint secret in the spec's text form. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + crypto.randomBytes(KEY_BYTES).toString('base64');
}

/** The HMAC key of a `whsec_…` secret; null for anything else. */
export function webhookSecretKey(secret: string): Buffer | null {
  if (!secret.startsWith(SECRET_PREFIX)) return null;
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  return key.length >= 24 && key.length <= 64 ? key : null;
}

export function signPayload(secret: string, messageId: string, timestampSeconds: number, body: string): string {
  const key = webhookSecretKey(secret);
  if (!key) throw new Error('not a webhook secret');
  const mac = crypto.createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The three headers of one delivery attempt; the timestamp is the attempt's, the id the message's. */
export function webhookHeaders(secret: string, messageId: string, now: Date, body: string): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signPayload(secret, messageId, timestamp, body),
  };
}

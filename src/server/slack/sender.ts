// Posts one message to an incoming webhook with @slack/webhook, reporting what Slack answered.
import { IncomingWebhook, IncomingWebhookHTTPError, type IncomingWebhookSendArguments } from '@slack/webhook';
import type { SlackMessage } from './compose';
import { classifyAnswer, parseRetryAfter, redactUrls, type DeliveryResult } from './retry';

const TIMEOUT_MS = 10_000;

export async function deliver(webhookUrl: string, message: SlackMessage, now: () => Date = () => new Date()): Promise<DeliveryResult> {
  let retryAfter: string | null = null;
  // The library reports the status but not headers: a thin fetch wrapper keeps Retry-After.
  const webhook = new IncomingWebhook(webhookUrl, {
    timeout: TIMEOUT_MS,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      retryAfter = response.headers.get('retry-after');
      return response;
    },
  });
  try {
    // Block Kit objects are built as plain data in compose.ts; their shape is tested there.
    await webhook.send(message as IncomingWebhookSendArguments);
    return { kind: 'sent' };
  } catch (error) {
    if (error instanceof IncomingWebhookHTTPError) {
      const text = redactUrls(`${error.statusCode} ${String(error.body ?? '').slice(0, 100)}`);
      return classifyAnswer(error.statusCode, parseRetryAfter(retryAfter, now()), text);
    }
    // No answer at all (timeout, refused or reset connection, DNS): Slack or the way there may come back.
    return { kind: 'transient', status: null, message: redactUrls(rootCause(error)) };
  }
}

/** The innermost cause ("connect ECONNREFUSED 127.0.0.1:…" rather than "fetch failed"): what admins can act on. */
function rootCause(error: unknown): string {
  let inner = error;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  return inner instanceof Error ? inner.message : String(error);
}

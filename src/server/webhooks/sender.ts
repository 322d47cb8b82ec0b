// Posts one signed webhook. Plain node:http(s) rather than fetch: the connection's address is
// checked by guardedLookup (destination.ts), and only the status and Retry-After are kept.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { parseRetryAfter, redactUrls, type DeliveryResult } from '../slack/retry';
import { guardedLookup, isInternalAddress, privateDestinationsAllowed } from './destination';

const TIMEOUT_MS = 10_000;

/**
 * What an endpoint's answer means. Unlike Slack's, a receiver's 4xx is often passing (a deploy, a
 * misconfigured route fixed the next hour), so everything but 2xx is retried within the day's budget;
 * only 410 Gone says for certain that the endpoint does not want it.
 */
export function classifyWebhookAnswer(status: number, retryAfterMs: number | null): DeliveryResult {
  if (status >= 200 && status < 300) return { kind: 'sent' };
  if (status === 429) return { kind: 'rate-limited', retryAfterMs };
  if (status === 410) return { kind: 'rejected', status, message: `HTTP 410 Gone` };
  return { kind: 'transient', status, message: `HTTP ${status}` };
}

export async function sendWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { allowPrivate?: boolean; now?: () => Date; timeoutMs?: number } = {},
): Promise<DeliveryResult & { httpStatus?: number }> {
  const allowPrivate = options.allowPrivate ?? privateDestinationsAllowed();
  const now = options.now ?? (() => new Date());
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return { kind: 'rejected', status: 0, message: 'The endpoint URL is not valid.' };
  }
  const host = target.hostname.replace(/^\[|\]$/g, '');
  // An address literal is connected to without a lookup: check it here.
  if (!allowPrivate && net.isIP(host) && isInternalAddress(host)) {
    return { kind: 'rejected', status: 0, message: 'The endpoint is on an internal address; refused.' };
  }
  const client = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : null;
  if (!client) return { kind: 'rejected', status: 0, message: 'Only http and https endpoints are supported.' };
  return new Promise((resolve) => {
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Ringi-Webhooks/1' },
        lookup: guardedLookup(allowPrivate) as unknown as net.LookupFunction,
        timeout: options.timeoutMs ?? TIMEOUT_MS,
      },
      (response) => {
        response.resume(); // the answer's body is not needed; drain it so the socket is freed
        const status = response.statusCode ?? 0;
        const retryAfter = response.headers['retry-after'];
        resolve({ ...classifyWebhookAnswer(status, parseRetryAfter(typeof retryAfter === 'string' ? retryAfter : null, now())), httpStatus: status });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${(options.timeoutMs ?? TIMEOUT_MS) / 1000} s`)));
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EINTERNALADDRESS') resolve({ kind: 'rejected', status: 0, message: redactUrls(error.message) });
      else resolve({ kind: 'transient', status: null, message: redactUrls(error.message) });
    });
    request.end(body);
  });
}

// Guessing access-link tokens: every 404 for an unknown token under /r/ takes one from the client
// network's miss budget (/24 or /48, from the address main.ts trusts); once it is spent, every /r/
// request from that network gets 429 with Retry-After until it refills, so a guess that happens to
// be right earns no answer either. Real links opened from other networks are untouched.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RingiDb } from '../db/client';
import type { Locale } from '../i18n/format';
import { translate } from '../i18n/messages';
import { RateLimiter, type RateLimitRule } from '../security/rate-limit';
import { activeLinkScope } from '../tracking/link-scope';
import { truncateIp } from '../tracking/rules';
import { errorBody } from './json';
import { messagePageHtml, type MessageSection } from './message-page';
import { prospectHeaders } from './prospect-headers';

/** A mistyped or stale link now and then passes; a scan of hundreds of tokens stalls after the burst. */
export const TOKEN_MISS_RULE: RateLimitRule = { burst: 60, perMinute: 20 };

const PROSPECT_PATH = /^\/r\/([^/?#]*)/;
const JSON_PATH = /^\/r\/[^/]+\/(?:views|prints)(?:\/|$)/;

/**
 * For main.ts, called before a request is handled: answers 429 and returns true when the client's
 * network has no misses left for /r/; otherwise counts the request's answer against it once sent.
 */
export function tokenGuessingGuard(db: RingiDb, misses = new RateLimiter(TOKEN_MISS_RULE)) {
  return (req: IncomingMessage, res: ServerResponse, clientAddress: string | undefined): boolean => refuseTokenGuessing(db, misses, req, res, clientAddress);
}

function refuseTokenGuessing(db: RingiDb, misses: RateLimiter, req: IncomingMessage, res: ServerResponse, clientAddress: string | undefined): boolean {
  const pathname = (req.url ?? '/').split('?')[0]!;
  const match = PROSPECT_PATH.exec(pathname);
  if (!match) return false;
  const network = clientAddress ? truncateIp(clientAddress) : 'unknown';
  const budget = misses.peek(network);
  if (!budget.allowed) {
    sendTooManyRequests(res, budget.retryAfterSeconds, JSON_PATH.test(pathname));
    return true;
  }
  const token = decodeToken(match[1]!);
  // Unknown tokens answer 404; a 404 for a document or view behind a working link is no guess.
  res.once('finish', () => {
    if (res.statusCode !== 404) return;
    if (token === null) return void misses.take(network);
    activeLinkScope(db, token).then(
      (scope) => {
        if (scope === null) misses.take(network);
      },
      (error: unknown) => console.error('token check failed:', error instanceof Error ? error.message : error),
    );
  });
  return false;
}

function decodeToken(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function sendTooManyRequests(res: ServerResponse, retryAfterSeconds: number, json: boolean): void {
  const retry = { 'Retry-After': String(retryAfterSeconds) };
  if (json) {
    const body = JSON.stringify(errorBody('rate_limited', `Too many requests for unknown links from this network. Retry after ${retryAfterSeconds} s.`));
    res.writeHead(429, { ...prospectHeaders, ...retry, 'Content-Type': 'application/json; charset=utf-8' }).end(body);
    return;
  }
  const section = (lang: Locale): MessageSection => ({
    lang,
    title: translate(lang, 'error.tooManyRequests.title'),
    paragraphs: [translate(lang, 'error.tooManyRequests.body', { seconds: retryAfterSeconds })],
    back: { href: '/', label: 'Ringi' },
  });
  // Without a room we do not know the reader's language: say it in both.
  const html = messagePageHtml([section('ja'), section('en')]);
  res.writeHead(429, { ...prospectHeaders, ...retry, 'Content-Type': 'text/html; charset=utf-8' }).end(html);
}

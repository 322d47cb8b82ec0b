// What the production server checks before Astro sees a request: a known method, a body no larger
// than its route takes (announced or streamed), forwarded headers only from a trusted proxy, and
// the standard status text. Astro reads bodies whole (request.text(), formData()), so without this
// cap one large POST holds hundreds of megabytes (issue #13).
import http from 'node:http';
import { announcedTooLarge, bodyLimitFor, cappedChunks } from './body-limits';
import { errorBody, type ErrorCode } from './json';

/** Methods some route answers; anything else (TRACE, TRACK, PROPFIND…) is refused before Astro, which answers them with a 500. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

function refuse(res: http.ServerResponse, status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.statusMessage = http.STATUS_CODES[status] ?? '';
  res.writeHead(status, { 'Cache-Control': 'no-store', 'Content-Type': 'application/json; charset=utf-8', 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(JSON.stringify(errorBody(code, message)));
}

/** After a refusal the route may still answer (its body read failed): that answer goes nowhere. */
function silence(res: http.ServerResponse): void {
  res.writeHead = (() => res) as unknown as typeof res.writeHead;
  res.write = (() => true) as unknown as typeof res.write;
  res.end = (() => res) as unknown as typeof res.end;
}

/**
 * Prepares `req`/`res` for Astro, or answers at once (unknown method, announced body too large) and
 * returns false. `trustProxy`: keep X-Forwarded-Proto/Host/Port (the URL's protocol decides the
 * cookies' Secure flag); otherwise a client could choose them.
 */
export function guardRequest(req: http.IncomingMessage & { body?: unknown }, res: http.ServerResponse, trustProxy: boolean): boolean {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => http.ServerResponse;
  // Astro passes its Response's statusText, "OK" on a page that set Astro.response.status = 404.
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    res.statusMessage = http.STATUS_CODES[status] ?? '';
    return writeHead(status, ...(typeof rest[0] === 'string' ? rest.slice(1) : rest));
  }) as typeof res.writeHead;

  if (!trustProxy) {
    delete req.headers['x-forwarded-proto'];
    delete req.headers['x-forwarded-host'];
    delete req.headers['x-forwarded-port'];
  }
  if (!KNOWN_METHODS.has(req.method ?? '')) {
    refuse(res, 501, 'method_not_allowed', `${req.method} is not supported.`, { Allow: [...KNOWN_METHODS].join(', ') });
    return false;
  }
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  const limit = bodyLimitFor((req.url ?? '/').split('?')[0]!);
  const tooLarge = () => refuse(res, 413, 'payload_too_large', `At most ${limit} bytes.`, { Connection: 'close' });
  if (announcedTooLarge(req.headers['content-length'], limit)) {
    tooLarge();
    return false;
  }
  // Astro's node adapter reads `req.body` (an async iterable) instead of the stream; a route whose
  // read fails past the cap may still answer, and that answer goes nowhere.
  req.body = cappedChunks(req, limit, () => {
    tooLarge();
    silence(res);
  });
  return true;
}

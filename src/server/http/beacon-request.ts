// The HTTP half of the beacon endpoint (route, method, content type, body cap, JSON, schema, answers),
// kept apart from the database so that the raw baseline in bench/beacons.mjs runs exactly this code.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { heartbeatPayload, type HeartbeatPayload } from '../tracking/beacon-payloads';
import { BODY_LIMITS, readCappedBody } from './body-limits';
import { describeIssues, errorBody, type ErrorCode } from './json';

const BEACON_PATH = /^\/r\/([a-z2-7]{16}\.[a-z2-7]{32})\/views\/([a-z2-7]{26})\/?$/;

export function matchBeaconPath(pathname: string): { token: string; viewId: string } | null {
  const match = BEACON_PATH.exec(pathname);
  return match ? { token: match[1]!, viewId: match[2]! } : null;
}

const headers = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Robots-Tag': 'noindex',
  'X-Content-Type-Options': 'nosniff',
};

/** An empty answer, or the JSON error shape when `code` is given. */
export function sendBeaconAnswer(res: ServerResponse, status: number, code?: ErrorCode, message?: string): void {
  if (!code) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(errorBody(code, message ?? code)));
}

/** The beacon of a request, or null once a 4xx has been sent for it (wrong method, type, size, JSON or shape). */
export async function readBeacon(req: IncomingMessage, res: ServerResponse): Promise<HeartbeatPayload | null> {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    sendBeaconAnswer(res, 405, 'method_not_allowed', 'Beacons are POSTed.');
    return null;
  }
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== 'application/json') {
    sendBeaconAnswer(res, 415, 'unsupported_media_type', 'Send application/json.');
    return null;
  }
  const body = await readCappedBody(req, req.headers['content-length'], BODY_LIMITS.beacon, () => drain(req));
  if (body === 'tooLarge') {
    sendBeaconAnswer(res, 413, 'payload_too_large', `Beacons are at most ${BODY_LIMITS.beacon} bytes.`);
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    sendBeaconAnswer(res, 400, 'bad_request', 'The body is not JSON.');
    return null;
  }
  const parsed = heartbeatPayload.safeParse(json);
  if (!parsed.success) {
    sendBeaconAnswer(res, 400, 'invalid_payload', describeIssues(parsed.error.issues));
    return null;
  }
  return parsed.data;
}

/** Reads the rest of a refused body into nothing, so that the connection can carry the answer and the next request. */
function drain(req: IncomingMessage): void {
  req.removeAllListeners('readable'); // the async iterator's: while it listens, resume() does nothing
  req.resume();
}

// The HTTP half of the beacon endpoint (route, method, content type, body cap, JSON, schema, answers),
// kept apart from the database so that the raw baseline in bench/beacons.mjs runs exactly this code.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { heartbeatPayload, MAX_BEACON_BYTES, type HeartbeatPayload } from '../tracking/beacon-payloads';
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
  const body = await readCappedBody(req, MAX_BEACON_BYTES);
  if (body === 'too-large') {
    sendBeaconAnswer(res, 413, 'payload_too_large', `Beacons are at most ${MAX_BEACON_BYTES} bytes.`);
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

/** Reads at most `limit` bytes; a larger body (declared or streamed) is drained and refused. */
export function readCappedBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      resolve('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

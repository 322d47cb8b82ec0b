// The reading beacon, served by plain node:http ahead of Astro: it arrives every few seconds per
// reader, and Astro's request pipeline would cost more than the work itself (docs/adr/0003).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RingiDb } from '../db/client';
import { heartbeatPayload, MAX_BEACON_BYTES } from '../tracking/beacon-payloads';
import { recordHeartbeat } from '../tracking/ingest';
import { activeLinkScope } from '../tracking/link-scope';
import { readCappedBody } from './beacon-request';
import { describeIssues, errorBody, type ErrorCode } from './json';

const headers = {
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Robots-Tag': 'noindex',
  'X-Content-Type-Options': 'nosniff',
};

function send(res: ServerResponse, status: number, code?: ErrorCode, message?: string): void {
  if (!code) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(errorBody(code, message ?? code)));
}

/** Applies one beacon; every refusal is a 4xx with the JSON error shape and changes nothing. */
export async function handleBeacon(
  db: RingiDb,
  req: IncomingMessage,
  res: ServerResponse,
  target: { token: string; viewId: string },
  now: () => Date = () => new Date(),
): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return send(res, 405, 'method_not_allowed', 'Beacons are POSTed.');
  }
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== 'application/json') return send(res, 415, 'unsupported_media_type', 'Send application/json.');
  const body = await readCappedBody(req, MAX_BEACON_BYTES);
  if (body === 'too-large') return send(res, 413, 'payload_too_large', `Beacons are at most ${MAX_BEACON_BYTES} bytes.`);

  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return send(res, 400, 'bad_request', 'The body is not JSON.');
  }
  const parsed = heartbeatPayload.safeParse(json);
  if (!parsed.success) return send(res, 400, 'invalid_payload', describeIssues(parsed.error.issues));

  const at = now();
  const scope = activeLinkScope(db, target.token, at);
  if (!scope) return send(res, 404, 'not_found', 'No such view.');
  const result = recordHeartbeat(db, scope, target.viewId, parsed.data, at);
  if (result === 'not-found') return send(res, 404, 'not_found', 'No such view.');
  if (result === 'unknown-section') return send(res, 422, 'unknown_section', 'A section is not part of this document.');
  send(res, 204);
}

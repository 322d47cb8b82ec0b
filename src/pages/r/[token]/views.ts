// POST: the page script confirms a real reader and gets a view id for its beacons.
import type { APIRoute } from 'astro';
import { getDocument, renderDocument } from '../../../server/documents/catalog';
import { getDb } from '../../../server/db/client';
import { answerStorageFull } from '../../../server/db/faults';
import { readBoundedBody } from '../../../server/http/forms';
import { describeIssues, jsonError, jsonOk } from '../../../server/http/json';
import { loadProspectRoom, roomOffers } from '../../../server/rooms/prospect-room';
import { isInternalViewer } from '../../../server/rooms/prospect-request';
import { loadSecretKey } from '../../../server/security/secret-box';
import { MAX_VIEW_START_BYTES, viewStartPayload } from '../../../server/tracking/beacon-payloads';
import { ensureDeviceId } from '../../../server/tracking/device';
import { startView } from '../../../server/tracking/ingest';
import { networkHash } from '../../../server/tracking/network';
import { alertPolicy } from '../../../server/slack/policy';
import { classifyRequest, isAutomated } from '../../../server/tracking/request-classifier';
import { deviceLabel, HEARTBEAT_SECONDS, IDLE_CUTOFF_SECONDS } from '../../../server/tracking/rules';

export const prerender = false;

let serverKey: ReturnType<typeof loadSecretKey> | undefined;

export const POST: APIRoute = answerStorageFull(async ({ params, request, cookies, clientAddress, url }) => {
  const fetchSite = request.headers.get('sec-fetch-site');
  if (fetchSite && fetchSite !== 'same-origin') return jsonError(403, 'forbidden', 'Cross-site requests are refused.');
  if ((request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase() !== 'application/json') {
    return jsonError(415, 'unsupported_media_type', 'Send application/json.');
  }
  const body = await readBoundedBody(request, MAX_VIEW_START_BYTES);
  if (body === 'tooLarge') return jsonError(413, 'payload_too_large', `At most ${MAX_VIEW_START_BYTES} bytes.`);
  const raw = new TextDecoder().decode(body);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return jsonError(400, 'bad_request', 'The body is not JSON.');
  }
  const parsed = viewStartPayload.safeParse(json);
  if (!parsed.success) return jsonError(400, 'invalid_payload', describeIssues(parsed.error.issues));

  const userAgent = request.headers.get('user-agent');
  if (isAutomated(classifyRequest({ method: request.method, userAgent, headers: request.headers }))) {
    return jsonError(403, 'forbidden', 'Automated clients are not counted.');
  }

  const db = getDb();
  const access = loadProspectRoom(db, params.token ?? '');
  // A signed-in rep previewing the room: answer, but count nothing.
  if (access.status === 'active' && isInternalViewer({ cookies, url, request })) return jsonOk({ preview: true });
  if (access.status === 'unknown') return jsonError(404, 'not_found', 'No such link.');
  if (access.status !== 'active') return jsonError(410, 'gone', 'This link is no longer active.');
  const slug = parsed.data.slug;
  const entry = roomOffers(access.room, slug) ? await getDocument(slug) : undefined;
  if (!entry) return jsonError(404, 'not_found', 'No such document in this room.');
  const { headings } = await renderDocument(entry);

  serverKey ??= loadSecretKey();
  const started = startView(
    db,
    {
    scope: access.room,
    documentSlug: slug,
    documentCategory: entry.data.category,
    documentTitle: entry.data.title,
    sectionIds: headings.map((h) => h.slug),
    deviceId: ensureDeviceId(cookies, url.protocol === 'https:'),
    deviceLabel: deviceLabel(userAgent),
    networkHash: networkHash(serverKey, clientAddress),
    now: new Date(),
    },
    { delayMs: alertPolicy(db).delayMs },
  );
  return jsonOk(
    {
      viewId: started.viewId,
      beaconPath: `${url.pathname.replace(/\/$/, '')}/${started.viewId}`,
      heartbeatSeconds: HEARTBEAT_SECONDS,
      idleSeconds: IDLE_CUTOFF_SECONDS,
    },
    201,
    { 'Referrer-Policy': 'no-referrer', 'X-Robots-Tag': 'noindex' },
  );
});

export const ALL: APIRoute = () => jsonError(405, 'method_not_allowed', 'Views are started with POST.');

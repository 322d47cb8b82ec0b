// POST: the page script confirms a real reader (a trusted input event) and gets a view id for its
// beacons, or reports a page run by automation, which is recorded as a scanner (docs/adr/0004).
import type { APIRoute } from 'astro';
import { documentVersion } from '../../../server/documents/catalog';
import { getDb } from '../../../server/db/client';
import { answerStorageFull } from '../../../server/db/faults';
import { BODY_LIMITS } from '../../../server/http/body-limits';
import { readBoundedBody } from '../../../server/http/forms';
import { describeIssues, jsonError, jsonOk } from '../../../server/http/json';
import { loadProspectRoom, roomOffers } from '../../../server/rooms/prospect-room';
import { isInternalViewer } from '../../../server/rooms/prospect-request';
import { loadSecretKey } from '../../../server/security/secret-box';
import { viewStartPayload } from '../../../server/tracking/beacon-payloads';
import { ensureDeviceId } from '../../../server/tracking/device';
import { recordAutomatedOpen, startView } from '../../../server/tracking/ingest';
import { networkHash } from '../../../server/tracking/network';
import { alertPolicy } from '../../../server/slack/policy';
import { classifyRequest, isAutomated } from '../../../server/tracking/request-classifier';
import { headerAutomationMarkers, judgeViewStart, SCRIPT_SCANNER_LABEL } from '../../../server/tracking/presence';
import { deviceLabel, HEARTBEAT_SECONDS, IDLE_CUTOFF_SECONDS } from '../../../server/tracking/rules';
import { viewStartLimits } from '../../../server/tracking/view-start-limits';
import type { RateLimitDecision } from '../../../server/security/rate-limit';

export const prerender = false;

let serverKey: ReturnType<typeof loadSecretKey> | undefined;

export const POST: APIRoute = answerStorageFull(async ({ params, request, cookies, clientAddress, url }) => {
  const fetchSite = request.headers.get('sec-fetch-site');
  if (fetchSite && fetchSite !== 'same-origin') return jsonError(403, 'forbidden', 'Cross-site requests are refused.');
  if ((request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase() !== 'application/json') {
    return jsonError(415, 'unsupported_media_type', 'Send application/json.');
  }
  const body = await readBoundedBody(request, BODY_LIMITS.viewStart);
  if (body === 'tooLarge') return jsonError(413, 'payload_too_large', `At most ${BODY_LIMITS.viewStart} bytes.`);
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

  serverKey ??= loadSecretKey();
  const network = networkHash(serverKey, clientAddress);
  const now = new Date();
  const byNetwork = viewStartLimits.takeNetwork(network, now.getTime());
  if (!byNetwork.allowed) return tooMany(byNetwork);

  const db = getDb();
  const access = await loadProspectRoom(db, params.token ?? '');
  // A signed-in rep previewing the room: answer, but count nothing.
  if (access.status === 'active' && (await isInternalViewer({ cookies, url, request }))) return jsonOk({ preview: true });
  if (access.status === 'unknown') return jsonError(404, 'not_found', 'No such link.');
  if (access.status !== 'active') return jsonError(410, 'gone', 'This link is no longer active.');
  const byLink = viewStartLimits.takeLink(access.room.accessLinkId, now.getTime());
  if (!byLink.allowed) return tooMany(byLink);
  const slug = parsed.data.slug;
  // The version the page showed when it is one of this document's (a newer one may have been
  // published while the reader had the page open), else the current one.
  const current = roomOffers(access.room, slug) ? await documentVersion(access.room.documentVersions[slug]!) : undefined;
  const shown = parsed.data.versionId && current && parsed.data.versionId !== current.id ? await documentVersion(parsed.data.versionId) : undefined;
  const entry = shown && shown.slug === slug && shown.status !== 'draft' ? shown : current;
  if (!entry) return jsonError(404, 'not_found', 'No such document in this room.');

  const judgement = judgeViewStart({
    headerMarkers: headerAutomationMarkers(request.headers),
    pageMarkers: parsed.data.automation ?? [],
    input: parsed.data.input ?? null,
  });
  if (judgement.kind === 'scanner') {
    await recordAutomatedOpen(db, access.room, slug, SCRIPT_SCANNER_LABEL, now);
    return jsonOk({ scanner: true }, 202);
  }
  if (judgement.kind === 'no-presence') return jsonError(422, 'invalid_payload', 'A view starts only after the reader scrolls, types, touches, clicks or moves the pointer (input).');

  const started = await startView(
    db,
    {
    scope: access.room,
    documentSlug: slug,
    documentCategory: entry.category,
    documentTitle: entry.title,
    documentVersionId: entry.id,
    sectionIds: entry.headings.map((h) => h.slug),
    deviceId: ensureDeviceId(cookies, url.protocol === 'https:'),
    deviceLabel: deviceLabel(userAgent),
    networkHash: network,
    now,
    },
    { delayMs: (await alertPolicy(db)).delayMs },
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

function tooMany(decision: RateLimitDecision & { allowed: false }): Response {
  const response = jsonError(429, 'rate_limited', `Too many views started; try again in ${decision.retryAfterSeconds} s.`);
  response.headers.set('Retry-After', String(decision.retryAfterSeconds));
  return response;
}

export const ALL: APIRoute = () => jsonError(405, 'method_not_allowed', 'Views are started with POST.');

// POST: the print-all page's script reports that the room is being printed (the browser's
// beforeprint). Each document counts as printed, like a single document's print, but only from a
// browser that showed a person on this link (presence.ts), as downloads do.
import type { APIRoute } from 'astro';
import { getDb } from '../../../server/db/client';
import { answerStorageFull } from '../../../server/db/faults';
import { jsonError, jsonOk } from '../../../server/http/json';
import { loadProspectRoom } from '../../../server/rooms/prospect-room';
import { isInternalViewer } from '../../../server/rooms/prospect-request';
import { deviceIdFrom } from '../../../server/tracking/device';
import { recordRoomPrint } from '../../../server/tracking/ingest';
import { headerAutomationMarkers } from '../../../server/tracking/presence';
import { classifyRequest, isAutomated } from '../../../server/tracking/request-classifier';

export const prerender = false;

export const POST: APIRoute = answerStorageFull(async ({ params, request, cookies, url }) => {
  const fetchSite = request.headers.get('sec-fetch-site');
  if (fetchSite && fetchSite !== 'same-origin') return jsonError(403, 'forbidden', 'Cross-site requests are refused.');
  const automated = isAutomated(classifyRequest({ method: request.method, userAgent: request.headers.get('user-agent'), headers: request.headers }));
  if (automated || headerAutomationMarkers(request.headers).length > 0) return jsonError(403, 'forbidden', 'Automated clients are not counted.');

  const db = getDb();
  const access = await loadProspectRoom(db, params.token ?? '');
  if (access.status === 'unknown') return jsonError(404, 'not_found', 'No such link.');
  if (access.status !== 'active') return jsonError(410, 'gone', 'This link is no longer active.');
  // A signed-in rep printing the room: answer, but count nothing.
  if (await isInternalViewer({ cookies, url, request })) return jsonOk({ preview: true });
  const result = await recordRoomPrint(db, access.room, access.room.documentSlugs, deviceIdFrom(cookies), new Date());
  return jsonOk(result, result.counted ? 201 : 202, { 'Referrer-Policy': 'no-referrer', 'X-Robots-Tag': 'noindex' });
});

export const ALL: APIRoute = () => jsonError(405, 'method_not_allowed', 'A print is reported with POST.');

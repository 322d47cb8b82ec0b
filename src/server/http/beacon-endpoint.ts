// The reading beacon, served by plain node:http ahead of Astro: it arrives every few seconds per
// reader, and Astro's request pipeline would cost more than the work itself (docs/adr/0003).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RingiDb } from '../db/client';
import { FaultLog, isStorageFull, STORAGE_FULL_MESSAGE, STORAGE_FULL_RETRY_AFTER_SECONDS, storageFullLog } from '../db/faults';
import { queueHeartbeat } from '../tracking/ingest';
import { activeLinkScope } from '../tracking/link-scope';
import { readBeacon, sendBeaconAnswer as send } from './beacon-request';

/**
 * Applies one beacon; every refusal is a 4xx with the JSON error shape and changes nothing. A full
 * disk is a 503 with Retry-After (the script sends its running totals again later).
 */
export async function handleBeacon(
  db: RingiDb,
  req: IncomingMessage,
  res: ServerResponse,
  target: { token: string; viewId: string },
  now: () => Date = () => new Date(),
  faults: FaultLog = storageFullLog,
): Promise<void> {
  const beacon = await readBeacon(req, res);
  if (!beacon) return;

  const at = now();
  const scope = await activeLinkScope(db, target.token, at);
  if (!scope) return send(res, 404, 'not_found', 'No such view.');
  let result: Awaited<ReturnType<typeof queueHeartbeat>>;
  try {
    result = await queueHeartbeat(db, { scope, viewId: target.viewId, beacon, now: at });
  } catch (error) {
    if (!isStorageFull(error)) throw error;
    faults.report(at.getTime());
    res.setHeader('Retry-After', String(STORAGE_FULL_RETRY_AFTER_SECONDS));
    return send(res, 503, 'unavailable', STORAGE_FULL_MESSAGE);
  }
  if (result === 'not-found') return send(res, 404, 'not_found', 'No such view.');
  if (result === 'unknown-section') return send(res, 422, 'unknown_section', 'A section is not part of this document.');
  send(res, 204);
}

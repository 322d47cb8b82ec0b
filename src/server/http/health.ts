// GET /healthz for a load balancer in front of several instances: 200 while this instance's database
// answers a query, 503 (the JSON error shape) when it does not or takes too long, so the balancer sends
// traffic elsewhere. Nothing about the database or the configuration is in the answer.
import type { RingiDb } from '../db/client';
import { jobLeases } from '../db/tables';
import { jsonError, jsonOk } from './json';

export const HEALTH_TIMEOUT_MS = 3_000;

/** Whether a trivial read (on one of Ringi's own tables, so a missing schema fails too) returns in time. */
export async function databaseAnswers(db: RingiDb, timeoutMs = HEALTH_TIMEOUT_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  const read = (async () => {
    await db.select({ name: jobLeases.name }).from(jobLeases).limit(1);
    return true;
  })().catch(() => false);
  try {
    return await Promise.race([read, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function healthResponse(db: RingiDb, timeoutMs = HEALTH_TIMEOUT_MS): Promise<Response> {
  if (await databaseAnswers(db, timeoutMs)) return jsonOk({ status: 'ok' });
  const response = jsonError(503, 'unavailable', 'The database does not answer.');
  response.headers.set('Retry-After', '5');
  return response;
}

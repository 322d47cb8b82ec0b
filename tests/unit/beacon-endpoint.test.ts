// The beacon path over real HTTP on loopback: every refusal is a 4xx in the JSON error shape.
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { documentViews } from '../../src/server/db/tables';
import { handleBeacon } from '../../src/server/http/beacon-endpoint';
import { matchBeaconPath } from '../../src/server/http/beacon-request';
import { startView } from '../../src/server/tracking/ingest';
import { useBeaconServer } from './support/beacon-server';
import { useTempDatabase } from './support/temp-db';
import { seedTrackingFixture } from './support/tracking-fixture';
import { changeLastCharacter } from './support/tamper';

const db = useTempDatabase();
const world = await seedTrackingFixture(db);
const viewStartedAt = new Date(Date.now() - 60_000);
const view = await startView(db, { scope: world.yamada.scope, documentSlug: 'pricing', sectionIds: ['plans'], deviceId: 'a'.repeat(26), deviceLabel: '', networkHash: null, now: viewStartedAt });
const server = useBeaconServer((req, res, target) => handleBeacon(db, req, res, target));

const stored = async () => (await db.select().from(documentViews).where(eq(documentViews.id, view.viewId)).limit(1))[0]!;
function post(path: string, body: string, contentType = 'application/json', method = 'POST') {
  return fetch(`${server.base()}${path}`, { method, headers: { 'Content-Type': contentType }, body: method === 'GET' ? undefined : body });
}
const beaconPath = (token = world.yamada.token, viewId = view.viewId) => `/r/${token}/views/${viewId}`;

describe('beacon endpoint', () => {
  it('matches only the exact beacon path', () => {
    expect(matchBeaconPath(beaconPath())).toEqual({ token: world.yamada.token, viewId: view.viewId });
    expect(matchBeaconPath(`${beaconPath()}/x`)).toBeNull();
    expect(matchBeaconPath(`/r/${world.yamada.token}/views`)).toBeNull();
  });

  it('applies a valid beacon with 204', async () => {
    const response = await post(beaconPath(), JSON.stringify({ seq: 1, activeSeconds: 30, maxScrollPercent: 40, sections: { plans: 20 } }));
    expect(response.status).toBe(204);
    expect(await stored()).toMatchObject({ activeSeconds: 30, maxScrollPercent: 40, lastSequence: 1 });
  });

  it('clamps time longer than the view has existed', async () => {
    const response = await post(beaconPath(), JSON.stringify({ seq: 2, activeSeconds: 86_000, maxScrollPercent: 40 }));
    expect(response.status).toBe(204);
    expect((await stored()).activeSeconds).toBeLessThanOrEqual(Math.ceil((Date.now() - viewStartedAt.getTime()) / 1000) + 5);
  });

  it.each([
    ['negative time', JSON.stringify({ seq: 9, activeSeconds: -5, maxScrollPercent: 0 }), 'application/json', 400, 'invalid_payload'],
    ['not JSON', '{seq:', 'application/json', 400, 'bad_request'],
    ['text/plain', JSON.stringify({ seq: 9, activeSeconds: 5, maxScrollPercent: 0 }), 'text/plain', 415, 'unsupported_media_type'],
    ['too large', JSON.stringify({ seq: 9, activeSeconds: 5, maxScrollPercent: 0, pad: 'x'.repeat(9000) }), 'application/json', 413, 'payload_too_large'],
    ['unknown section', JSON.stringify({ seq: 9, activeSeconds: 5, maxScrollPercent: 0, sections: { invented: 1 } }), 'application/json', 422, 'unknown_section'],
  ])('refuses %s and changes nothing', async (_name, body, type, status, code) => {
    const before = await stored();
    const response = await post(beaconPath(), body, type);
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: { code, message: expect.any(String) } });
    expect(await stored()).toEqual(before);
  });

  it('refuses a view presented with another link (forged), and a wrong secret', async () => {
    const before = await stored();
    const valid = JSON.stringify({ seq: 50, activeSeconds: 40, maxScrollPercent: 90 });
    expect((await post(beaconPath(world.suzuki.token), valid)).status).toBe(404);
    const [id, secret] = world.yamada.token.split('.') as [string, string];
    const wrongSecret = `${id}.${changeLastCharacter(secret)}`;
    expect((await post(beaconPath(wrongSecret), valid)).status).toBe(404);
    expect((await post(beaconPath(world.yamada.token, 'b'.repeat(26)), valid)).status).toBe(404);
    expect(await stored()).toEqual(before);
  });

  it('answers 405 to other methods', async () => {
    expect((await fetch(`${server.base()}${beaconPath()}`, { method: 'PUT', body: '{}' })).status).toBe(405);
  });
});

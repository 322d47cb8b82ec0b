// A loopback node:http server in front of handleBeacon, as main.ts routes beacons, for the tests of
// the beacon endpoint. Started before the file's tests, closed after them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { matchBeaconPath } from '../../../src/server/http/beacon-request';

export function useBeaconServer(handle: (req: http.IncomingMessage, res: http.ServerResponse, target: { token: string; viewId: string }) => Promise<void>): { base: () => string } {
  let base = '';
  let server: http.Server;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const target = matchBeaconPath(req.url ?? '');
      if (!target) return void res.writeHead(404).end();
      void handle(req, res, target);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { base: () => base };
}

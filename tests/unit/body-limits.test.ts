// The one table of body caps and the one capped reader that request-guard.ts, forms.ts and
// beacon-request.ts share: announced or streamed, refused as soon as the body passes its cap.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMITS, BodyTooLarge, bodyLimitFor, cappedChunks, readCappedBody } from '../../src/server/http/body-limits';
import { readBeacon } from '../../src/server/http/beacon-request';

async function* chunksOf(...sizes: number[]) {
  for (const size of sizes) yield new Uint8Array(size).fill(97);
}

describe('body limits', () => {
  it('caps each route from the one table; every other route takes a text form', () => {
    expect(bodyLimitFor('/r/abc.def/views')).toBe(BODY_LIMITS.viewStart);
    expect(bodyLimitFor('/admin/settings')).toBe(BODY_LIMITS.settingsForm);
    expect(bodyLimitFor('/admin/documents/publish/')).toBe(BODY_LIMITS.documentUpload);
    expect(bodyLimitFor('/admin/settings/api')).toBe(BODY_LIMITS.textForm);
    expect(bodyLimitFor('/api/v1/accounts')).toBe(BODY_LIMITS.textForm);
  });

  it('reads a body up to its cap and refuses the first byte past it, streamed or announced', async () => {
    expect(await readCappedBody(chunksOf(600, 424), null, 1024)).toEqual(Buffer.alloc(1024, 97));
    let unread: AsyncIterator<Uint8Array> | null | undefined;
    expect(await readCappedBody(chunksOf(600, 425), null, 1024, (rest) => (unread = rest))).toBe('tooLarge');
    expect(unread).toBeTruthy(); // the caller is handed the rest, to drain or cancel
    let opened = false;
    const never = { [Symbol.asyncIterator]: () => ((opened = true), chunksOf(1)) };
    expect(await readCappedBody(never, '1025', 1024, (rest) => (unread = rest))).toBe('tooLarge');
    expect(opened).toBe(false); // an announced length past the cap is refused before any read
    expect(unread).toBeNull();
  });

  it('passes chunks on as they come and throws once they pass the cap', async () => {
    const seen: number[] = [];
    const reading = (async () => {
      for await (const chunk of cappedChunks(chunksOf(10, 10, 10, 10), 25)) seen.push(chunk.byteLength);
    })();
    await expect(reading).rejects.toBeInstanceOf(BodyTooLarge);
    expect(seen).toEqual([10, 10]);
  });
});

describe('a beacon past its cap', () => {
  let server: http.Server;
  let port = 0;
  beforeAll(async () => {
    server = http.createServer(async (req, res) => {
      if (await readBeacon(req, res)) res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is refused with 413 and its rest drained, so the same connection serves the next beacon', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (body: Buffer) =>
      new Promise<{ status: number; socket: unknown }>((resolve, reject) => {
        const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, socket: request.socket }));
        });
        request.on('error', reject);
        // Streamed in pieces, announcing no length: only the running count can refuse it.
        for (let at = 0; at < body.length; at += 16 * 1024) request.write(body.subarray(at, at + 16 * 1024));
        request.end();
      });
    const valid = Buffer.from(JSON.stringify({ seq: 1, activeSeconds: 5, maxScrollPercent: 0 }));
    const first = await send(valid);
    expect(first.status).toBe(204);
    expect((await send(Buffer.alloc(2 * 1024 * 1024, 32))).status).toBe(413);
    const after = await send(valid);
    expect(after.status).toBe(204);
    expect(after.socket).toBe(first.socket);
    agent.destroy();
  });
});

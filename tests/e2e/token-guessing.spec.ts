// Guessing access-link tokens (src/server/http/token-guessing.ts): after a burst of unknown tokens
// one network gets 429 with Retry-After on every /r/ path (an HTML page, or the JSON error shape on
// the JSON endpoints), even for a real link; a real link from another network still opens. Runs on
// a second server so the shared one's 127.0.0.0/24 budget stays whole for the other specs; the
// guesses come from a loopback network of their own (127.x.y.1).
import crypto from 'node:crypto';
import http from 'node:http';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { expect, test } from './support/fixtures';
import { E2E_HOST } from './support/env';
import { startSecondServer, type SecondServer } from './support/second-server';

/** src/server/http/token-guessing.ts */
const MISS_BURST = 60;

let server: SecondServer;

test.beforeAll(async () => {
  test.setTimeout(90_000);
  server = await startSecondServer({});
});

test.afterAll(async () => {
  await server?.stop();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(localAddress: string, method: 'GET' | 'POST', path: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: E2E_HOST,
        port: server.port,
        localAddress,
        agent: false,
        method,
        path,
        headers: { 'User-Agent': 'Mozilla/5.0 ringi-e2e', ...(body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A well-formed token no link has. */
const randomToken = () => `${encodeBase32LowerCaseNoPadding(crypto.randomBytes(10))}.${encodeBase32LowerCaseNoPadding(crypto.randomBytes(20))}`;
const network = () => `127.${1 + crypto.randomInt(254)}.${crypto.randomInt(256)}.1`;

test('a network that guesses tokens gets 429 with Retry-After on every /r/ path, while real links from other networks still open', async () => {
  test.setTimeout(120_000);
  const guesser = network();
  let reader = network();
  while (reader.split('.').slice(0, 3).join('.') === guesser.split('.').slice(0, 3).join('.')) reader = network();
  const real = `/r/${server.fixtures.tokens.jaActive}`;

  // The burst of misses is answered as usual (404)...
  const statuses: number[] = [];
  for (let i = 0; i < MISS_BURST * 2 && statuses.at(-1) !== 429; i++) statuses.push((await send(guesser, 'GET', `/r/${randomToken()}`)).status);
  expect(statuses.slice(0, MISS_BURST)).toEqual(Array(MISS_BURST).fill(404));
  // ...then the network is refused, with a page in both languages that says how long to wait.
  const page = await send(guesser, 'GET', `/r/${randomToken()}/d/pricing`);
  expect(page.status).toBe(429);
  const wait = Number(page.headers['retry-after']);
  expect(wait).toBeGreaterThan(0);
  expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(page.headers['referrer-policy']).toBe('no-referrer');
  expect(page.body).toContain('しばらくお待ちください');
  expect(page.body).toContain('Please wait a moment');
  // A right guess earns no answer either: the real link is refused from this network.
  expect((await send(guesser, 'GET', real)).status).toBe(429);
  // The JSON endpoints (view starts, a printed room) answer with the JSON error shape.
  for (const endpoint of ['views', 'prints']) {
    const json = await send(guesser, 'POST', `/r/${randomToken()}/${endpoint}`, JSON.stringify({ slug: 'pricing' }));
    expect(json.status).toBe(429);
    expect(Number(json.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(json.body)).toEqual({ error: { code: 'rate_limited', message: expect.stringContaining('Retry after') } });
  }

  // Another network opens the real link, and its own misses are counted apart.
  const room = await send(reader, 'GET', real);
  expect(room.status).toBe(200);
  expect(room.body).toContain('<h1>');
  expect((await send(reader, 'GET', `/r/${randomToken()}`)).status).toBe(404);
});

test('404s behind a working link (a document not in the room) are not counted as guesses', async () => {
  const reader = network();
  const token = server.fixtures.tokens.jaActive;
  for (let i = 0; i < MISS_BURST + 5; i++) expect((await send(reader, 'GET', `/r/${token}/d/no-such-document-${i}`)).status).toBe(404);
  expect((await send(reader, 'GET', `/r/${token}`)).status).toBe(200);
});

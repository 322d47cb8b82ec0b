// A webhook receiver on loopback for tests: records every request and answers what the test says.
// Its signature check is written from the Standard Webhooks specification with WebCrypto, apart
// from Ringi's own signing code (src/server/webhooks/signature.ts), so a mistake there cannot hide.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  /** The signature checked with the endpoint secret the test gave, when one was given. */
  verified: boolean | null;
}

/** Standard Webhooks verification: base64 HMAC-SHA256 of "id.timestamp.body" with the key after whsec_, any v1 entry matching. */
export async function verifyStandardWebhook(secret: string, id: string, timestamp: string, body: string, signatureHeader: string, nowSeconds = Date.now() / 1000): Promise<boolean> {
  if (!secret.startsWith('whsec_')) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const key = await globalThis.crypto.subtle.importKey('raw', Buffer.from(secret.slice('whsec_'.length), 'base64'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await globalThis.crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  const expected = Buffer.from(mac).toString('base64');
  return signatureHeader.split(' ').some((entry) => {
    const [version, value] = entry.split(',');
    return version === 'v1' && value === expected;
  });
}

export async function startWebhookReceiver(options: { secret?: () => string | null; status?: () => number; now?: () => Date } = {}) {
  const received: ReceivedWebhook[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const header = (name: string) => String(req.headers[name] ?? '');
        const secret = options.secret?.() ?? null;
        const nowSeconds = (options.now?.() ?? new Date()).getTime() / 1000;
        received.push({
          id: header('webhook-id'),
          timestamp: header('webhook-timestamp'),
          signature: header('webhook-signature'),
          body,
          verified: secret ? await verifyStandardWebhook(secret, header('webhook-id'), header('webhook-timestamp'), body, header('webhook-signature'), nowSeconds) : null,
        });
        res.writeHead(options.status?.() ?? 204).end();
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    events: () => received.map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

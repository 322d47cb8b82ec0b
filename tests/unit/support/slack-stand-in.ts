// A real HTTP server on loopback standing in for Slack's incoming webhooks. It records every request
// it answered and replies with scripted statuses (200 by default).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer (the connection hangs until the client gives up or the server closes). */
  hang?: boolean;
}

export interface ReceivedMessage {
  path: string;
  status: number;
  body: { text: string; blocks: unknown[] };
}

export interface SlackStandIn {
  url: string;
  received: ReceivedMessage[];
  /** Messages Slack accepted (answered 200). */
  delivered: () => ReceivedMessage[];
  script: (...replies: ScriptedReply[]) => void;
  close: () => Promise<void>;
}

/** `port`: listen there (a stand-in started again on the same port is Slack coming back after an outage). */
export async function startSlackStandIn(port = 0): Promise<SlackStandIn> {
  const received: ReceivedMessage[] = [];
  const queue: ScriptedReply[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = queue.shift() ?? { status: 200, body: 'ok' };
      if (reply.hang) return;
      received.push({ path: req.url ?? '', status: reply.status, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(reply.status, { 'Content-Type': 'text/plain', ...reply.headers }).end(reply.body ?? (reply.status === 200 ? 'ok' : 'error'));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const listening = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${listening}/services/T000/B000/stand-in-secret`,
    received,
    delivered: () => received.filter((r) => r.status === 200),
    script: (...replies) => queue.push(...replies),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Ringi's production server: reading beacons on a plain node:http path, everything else through
// Astro's node adapter (static files and SSR pages). Built to dist/ringi-server.mjs by `npm run build`.
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { config } from '../config';
import { getDb } from '../db/client';
import { alertPolicy } from '../slack/policy';
import { deliver } from '../slack/sender';
import { startSlackWorker } from '../slack/worker';
import { handleBeacon, matchBeaconPath } from './beacon-endpoint';

type NodeHandler = (req: http.IncomingMessage, res: http.ServerResponse, next?: (error?: unknown) => void) => void;

async function main(): Promise<void> {
  const db = getDb(); // migrate before the first request, not during it
  process.env.ASTRO_NODE_AUTOSTART = 'disabled';
  const astroEntry = pathToFileURL(path.resolve(process.env.RINGI_ASTRO_ENTRY ?? 'dist/server/entry.mjs')).href;
  const { handler } = (await import(astroEntry)) as { handler: NodeHandler };

  const server = http.createServer((req, res) => {
    const beacon = req.method === 'POST' || req.method === 'PUT' ? matchBeaconPath((req.url ?? '/').split('?')[0]!) : null;
    if (beacon) {
      handleBeacon(db, req, res, beacon).catch((error: unknown) => {
        console.error('beacon failed:', error instanceof Error ? error.message : error);
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    handler(req, res, (error?: unknown) => {
      if (error) console.error('request failed:', error instanceof Error ? error.message : error);
      if (!res.headersSent) res.writeHead(error ? 500 : 404).end();
    });
  });

  const host = process.env.HOST ?? '127.0.0.1';
  const port = Number(process.env.PORT ?? 4321);
  server.listen(port, host, () => console.log(`Ringi listening on http://${host}:${port}`));

  const slackWorker = startSlackWorker(
    {
      db,
      now: () => new Date(),
      policy: () => alertPolicy(db),
      webhookFor: () => process.env.RINGI_SLACK_WEBHOOK_URL || null,
      deliver,
      publicBaseUrl: config.publicBaseUrl,
    },
    Number(process.env.RINGI_SLACK_WORKER_INTERVAL_MS ?? 5000),
  );
  const stop = () => {
    server.close();
    void slackWorker.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(`ringi: cannot start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

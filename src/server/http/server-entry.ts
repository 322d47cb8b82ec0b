// What `npm start` runs: the server entry of Astro's own build (dist/server/entry.mjs calls `start`),
// so this file, main.ts and every page share one copy of each module and one database connection.
// Astro's node adapter still serves the static files and the pages; Ringi's pipeline (main.ts) sits
// in front of it on the same node:http server (docs/adr/0016).
import http from 'node:http';
import { createExports } from '@astrojs/node/server.js';
import type { SSRManifest } from 'astro';
import { NodeApp } from 'astro/app/node';
import { startRingi, type RingiServer } from './main';
import type { TemplateRenderer } from './prospect-page-cache';

type AdapterOptions = Parameters<typeof createExports>[1];

export function start(manifest: SSRManifest, options: AdapterOptions): void {
  startRingi({ renderPage: templateRenderer(new NodeApp(manifest)) }).then(
    (ringi) => listen(ringi, createExports(manifest, options).handler), // the standalone adapter: static files, then pages
    (error: unknown) => {
      console.error(`ringi: cannot start: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}

function listen(ringi: RingiServer, astroHandler: (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>): void {
  const astro: http.RequestListener = (req, res) => void astroHandler(req, res);
  const server = http.createServer((req, res) => ringi.handle(req, res, astro));
  const host = process.env.HOST ?? '127.0.0.1';
  const port = Number(process.env.PORT ?? 4321);
  server.listen(port, host, () => console.log(`Ringi listening on http://${host}:${port}`));
  const stop = () => {
    server.close();
    void ringi.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/**
 * A prospect page's template rendered by Astro's App straight into a Response, from no request
 * (docs/adr/0006). The room travels in `locals`, which no request can set.
 */
function templateRenderer(app: NodeApp): TemplateRenderer {
  return async (path, room) => {
    const request = new Request(`http://127.0.0.1${path}`);
    const routeData = app.match(request);
    if (!routeData) return null;
    return app.render(request, { routeData, locals: { templateRoom: room }, addCookieHeader: true });
  };
}

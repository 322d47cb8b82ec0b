// Ringi's server inside Astro, so that its modules exist once per process (docs/adr/0016):
// - `astro build`: @astrojs/node (standalone) with server-entry.ts as its server entry point, so
//   Astro bundles the server with the pages and dist/server/entry.mjs starts the whole product;
// - `astro dev`: the same pipeline (main.ts) in front of Astro's dev handler, loaded through the dev
//   server's module graph, the one the pages are loaded through.
import type http from 'node:http';
import { fileURLToPath } from 'node:url';
import node from '@astrojs/node';
import type { AstroIntegration } from 'astro';
import type { ViteDevServer } from 'vite';
import type { RingiServer } from './main';

type Hooks = AstroIntegration['hooks'];

export default function ringiServer(): AstroIntegration {
  const adapter = node({ mode: 'standalone' });
  const adapterConfigDone = adapter.hooks['astro:config:done']!;
  let dev: DevServer | undefined;
  return {
    name: 'ringi-server',
    hooks: {
      ...adapter.hooks,
      'astro:config:done': (params) =>
        adapterConfigDone({
          ...params,
          // The adapter as @astrojs/node defines it, but Astro's entry starts Ringi's server instead
          // (and exports nothing, so `astro preview`, which would import the adapter's exports, is off).
          setAdapter: (definition) =>
            params.setAdapter({
              ...definition,
              serverEntrypoint: fileURLToPath(new URL('src/server/http/server-entry.ts', params.config.root)),
              exports: undefined,
              previewEntrypoint: undefined,
            }),
        }),
      'astro:server:setup': ({ server }) => {
        dev = new DevServer(server);
      },
      // Started with the dev server, not on its first request: the Slack worker and the purge run from the start.
      'astro:server:start': async () => {
        await dev?.ringi().catch(reportStartFailure);
      },
    } satisfies Hooks,
  };
}

const MAIN = '/src/server/http/main.ts';

/**
 * `astro dev`: every request passes through Ringi's pipeline first; what it does not answer goes on
 * to Astro. When an edit reloads main.ts (or a module it imports) the old instance is stopped and a
 * new one started, so the pipeline and the pages never hold two copies of a module.
 */
class DevServer {
  private current: { module: unknown; ringi: Promise<RingiServer> } | undefined;

  constructor(private readonly server: ViteDevServer) {
    server.middlewares.use((req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => {
      this.ringi().then(
        (ringi) => ringi.handle(req, res, () => next()),
        (error: unknown) => {
          reportStartFailure(error);
          res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Ringi could not start: see the dev server\'s log.\n');
        },
      );
    });
    server.httpServer?.once('close', () => void this.current?.ringi.then((ringi) => ringi.stop()));
  }

  async ringi(): Promise<RingiServer> {
    const module = (await this.server.ssrLoadModule(MAIN)) as typeof import('./main');
    if (this.current?.module !== module) {
      void this.current?.ringi.then((ringi) => ringi.stop(), () => undefined);
      this.current = { module, ringi: module.startRingi() };
    }
    return this.current.ringi;
  }
}

function reportStartFailure(error: unknown): void {
  console.error(`ringi: cannot start: ${error instanceof Error ? error.message : String(error)}`);
}

// @ts-check
import { defineConfig } from 'astro/config';
import ringiServer from './src/server/http/astro-integration';

const port = Number(process.env.PORT ?? 4321);
// Astro's origin check compares against the request host; without allowedDomains the
// node adapter ignores the Host header and same-origin form POSTs from 127.0.0.1 fail.
const publicHosts = (process.env.RINGI_ALLOWED_HOSTS ?? '127.0.0.1,localhost')
  .split(',')
  .map((h) => h.trim())
  .filter(Boolean);

export default defineConfig({
  output: 'server',
  // @astrojs/node with Ringi's server as the entry point, and Ringi's pipeline in `astro dev` (docs/adr/0016).
  adapter: ringiServer(),
  server: { host: process.env.HOST ?? '127.0.0.1', port },
  security: {
    checkOrigin: true,
    allowedDomains: publicHosts.map((hostname) => ({ hostname })),
  },
  // External stylesheets only, so the Content-Security-Policy needs no 'unsafe-inline'.
  build: { inlineStylesheets: 'never' },
  vite: { build: { assetsInlineLimit: 0 } },
  devToolbar: { enabled: false },
  // No Markdown here: documents are rendered and sanitised when a version is published (docs/adr/0018).
});

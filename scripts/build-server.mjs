// Bundles src/server/http/main.ts into dist/ringi-server.mjs (packages stay external, from node_modules).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/server/http/main.ts'],
  outfile: 'dist/ringi-server.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});

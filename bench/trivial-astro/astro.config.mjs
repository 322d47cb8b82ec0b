// @ts-check
// "Astro's own trivial SSR page": the baseline the document page is compared with in
// bench/document-page.mjs. Same Astro, same @astrojs/node standalone adapter as Ringi, one page.
// Built by the benchmark into a throwaway directory under bench/trivial-astro/dist/ (inside the repo so
// the server bundle resolves packages from the repo's node_modules).
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';

const outDir = process.env.BENCH_TRIVIAL_OUT_DIR ?? './dist/manual';

export default defineConfig({
  output: 'server',
  adapter: node({ mode: 'standalone' }),
  outDir,
  cacheDir: `${outDir}/.cache`,
  devToolbar: { enabled: false },
  vite: { cacheDir: `${outDir}/.vite` },
});

#!/usr/bin/env node
// Benchmark: a prospect document page (/r/<token>/d/<slug>) against two baselines measured in the
// same run, because absolute numbers mean little on a noisy machine:
//   trivial  Astro's own trivial SSR page: a separate one-page Astro project (bench/trivial-astro/),
//            same Astro, same @astrojs/node standalone adapter, `prerender = false`.
//   document Ringi's prospect document page, served by the built app (dist/).
//   raw      a bare node:http server doing the same token lookup (same SQL, same SHA-256 and
//            constant-time compare) and answering with the exact bytes the document page returned.
// Load comes from wrk (HTTP/1.1 keep-alive, 50 connections by default) on 127.0.0.1 only.
// Targets (information, not an assertion): document >= 0.8x trivial req/s, document p99 < 50 ms.
//
//   npm run bench                       (bench/run.mjs runs every benchmark in bench/)
//   npm run bench -- document-page [options]
//   node bench/document-page.mjs [--duration 10] [--warmup 3] [--rounds 3] [--connections 50]
//        [--threads 1] [--slug <slug>] [--server ringi|astro] [--no-build] [--cpu-prof <dir>]
//
// Besides req/s and latency it reports each server's CPU time per request (from /proc, Linux), which
// other processes on a busy machine disturb much less than throughput. --cpu-prof <dir> writes a V8
// CPU profile of the Ringi server (open it in Chrome DevTools or speedscope).
// Exit status: 0 when the measurements were taken (whatever they say), 1 when something broke,
// 2 on bad usage or missing wrk. Every server it starts is stopped and every temp file removed,
// on success, on error and on Ctrl-C.
import fs from 'node:fs';
import path from 'node:path';
import {
  appEnvironment,
  benchDir,
  bin,
  buildIfStale,
  cpuProfileFlags,
  finishReport,
  fmtCpuUs,
  fmtMs,
  fmtRatio,
  freePort,
  lastJsonLine,
  loadAverageLine,
  log,
  machineLine,
  measureRounds,
  onCleanup,
  parseOptions,
  perRound,
  printTable,
  removeOnExit,
  root,
  run,
  runAndExit,
  runWrk,
  startRun,
  startServer,
  summarize,
  usage,
  waitUntilAnswering,
} from './support/harness.mjs';

const trivialRoot = path.join(benchDir, 'trivial-astro');

const TARGET_RATIO = 0.8;
const TARGET_P99_MS = 50;
// A person's browser: without a user agent the page classifies the request as a tool and writes an
// "automated open" to the database on every hit, which is not what a prospect's visit costs.
const BROWSER_HEADERS = {
  'User-Agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'Accept-Language': 'ja,en-US;q=0.8,en;q=0.6',
};

// ── options ──────────────────────────────────────────────────────────────────────────────────────
const settings = parseOptions('document-page', import.meta.url, {
  slug: { type: 'string' },
  server: { type: 'string', default: 'ringi' },
});
const { options, rounds, duration, warmup, connections, threads } = settings;
if (options.server !== 'ringi' && options.server !== 'astro') usage('--server must be "ringi" (dist/ringi-server.mjs, what `npm start` runs) or "astro" (dist/server/entry.mjs)');
if (threads > connections) usage('--threads must not exceed --connections');

// The trivial page's builds go to bench/trivial-astro/dist/run-*; the dist/ itself only if empty.
onCleanup(() => {
  const trivialDist = path.join(trivialRoot, 'dist');
  if (fs.existsSync(trivialDist) && fs.readdirSync(trivialDist).length === 0) fs.rmdirSync(trivialDist);
});

// ── helpers ──────────────────────────────────────────────────────────────────────────────────────
async function get(url) {
  const response = await fetch(url, { headers: BROWSER_HEADERS, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

function chooseSlug() {
  const contentDir = path.join(root, 'content');
  const documents = fs.existsSync(contentDir)
    ? fs.readdirSync(contentDir).filter((f) => f.endsWith('.md')).map((f) => ({ slug: f.slice(0, -3), size: fs.statSync(path.join(contentDir, f)).size }))
    : [];
  if (documents.length === 0) throw new Error('content/ has no .md document to benchmark');
  if (options.slug) {
    if (!documents.some((d) => d.slug === options.slug)) throw new Error(`content/${options.slug}.md does not exist`);
    return { slug: options.slug, documents };
  }
  // The largest real document (the most Markdown to render, if anything rendered it per request);
  // zz-* scratch files only when nothing else exists.
  const real = documents.filter((d) => !d.slug.startsWith('zz-'));
  const pool = real.length > 0 ? real : documents;
  pool.sort((a, b) => b.size - a.size || a.slug.localeCompare(b.slug));
  return { slug: pool[0].slug, documents };
}

/** One wrk run: GETs of `url` as a person's browser. */
function wrk(url, seconds) {
  const args = [];
  for (const [name, value] of Object.entries(BROWSER_HEADERS)) args.push('-H', `${name}: ${value}`);
  return runWrk(settings, seconds, [...args, url]);
}

// ── the run ──────────────────────────────────────────────────────────────────────────────────────
const { version, tmp } = startRun('ringi-bench-');

async function main() {
  const { slug, documents } = chooseSlug();
  const markdownBytes = documents.find((d) => d.slug === slug).size;
  log(`document: content/${slug}.md (${markdownBytes} bytes of Markdown)`);

  // 1. The app, built from the current sources if dist/ is missing or older than them.
  buildIfStale(options['no-build']);

  // 2. A fresh database, migrated and seeded by the project's own code; the link's token and the SQL
  //    loadProspectRoom prepares come back for the raw baseline.
  const databasePath = path.join(tmp, 'ringi.db');
  const appEnv = appEnvironment(databasePath);
  const roomSlugs = [slug, ...documents.map((d) => d.slug).filter((s) => s !== slug)].slice(0, 7);
  const seeded = lastJsonLine(run(bin('tsx'), [path.join(benchDir, 'support', 'prepare-db.ts'), databasePath, slug, roomSlugs.join(',')], { env: appEnv, timeout: 120_000 }));
  log(`seeded ${databasePath} (room offers ${roomSlugs.length} documents)`);

  // 3. Astro's trivial SSR page, built into a throwaway directory inside the repo (so its server bundle
  //    resolves astro, @astrojs/node etc. from the repo's node_modules).
  fs.mkdirSync(path.join(trivialRoot, 'dist'), { recursive: true });
  const trivialOut = fs.mkdtempSync(path.join(trivialRoot, 'dist', 'run-'));
  removeOnExit(trivialOut);
  const astroTypesDir = path.join(trivialRoot, '.astro');
  if (!fs.existsSync(astroTypesDir)) removeOnExit(astroTypesDir);
  log('building bench/trivial-astro');
  run(bin('astro'), ['build', '--root', trivialRoot, '--silent'], { env: { BENCH_TRIVIAL_OUT_DIR: trivialOut, ASTRO_TELEMETRY_DISABLED: '1' } });

  // 4. Servers, one at a time on their own ports.
  const [appPort, trivialPort, rawPort] = [await freePort(), await freePort(), await freePort()];
  const appEntry = options.server === 'ringi' ? 'dist/ringi-server.mjs' : 'dist/server/entry.mjs';
  const app = startServer('ringi', [...cpuProfileFlags(options['cpu-prof']), appEntry], { ...appEnv, PORT: String(appPort) });
  const trivial = startServer('trivial', [path.join(trivialOut, 'server', 'entry.mjs')], { HOST: '127.0.0.1', PORT: String(trivialPort), NODE_ENV: 'production' });
  const documentUrl = `http://127.0.0.1:${appPort}${seeded.path}`;
  const trivialUrl = `http://127.0.0.1:${trivialPort}/`;
  await Promise.all([waitUntilAnswering('ringi', app, documentUrl, BROWSER_HEADERS), waitUntilAnswering('trivial', trivial, trivialUrl, BROWSER_HEADERS)]);

  // The document page's bytes, twice: the raw baseline serves them, so they must not vary per request.
  const first = await get(documentUrl);
  const second = await get(documentUrl);
  if (first.status !== 200) throw new Error(`document page answered ${first.status}:\n${first.body.toString('utf8').slice(0, 500)}`);
  if (!first.body.equals(second.body)) throw new Error('the document page returned different bytes on two requests; the raw baseline cannot replay them');
  const trivialPage = await get(trivialUrl);
  if (trivialPage.status !== 200) throw new Error(`trivial page answered ${trivialPage.status}`);

  const bodyFile = path.join(tmp, 'document.html');
  fs.writeFileSync(bodyFile, first.body);
  const replayHeaders = {};
  for (const [name, value] of first.headers) if (!['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length'].includes(name)) replayHeaders[name] = value;
  const rawConfig = path.join(tmp, 'raw.json');
  fs.writeFileSync(rawConfig, JSON.stringify({ port: rawPort, databasePath, statements: seeded.statements, slug, bodyFile, headers: replayHeaders }));
  const raw = startServer('raw', [path.join(benchDir, 'support', 'raw-server.mjs'), rawConfig], {});
  const rawUrl = `http://127.0.0.1:${rawPort}${seeded.path}`;
  await waitUntilAnswering('raw', raw, rawUrl, BROWSER_HEADERS);
  const rawPage = await get(rawUrl);
  if (rawPage.status !== 200 || !rawPage.body.equals(first.body)) throw new Error('the raw baseline does not return the document page bytes');
  const badToken = await get(rawUrl.replace(/\.[a-z2-7]{32}\//, `.${'a'.repeat(32)}/`));
  if (badToken.status !== 404) throw new Error('the raw baseline accepted a wrong secret');

  log(`document page: ${first.body.byteLength} bytes of HTML; trivial page: ${trivialPage.body.byteLength} bytes`);

  // 5. Load, target by target, rounds alternating the order so drift (heat, other processes) spreads
  //    evenly; each measurement is preceded by its own warm-up.
  const targets = [
    { key: 'trivial', label: 'Astro trivial SSR page', url: trivialUrl, pid: trivial.pid, runs: [] },
    { key: 'document', label: `Ringi document page (${slug})`, url: documentUrl, pid: app.pid, runs: [] },
    { key: 'raw', label: 'raw node:http, same lookup + bytes', url: rawUrl, pid: raw.pid, runs: [] },
  ];
  const loadBefore = await measureRounds({ ...settings, version }, targets, (target, seconds) => wrk(target.url, seconds));

  // 6. Sanity: every request counted as a person's browser (no automated-open writes) and no errors.
  const problems = [];
  for (const t of targets) {
    const non2xx = t.runs.reduce((s, r) => s + r.non2xx, 0);
    if (non2xx > 0) problems.push(`${t.key}: ${non2xx} non-2xx responses`);
  }
  const { default: Database } = await import('better-sqlite3');
  const check = new Database(databasePath, { readonly: true });
  const automatedOpens = check.prepare("select count(*) as n from link_events where kind = 'automated_open'").get().n;
  check.close();
  if (automatedOpens > 0) problems.push(`${automatedOpens} requests were recorded as automated opens (the load was not classified as a browser)`);

  // 7. Report: medians over rounds. Ratios are taken round by round (each target against the trivial
  //    page measured minutes apart at most, under the same background load), then their median.
  const summary = summarize(targets, targets[0]);
  const doc = summary[1];
  console.log('');
  console.log(`Document page benchmark — ${new Date().toISOString()}`);
  console.log(machineLine());
  console.log(`load: ${version}, -t${threads} -c${connections}, ${rounds} round(s) of ${duration} s per target after ${warmup} s warm-up; medians shown`);
  console.log(loadAverageLine(loadBefore));
  console.log(`app server: ${appEntry}; document: content/${slug}.md (${markdownBytes} B Markdown, ${first.body.byteLength} B HTML)`);
  console.log('');
  printTable(
    ['target', 'req/s', 'p50 (ms)', 'p99 (ms)', 'req/s vs trivial', 'server CPU per request', 'CPU vs trivial'],
    summary.map((t) => [t.label, t.rps.toFixed(0), fmtMs(t.p50), fmtMs(t.p99), fmtRatio(t.ratio), fmtCpuUs(t.cpuUs), fmtRatio(t.cpuRatio)]),
  );
  console.log('');
  const ratio = doc.ratio;
  console.log(`target: document >= ${TARGET_RATIO}x trivial req/s: ${ratio >= TARGET_RATIO ? 'PASS' : 'FAIL'} (${ratio.toFixed(2)}x)`);
  console.log(`target: document p99 < ${TARGET_P99_MS} ms at ${connections} connections: ${doc.p99 < TARGET_P99_MS ? 'PASS' : 'FAIL'} (${fmtMs(doc.p99)} ms)`);
  console.log(`per-round req/s: ${perRound(summary, (r) => r.rps.toFixed(0))}`);
  console.log(`per-round document/trivial req/s: ${doc.runs.map((r, i) => (r.rps / targets[0].runs[i].rps).toFixed(2)).join(' / ')}`);
  finishReport(summary, problems);
}

await runAndExit(main);

#!/usr/bin/env node
// Benchmark: the prospect pages (/r/<token>, /r/<token>/d/<slug>) against two baselines measured in
// the same run, because absolute numbers mean little on a noisy machine:
//   trivial   Astro's own trivial SSR page: a separate one-page Astro project (bench/trivial-astro/),
//             same Astro, same @astrojs/node standalone adapter, `prerender = false`.
//   document  one link's document page asked again and again, served by the built app (dist/).
//   rooms     room pages over many links: --links links (5,000) spread over --rooms rooms (500), each
//   documents link asked once or twice, in random order, plus a share of reloads (--repeat, 0.2);
//             `documents` asks each time for one of the documents its room offers.
//   raw       a bare node:http server doing the same token lookup (same SQL, same SHA-256 and
//             constant-time compare) for any link's page and answering with the exact bytes the
//             document page returned; it gets the `documents` requests.
// Load comes from wrk (HTTP/1.1 keep-alive, 50 connections by default) on 127.0.0.1 only.
// Targets (information, not an assertion): document, rooms and documents >= 0.8x trivial req/s, and
// p99 < 50 ms at 50 connections in steady state: one keep-alive probe connection among wrk's 49,
// timed from 1.5 s into each run (harness.mjs probeLatency says why wrk's own p99 is printed beside
// it but not judged). --links 0 measures only the one-link document page (and raw on that one URL).
//
//   npm run bench                       (bench/run.mjs runs every benchmark in bench/)
//   npm run bench -- document-page [options]
//   node bench/document-page.mjs [--duration 10] [--warmup 3] [--rounds 3] [--connections 50]
//        [--threads 1] [--slug <slug>] [--server ringi|astro] [--links 5000] [--rooms 500]
//        [--repeat 0.2] [--no-build] [--cpu-prof <dir>]
//
// Besides req/s and latency it reports each server's CPU time per request (from /proc, Linux), which
// other processes on a busy machine disturb much less than throughput. --cpu-prof <dir> writes a V8
// CPU profile of the Ringi server (open it in Chrome DevTools or speedscope).
// Exit status: 0 when the measurements were taken (whatever they say), 1 when something broke,
// 2 on bad usage or missing wrk. Every server it starts is stopped and every temp file removed,
// on success, on error and on Ctrl-C.
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { prng } from './support/prng.mjs';
import path from 'node:path';
import {
  appEnvironment,
  benchDir,
  bin,
  boundedInt,
  buildIfStale,
  cpuSeconds,
  cpuProfileFlags,
  finishReport,
  fmtCpuUs,
  fmtMs,
  fmtRatio,
  freePort,
  lastJsonLine,
  log,
  measureRounds,
  onCleanup,
  parseOptions,
  perRound,
  printReportHeader,
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
  links: { type: 'string', default: '5000' },
  rooms: { type: 'string', default: '500' },
  repeat: { type: 'string', default: '0.2' },
});
const { options, connections } = settings;
const linkCount = boundedInt(options, 'links', 0, 100_000);
const roomCount = boundedInt(options, 'rooms', 1, 10_000);
const repeatShare = Number(options.repeat);
if (linkCount > 0 && roomCount > linkCount) usage('--rooms must not exceed --links');
if (!(repeatShare >= 0 && repeatShare <= 1)) usage('--repeat must be a share from 0 to 1');
if (options.server !== 'ringi' && options.server !== 'astro') usage('--server must be "ringi" (pages from templates, as served to prospects) or "astro" (every page asked with a query string, which the server always leaves to Astro\'s render)');
/** The app's request for `path`: with --server astro, a query string sends it through Astro's render. */
const appPath = (p) => (options.server === 'astro' ? `${p}?bench=astro` : p);

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

/** One wrk run: GETs as a person's browser, of `target.url`, or of its request list from where the last run stopped. */
async function wrk(target, seconds) {
  const args = [];
  for (const [name, value] of Object.entries(BROWSER_HEADERS)) args.push('-H', `${name}: ${value}`);
  const probe = { origin: new URL(target.url).origin, headers: BROWSER_HEADERS, path: probePaths(target) };
  if (!target.list) return runWrk(settings, seconds, [...args, target.url], probe);
  const result = await runWrk(settings, seconds, [...args, '-s', target.list.script, target.url, '--', target.list.file, String(target.list.next)], probe);
  target.list.next = (target.list.next + result.requests) % target.list.length;
  target.list.served += result.requests;
  return result;
}

/** What the steady-state probe asks for: the target's URL, or its request list from the middle on. */
function probePaths(target) {
  if (!target.list) {
    const url = new URL(target.url);
    return () => url.pathname + url.search;
  }
  const paths = fs.readFileSync(target.list.file, 'utf8').trim().split('\n');
  let i = Math.floor(paths.length / 2);
  return () => paths[i++ % paths.length];
}

/**
 * Opens every room's room page and document pages once, through one of its links (4 at a time), as
 * the first prospects of each room would: the server renders each page's template then. The load
 * that follows measures what every later open of any link costs. Returns the cost of these opens.
 */
async function openEveryRoomPage(appBase, appPid, links) {
  const pages = [];
  const seen = new Set();
  for (const link of links) {
    if (seen.has(link.room)) continue;
    seen.add(link.room);
    pages.push(`/r/${link.token}`, ...link.slugs.map((s) => `/r/${link.token}/d/${s}`));
  }
  const cpuBefore = cpuSeconds(appPid);
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < pages.length) {
      const page = await get(appBase + pages[next++]);
      if (page.status !== 200) throw new Error(`a room page answered ${page.status}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const cpuAfter = cpuSeconds(appPid);
  const cpuUs = cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) * 1e6) / pages.length;
  log(`opened each room's ${pages.length} pages once: ${((performance.now() - started) / 1000).toFixed(1)} s, ${fmtCpuUs(cpuUs)} server CPU per page`);
  return { pages: pages.length, seconds: (performance.now() - started) / 1000, cpuUs };
}

/**
 * Requests over many links, as prospects make them: every link once or twice in random order, then
 * a share of reloads, each put back a little after the request it repeats. `page(link, random)`
 * gives the path asked for a link.
 */
function requestSequence(links, page, seed) {
  const random = prng(seed);
  const paths = [];
  for (const link of links) for (let n = random() < 0.5 ? 1 : 2; n > 0; n--) paths.push(page(link, random));
  for (let i = paths.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [paths[i], paths[j]] = [paths[j], paths[i]];
  }
  const reloads = Math.round(paths.length * repeatShare);
  for (let r = 0; r < reloads; r++) {
    const at = Math.floor(random() * paths.length);
    paths.splice(Math.min(paths.length, at + 1 + Math.floor(random() * 50)), 0, paths[at]);
  }
  return paths;
}

// wrk walks the list from an offset (where the previous run of this target stopped), round robin.
const LIST_SCRIPT = `
local paths, i = {}, 0
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = tonumber(args[2])
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
`;

function requestList(name, paths) {
  const file = path.join(tmp, `${name}.txt`);
  fs.writeFileSync(file, `${paths.join('\n')}\n`);
  const script = path.join(tmp, 'list.lua');
  fs.writeFileSync(script, LIST_SCRIPT);
  return { file, script, length: paths.length, next: 0, served: 0 };
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
  // The demo seed's reading history includes scanner opens of its own: count only what the run adds.
  const automatedOpensSeeded = countAutomatedOpens(databasePath);
  let links = [];
  if (linkCount > 0) {
    const linksFile = path.join(tmp, 'links.txt');
    run(bin('tsx'), [path.join(benchDir, 'support', 'prepare-links.ts'), databasePath, String(linkCount), String(roomCount), roomSlugs.join(','), linksFile], { env: appEnv, timeout: 300_000 });
    links = fs.readFileSync(linksFile, 'utf8').trim().split('\n').map((line) => {
      const [room, token, ...slugs] = line.split(' ');
      return { room, token, slugs };
    });
    log(`added ${links.length} links over ${roomCount} rooms`);
  }

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
  const app = startServer('ringi', [...cpuProfileFlags(options['cpu-prof']), 'dist/server/entry.mjs'], { ...appEnv, PORT: String(appPort) });
  const trivial = startServer('trivial', [path.join(trivialOut, 'server', 'entry.mjs')], { HOST: '127.0.0.1', PORT: String(trivialPort), NODE_ENV: 'production' });
  const documentUrl = `http://127.0.0.1:${appPort}${appPath(seeded.path)}`;
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
  fs.writeFileSync(rawConfig, JSON.stringify({ port: rawPort, databasePath, statements: seeded.statements, bodyFile, headers: replayHeaders }));
  const raw = startServer('raw', [path.join(benchDir, 'support', 'raw-server.mjs'), rawConfig], {});
  const rawUrl = `http://127.0.0.1:${rawPort}${seeded.path}`;
  await waitUntilAnswering('raw', raw, rawUrl, BROWSER_HEADERS);
  const rawPage = await get(rawUrl);
  if (rawPage.status !== 200 || !rawPage.body.equals(first.body)) throw new Error('the raw baseline does not return the document page bytes');
  const badToken = await get(rawUrl.replace(/\.[a-z2-7]{32}\//, `.${'a'.repeat(32)}/`));
  if (badToken.status !== 404) throw new Error('the raw baseline accepted a wrong secret');

  log(`document page: ${first.body.byteLength} bytes of HTML; trivial page: ${trivialPage.body.byteLength} bytes`);

  // Many links: two links of one room each get a page with only their own token and contact, and
  // the page from the room's template is the bytes Astro renders for the link itself (a query string
  // always goes through Astro).
  const appBase = `http://127.0.0.1:${appPort}`;
  const sameRoom = links.find((l) => l !== links[0] && l.room === links[0].room);
  if (sameRoom) {
    for (const [link, other] of [[links[0], sameRoom], [sameRoom, links[0]]]) {
      for (const page of [`/r/${link.token}`, `/r/${link.token}/d/${link.slugs[0]}`]) {
        const [filled, rendered] = [await get(appBase + page), await get(`${appBase}${page}?bench=astro`)];
        if (filled.status !== 200 || !filled.body.equals(rendered.body)) throw new Error(`${page.replace(/\.[a-z2-7]+/, '.…')}: the page served from the template is not what Astro renders for the link`);
        const html = filled.body.toString('utf8');
        if (!html.includes(link.token) || html.includes(other.token)) throw new Error('a page carries another link\'s token');
      }
    }
  }
  const firstOpens = links.length > 0 ? await openEveryRoomPage(appBase, app.pid, links) : null;
  const documentsSequence = requestSequence(links, (l, random) => `/r/${l.token}/d/${l.slugs[Math.floor(random() * l.slugs.length)]}`, 2);

  // 5. Load, target by target, rounds alternating the order so drift (heat, other processes) spreads
  //    evenly; each measurement is preceded by its own warm-up.
  const targets = [
    { key: 'trivial', label: 'Astro trivial SSR page', url: trivialUrl, pid: trivial.pid, runs: [] },
    { key: 'document', label: `Ringi document page (${slug}), one link`, url: documentUrl, pid: app.pid, runs: [] },
  ];
  if (links.length > 0) {
    const rooms = requestSequence(links, (l) => `/r/${l.token}`, 1);
    targets.push(
      { key: 'rooms', label: `Ringi room pages, ${links.length} links / ${roomCount} rooms`, url: appBase, list: requestList('rooms', rooms.map(appPath)), pid: app.pid, runs: [] },
      { key: 'documents', label: `Ringi document pages, ${links.length} links / ${roomCount} rooms`, url: appBase, list: requestList('documents', documentsSequence.map(appPath)), pid: app.pid, runs: [] },
    );
  }
  const rawBase = `http://127.0.0.1:${rawPort}`;
  targets.push(
    links.length > 0
      ? { key: 'raw', label: 'raw node:http, same lookup + bytes, document requests', url: rawBase, list: requestList('raw', documentsSequence), pid: raw.pid, runs: [] }
      : { key: 'raw', label: 'raw node:http, same lookup + bytes', url: rawUrl, pid: raw.pid, runs: [] },
  );
  const loadBefore = await measureRounds({ ...settings, version }, targets, wrk);

  // 6. Sanity: every request counted as a person's browser (no automated-open writes) and no errors.
  const problems = [];
  for (const t of targets) {
    const non2xx = t.runs.reduce((s, r) => s + r.non2xx, 0);
    if (non2xx > 0) problems.push(`${t.key}: ${non2xx} non-2xx responses`);
  }
  const automatedOpens = countAutomatedOpens(databasePath) - automatedOpensSeeded;
  if (automatedOpens > 0) problems.push(`${automatedOpens} requests were recorded as automated opens (the load was not classified as a browser)`);

  // 7. Report: medians over rounds. Ratios are taken round by round (each target against the trivial
  //    page measured minutes apart at most, under the same background load), then their median.
  const summary = summarize(targets, targets[0]);
  printReportHeader('Document page benchmark', { ...settings, version }, loadBefore);
  console.log(`app server: dist/server/entry.mjs${options.server === 'astro' ? ', every page through Astro (query string)' : ''}; document: content/${slug}.md (${markdownBytes} B Markdown, ${first.body.byteLength} B HTML)`);
  if (firstOpens) {
    console.log(`first open of each room's pages (templates rendered by Astro, before the load): ${firstOpens.pages} pages, ${firstOpens.seconds.toFixed(1)} s, ${fmtCpuUs(firstOpens.cpuUs)} of server CPU per page`);
  }
  for (const t of targets.filter((t) => t.list)) {
    console.log(`${t.key}: ${t.list.length} requests in the list (reloads ${Math.round(repeatShare * 100)} %), ${t.list.served} asked over the run (${(t.list.served / t.list.length).toFixed(1)} passes)`);
  }
  console.log('');
  printTable(
    ['target', 'req/s', 'p50 (ms)', 'p99, wrk (ms)', 'p99, steady (ms)', 'req/s vs trivial', 'server CPU per request', 'CPU vs trivial'],
    summary.map((t) => [t.label, t.rps.toFixed(0), fmtMs(t.p50), fmtMs(t.p99), fmtMs(t.steadyP99), fmtRatio(t.ratio), fmtCpuUs(t.cpuUs), fmtRatio(t.cpuRatio)]),
  );
  console.log('');
  for (const t of summary.filter((t) => t.pid === app.pid)) {
    console.log(`target: ${t.key} >= ${TARGET_RATIO}x trivial req/s: ${t.ratio >= TARGET_RATIO ? 'PASS' : 'FAIL'} (${t.ratio.toFixed(2)}x; per round ${t.runs.map((r, i) => (r.rps / targets[0].runs[i].rps).toFixed(2)).join(' / ')})`);
    console.log(
      `target: ${t.key} p99 < ${TARGET_P99_MS} ms at ${connections} connections, steady state: ${t.steadyP99 < TARGET_P99_MS ? 'PASS' : 'FAIL'} ` +
        `(${fmtMs(t.steadyP99)} ms; per round ${t.runs.map((r) => fmtMs(r.steady.p99)).join(' / ')}; wrk's p99 with its connection ramp: ${fmtMs(t.p99)} ms)`,
    );
  }
  console.log(`per-round req/s: ${perRound(summary, (r) => r.rps.toFixed(0))}`);
  finishReport(summary, problems);
}

function countAutomatedOpens(databasePath) {
  const check = new Database(databasePath, { readonly: true });
  try {
    return check.prepare("select count(*) as n from link_events where kind = 'automated_open'").get().n;
  } finally {
    check.close();
  }
}

await runAndExit(main);

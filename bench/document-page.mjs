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
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = path.join(root, 'bench');
const trivialRoot = path.join(benchDir, 'trivial-astro');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

const TARGET_RATIO = 0.8;
const TARGET_P99_MS = 50;
const WATCHDOG_MS = 30 * 60 * 1000; // the whole run, whatever happens
const READY_TIMEOUT_MS = 30_000;
const BUILD_TIMEOUT_MS = 10 * 60 * 1000;
// A person's browser: without a user agent the page classifies the request as a tool and writes an
// "automated open" to the database on every hit, which is not what a prospect's visit costs.
const BROWSER_HEADERS = {
  'User-Agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'Accept-Language': 'ja,en-US;q=0.8,en;q=0.6',
};

// ── options ──────────────────────────────────────────────────────────────────────────────────────
let options;
try {
  ({ values: options } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
      threads: { type: 'string', default: '1' },
      slug: { type: 'string' },
      server: { type: 'string', default: 'ringi' },
      'no-build': { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  }));
} catch (error) {
  console.error(`document-page: ${error.message}`);
  process.exit(2);
}
if (options.help) {
  console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 22).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}
const duration = boundedInt('duration', 1, 120);
const warmup = boundedInt('warmup', 0, 60);
const rounds = boundedInt('rounds', 1, 9);
const connections = boundedInt('connections', 1, 1000);
const threads = boundedInt('threads', 1, 16);
if (options.server !== 'ringi' && options.server !== 'astro') usage('--server must be "ringi" (dist/ringi-server.mjs, what `npm start` runs) or "astro" (dist/server/entry.mjs)');
if (threads > connections) usage('--threads must not exceed --connections');

function boundedInt(name, min, max) {
  const value = Number(options[name]);
  if (!Number.isInteger(value) || value < min || value > max) usage(`--${name} must be an integer from ${min} to ${max}`);
  return value;
}
function usage(message) {
  console.error(`document-page: ${message}`);
  process.exit(2);
}

// ── cleanup: every child and temp path registered here is removed, whatever happens ───────────────
const children = new Set();
const tempPaths = new Set();
let cleaning;

/** Stops every child and removes every temp path; every caller awaits the same single pass. */
function cleanup() {
  cleaning ??= Promise.all([...children].map(stopChild)).then(removeTempPaths);
  return cleaning;
}

function removeTempPaths() {
  for (const p of tempPaths) fs.rmSync(p, { recursive: true, force: true });
  const trivialDist = path.join(trivialRoot, 'dist');
  if (fs.existsSync(trivialDist) && fs.readdirSync(trivialDist).length === 0) fs.rmdirSync(trivialDist);
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    console.error(`\ndocument-page: ${signal}, stopping servers and removing temp files`);
    process.exitCode = 130;
    void cleanup().finally(() => process.exit(130));
  });
}
// Last resort if an await somewhere never settles: the run stops by itself.
setTimeout(() => {
  console.error('document-page: watchdog: the run took too long, giving up');
  void cleanup().finally(() => process.exit(1));
}, WATCHDOG_MS).unref();
process.on('exit', () => {
  // Synchronous last chance (e.g. process.exit elsewhere): no child may outlive the benchmark.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  removeTempPaths();
});

// ── helpers ──────────────────────────────────────────────────────────────────────────────────────
function log(message) {
  console.error(`[bench] ${message}`);
}

// Runs a command to completion; its output is shown only when it fails.
function run(command, args, { env = {}, cwd = root, timeout = BUILD_TIMEOUT_MS } = {}) {
  const result = spawnSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`${path.basename(command)} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) {
    process.stderr.write(result.stdout ?? '');
    process.stderr.write(result.stderr ?? '');
    throw new Error(`${path.basename(command)} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
  return result;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function startServer(name, args, env) {
  const logFile = path.join(tmp, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.logFile = logFile;
  return child;
}

async function waitUntilReady(name, child, url) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${fs.readFileSync(child.logFile, 'utf8')}`);
    try {
      const response = await fetch(url, { headers: BROWSER_HEADERS, signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${name} did not answer ${url} within ${READY_TIMEOUT_MS / 1000} s:\n${fs.readFileSync(child.logFile, 'utf8')}`);
}

async function get(url) {
  const response = await fetch(url, { headers: BROWSER_HEADERS, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

function newestMtime(p) {
  if (!fs.existsSync(p)) return 0;
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
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

// ── wrk ──────────────────────────────────────────────────────────────────────────────────────────
function wrkVersion() {
  const result = spawnSync('wrk', ['-v'], { encoding: 'utf8', timeout: 10_000 });
  if (result.error) return null;
  const first = `${result.stdout}${result.stderr}`.split('\n')[0].trim();
  return /^wrk\s+\S+/.exec(first)?.[0] ?? (first || 'wrk');
}

function toMs(value, unit) {
  const factor = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit];
  if (factor === undefined) throw new Error(`wrk: unknown time unit "${unit}"`);
  return Number(value) * factor;
}

function parseWrk(output) {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const p50 = /^\s*50%\s+([\d.]+)(us|ms|s|m|h)\s*$/m.exec(output);
  const p99 = /^\s*99%\s+([\d.]+)(us|ms|s|m|h)\s*$/m.exec(output);
  const total = /(\d+) requests in/.exec(output);
  if (!rps || !p50 || !p99 || !total) throw new Error(`cannot parse wrk output:\n${output}`);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    rps: Number(rps[1]),
    p50: toMs(p50[1], p50[2]),
    p99: toMs(p99[1], p99[2]),
    requests: Number(total[1]),
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    socketErrors: socket ? socket.slice(1).map(Number).reduce((a, b) => a + b, 0) : 0,
  };
}

function wrk(url, seconds) {
  const args = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--latency', '--timeout', '5s'];
  for (const [name, value] of Object.entries(BROWSER_HEADERS)) args.push('-H', `${name}: ${value}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const limit = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(limit);
      children.delete(child);
      if (code !== 0) return reject(new Error(`wrk exited with ${code ?? signal}:\n${output}`));
      try {
        resolve(parseWrk(output));
      } catch (error) {
        reject(error);
      }
    });
  });
}

// CPU time (user + system, all threads) a process has used so far, in seconds; null off Linux.
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime
  } catch {
    return null;
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmtMs = (ms) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

// ── the run ──────────────────────────────────────────────────────────────────────────────────────
const version = wrkVersion();
if (!version) {
  console.error('document-page: wrk is not installed (it generates the load). Install it with:\n  sudo apt-get install wrk');
  process.exit(2);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ringi-bench-'));
tempPaths.add(tmp);

async function main() {
  const { slug, documents } = chooseSlug();
  const markdownBytes = documents.find((d) => d.slug === slug).size;
  log(`document: content/${slug}.md (${markdownBytes} bytes of Markdown)`);

  // 1. The app, built from the current sources if dist/ is missing or older than them.
  const builtFiles = ['dist/ringi-server.mjs', 'dist/server/entry.mjs'].map((f) => path.join(root, f));
  const builtAt = Math.min(...builtFiles.map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0)));
  const sources = ['src', 'content', 'db', 'public', 'scripts', 'astro.config.mjs', 'package.json', 'package-lock.json', 'tsconfig.json'];
  const sourcesAt = Math.max(...sources.map((s) => newestMtime(path.join(root, s))));
  if (builtAt === 0 || builtAt < sourcesAt) {
    if (options['no-build']) throw new Error('dist/ is missing or older than the sources and --no-build was given');
    log('dist/ is missing or older than the sources: npm run build');
    run('npm', ['run', 'build']);
  } else {
    log('dist/ is up to date');
  }

  // 2. A fresh database, migrated and seeded by the project's own code; the link's token and the SQL
  //    loadProspectRoom prepares come back for the raw baseline.
  const databasePath = path.join(tmp, 'ringi.db');
  const secretKey = crypto.randomBytes(32).toString('base64');
  const appEnv = {
    DATABASE_PATH: databasePath,
    RINGI_SECRET_KEY: secretKey,
    RINGI_MIGRATIONS_DIR: path.join(root, 'db', 'migrations'),
    RINGI_CONTENT_DIR: path.join(root, 'content'),
    RINGI_SLACK_WEBHOOK_URL: '',
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
  };
  const roomSlugs = [slug, ...documents.map((d) => d.slug).filter((s) => s !== slug)].slice(0, 7);
  const seeded = JSON.parse(
    run(bin('tsx'), [path.join(benchDir, 'support', 'prepare-db.ts'), databasePath, slug, roomSlugs.join(',')], { env: appEnv, timeout: 120_000 })
      .stdout.trim().split('\n').pop(),
  );
  log(`seeded ${databasePath} (room offers ${roomSlugs.length} documents)`);

  // 3. Astro's trivial SSR page, built into a throwaway directory inside the repo (so its server bundle
  //    resolves astro, @astrojs/node etc. from the repo's node_modules).
  fs.mkdirSync(path.join(trivialRoot, 'dist'), { recursive: true });
  const trivialOut = fs.mkdtempSync(path.join(trivialRoot, 'dist', 'run-'));
  tempPaths.add(trivialOut);
  const astroTypesDir = path.join(trivialRoot, '.astro');
  if (!fs.existsSync(astroTypesDir)) tempPaths.add(astroTypesDir);
  log('building bench/trivial-astro');
  run(bin('astro'), ['build', '--root', trivialRoot, '--silent'], { env: { BENCH_TRIVIAL_OUT_DIR: trivialOut, ASTRO_TELEMETRY_DISABLED: '1' } });

  // 4. Servers, one at a time on their own ports.
  const [appPort, trivialPort, rawPort] = [await freePort(), await freePort(), await freePort()];
  const appEntry = options.server === 'ringi' ? 'dist/ringi-server.mjs' : 'dist/server/entry.mjs';
  const profileFlags = [];
  if (options['cpu-prof']) {
    const dir = path.resolve(options['cpu-prof']);
    fs.mkdirSync(dir, { recursive: true });
    // The profile is written when the process exits normally, so SIGTERM must end it with exit().
    profileFlags.push('--cpu-prof', `--cpu-prof-dir=${dir}`, `--import=data:text/javascript,process.on('SIGTERM',()=>process.exit(0))`);
    log(`CPU profile of the Ringi server will be written to ${dir}`);
  }
  const app = startServer('ringi', [...profileFlags, appEntry], { ...appEnv, PORT: String(appPort) });
  const trivial = startServer('trivial', [path.join(trivialOut, 'server', 'entry.mjs')], { HOST: '127.0.0.1', PORT: String(trivialPort), NODE_ENV: 'production' });
  const documentUrl = `http://127.0.0.1:${appPort}${seeded.path}`;
  const trivialUrl = `http://127.0.0.1:${trivialPort}/`;
  await Promise.all([waitUntilReady('ringi', app, documentUrl), waitUntilReady('trivial', trivial, trivialUrl)]);

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
  await waitUntilReady('raw', raw, rawUrl);
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
  const loadBefore = os.loadavg()[0];
  if (loadBefore > os.availableParallelism() / 2) log(`note: load average ${loadBefore.toFixed(2)} before the run: other processes compete for the CPU, expect noise`);
  const estimate = rounds * targets.length * (warmup + duration);
  log(`wrk ${version}: ${threads} thread(s), ${connections} connections, ${rounds} round(s) x ${targets.length} targets x (${warmup} s warm-up + ${duration} s), about ${Math.ceil(estimate / 60)} min`);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) {
      if (warmup > 0) await wrk(target.url, warmup);
      const cpuBefore = cpuSeconds(target.pid);
      const result = await wrk(target.url, duration);
      const cpuAfter = cpuSeconds(target.pid);
      result.cpuUs = cpuBefore === null || cpuAfter === null || result.requests === 0 ? null : ((cpuAfter - cpuBefore) * 1e6) / result.requests;
      target.runs.push(result);
      log(`round ${round + 1}/${rounds} ${target.key.padEnd(8)} ${result.rps.toFixed(0).padStart(6)} req/s  p50 ${fmtMs(result.p50)} ms  p99 ${fmtMs(result.p99)} ms  CPU ${result.cpuUs === null ? 'n/a' : `${result.cpuUs.toFixed(0)} us`}/req${result.non2xx ? `  NON-2xx ${result.non2xx}` : ''}${result.socketErrors ? `  socket errors ${result.socketErrors}` : ''}`);
    }
  }

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
  const summary = targets.map((t) => ({
    ...t,
    ratio: median(t.runs.map((r, i) => r.rps / targets[0].runs[i].rps)),
    cpuRatio: t.runs.some((r, i) => r.cpuUs === null || targets[0].runs[i].cpuUs === null)
      ? null
      : median(t.runs.map((r, i) => r.cpuUs / targets[0].runs[i].cpuUs)),
    rps: median(t.runs.map((r) => r.rps)),
    p50: median(t.runs.map((r) => r.p50)),
    p99: median(t.runs.map((r) => r.p99)),
    cpuUs: t.runs.some((r) => r.cpuUs === null) ? null : median(t.runs.map((r) => r.cpuUs)),
    socketErrors: t.runs.reduce((s, r) => s + r.socketErrors, 0),
  }));
  const doc = summary[1];
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log('');
  console.log(`Document page benchmark — ${new Date().toISOString()}`);
  console.log(`machine: ${os.availableParallelism()} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`);
  console.log(`load: ${version}, -t${threads} -c${connections}, ${rounds} round(s) of ${duration} s per target after ${warmup} s warm-up; medians shown`);
  console.log(`load average (1 min): ${loadBefore.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after`);
  console.log(`app server: ${appEntry}; document: content/${slug}.md (${markdownBytes} B Markdown, ${first.body.byteLength} B HTML)`);
  console.log('');
  console.log('| target | req/s | p50 (ms) | p99 (ms) | req/s vs trivial | server CPU per request | CPU vs trivial |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const t of summary) {
    const cpu = t.cpuUs === null ? 'n/a' : `${t.cpuUs.toFixed(0)} µs`;
    const cpuRatio = t.cpuRatio === null ? 'n/a' : `${t.cpuRatio.toFixed(2)}x`;
    console.log(`| ${t.label} | ${t.rps.toFixed(0)} | ${fmtMs(t.p50)} | ${fmtMs(t.p99)} | ${t.ratio.toFixed(2)}x | ${cpu} | ${cpuRatio} |`);
  }
  console.log('');
  const ratio = doc.ratio;
  console.log(`target: document >= ${TARGET_RATIO}x trivial req/s: ${ratio >= TARGET_RATIO ? 'PASS' : 'FAIL'} (${ratio.toFixed(2)}x)`);
  console.log(`target: document p99 < ${TARGET_P99_MS} ms at ${connections} connections: ${doc.p99 < TARGET_P99_MS ? 'PASS' : 'FAIL'} (${fmtMs(doc.p99)} ms)`);
  console.log(`per-round req/s: ${summary.map((t) => `${t.key} ${t.runs.map((r) => r.rps.toFixed(0)).join('/')}`).join('; ')}`);
  console.log(`per-round document/trivial req/s: ${doc.runs.map((r, i) => (r.rps / targets[0].runs[i].rps).toFixed(2)).join(' / ')}`);
  for (const t of summary) if (t.socketErrors > 0) console.log(`note: ${t.key} had ${t.socketErrors} socket errors (timeouts or resets) under load`);
  if (problems.length > 0) throw new Error(`the measurements are not valid:\n  ${problems.join('\n  ')}`);
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  // After Ctrl-C the interrupted wrk run fails too; that is not news.
  if (process.exitCode !== 130) console.error(`\ndocument-page: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(process.exitCode === 130 ? 130 : exitCode);

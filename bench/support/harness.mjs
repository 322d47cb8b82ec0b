// What the wrk benchmarks (bench/document-page.mjs, bench/beacons.mjs) share: their common options,
// the process guard (every child stopped and every temp path removed on success, error, Ctrl-C and
// watchdog), building dist/ when stale, starting servers and waiting for them, running and parsing
// wrk, server CPU time from /proc, the measurement rounds and the report's common parts.
// Not a benchmark itself: bench/run.mjs runs bench/*.mjs only.
//
// One benchmark per process: parseOptions() names it (the prefix of its error messages) and
// startRun() installs the guard and creates its temp directory.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const benchDir = path.join(root, 'bench');
export const bin = (name) => path.join(root, 'node_modules', '.bin', name);

const WATCHDOG_MS = 30 * 60 * 1000; // the whole run, whatever happens
const READY_TIMEOUT_MS = 30_000;
const BUILD_TIMEOUT_MS = 10 * 60 * 1000;

let benchName = 'bench';
let tmp;

// ── options ──────────────────────────────────────────────────────────────────────────────────────
/**
 * Parses the command line: the load options every wrk benchmark has plus `extra`. --help prints the
 * comment block at the top of the benchmark's file (`fileUrl`). Bad usage exits with 2.
 */
export function parseOptions(name, fileUrl, extra) {
  benchName = name;
  let options;
  try {
    ({ values: options } = parseArgs({
      options: {
        duration: { type: 'string', default: '10' },
        warmup: { type: 'string', default: '3' },
        rounds: { type: 'string', default: '3' },
        connections: { type: 'string', default: '50' },
        threads: { type: 'string', default: '1' },
        'no-build': { type: 'boolean', default: false },
        'cpu-prof': { type: 'string' },
        help: { type: 'boolean', default: false },
        ...extra,
      },
      strict: true,
    }));
  } catch (error) {
    usage(error.message);
  }
  if (options.help) {
    const lines = fs.readFileSync(fileURLToPath(fileUrl), 'utf8').split('\n');
    const end = lines.findIndex((l, i) => i > 0 && !l.startsWith('//'));
    console.log(lines.slice(1, end).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
    process.exit(0);
  }
  const settings = {
    options,
    duration: boundedInt(options, 'duration', 1, 120),
    warmup: boundedInt(options, 'warmup', 0, 60),
    rounds: boundedInt(options, 'rounds', 1, 9),
    connections: boundedInt(options, 'connections', 1, 1000),
    threads: boundedInt(options, 'threads', 1, 16),
  };
  if (settings.threads > settings.connections) usage('--threads must not exceed --connections');
  return settings;
}

export function boundedInt(options, name, min, max) {
  const value = Number(options[name]);
  if (!Number.isInteger(value) || value < min || value > max) usage(`--${name} must be an integer from ${min} to ${max}`);
  return value;
}

export function usage(message) {
  console.error(`${benchName}: ${message}`);
  process.exit(2);
}

// ── cleanup: every child and temp path registered here is removed, whatever happens ───────────────
const children = new Set();
const tempPaths = new Set();
const cleanupSteps = [];
let cleaning;

/** Removed recursively when the run ends, however it ends. */
export function removeOnExit(p) {
  tempPaths.add(p);
}

/** A synchronous step run after the temp paths are removed, however the run ends. */
export function onCleanup(step) {
  cleanupSteps.push(step);
}

/** Stops every child and removes every temp path; every caller awaits the same single pass. */
function cleanup() {
  cleaning ??= Promise.all([...children].map(stopChild)).then(removeTempPaths);
  return cleaning;
}

function removeTempPaths() {
  for (const p of tempPaths) fs.rmSync(p, { recursive: true, force: true });
  for (const step of cleanupSteps) step();
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

/**
 * Installs the guard (Ctrl-C, watchdog, exit), checks that wrk is there (exit 2 if not) and creates
 * the run's temp directory. Returns wrk's version and that directory.
 */
export function startRun(tmpPrefix) {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      console.error(`\n${benchName}: ${signal}, stopping servers and removing temp files`);
      process.exitCode = 130;
      void cleanup().finally(() => process.exit(130));
    });
  }
  // Last resort if an await somewhere never settles: the run stops by itself.
  setTimeout(() => {
    console.error(`${benchName}: watchdog: the run took too long, giving up`);
    void cleanup().finally(() => process.exit(1));
  }, WATCHDOG_MS).unref();
  process.on('exit', () => {
    // Synchronous last chance (e.g. process.exit elsewhere): no child may outlive the benchmark.
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    removeTempPaths();
  });

  const version = wrkVersion();
  if (!version) {
    console.error(`${benchName}: wrk is not installed (it generates the load). Install it with:\n  sudo apt-get install wrk`);
    process.exit(2);
  }
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), tmpPrefix));
  removeOnExit(tmp);
  return { version, tmp };
}

/**
 * Runs the benchmark's main(), then stops everything and exits: with main's exit code (0 if it
 * returns none), 1 if it threw, 130 after Ctrl-C.
 */
export async function runAndExit(main) {
  let exitCode = 0;
  try {
    exitCode = (await main()) ?? 0;
  } catch (error) {
    // After Ctrl-C the interrupted wrk run fails too; that is not news.
    if (process.exitCode !== 130) console.error(`\n${benchName}: ${error instanceof Error ? error.message : String(error)}`);
    exitCode = 1;
  } finally {
    await cleanup();
  }
  process.exit(process.exitCode === 130 ? 130 : exitCode);
}

// ── helpers ──────────────────────────────────────────────────────────────────────────────────────
export function log(message) {
  console.error(`[bench] ${message}`);
}

/** Runs a command to completion; its output is shown only when it fails. */
export function run(command, args, { env = {}, cwd = root, timeout = BUILD_TIMEOUT_MS } = {}) {
  const result = spawnSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`${path.basename(command)} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) {
    process.stderr.write(result.stdout ?? '');
    process.stderr.write(result.stderr ?? '');
    throw new Error(`${path.basename(command)} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
  return result;
}

/** The JSON of the last line a command printed (what the bench/support fixtures answer with). */
export const lastJsonLine = (result) => JSON.parse(result.stdout.trim().split('\n').pop());

function newestMtime(p) {
  if (!fs.existsSync(p)) return 0;
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

/** The app, built from the current sources if dist/ is missing or older than them. */
export function buildIfStale(noBuild) {
  const built = path.join(root, 'dist/server/entry.mjs');
  const builtAt = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0;
  const sources = ['src', 'content', 'db', 'public', 'scripts', 'astro.config.mjs', 'package.json', 'package-lock.json', 'tsconfig.json'];
  const sourcesAt = Math.max(...sources.map((s) => newestMtime(path.join(root, s))));
  if (builtAt === 0 || builtAt < sourcesAt) {
    if (noBuild) throw new Error('dist/ is missing or older than the sources and --no-build was given');
    log('dist/ is missing or older than the sources: npm run build');
    run('npm', ['run', 'build']);
  } else {
    log('dist/ is up to date');
  }
}

/** The environment the app runs (and the seeding fixtures run) with, on that database. */
export function appEnvironment(databasePath) {
  return {
    DATABASE_PATH: databasePath,
    RINGI_SECRET_KEY: crypto.randomBytes(32).toString('base64'),
    RINGI_MIGRATIONS_DIR: path.join(root, 'db', 'migrations'),
    RINGI_CONTENT_DIR: path.join(root, 'content'),
    RINGI_SLACK_WEBHOOK_URL: '',
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
  };
}

// ── servers ──────────────────────────────────────────────────────────────────────────────────────
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Node flags for a V8 CPU profile written to `dir` (none without a dir). */
export function cpuProfileFlags(dir) {
  if (!dir) return [];
  const resolved = path.resolve(dir);
  fs.mkdirSync(resolved, { recursive: true });
  log(`CPU profile of the Ringi server will be written to ${resolved}`);
  // The profile is written when the process exits normally, so SIGTERM must end it with exit().
  return ['--cpu-prof', `--cpu-prof-dir=${resolved}`, `--import=data:text/javascript,process.on('SIGTERM',()=>process.exit(0))`];
}

/** Starts `node <args>` in the repo, its output to <tmp>/<name>.log; stopped when the run ends. */
export function startServer(name, args, env) {
  const logFile = path.join(tmp, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.logFile = logFile;
  return child;
}

/** Waits until the server answers `url` over HTTP with anything at all. */
export async function waitUntilAnswering(name, child, url, headers = {}) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${fs.readFileSync(child.logFile, 'utf8')}`);
    try {
      const response = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${name} did not answer ${url} within ${READY_TIMEOUT_MS / 1000} s:\n${fs.readFileSync(child.logFile, 'utf8')}`);
}

// CPU time (user + system, all threads) a process has used so far, in seconds; null off Linux.
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
export function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime, stime
  } catch {
    return null;
  }
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

/**
 * One wrk run of `seconds` (-t threads -c connections, latency percentiles, 5 s timeout) with `args`
 * after the common ones (headers or script, the URL, script arguments). Resolves to
 * { rps, p50, p99 (ms), requests, non2xx, socketErrors }, and with `probe` also { steady }: see
 * probeLatency (wrk then holds one connection less, so the server still sees `connections`).
 */
export async function runWrk({ threads, connections }, seconds, args, probe) {
  const wrkConnections = probe ? Math.max(threads, connections - 1) : connections;
  const [result, steady] = await Promise.all([wrkOnce(threads, wrkConnections, seconds, args), probe ? probeLatency(probe, seconds) : null]);
  if (!steady) return result;
  return { ...result, steady, requests: result.requests + steady.requests, non2xx: result.non2xx + steady.non2xx };
}

// The probe's window inside a wrk run: after wrk's connections are open and busy, before it stops.
const PROBE_START_MS = 1500;
const PROBE_STOP_MS = 500;

/**
 * Latency at steady state, as one of the `connections` readers sees it: one keep-alive connection
 * asking `probe.path()` (with `probe.headers`) at `probe.origin` again and again while wrk holds the
 * others, from 1.5 s into the run to 0.5 s before its end. Why not wrk's own p99: wrk opens its
 * connections at the start of every run, and a saturated Node server accepts one new connection per
 * event-loop turn (libuv accepts once per poll, libuv/libuv#3696), so the last of 50 connections waits
 * ~50 turns for its first answer; wrk's coordinated-omission correction then adds about
 * latency / interval synthetic samples for each of those first requests, a few hundred per run,
 * which decide its p99 whenever a run has fewer than ~100 times as many requests (docs/performance.md,
 * "p99 at 50 connections"). Resolves to { p50, p99, max (ms), requests, non2xx }.
 */
export async function probeLatency(probe, seconds) {
  const stopAt = performance.now() + seconds * 1000 - PROBE_STOP_MS;
  await new Promise((resolve) => setTimeout(resolve, Math.min(PROBE_START_MS, (seconds * 1000) / 4)));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const samples = [];
  let non2xx = 0;
  try {
    while (performance.now() < stopAt) {
      const started = performance.now();
      const status = await new Promise((resolve, reject) => {
        const request = http.get(new URL(probe.path(), probe.origin), { agent, headers: probe.headers, timeout: 5000 }, (response) => {
          response.on('data', () => {});
          response.once('end', () => resolve(response.statusCode));
          response.once('error', reject);
        });
        request.once('timeout', () => request.destroy(new Error('the probe request timed out (5 s)')));
        request.once('error', reject);
      });
      samples.push(performance.now() - started);
      if (status < 200 || status >= 400) non2xx += 1;
    }
  } finally {
    agent.destroy();
  }
  if (samples.length === 0) throw new Error(`the latency probe got no answer in a ${seconds} s run`);
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), max: samples[samples.length - 1], requests: samples.length, non2xx };
}

function wrkOnce(threads, connections, seconds, args) {
  const allArgs = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--latency', '--timeout', '5s', ...args];
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', allArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
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

// ── measurement ──────────────────────────────────────────────────────────────────────────────────
/**
 * Load, target by target, rounds alternating the order so drift (heat, other processes) spreads
 * evenly; each measurement is preceded by its own warm-up. `load(target, seconds)` runs wrk once;
 * each measured result gets cpuUs (server CPU per request, from target.pid) and goes to target.runs.
 * `unit` names a request in the log ('req', 'event'), `detail(result)` adds to each round's log line.
 * Returns the 1-minute load average from before the run.
 */
export async function measureRounds({ version, threads, connections, rounds, warmup, duration }, targets, load, { unit = 'req', rate = `${unit}/s`, workload = '', detail = () => '' } = {}) {
  const loadBefore = os.loadavg()[0];
  if (loadBefore > os.availableParallelism() / 2) log(`note: load average ${loadBefore.toFixed(2)} before the run: other processes compete for the CPU, expect noise`);
  const estimate = rounds * targets.length * (warmup + duration);
  log(`wrk ${version}: ${threads} thread(s), ${connections} connections, ${workload}${rounds} round(s) x ${targets.length} targets x (${warmup} s warm-up + ${duration} s), about ${Math.ceil(estimate / 60)} min`);
  const keyWidth = Math.max(...targets.map((t) => t.key.length));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) {
      if (warmup > 0) await load(target, warmup);
      const cpuBefore = cpuSeconds(target.pid);
      const result = await load(target, duration);
      const cpuAfter = cpuSeconds(target.pid);
      result.cpuUs = cpuBefore === null || cpuAfter === null || result.requests === 0 ? null : ((cpuAfter - cpuBefore) * 1e6) / result.requests;
      target.runs.push(result);
      const steady = result.steady ? `  steady p99 ${fmtMs(result.steady.p99)} ms (${result.steady.requests})` : '';
      log(`round ${round + 1}/${rounds} ${target.key.padEnd(keyWidth)} ${result.rps.toFixed(0).padStart(6)} ${rate}  p50 ${fmtMs(result.p50)} ms  p99 ${fmtMs(result.p99)} ms${steady}  CPU ${result.cpuUs === null ? 'n/a' : `${result.cpuUs.toFixed(0)} us`}/${unit}${detail(result)}${result.non2xx ? `  NON-2xx ${result.non2xx}` : ''}${result.socketErrors ? `  socket errors ${result.socketErrors}` : ''}`);
    }
  }
  return loadBefore;
}

/** The `p`th percentile (0–100) of ascending `sorted` values, nearest rank; null when there are none. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Medians over rounds; ratios against `baseline` taken round by round (both measured under the same
 * background load, minutes apart at most), then their median.
 */
export function summarize(targets, baseline) {
  const base = baseline.runs;
  return targets.map((t) => ({
    ...t,
    ratio: median(t.runs.map((r, i) => r.rps / base[i].rps)),
    p99Ratio: median(t.runs.map((r, i) => r.p99 / base[i].p99)),
    cpuRatio: t.runs.some((r, i) => r.cpuUs === null || base[i].cpuUs === null) ? null : median(t.runs.map((r, i) => r.cpuUs / base[i].cpuUs)),
    rps: median(t.runs.map((r) => r.rps)),
    p50: median(t.runs.map((r) => r.p50)),
    p99: median(t.runs.map((r) => r.p99)),
    steadyP99: t.runs.every((r) => r.steady) ? median(t.runs.map((r) => r.steady.p99)) : null,
    cpuUs: t.runs.some((r) => r.cpuUs === null) ? null : median(t.runs.map((r) => r.cpuUs)),
    socketErrors: t.runs.reduce((s, r) => s + r.socketErrors, 0),
  }));
}

// ── report ───────────────────────────────────────────────────────────────────────────────────────
export const fmtMs = (ms) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
export const fmtRatio = (ratio) => (ratio === null ? 'n/a' : `${ratio.toFixed(2)}x`);
export const fmtCpuUs = (us) => (us === null ? 'n/a' : `${us.toFixed(0)} µs`);

/**
 * The report's opening lines, the same in every wrk benchmark: title and time, the machine, the load
 * (`workload` says what went round, e.g. "400 views, "; `note` ends the line) and the load average.
 */
export function printReportHeader(title, { version, threads, connections, rounds, duration, warmup }, loadBefore, { workload = '', note = '' } = {}) {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log('');
  console.log(`${title} — ${new Date().toISOString()}`);
  console.log(`machine: ${os.availableParallelism()} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`);
  console.log(`load: ${version}, -t${threads} -c${connections}, ${workload}${rounds} round(s) of ${duration} s per target after ${warmup} s warm-up; medians shown${note}`);
  console.log(`load average (1 min): ${loadBefore.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after`);
}

/** A Markdown table: the first column left-aligned, the others right-aligned. */
export function printTable(header, rows) {
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|---|${'---:|'.repeat(header.length - 1)}`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

/** "key v/v/v; key v/v/v": one value per round and target. */
export const perRound = (summary, value) => summary.map((t) => `${t.key} ${t.runs.map(value).join('/')}`).join('; ');

/** The closing lines every report has: socket-error notes, then the validity verdict (throws). */
export function finishReport(summary, problems) {
  for (const t of summary) if (t.socketErrors > 0) console.log(`note: ${t.key} had ${t.socketErrors} socket errors (timeouts or resets) under load`);
  if (problems.length > 0) throw new Error(`the measurements are not valid:\n  ${problems.join('\n  ')}`);
}

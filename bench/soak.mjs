// Soak run: the built server (dist/server/entry.mjs) under mixed prospect and rep load on loopback for
// --minutes, killed with SIGKILL half-way and started again on the same database. Prints the 5xx
// count, latency percentiles per kind of request, the server's memory over time, beacons acknowledged
// (204) vs stored, Slack alerts delivered vs sent rows (a loopback Slack stand-in), and SQLite's
// integrity check. Exits 1 if a 5xx was answered, an acknowledged beacon is missing, an alert was
// lost, left unsent or delivered twice (other than one the killed process was sending at the
// moment of the kill: Slack may have had it already, ADR 0005), or the integrity check fails. Not part of `npm test` or the default
// `npm run bench` (it takes minutes); results are recorded in docs/reliability.md.
//
//   nice node bench/soak.mjs --minutes 10      # the recorded run
//   node bench/soak.mjs --minutes 1            # a quick check
//
// Options: --minutes N (1-120, default 10), --readers N (prospect loops, default 12), --reps N (rep
// loops, default 2), --no-build (fail instead of building a stale dist/).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { appEnvironment, bin, buildIfStale, freePort, percentile, root, run } from './support/harness.mjs';

const name = 'soak';
const log = (message) => console.error(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

function options() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        minutes: { type: 'string', default: '10' },
        readers: { type: 'string', default: '12' },
        reps: { type: 'string', default: '2' },
        'no-build': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`${name}: ${error.message}`);
    process.exit(2);
  }
  if (values.help) {
    const lines = fs.readFileSync(new URL(import.meta.url), 'utf8').split('\n');
    console.log(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
    process.exit(0);
  }
  const int = (key, min, max) => {
    const value = Number(values[key]);
    if (!Number.isInteger(value) || value < min || value > max) {
      console.error(`${name}: --${key} must be an integer from ${min} to ${max}`);
      process.exit(2);
    }
    return value;
  };
  return { minutes: int('minutes', 1, 120), readers: int('readers', 1, 200), reps: int('reps', 0, 20), noBuild: values['no-build'] };
}

// ── the Slack stand-in: a loopback incoming webhook that answers 200 and counts ─────────────────────
async function startSlackStandIn() {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/services/T000/B000/soak-stand-in`, received, close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))) };
}

// ── the server ──────────────────────────────────────────────────────────────────────────────────────
function startServer(env, logFile) {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, ['dist/server/entry.mjs'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return child;
}

async function waitUntilAnswering(child, base, logFile) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${fs.readFileSync(logFile, 'utf8')}`);
    try {
      const response = await fetch(`${base}/`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      return;
    } catch {
      await sleep(200);
    }
  }
  throw new Error(`the server did not answer within 60 s:\n${fs.readFileSync(logFile, 'utf8')}`);
}

function rssMb(pid) {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

// ── load ────────────────────────────────────────────────────────────────────────────────────────────
const stats = {
  byKind: new Map(), // kind → { latencies: [], statuses: Map }
  connectionErrors: 0,
  fiveXX: [],
  acked: new Map(), // viewId → highest acknowledged seq
  ackedBeacons: 0,
};

function record(kind, status, ms) {
  let entry = stats.byKind.get(kind);
  if (!entry) stats.byKind.set(kind, (entry = { latencies: [], statuses: new Map() }));
  entry.statuses.set(status, (entry.statuses.get(status) ?? 0) + 1);
  if (status >= 500) stats.fiveXX.push(`${kind} ${status}`);
  else entry.latencies.push(ms);
}

/** One request; the answer's status, body and cookies, or null on a connection error (the restart). */
async function request(kind, base, pathname, { method = 'GET', body, cookies = new Map(), headers = {} } = {}) {
  const started = performance.now();
  try {
    const response = await fetch(`${base}${pathname}`, {
      method,
      redirect: 'manual',
      headers: {
        'User-Agent': CHROME,
        'Accept-Language': 'ja,en;q=0.8',
        ...(cookies.size ? { Cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...headers,
      },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await response.text();
    record(kind, response.status, performance.now() - started);
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return { status: response.status, text };
  } catch {
    stats.connectionErrors++;
    return null;
  }
}

async function prospect(base, links, until) {
  let cookies = new Map();
  while (Date.now() < until) {
    if (Math.random() < 0.3) cookies = new Map(); // now and then a new browser: a new visit, a new alert
    const link = links[Math.floor(Math.random() * links.length)];
    const slug = link.documents[Math.floor(Math.random() * link.documents.length)];
    await request('prospect page', base, link.path, { cookies });
    const page = await request('prospect page', base, `${link.path}/d/${slug}`, { cookies });
    if (!page || page.status !== 200) {
      await sleep(200);
      continue;
    }
    const start = await request('view start', base, `${link.path}/views`, {
      method: 'POST',
      body: JSON.stringify({ slug }),
      cookies,
      headers: { 'Content-Type': 'application/json', Origin: base, 'Sec-Fetch-Site': 'same-origin' },
    });
    if (!start || start.status !== 201) {
      await sleep(200);
      continue;
    }
    const { viewId, beaconPath } = JSON.parse(start.text);
    for (let seq = 1; seq <= 20 && Date.now() < until; seq++) {
      await sleep(100);
      const beacon = await request('beacon', base, beaconPath, {
        method: 'POST',
        body: JSON.stringify({ seq, activeSeconds: seq * 2, maxScrollPercent: Math.min(100, seq * 5) }),
        cookies,
        headers: { 'Content-Type': 'application/json', Origin: base },
      });
      if (beacon?.status === 204) {
        stats.ackedBeacons++;
        stats.acked.set(viewId, seq);
      }
    }
  }
}

async function rep(base, admin, opportunities, until) {
  const cookies = new Map();
  const signIn = () =>
    request('sign-in', base, '/admin/sign-in', {
      method: 'POST',
      body: new URLSearchParams({ email: admin.email, password: admin.password, next: '/admin' }).toString(),
      cookies,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: base },
    });
  while (Date.now() < until && (await signIn())?.status !== 303) await sleep(500);
  const pages = ['/admin', '/admin/opportunities', '/admin/accounts', '/admin/activity.json', ...opportunities.map((id) => `/admin/opportunities/${id}`)];
  while (Date.now() < until) {
    for (const pathname of pages) {
      const answer = await request('rep page', base, pathname, { cookies });
      if (answer?.status === 303) await signIn();
      await sleep(150);
    }
  }
}

// ── report ──────────────────────────────────────────────────────────────────────────────────────────
const fmt = (ms) => (ms === null ? 'n/a' : `${ms.toFixed(1)} ms`);

async function main() {
  const { minutes, readers, reps, noBuild } = options();
  buildIfStale(noBuild);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ringi-soak-'));
  const databasePath = path.join(tmp, 'ringi.db');
  const logFile = path.join(tmp, 'server.log');
  const slack = await startSlackStandIn();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...appEnvironment(databasePath),
    PORT: String(port),
    RINGI_PUBLIC_URL: base,
    RINGI_SLACK_WEBHOOK_URL: slack.url,
    RINGI_SLACK_ALERT_DELAY_SECONDS: '2',
    RINGI_SLACK_WORKER_INTERVAL_MS: '500',
  };
  let server;
  const memory = []; // [seconds since start, server generation, RSS MB]
  let sampler;
  try {
    const seed = JSON.parse(run(bin('tsx'), ['bench/support/soak-seed.ts', databasePath], { env }).stdout.trim().split('\n').pop());
    server = startServer(env, logFile);
    await waitUntilAnswering(server, base, logFile);
    log(`server up on ${base}; ${readers} prospect loops, ${reps} rep loops for ${minutes} min; SIGKILL and restart at ${(minutes / 2).toFixed(1)} min`);

    const startedAt = Date.now();
    const until = startedAt + minutes * 60_000;
    let generation = 1;
    sampler = setInterval(() => {
      const mb = rssMb(server.pid);
      if (mb !== null) memory.push([Math.round((Date.now() - startedAt) / 1000), generation, mb]);
    }, 5000);
    const load = Promise.all([
      ...Array.from({ length: readers }, () => prospect(base, seed.links, until)),
      ...Array.from({ length: reps }, () => rep(base, seed.admin, seed.opportunities, until)),
    ]);

    await sleep(minutes * 30_000);
    log(`kill -9 ${server.pid}`);
    const killedAt = Date.now();
    server.kill('SIGKILL');
    await new Promise((resolve) => (server.exitCode !== null || server.signalCode !== null ? resolve() : server.once('exit', resolve)));
    // Alerts the dead process held: Slack may have taken them before the kill, and they are sent
    // again once their lease runs out (Slack webhooks take no idempotency key: ADR 0005).
    const frozen = new Database(databasePath, { readonly: true });
    const inFlightAtKill = frozen.prepare("select count(*) as n from slack_outbox where status = 'sending'").get().n;
    frozen.close();
    server = startServer(env, logFile);
    generation = 2;
    await waitUntilAnswering(server, base, logFile);
    const downSeconds = (Date.now() - killedAt) / 1000;
    log(`restarted (pid ${server.pid}) after ${downSeconds.toFixed(1)} s`);

    await load;
    clearInterval(sampler);
    log('load finished; waiting for the Slack outbox to drain');

    const db = new Database(databasePath, { readonly: true });
    const outbox = () => db.prepare("select status, count(*) as n from slack_outbox group by status").all();
    const open = () => outbox().filter((r) => r.status === 'pending' || r.status === 'sending').reduce((sum, r) => sum + r.n, 0);
    // A row leased by the killed process is retried once its lease (60 s) has run out.
    const drainDeadline = Date.now() + 150_000;
    while (open() > 0 && Date.now() < drainDeadline) await sleep(1000);
    const outboxByStatus = Object.fromEntries(outbox().map((r) => [r.status, r.n]));
    db.close();

    server.kill('SIGTERM');
    await new Promise((resolve) => (server.exitCode !== null ? resolve() : server.once('exit', resolve)));
    await slack.close();

    // Acknowledged beacons against what the database kept.
    const check = new Database(databasePath, { readonly: true });
    const storedSeq = check.prepare('select last_sequence as seq from document_views where id = ?');
    let lostViews = 0;
    for (const [viewId, seq] of stats.acked) if ((storedSeq.get(viewId)?.seq ?? 0) < seq) lostViews++;
    const integrity = check.pragma('integrity_check', { simple: true });
    const foreignKeys = check.pragma('foreign_key_check').length;
    const views = check.prepare('select count(*) as n from document_views').get().n;
    check.close();

    // ── print ──
    const lines = [];
    lines.push(`Soak: ${minutes} min, ${readers} prospect loops + ${reps} rep loops, kill -9 at ${(minutes / 2).toFixed(1)} min, back after ${downSeconds.toFixed(1)} s`);
    lines.push(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    lines.push('');
    lines.push('requests                count   p50        p99        max        statuses');
    let total = 0;
    for (const [kind, entry] of [...stats.byKind].sort()) {
      const sorted = entry.latencies.slice().sort((a, b) => a - b);
      const count = [...entry.statuses.values()].reduce((a, b) => a + b, 0);
      total += count;
      const statuses = [...entry.statuses].sort().map(([s, n]) => `${s}×${n}`).join(' ');
      lines.push(`${kind.padEnd(22)}  ${String(count).padStart(6)}  ${fmt(percentile(sorted, 50)).padEnd(9)}  ${fmt(percentile(sorted, 99)).padEnd(9)}  ${fmt(sorted.at(-1) ?? null).padEnd(9)}  ${statuses}`);
    }
    const all = [...stats.byKind.values()].flatMap((e) => e.latencies).sort((a, b) => a - b);
    lines.push(`all                     ${String(total).padStart(6)}  ${fmt(percentile(all, 50)).padEnd(9)}  ${fmt(percentile(all, 99)).padEnd(9)}`);
    lines.push(`5xx answers: ${stats.fiveXX.length}${stats.fiveXX.length ? ` (${[...new Set(stats.fiveXX)].join(', ')})` : ''}`);
    lines.push(`connection errors (while the server was down): ${stats.connectionErrors}`);
    lines.push('');
    const perMinute = new Map();
    for (const [s, gen, mb] of memory) perMinute.set(`${Math.floor(s / 60)}:${gen}`, [Math.floor(s / 60), gen, mb]);
    lines.push(`server memory (RSS, last sample of each minute; process 1 until the kill, 2 after): ${[...perMinute.values()].map(([m, g, mb]) => `${m}′/${g} ${mb.toFixed(0)} MB`).join(', ')}`);
    lines.push('');
    lines.push(`beacons acknowledged (204): ${stats.ackedBeacons} in ${stats.acked.size} views; stored: ${stats.acked.size - lostViews} of ${stats.acked.size} views hold their last acknowledged beacon (${lostViews} lost); ${views} views in the database`);
    const sent = outboxByStatus.sent ?? 0;
    const duplicates = slack.received.length - sent;
    lines.push(
      `Slack alerts: ${slack.received.length} delivered to the stand-in for ${sent} sent outbox rows: ${duplicates} delivered twice, ` +
        `${inFlightAtKill} were being sent at the kill -9 (the only ones that may be; ADR 0005); outbox ${JSON.stringify(outboxByStatus)}`,
    );
    lines.push(`PRAGMA integrity_check: ${integrity}; foreign_key_check: ${foreignKeys} problems`);
    const failures = [];
    if (stats.fiveXX.length) failures.push('5xx answers');
    if (lostViews) failures.push('acknowledged beacons lost');
    if (duplicates < 0 || duplicates > inFlightAtKill) failures.push('alerts not delivered exactly once');
    if ((outboxByStatus.pending ?? 0) + (outboxByStatus.sending ?? 0) + (outboxByStatus.failed ?? 0) > 0) failures.push('alerts left unsent');
    if (integrity !== 'ok' || foreignKeys) failures.push('integrity check');
    lines.push(failures.length ? `RESULT: FAILED (${failures.join(', ')})` : 'RESULT: ok');
    console.log(lines.join('\n'));
    return failures.length ? 1 : 0;
  } finally {
    clearInterval(sampler);
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    await slack.close().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);

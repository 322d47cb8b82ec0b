#!/usr/bin/env node
// Benchmark: the admin pages' reads (src/server/tracking/read-model.ts, the dashboard, the API) as
// history grows: by default 10,000 opportunities and 1,000,000 document views (with their visits,
// link events, running totals and aggregates); with --sizes, several sizes in one run, compared.
//   1. bench/support/aggregates-seed.ts (tsx) builds a SQLite file in bulk (~35 s at 1 M views on a
//      quiet machine, ~10x that at 10 M);
//   2. bench/support/aggregates-measure.ts (tsx) opens it like the app does and times each call
//      (default 200 calls after 20 warm-up calls) next to same-run baselines: a prepared `SELECT 1`
//      and a drizzle primary-key lookup. Ratios are against the primary-key lookup, percentile by
//      percentile, because absolute numbers mean little on a noisy machine; the event-loop delay
//      (perf_hooks.monitorEventLoopDelay) is recorded while the reads run;
//   3. with --rebuild, the on-start build of the aggregates (ADR 0020), and last the retention purge
//      of everything older than 300 days (the oldest ~2 months): both background jobs, with how long
//      each transaction holds the write lock and the event-loop delay meanwhile.
//   It also times what the admin pages compute on the server: the home dashboard (loadDashboard,
//   with and without filters, and each section) and the timeline page (overview, summary, one page
//   of the timeline), and the API's reads.
// Targets: p95 < 100 ms for opportunityTimeline, hottestOpportunities, the timeline page and the
// dashboard; with several sizes, every case at the largest size < 100 ms and at most 1.5x its own
// p95 at the smallest (information: the exit status says whether the run worked, not whether
// targets were met; --strict makes a miss fail).
//
//   npm run bench                        (bench/run.mjs runs every benchmark in bench/)
//   node bench/aggregates.mjs [--opportunities 10000] [--views 1000000] [--calls 200] [--seed 1]
//        [--span-days 365] [--db <path>] [--keep] [--purge-days 300 | --no-purge] [--rebuild] [--strict]
//   node bench/aggregates.mjs --sizes 10000:1000000,100000:10000000 --db-dir <dir> [--rebuild] ...
//   --span-days: reading ends anywhere in the last N days (a year); 54 puts every deal inside the
//   hottest list's horizon, its worst case.
//   --db <path> / --db-dir <dir>: keep the seeded database(s) there and reuse them in later runs with
//   the same sizes (seeding is skipped when the file exists; the purge and the rebuild then run on a
//   temp copy, so the kept file stays as seeded); --keep leaves the temp directory in place.
//
// Exit status: 0 when measured, 1 when something broke (or --strict and a target missed), 2 on bad
// usage. The temp directory is removed on success, on error and on Ctrl-C (unless --keep).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { percentile } from './support/harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const NOW = '2026-11-22T10:00:00.000Z';
const TARGET_P95_MS = 100;
const TARGET_GROWTH = 1.5;

let options;
let sizes;
try {
  ({ values: options } = parseArgs({
    // bench/run.mjs hands every benchmark the same arguments: ignore the ones meant for others.
    strict: false,
    options: {
      opportunities: { type: 'string', default: '10000' },
      views: { type: 'string', default: '1000000' },
      sizes: { type: 'string' },
      calls: { type: 'string', default: '200' },
      seed: { type: 'string', default: '1' },
      'span-days': { type: 'string', default: '365' },
      db: { type: 'string' },
      'db-dir': { type: 'string' },
      keep: { type: 'boolean', default: false },
      'purge-days': { type: 'string', default: '300' },
      'no-purge': { type: 'boolean', default: false },
      rebuild: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
    },
  }));
  for (const name of ['opportunities', 'views', 'calls', 'seed', 'span-days', 'purge-days']) {
    if (!/^\d+$/.test(String(options[name])) || Number(options[name]) < 1) throw new Error(`--${name} must be a positive whole number`);
  }
  sizes = options.sizes
    ? options.sizes.split(',').map((size) => {
        const m = /^(\d+):(\d+)$/.exec(size.trim());
        if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new Error(`--sizes takes opportunities:views pairs separated by commas (e.g. 10000:1000000,100000:10000000), not "${size}"`);
        return { opportunities: m[1], views: m[2] };
      })
    : [{ opportunities: options.opportunities, views: options.views }];
  if (options.db && sizes.length > 1) throw new Error('--db names one database: with several --sizes use --db-dir');
} catch (error) {
  console.error(error.message);
  process.exit(2);
}

const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringi-bench-aggregates-'));
// A database to keep: --db, or one per size in --db-dir (reused by later runs with the same sizes and seed).
function keptDatabase({ opportunities, views }) {
  if (options.db) return path.resolve(options.db);
  if (options['db-dir']) return path.join(path.resolve(options['db-dir']), `aggregates-${opportunities}-${views}-seed${options.seed}-span${options['span-days']}.db`);
  return null;
}
function cleanup() {
  if (!options.keep) fs.rmSync(tempDir, { recursive: true, force: true });
}
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

function runTs(script, args, timeoutMs) {
  const result = spawnSync(tsx, [path.join(root, 'bench', 'support', script), ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`${script} exited with ${result.status ?? result.signal}`);
  const line = result.stdout.trim().split('\n').pop();
  return JSON.parse(line);
}


const fmt = (ms) => (ms < 0.1 ? ms.toFixed(4) : ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
const ratio = (x) => (x >= 100 ? `${Math.round(x)}x` : `${x.toFixed(1)}x`);

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/** Seeds (or reuses) one size's database and measures it; prints its table and returns its rows. */
function measureSize(size) {
  const kept = keptDatabase(size);
  const seededPath = kept ?? path.join(tempDir, `aggregates-${size.opportunities}-${size.views}.db`);
  if (fs.existsSync(seededPath)) {
    console.log(`reusing ${seededPath}`);
  } else {
    fs.mkdirSync(path.dirname(seededPath), { recursive: true });
    console.log(`seeding ${size.opportunities} opportunities and ${size.views} views over ${options['span-days']} days into ${seededPath} ...`);
    const seeded = runTs('aggregates-seed.ts', [seededPath, size.opportunities, size.views, options.seed, NOW, options['span-days']], 60 * 60 * 1000);
    console.log(
      `seeded in ${seeded.seconds} s: ${seeded.accounts} accounts, ${seeded.contacts} contacts, ${seeded.links} links, ` +
        `${seeded.visits} visits, ${seeded.documentViews} views, ${seeded.linkEvents} link events, ` +
        `${seeded.readingTotals} reading_totals rows, ${seeded.opportunityEngagement} opportunity_engagement rows, ${seeded.fileMegabytes} MB; ` +
        `most views: ${seeded.heaviestOpportunity.id}, ${seeded.heaviestOpportunity.views} views in ${seeded.heaviestOpportunity.visits} visits; ` +
        `aggregates rebuilt in ${seeded.aggregates.seconds} s (${seeded.aggregates.documentRows} document_performance rows)`,
    );
    console.log(
      `stages: ${seeded.stages.open} open, ${seeded.stages.won} won, ${seeded.stages.lost} lost; ` +
        `${seeded.resharedRooms} read rooms shared again later (unopened); ${seeded.liveViews} views reading now`,
    );
  }
  // The purge and the rebuild write: a database kept for later runs is measured on a copy.
  const purging = !options['no-purge'];
  let dbPath = seededPath;
  if (kept && (purging || options.rebuild)) {
    dbPath = path.join(tempDir, path.basename(seededPath));
    const started = Date.now();
    for (const suffix of ['', '-wal']) if (fs.existsSync(seededPath + suffix)) fs.copyFileSync(seededPath + suffix, dbPath + suffix);
    console.log(`copied it to ${dbPath} in ${((Date.now() - started) / 1000).toFixed(0)} s (the purge and the rebuild write)`);
  }

  const jobArgs = [purging ? options['purge-days'] : 'no-purge', ...(options.rebuild ? ['rebuild'] : [])];
  console.log(`measuring ${options.calls} calls per case (after 20 warm-up calls); load average ${load()} ...`);
  const measured = runTs('aggregates-measure.ts', [dbPath, options.calls, options.seed, NOW, ...jobArgs], 60 * 60 * 1000);
  if (dbPath !== seededPath) for (const suffix of ['', '-wal', '-shm']) fs.rmSync(dbPath + suffix, { force: true });

  const rows = measured.cases.map(({ name, ms, loopMaxMs }) => {
    const sorted = [...ms].sort((a, b) => a - b);
    return { name, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1], loopMaxMs };
  });
  const baseline = rows.find((r) => r.name.startsWith('baseline: opportunity by primary key'));
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log('');
  console.log(`${size.opportunities} opportunities / ${size.views} views`);
  // "loop max": the longest the case held the event loop (monitorEventLoopDelay over its calls).
  console.log(`${'case'.padEnd(width)}  ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}   ${'p50/pk'.padStart(7)} ${'p95/pk'.padStart(7)}  ${'loop max'.padStart(8)}`);
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(width)}  ${fmt(r.p50).padStart(8)} ${fmt(r.p95).padStart(8)} ${fmt(r.p99).padStart(8)} ${fmt(r.max).padStart(8)}   ` +
        `${ratio(r.p50 / baseline.p50).padStart(7)} ${ratio(r.p95 / baseline.p95).padStart(7)}  ${fmt(r.loopMaxMs).padStart(8)}`,
    );
  }
  const facts = measured.facts;
  console.log('');
  console.log(`opportunities with visits: ${facts.activeOpportunities}; most visits (the "heaviest" timeline): ${facts.heaviest.id}, ${facts.heaviest.visits} visits`);
  console.log(
    `hottest: top ${facts.hottestTop.map((h) => `${h.id} ${h.score} (${h.lastSeenDaysAgo} d ago)`).join(', ')}; 20th scores ${facts.twentiethScore}, ` +
      `so nothing seen more than ${facts.horizonDays} days ago can enter the top 20 (${facts.opportunitiesWithinHorizon} opportunities seen since then)`,
  );
  const d = facts.dashboard;
  console.log(
    `dashboard (no filters): ${d.readingNow} reading now, ${d.recentVisits} recent visits, ${d.hottest} hottest, ` +
      `${d.unopenedTotal} unopened after ${d.unopenedAfterDays} days, ${d.documents} documents (${d.documentWonRooms} won / ${d.documentLostRooms} lost rooms offered); ` +
      `opportunities by outcome: ${Object.entries(d.stages).map(([k, n]) => `${k} ${n}`).join(', ')}`,
  );
  const r = facts.readsLoopDelay;
  console.log(`event-loop delay while the reads above ran (each awaited, the loop turning between calls): max ${r.maxMs} ms, p99 ${r.p99Ms} ms, p50 ${r.p50Ms} ms`);
  const jobLine = (job) =>
    `write lock held ${job.transactionP50Ms} ms per transaction (p50), ${job.transactionP99Ms} ms (p99), ${job.transactionMaxMs} ms at most; ` +
    `event-loop delay meanwhile: max ${job.loopDelay.maxMs} ms, p99 ${job.loopDelay.p99Ms} ms`;
  if (facts.rebuild) {
    const b = facts.rebuild;
    console.log(`aggregates rebuilt as on start: ${b.opportunities} opportunities, ${b.documentRows} document rows in ${b.transactions} transactions, ${b.ms} ms; ${jobLine(b)}; pages ${b.unchanged ? 'unchanged by the rebuild' : 'CHANGED by the rebuild'}`);
  }
  if (facts.purge) {
    const p = facts.purge;
    console.log(
      `purge older than ${p.olderThanDays} days: ${p.visits} visits, ${p.documentViews} views, ${p.linkEvents} link events in ${p.batches} transactions, ${p.ms} ms; ` +
        `${jobLine(p)}; dashboard, hottest and summaries ${p.totalsKept ? 'unchanged by the purge (totals kept)' : 'CHANGED by the purge'}`,
    );
  }
  const targeted = ['opportunityTimeline', 'hottestOpportunities', 'timeline page', 'loadDashboard'];
  const missed = rows.filter((r) => targeted.some((prefix) => r.name.startsWith(prefix)) && r.p95 >= TARGET_P95_MS);
  console.log('');
  console.log(
    missed.length === 0
      ? `target met: p95 < ${TARGET_P95_MS} ms for every timeline, hottest-list, timeline-page and dashboard case`
      : `target MISSED (p95 >= ${TARGET_P95_MS} ms): ${missed.map((r) => `${r.name} ${fmt(r.p95)} ms`).join('; ')}`,
  );
  return { size, rows, missed: missed.length };
}

/** Each case's p95 at the largest size against its own p95 at the smallest, measured in this run. */
function compareSizes(small, large) {
  const label = ({ size }) => `${size.opportunities} / ${size.views}`;
  // Case names carry per-size details ("heaviest: 1222 visits"): match them without the parentheses' numbers.
  const key = (name) => name.replace(/\d+ visits/, 'N visits');
  const smallRows = new Map(small.rows.map((r) => [key(r.name), r]));
  const width = Math.max(...large.rows.map((r) => r.name.length));
  console.log('');
  console.log(`p95 at ${label(large)} against ${label(small)}, same run (target: every admin read < ${TARGET_P95_MS} ms and at most ${TARGET_GROWTH}x its figure at the smaller size)`);
  console.log(`${'case'.padEnd(width)}  ${'small'.padStart(8)} ${'large'.padStart(8)} ${'growth'.padStart(7)}`);
  const misses = [];
  for (const r of large.rows) {
    const s = smallRows.get(key(r.name));
    if (!s || r.name.startsWith('baseline')) continue;
    const growth = r.p95 / s.p95;
    // Sub-millisecond reads are judged by the 100 ms target alone: their ratio is noise.
    const grew = growth > TARGET_GROWTH && r.p95 >= 1;
    if (grew || r.p95 >= TARGET_P95_MS) misses.push(`${r.name} ${fmt(r.p95)} ms (${growth.toFixed(2)}x)`);
    console.log(`${r.name.padEnd(width)}  ${fmt(s.p95).padStart(8)} ${fmt(r.p95).padStart(8)} ${`${growth.toFixed(2)}x`.padStart(7)}${grew ? '  > ' + TARGET_GROWTH + 'x' : ''}${r.p95 >= TARGET_P95_MS ? '  >= 100 ms' : ''}`);
  }
  console.log(misses.length === 0 ? `size target met for every case` : `size target MISSED: ${misses.join('; ')}`);
  return misses.length;
}

try {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}; load average ${load()}`);
  const measured = sizes.map(measureSize);
  let missed = measured.reduce((n, m) => n + m.missed, 0);
  if (measured.length > 1) missed += compareSizes(measured[0], measured[measured.length - 1]);
  console.log(`load average at the end: ${load()}`);
  if (options.keep) console.log(`kept ${tempDir}`);
  cleanup();
  process.exit(options.strict && missed > 0 ? 1 : 0);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  cleanup();
  process.exit(1);
}

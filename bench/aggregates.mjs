#!/usr/bin/env node
// Benchmark: the view-tracking read model (src/server/tracking/read-model.ts) at scale: 10,000
// opportunities and 1,000,000 document views (with their visits, link events and running totals).
//   1. bench/support/aggregates-seed.ts (tsx) builds a temp SQLite file in bulk (~1 minute);
//   2. bench/support/aggregates-measure.ts (tsx) opens it like the app does and times each call
//      (default 200 calls after 20 warm-up calls) next to same-run baselines: a prepared `SELECT 1`
//      and a drizzle primary-key lookup. Ratios are against the primary-key lookup, percentile by
//      percentile, because absolute numbers mean little on a noisy machine;
//   3. last, it times the retention purge of everything older than 300 days (the oldest ~2 months;
//      it deletes rows, so it runs after the reads), with how long each transaction holds the lock.
//   It also times what the admin pages compute on the server: the home dashboard (loadDashboard,
//   uncached and cached, with and without filters, and each section) and the timeline page (overview,
//   summary, one page of the timeline).
// Targets: p95 < 100 ms for opportunityTimeline, hottestOpportunities, the timeline page and the
// dashboard, cached or not (information: the exit status says whether the run worked, not whether
// targets were met; --strict makes a miss fail).
//
//   npm run bench                        (bench/run.mjs runs every benchmark in bench/)
//   node bench/aggregates.mjs [--opportunities 10000] [--views 1000000] [--calls 200] [--seed 1]
//        [--span-days 365] [--db <path>] [--keep] [--purge-days 300 | --no-purge] [--strict]
//   --span-days: reading ends anywhere in the last N days (a year); 54 puts every deal inside the
//   hottest list's horizon, its worst case.
//   --db reuses a database seeded before with the same sizes (seeding is skipped when it exists);
//   --keep leaves the temp database in place and prints its path.
//
// Exit status: 0 when measured, 1 when something broke (or --strict and a target missed), 2 on bad
// usage. The temp directory is removed on success, on error and on Ctrl-C (unless --keep or --db).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const NOW = '2026-11-22T10:00:00.000Z';
const TARGET_P95_MS = 100;

let options;
try {
  ({ values: options } = parseArgs({
    // bench/run.mjs hands every benchmark the same arguments: ignore the ones meant for others.
    strict: false,
    options: {
      opportunities: { type: 'string', default: '10000' },
      views: { type: 'string', default: '1000000' },
      calls: { type: 'string', default: '200' },
      seed: { type: 'string', default: '1' },
      'span-days': { type: 'string', default: '365' },
      db: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'purge-days': { type: 'string', default: '300' },
      'no-purge': { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
    },
  }));
  for (const name of ['opportunities', 'views', 'calls', 'seed', 'span-days', 'purge-days']) {
    if (!/^\d+$/.test(String(options[name])) || Number(options[name]) < 1) throw new Error(`--${name} must be a positive whole number`);
  }
} catch (error) {
  console.error(error.message);
  process.exit(2);
}

const tempDir = options.db ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'ringi-bench-aggregates-'));
const dbPath = options.db ? path.resolve(options.db) : path.join(tempDir, 'aggregates.db');
function cleanup() {
  if (tempDir && !options.keep) fs.rmSync(tempDir, { recursive: true, force: true });
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

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const fmt = (ms) => (ms < 0.1 ? ms.toFixed(4) : ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
const ratio = (x) => (x >= 100 ? `${Math.round(x)}x` : `${x.toFixed(1)}x`);

try {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}; load average ${load()}`);

  if (fs.existsSync(dbPath)) {
    console.log(`reusing ${dbPath}`);
  } else {
    console.log(`seeding ${options.opportunities} opportunities and ${options.views} views over ${options['span-days']} days into ${dbPath} ...`);
    const seeded = runTs('aggregates-seed.ts', [dbPath, options.opportunities, options.views, options.seed, NOW, options['span-days']], 60 * 60 * 1000);
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

  const purgeArgs = options['no-purge'] ? [] : [options['purge-days']];
  console.log(`measuring ${options.calls} calls per case (after 20 warm-up calls); load average ${load()} ...`);
  const measured = runTs('aggregates-measure.ts', [dbPath, options.calls, options.seed, NOW, ...purgeArgs], 30 * 60 * 1000);

  const rows = measured.cases.map(({ name, ms }) => {
    const sorted = [...ms].sort((a, b) => a - b);
    return { name, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
  });
  const baseline = rows.find((r) => r.name.startsWith('baseline: opportunity by primary key'));
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log('');
  console.log(`${'case'.padEnd(width)}  ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}   ${'p50/pk'.padStart(7)} ${'p95/pk'.padStart(7)}`);
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(width)}  ${fmt(r.p50).padStart(8)} ${fmt(r.p95).padStart(8)} ${fmt(r.p99).padStart(8)} ${fmt(r.max).padStart(8)}   ` +
        `${ratio(r.p50 / baseline.p50).padStart(7)} ${ratio(r.p95 / baseline.p95).padStart(7)}`,
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
  if (facts.purge) {
    const p = facts.purge;
    console.log(
      `purge older than ${p.olderThanDays} days: ${p.visits} visits, ${p.documentViews} views, ${p.linkEvents} link events in ${p.batches} transactions, ${p.ms} ms; ` +
        `write lock held ${p.transactionP50Ms} ms per transaction (p50), ${p.transactionP99Ms} ms (p99), ${p.transactionMaxMs} ms at most; ` +
        `event-loop delay during the purge: max ${p.loopDelay.maxMs} ms, p99 ${p.loopDelay.p99Ms} ms; ` +
        `dashboard, hottest and summaries ${p.totalsKept ? 'unchanged by the purge (totals kept)' : 'CHANGED by the purge'}`,
    );
  }

  const targeted = ['opportunityTimeline', 'hottestOpportunities', 'timeline page', 'loadDashboard'];
  const targets = rows.filter((r) => targeted.some((prefix) => r.name.startsWith(prefix)));
  const missed = targets.filter((r) => r.p95 >= TARGET_P95_MS);
  console.log('');
  console.log(
    missed.length === 0
      ? `target met: p95 < ${TARGET_P95_MS} ms for every timeline, hottest-list, timeline-page and dashboard case`
      : `target MISSED (p95 >= ${TARGET_P95_MS} ms): ${missed.map((r) => `${r.name} ${fmt(r.p95)} ms`).join('; ')}`,
  );
  console.log(`load average at the end: ${load()}`);
  if (options.keep && tempDir) console.log(`kept ${dbPath}`);
  cleanup();
  process.exit(options.strict && missed.length > 0 ? 1 : 0);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  cleanup();
  process.exit(1);
}

#!/usr/bin/env node
// Benchmark: reading-beacon ingestion (POST /r/<token>/views/<viewId>, src/server/http/beacon-endpoint.ts
// on the plain node:http path of dist/server/entry.mjs, ADR 0003) against a baseline measured in the
// same run, because absolute numbers mean little on a noisy machine:
//   ringi  the built production server (what `npm start` runs), on a temp database seeded by the
//          project's own code, with a pool of views started through the real view-start endpoint;
//   raw    bench/support/raw-beacon-server.mjs: bare node:http doing the same work (same route, body
//          cap, zod schema, token check, merge rules and the same SQL statements, prepared once with
//          better-sqlite3) on a copy of the same SQLite file.
// Load comes from wrk on 127.0.0.1 only: a Lua script POSTs valid heartbeats, round-robin over the views
// (each view's next beacon leaves only after its previous one was answered, with the next sequence
// number and active time that grows with the wall clock, so every beacon is applied, never a replay).
// Target (information, not an assertion): ringi >= 0.5x raw events/s.
//
//   npm run bench                       (bench/run.mjs runs every benchmark in bench/)
//   npm run bench -- beacons [options]
//   node bench/beacons.mjs [--duration 10] [--warmup 3] [--rounds 3] [--connections 50] [--threads 1]
//        [--views 400] [--no-build] [--cpu-prof <dir>] [--strict]
//
// Reports events/s, p50, p99, server CPU per event (from /proc, Linux) and the ratios against raw,
// round by round and as medians; afterwards it checks in both databases that every answered beacon was
// stored and that the running totals moved with the views. --cpu-prof <dir> writes a V8 CPU profile of
// the Ringi server. Exit status: 0 when the measurements were taken (whatever they say; with --strict,
// 1 when the target is missed), 1 when something broke or the run was not valid (non-2xx responses,
// beacons not stored), 2 on bad usage or missing wrk. Every server it starts is stopped and every temp
// file removed, on success, on error and on Ctrl-C.
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
  log,
  measureRounds,
  parseOptions,
  perRound,
  printReportHeader,
  printTable,
  root,
  run,
  runAndExit,
  runWrk,
  startRun,
  startServer,
  summarize,
  waitUntilAnswering,
} from './support/harness.mjs';
import { roomSlugs, startViews, viewCountOf, viewsOption, writeScript } from './support/beacon-load.mjs';

const TARGET_RATIO = 0.5;

// ── options ──────────────────────────────────────────────────────────────────────────────────────
const settings = parseOptions('beacons', import.meta.url, { ...viewsOption, strict: { type: 'boolean', default: false } });
const { options, threads } = settings;
const viewCount = viewCountOf(settings);

// ── SQLite, read from the benchmark (between wrk runs only) ─────────────────────────────────────
let Database;
function withDb(file, fn) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
const lastSequences = (file) => new Map(withDb(file, (db) => db.prepare('select id, last_sequence as s from document_views').raw(true).all()));
function storedTotals(file) {
  return withDb(file, (db) => ({
    sequences: db.prepare('select coalesce(sum(last_sequence), 0) from document_views').pluck().get(),
    viewSeconds: db.prepare('select coalesce(sum(active_seconds), 0) from document_views').pluck().get(),
    totalsSeconds: db.prepare('select coalesce(sum(active_seconds), 0) from reading_totals').pluck().get(),
    engagementSeconds: db.prepare('select coalesce(sum(active_seconds), 0) from opportunity_engagement').pluck().get(),
    completedViews: db.prepare('select coalesce(sum(completed_views), 0) from reading_totals').pluck().get(),
    lastBeaconAt: db.prepare('select max(last_beacon_at) from document_views').pluck().get(),
  }));
}

// ── wrk ──────────────────────────────────────────────────────────────────────────────────────────
/**
 * One wrk run against a target, with what it stored: the views' sequence numbers are read before and
 * after, so `stored` counts the beacons applied (a beacon the server answered 2xx but did not store
 * would show as stored < requests).
 */
async function beaconLoad(target, seconds) {
  const before = lastSequences(target.databasePath);
  const bases = new Map(views.map((v) => [v.id, before.get(v.id) + 1]));
  const script = path.join(tmp, `${target.key}.lua`);
  writeScript(script, views, bases, t0);
  const result = await runWrk(settings, seconds, ['-s', script, target.url, '--', String(threads)]);
  const after = lastSequences(target.databasePath);
  result.stored = views.reduce((sum, v) => sum + (after.get(v.id) - before.get(v.id)), 0);
  target.answered += result.requests - result.non2xx;
  target.non2xx += result.non2xx;
  if (result.stored < result.requests - result.non2xx) {
    target.problems.push(`${result.requests - result.non2xx} beacons answered 2xx but only ${result.stored} stored`);
  }
  return result;
}

// ── view starts and the functional comparison ────────────────────────────────────────────────────
/**
 * The same requests, valid and invalid, to both servers: same statuses, same bodies, and the same
 * stored state afterwards. Proof that the raw baseline does the endpoint's work, not less.
 */
async function compareBehaviour(ringi, raw, view) {
  const [section] = view.sections;
  const valid = (seq, activeSeconds, maxScrollPercent) => JSON.stringify({ seq, activeSeconds, maxScrollPercent, sections: section ? { [section]: activeSeconds - 1 } : {} });
  const [tokenId] = view.token.split('.');
  const cases = [
    ['valid', view.path, valid(1, 3, 10)],
    ['replay', view.path, valid(1, 3, 10)],
    ['invalid payload', view.path, JSON.stringify({ seq: 2, activeSeconds: -5, maxScrollPercent: 0 })],
    ['extra field', view.path, JSON.stringify({ seq: 2, activeSeconds: 5, maxScrollPercent: 0, extra: 1 })],
    ['not JSON', view.path, '{seq:'],
    ['text/plain', view.path, valid(2, 4, 20), 'text/plain'],
    ['too large', view.path, JSON.stringify({ seq: 2, activeSeconds: 4, maxScrollPercent: 0, pad: 'x'.repeat(9000) })],
    ['unknown section', view.path, JSON.stringify({ seq: 2, activeSeconds: 4, maxScrollPercent: 0, sections: { 'no-such-heading': 1 } })],
    ['wrong secret', view.path.replace(/\.[a-z2-7]{32}\//, `.${'a'.repeat(32)}/`), valid(2, 4, 20)],
    ['unknown link', view.path.replace(tokenId, 'a'.repeat(16)), valid(2, 4, 20)],
    ['unknown view', view.path.replace(/[a-z2-7]{26}$/, 'a'.repeat(26)), valid(2, 4, 20)],
    ['PUT', view.path, valid(2, 4, 20), 'application/json', 'PUT'],
    ['second beacon', view.path, valid(2, 4, 95)],
  ];
  const differences = [];
  for (const [name, beaconPath, body, contentType = 'application/json', method = 'POST'] of cases) {
    const answers = [];
    for (const target of [ringi, raw]) {
      const response = await fetch(`${target.url}${beaconPath}`, { method, headers: { 'Content-Type': contentType }, body, signal: AbortSignal.timeout(10_000) });
      answers.push({ status: response.status, allow: response.headers.get('allow'), cache: response.headers.get('cache-control'), type: response.headers.get('content-type'), body: await response.text() });
    }
    if (JSON.stringify(answers[0]) !== JSON.stringify(answers[1])) differences.push(`${name}: ringi ${JSON.stringify(answers[0])} / raw ${JSON.stringify(answers[1])}`);
    if (name === 'valid' && answers[0].status !== 204) throw new Error(`a valid beacon was answered ${answers[0].status}: ${answers[0].body}`);
  }
  const state = (file) =>
    withDb(file, (db) => ({
      view: db.prepare('select active_seconds, max_scroll_percent, section_seconds, last_sequence from document_views where id = ?').get(view.id),
      totals: db.prepare('select r.views, r.active_seconds, r.max_scroll_percent, r.completed_views from reading_totals r join document_views v on v.opportunity_id = r.opportunity_id and v.contact_id = r.contact_id and v.document_slug = r.document_slug where v.id = ?').get(view.id),
      engagement: db.prepare('select e.active_seconds from opportunity_engagement e join document_views v on v.opportunity_id = e.opportunity_id where v.id = ?').get(view.id),
    }));
  const [a, b] = [state(ringi.databasePath), state(raw.databasePath)];
  if (JSON.stringify(a) !== JSON.stringify(b)) differences.push(`stored state: ringi ${JSON.stringify(a)} / raw ${JSON.stringify(b)}`);
  if (a.view.last_sequence !== 2) differences.push(`the probe view's last sequence is ${a.view.last_sequence}, expected 2`);
  if (differences.length > 0) throw new Error(`the raw baseline does not behave like the beacon endpoint:\n  ${differences.join('\n  ')}`);
  return cases.length;
}

// ── the run ──────────────────────────────────────────────────────────────────────────────────────
const { version, tmp } = startRun('ringi-bench-beacons-');
let views = [];
let t0 = 0;

async function main() {
  ({ default: Database } = await import('better-sqlite3'));

  // 1. The app, built from the current sources if dist/ is missing or older than them.
  buildIfStale(options['no-build']);

  // 2. A fresh database, migrated and seeded by the project's own code, and its active links.
  const ringiDb = path.join(tmp, 'ringi.db');
  const rawDb = path.join(tmp, 'raw.db');
  const appEnv = appEnvironment(ringiDb);
  const slugs = roomSlugs();
  run(bin('tsx'), [path.join(benchDir, 'support', 'prepare-db.ts'), ringiDb, slugs[0], slugs.join(',')], { env: appEnv, timeout: 120_000 });
  const { links } = lastJsonLine(run(bin('tsx'), [path.join(benchDir, 'support', 'beacon-fixture.ts'), 'links', ringiDb], { env: appEnv, timeout: 120_000 }));
  log(`seeded ${ringiDb}: ${links.length} active links, rooms of ${slugs.length} documents`);

  // 3. The Ringi server, and the pool of views started through its view-start endpoint.
  const [appPort, rawPort] = [await freePort(), await freePort()];
  const app = startServer('ringi', [...cpuProfileFlags(options['cpu-prof']), 'dist/server/entry.mjs'], { ...appEnv, PORT: String(appPort), RINGI_TRUST_PROXY: '1' });
  const appUrl = `http://127.0.0.1:${appPort}`;
  await waitUntilAnswering('ringi', app, `${appUrl}/favicon.ico`);
  // The demo seed's reading history has views of its own: only the ones this run starts count.
  const seeded = new Set(withDb(ringiDb, (db) => db.prepare('select id from document_views').pluck().all()));
  const started = await startViews(appUrl, links, viewCount);
  const rows = withDb(ringiDb, (db) => db.prepare('select id, started_at as startedAt, section_seconds as sections from document_views').all()).filter((r) => !seeded.has(r.id));
  const byId = new Map(rows.map((r) => [r.id, r]));
  if (rows.length !== started.length || started.some((v) => !byId.has(v.id))) throw new Error(`started ${started.length} views, the database holds ${rows.length} new ones`);
  // Up to three of the document's sections per beacon, as a reader moving through it would report.
  views = started.map((v) => ({ ...v, sections: Object.keys(JSON.parse(byId.get(v.id).sections)).slice(0, 3) }));
  t0 = Math.ceil(Math.max(...rows.map((r) => r.startedAt)) / 1000);
  const sectionless = views.filter((v) => v.sections.length === 0).length;
  log(`started ${views.length} views (${new Set(views.map((v) => v.slug)).size} documents${sectionless ? `, ${sectionless} without sections` : ''})`);

  // 4. The raw baseline: a page-by-page copy of the same file, the SQL the real ingest runs (captured on
  //    a throwaway copy) and the project's own validation and rules, bundled by esbuild.
  const scratchDb = path.join(tmp, 'scratch.db');
  const source = new Database(ringiDb, { readonly: true, fileMustExist: true });
  try {
    await source.backup(rawDb);
    await source.backup(scratchDb);
  } finally {
    source.close();
  }
  const { statements } = lastJsonLine(run(bin('tsx'), [path.join(benchDir, 'support', 'beacon-fixture.ts'), 'capture', scratchDb, views[0].token, views[0].id], { env: appEnv, timeout: 120_000 }));
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${scratchDb}${suffix}`, { force: true });
  const projectModule = path.join(tmp, 'raw-beacon-project.mjs');
  const { build, stop: stopEsbuild } = await import('esbuild');
  await build({
    stdin: {
      contents: [
        "export { mergeHeartbeat, isCompleted } from './src/server/tracking/rules';",
        "export { parseAccessToken, secretMatches } from './src/server/access-links/tokens';",
        "export { matchBeaconPath, readBeacon, sendBeaconAnswer } from './src/server/http/beacon-request';",
      ].join('\n'),
      resolveDir: root,
      loader: 'ts',
    },
    outfile: projectModule,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  await stopEsbuild(); // its service process would otherwise live (idle) as long as the benchmark
  const rawConfig = path.join(tmp, 'raw.json');
  fs.writeFileSync(rawConfig, JSON.stringify({ port: rawPort, databasePath: rawDb, projectModule, statements }));
  const raw = startServer('raw', [path.join(benchDir, 'support', 'raw-beacon-server.mjs'), rawConfig], {});
  const rawUrl = `http://127.0.0.1:${rawPort}`;
  await waitUntilAnswering('raw', raw, `${rawUrl}/`);

  const targets = [
    { key: 'ringi', label: 'Ringi beacon endpoint (dist/server/entry.mjs)', url: appUrl, pid: app.pid, databasePath: ringiDb, runs: [], answered: 0, non2xx: 0, problems: [] },
    { key: 'raw', label: 'raw node:http, same validation + SQL', url: rawUrl, pid: raw.pid, databasePath: rawDb, runs: [], answered: 0, non2xx: 0, problems: [] },
  ];
  const probes = await compareBehaviour(targets[0], targets[1], views[views.length - 1]);
  log(`raw baseline checked: the same ${statements.length} SQL statements as the app, the same answers to ${probes} valid and invalid requests, the same stored state`);
  const storedBefore = targets.map((t) => storedTotals(t.databasePath));

  // 5. Load, target by target, rounds alternating the order so drift (heat, other processes) spreads
  //    evenly; each measurement is preceded by its own warm-up.
  const loadBefore = await measureRounds({ ...settings, version }, targets, beaconLoad, {
    unit: 'event',
    rate: 'events/s',
    workload: `${views.length} views, `,
    detail: (result) => `  stored ${result.stored}`,
  });

  // 6. What the databases hold now: every answered beacon stored, running totals moved with the views.
  const storedAfter = targets.map((t) => storedTotals(t.databasePath));
  const problems = [];
  const stored = targets.map((t, i) => {
    const [b, a] = [storedBefore[i], storedAfter[i]];
    const delta = {
      beacons: a.sequences - b.sequences,
      viewSeconds: a.viewSeconds - b.viewSeconds,
      totalsSeconds: a.totalsSeconds - b.totalsSeconds,
      engagementSeconds: a.engagementSeconds - b.engagementSeconds,
      completedViews: a.completedViews - b.completedViews,
      lastBeaconAt: a.lastBeaconAt,
    };
    for (const p of t.problems) problems.push(`${t.key}: ${p}`);
    if (t.non2xx > 0) problems.push(`${t.key}: ${t.non2xx} non-2xx responses`);
    if (delta.beacons < t.answered) problems.push(`${t.key}: ${t.answered} beacons answered 2xx, ${delta.beacons} stored`);
    if (delta.viewSeconds <= 0 || delta.totalsSeconds <= 0) problems.push(`${t.key}: the stored active time did not move`);
    if (delta.totalsSeconds !== delta.viewSeconds || delta.engagementSeconds !== delta.viewSeconds) {
      problems.push(`${t.key}: running totals disagree with the views (views +${delta.viewSeconds} s, reading_totals +${delta.totalsSeconds} s, opportunity_engagement +${delta.engagementSeconds} s)`);
    }
    return delta;
  });

  // 7. Report: medians over rounds; ratios taken round by round (both targets measured under the same
  //    background load, a minute apart at most), then their median.
  const rawRuns = targets[1].runs;
  const summary = summarize(targets, targets[1]);
  const ringi = summary[0];
  printReportHeader('Beacon ingestion benchmark', { ...settings, version }, loadBefore, { workload: `${views.length} views over ${links.length} links, ` });
  console.log('');
  printTable(
    ['target', 'events/s', 'p50 (ms)', 'p99 (ms)', 'events/s vs raw', 'p99 vs raw', 'server CPU per event', 'CPU vs raw'],
    summary.map((t) => [t.label, t.rps.toFixed(0), fmtMs(t.p50), fmtMs(t.p99), fmtRatio(t.ratio), fmtRatio(t.p99Ratio), fmtCpuUs(t.cpuUs), fmtRatio(t.cpuRatio)]),
  );
  console.log('');
  const met = ringi.ratio >= TARGET_RATIO;
  console.log(`target: ringi >= ${TARGET_RATIO}x raw events/s: ${met ? 'PASS' : 'FAIL'} (${ringi.ratio.toFixed(2)}x)`);
  console.log(`per-round events/s: ${perRound(summary, (r) => r.rps.toFixed(0))}`);
  console.log(`per-round ringi/raw events/s: ${ringi.runs.map((r, i) => (r.rps / rawRuns[i].rps).toFixed(2)).join(' / ')}`);
  console.log(`per-round p99 (ms): ${perRound(summary, (r) => fmtMs(r.p99))}`);
  for (const [i, t] of targets.entries()) {
    const d = stored[i];
    console.log(
      `stored (${t.key}): ${d.beacons} beacons applied for ${t.answered} answered 2xx (warm-ups included); active seconds +${d.viewSeconds} on views, +${d.totalsSeconds} in reading_totals, +${d.engagementSeconds} in opportunity_engagement; ${d.completedViews} views newly completed; last beacon ${new Date(d.lastBeaconAt).toISOString()}`,
    );
  }
  finishReport(summary, problems);
  return met;
}

await runAndExit(async () => {
  const met = await main();
  return options.strict && !met ? 1 : 0;
});

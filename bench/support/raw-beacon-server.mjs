// The raw baseline for bench/beacons.mjs: a bare node:http server that applies reading beacons the
// way Ringi's beacon endpoint does (src/server/http/beacon-endpoint.ts, src/server/tracking/ingest.ts),
// minus the ORM. For every beacon it does:
//   - the same request handling: the project's matchBeaconPath and readBeacon (method, Content-Type,
//     8 KiB body cap, JSON.parse, the zod schema heartbeatPayload, error answers) and sendBeaconAnswer;
//   - the same token check: the project's parseAccessToken and secretMatches (@oslojs SHA-256 of the
//     secret, constant-time compare), after the same link-scope query; the same link-state rule
//     (revoked or expired link or room = no such view);
//   - the same merge rules (the project's mergeHeartbeat: replays, unknown sections, clamping);
//   - the same SQL, in one immediate transaction (BEGIN IMMEDIATE, as the app's transactions): the view select, then the four UPDATEs (view, visit,
//     reading_totals, opportunity_engagement), but not the dashboard aggregates' writes (below). The statements are written out below, prepared once
//     with better-sqlite3; the benchmark captures what drizzle prepares for a real heartbeat and this
//     server refuses to start unless its statements are the very same text;
//   - on a copy of the same SQLite file, opened with the same pragmas as src/server/db/client.ts
//     (WAL, synchronous NORMAL, foreign keys, busy timeout);
//   - the same status codes, headers and JSON error bodies (the project's sendBeaconAnswer).
// What it skips, and why:
//   - drizzle (query building, parameter mapping, row mapping): that is what the baseline measures;
//   - the link-state rule runs on the stored integers instead of Date objects (same outcome);
//   - beacons with `printed: true` are answered 501: recording a print (one more select, an insert and
//     an upsert, once per view) is not part of the benchmark's load, which never sends it;
//   - the Astro handler and the Slack worker that share the real server's process: they are not on
//     the beacon path (the worker wakes every 5 s for a few queries).
//
// Started by the benchmark only, on 127.0.0.1:  node bench/support/raw-beacon-server.mjs <config.json>
// config: { port, databasePath, projectModule, statements: [sql, ...] }
//   projectModule: an ES module bundled by the benchmark (esbuild)
//   from the project's own sources; it exports mergeHeartbeat, isCompleted, parseAccessToken,
//   secretMatches, matchBeaconPath, readBeacon and sendBeaconAnswer.
import fs from 'node:fs';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const { mergeHeartbeat, isCompleted, parseAccessToken, secretMatches, matchBeaconPath, readBeacon, sendBeaconAnswer: send } =
  await import(pathToFileURL(config.projectModule).href);

// What activeLinkScope and recordHeartbeat run, in that order (drizzle's text, byte for byte).
const SQL = {
  scope:
    'select "access_links"."id", "access_links"."room_id", "access_links"."contact_id", "rooms"."opportunity_id", "opportunities"."account_id", "access_links"."secret_hash", "access_links"."revoked_at", "access_links"."expires_at", "rooms"."expires_at" from "access_links" inner join "rooms" on "rooms"."id" = "access_links"."room_id" inner join "opportunities" on "opportunities"."id" = "rooms"."opportunity_id" where "access_links"."id" = ?',
  view: 'select "id", "visit_id", "access_link_id", "room_id", "contact_id", "opportunity_id", "account_id", "document_slug", "document_version_id", "document_category", "document_title", "started_at", "last_beacon_at", "active_seconds", "max_scroll_percent", "section_seconds", "last_sequence" from "document_views" where ("document_views"."id" = ? and "document_views"."access_link_id" = ?)',
  // params: now, activeSeconds, maxScrollPercent, sectionSeconds (JSON), sequence, view id
  updateView:
    'update "document_views" set "last_beacon_at" = ?, "active_seconds" = ?, "max_scroll_percent" = ?, "section_seconds" = ?, "last_sequence" = ? where "document_views"."id" = ?',
  // params: now, visit id
  updateVisit: 'update "visits" set "last_activity_at" = ? where "visits"."id" = ?',
  // params: activeDelta, maxScrollPercent (twice), newly completed (0/1), now, opportunity, contact, document
  updateTotals:
    'update "reading_totals" set "active_seconds" = "reading_totals"."active_seconds" + ?, "max_scroll_percent" = case when "reading_totals"."max_scroll_percent" > ? then "reading_totals"."max_scroll_percent" else ? end, "completed_views" = "reading_totals"."completed_views" + ?, "last_seen_at" = ? where ("reading_totals"."opportunity_id" = ? and "reading_totals"."contact_id" = ? and "reading_totals"."document_slug" = ?)',
  // params: activeDelta, now, opportunity
  updateEngagement:
    'update "opportunity_engagement" set "active_seconds" = "opportunity_engagement"."active_seconds" + ?, "last_seen_at" = ? where "opportunity_engagement"."opportunity_id" = ?',
};
// The app also keeps the dashboard's aggregates with every beacon (docs/adr/0019): its statements on
// opportunity_engagement, opportunity_documents and document_performance. This baseline is the floor
// without them (it keeps the running totals' old engagement update only), so the ratio includes their cost.
const aggregateWrite = /^(update|insert into) "(opportunity_engagement|opportunity_documents|document_performance)"/;
const own = Object.values(SQL).filter((statement) => !aggregateWrite.test(statement));
const app = (config.statements ?? []).filter((statement) => !aggregateWrite.test(statement));
if (JSON.stringify(app) !== JSON.stringify(own)) {
  console.error('raw-beacon-server: the app no longer runs the statements this baseline runs; update SQL in bench/support/raw-beacon-server.mjs.');
  console.error(`app:\n  ${(config.statements ?? []).join('\n  ')}\nbaseline:\n  ${own.join('\n  ')}`);
  process.exit(3);
}

const db = new Database(config.databasePath, { fileMustExist: true });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');
const scopeStatement = db.prepare(SQL.scope).raw(true); // several columns are called "expires_at"
const viewStatement = db.prepare(SQL.view);
const updateView = db.prepare(SQL.updateView);
const updateVisit = db.prepare(SQL.updateVisit);
const updateTotals = db.prepare(SQL.updateTotals);
const updateEngagement = db.prepare(SQL.updateEngagement);

// Positions in the scope query's select list (the SQL text is checked above, so they cannot drift).
const [LINK_ID, ROOM_ID, CONTACT_ID, OPPORTUNITY_ID, ACCOUNT_ID, SECRET_HASH, REVOKED_AT, EXPIRES_AT, ROOM_EXPIRES_AT] = scopeStatement.columns().map((_, i) => i);

/** activeLinkScope: the scope of an active link, or null. */
function activeLinkScope(token, now) {
  const parsed = parseAccessToken(token);
  if (!parsed) return null;
  const row = scopeStatement.get(parsed.id);
  if (!row || !secretMatches(parsed.secret, row[SECRET_HASH])) return null;
  // linkState: revoked, or the link or its room expired, at `now`: not active.
  for (const at of [row[REVOKED_AT], row[EXPIRES_AT], row[ROOM_EXPIRES_AT]]) if (at !== null && at <= now) return null;
  return { accessLinkId: row[LINK_ID], roomId: row[ROOM_ID], contactId: row[CONTACT_ID], opportunityId: row[OPPORTUNITY_ID], accountId: row[ACCOUNT_ID] };
}

/** recordHeartbeat, printed beacons aside (see the top of the file). */
const recordHeartbeat = db.transaction((scope, viewId, beacon, now) => {
  const view = viewStatement.get(viewId, scope.accessLinkId);
  if (!view) return 'not-found';
  const stored = {
    startedAt: new Date(view.started_at),
    activeSeconds: view.active_seconds,
    maxScrollPercent: view.max_scroll_percent,
    sectionSeconds: JSON.parse(view.section_seconds),
    lastSequence: view.last_sequence,
  };
  const outcome = mergeHeartbeat(stored, beacon, new Date(now));
  if (outcome.kind === 'replay') return 'replay';
  if (outcome.kind === 'unknown-section') return 'unknown-section';
  updateView.run(now, outcome.activeSeconds, outcome.maxScrollPercent, JSON.stringify(outcome.sectionSeconds), outcome.sequence, viewId);
  updateVisit.run(now, view.visit_id);
  const newlyCompleted = !isCompleted(view.active_seconds, view.max_scroll_percent) && isCompleted(outcome.activeSeconds, outcome.maxScrollPercent);
  updateTotals.run(outcome.activeDelta, outcome.maxScrollPercent, outcome.maxScrollPercent, newlyCompleted ? 1 : 0, now, scope.opportunityId, scope.contactId, view.document_slug);
  updateEngagement.run(outcome.activeDelta, now, scope.opportunityId);
  return 'applied';
});

// ── HTTP: the project's own request handling (beacon-request.ts), as beacon-endpoint.ts uses it ──────
async function handleBeacon(req, res, token, viewId) {
  const beacon = await readBeacon(req, res);
  if (!beacon) return;
  if (beacon.printed) return send(res, 501); // not part of this baseline (see the top of the file)

  const now = Date.now();
  const scope = activeLinkScope(token, now);
  if (!scope) return send(res, 404, 'not_found', 'No such view.');
  const result = recordHeartbeat.immediate(scope, viewId, beacon, now);
  if (result === 'not-found') return send(res, 404, 'not_found', 'No such view.');
  if (result === 'unknown-section') return send(res, 422, 'unknown_section', 'A section is not part of this document.');
  send(res, 204);
}

const server = http.createServer((req, res) => {
  const match = req.method === 'POST' || req.method === 'PUT' ? matchBeaconPath((req.url ?? '/').split('?')[0]) : null;
  if (!match) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  handleBeacon(req, res, match.token, match.viewId).catch((error) => {
    console.error('beacon failed:', error instanceof Error ? error.message : error);
    if (!res.headersSent) res.writeHead(500).end();
  });
});
server.listen(config.port, '127.0.0.1', () => console.log(`raw beacon baseline listening on http://127.0.0.1:${config.port}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

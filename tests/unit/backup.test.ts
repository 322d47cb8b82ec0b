// Online backup (src/server/db/backup.ts, `npm run ringi -- backup <file>`): taken through the CLI
// while another process keeps writing, the copy opens, migrates, holds the data, passes SQLite's
// integrity check and is one consistent state (no half of a transaction); an existing file is
// never overwritten.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { accessLinks, documentViews } from '../../src/server/db/tables';
import { openDatabase } from '../../src/server/db/client';
import { backupDatabase, BackupError, integrityProblem } from '../../src/server/db/backup';
import { startView } from '../../src/server/tracking/ingest';
import { seedTrackingFixture } from './support/tracking-fixture';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringi-backup-'));
const source = path.join(dir, 'ringi.db');
const migrations = path.resolve('db/migrations');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const db = openDatabase(source, migrations);
const world = await seedTrackingFixture(db);
for (let i = 0; i < 50; i++) {
  await startView(db, { scope: world.yamada.scope, documentSlug: 'pricing', sectionIds: ['plans'], deviceId: String(i).padStart(26, 'a'), deviceLabel: '', networkHash: null, now: new Date() });
}
// Each transaction of the writer below adds two rows of one batch: a consistent copy has whole batches only.
db.$client.exec('create table backup_probe (batch integer not null, part integer not null)');
db.$client.close();

/** Another process writing as fast as it can, like a busy server, until it is killed. */
function startWriter() {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(source)});
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    const insert = db.prepare('insert into backup_probe values (?, ?)');
    const batch = db.transaction((n) => { insert.run(n, 1); insert.run(n, 2); });
    for (let n = 1; ; n++) { batch(n); if (n === 200) console.log('writing'); }
  `;
  const child = spawn(process.execPath, ['-e', script], { cwd: path.resolve('.'), stdio: ['ignore', 'pipe', 'inherit'] });
  const started = new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the writer exited with ${code}`)));
  });
  return { started, stop: () => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGKILL'))) };
}

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/ringi.ts', ...args], {
    cwd: path.resolve('.'),
    env: { ...process.env, DATABASE_PATH: source, RINGI_SECRET_KEY: Buffer.alloc(32, 1).toString('base64') },
    encoding: 'utf8',
    timeout: 120_000,
  });

const probeCount = (file: string) => {
  const check = openDatabase(file, migrations);
  try {
    return (check.$client.prepare('select count(*) as n from backup_probe').get() as { n: number }).n;
  } finally {
    check.$client.close();
  }
};

describe('backup', { timeout: 60_000 }, () => {
  it('takes a consistent copy while another process writes, and the copy restores', async () => {
    const writer = startWriter();
    const target = path.join(dir, 'while-writing.db');
    try {
      await writer.started;
      const before = probeCount(source);
      const result = cli('backup', target);
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain(`Backup written: ${target}`);
      expect(result.stdout).toContain('The secret key is not in it');
      expect(result.status).toBe(0);
      const after = probeCount(source);
      // The writer went on during the backup.
      expect(after).toBeGreaterThan(before);

      // Restore: the copy opens as a database of its own and migrates (nothing left to apply).
      expect(integrityProblem(target)).toBeNull();
      const restored = openDatabase(target, migrations);
      try {
        expect(await restored.select().from(accessLinks)).toHaveLength(2);
        expect(await restored.select().from(documentViews)).toHaveLength(50);
        const batches = restored.$client.prepare('select batch, count(*) as parts from backup_probe group by batch having parts != 2').all();
        expect(batches).toEqual([]);
        const copied = (restored.$client.prepare('select count(*) as n from backup_probe').get() as { n: number }).n;
        expect(copied).toBeGreaterThanOrEqual(before);
        expect(copied).toBeLessThanOrEqual(after);
        expect(restored.$client.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        restored.$client.close();
      }
    } finally {
      await writer.stop();
    }
    // No temporary file is left beside it.
    expect(fs.readdirSync(dir).filter((name) => name.includes('partial'))).toEqual([]);
  });

  it('never overwrites a file, and says so', () => {
    const existing = path.join(dir, 'existing.db');
    fs.writeFileSync(existing, 'keep me');
    const result = cli('backup', existing);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`ringi: ${existing} already exists: a backup never overwrites a file, choose a new name`);
    expect(fs.readFileSync(existing, 'utf8')).toBe('keep me');
    expect(() => backupDatabase(source, existing)).toThrow(BackupError);
  });

  it.each([
    [[], 'backup needs exactly one argument'],
    [['a.db', 'b.db'], 'backup needs exactly one argument'],
    [[path.join(dir, 'missing-folder', 'x.db')], 'does not exist'],
  ])('refuses %j with a clear message', (args, message) => {
    const result = cli('backup', ...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
  });
});

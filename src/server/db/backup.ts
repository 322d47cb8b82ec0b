// Online backup: `npm run ringi -- backup <file>` while the server runs. VACUUM INTO copies one read
// snapshot (a consistent state even while beacons keep writing: WAL lets writers go on meanwhile)
// into a compact new file; the step-wise backup API would restart on every write made by the server.
// The copy is written beside the target under a temporary name, checked, synced, and only then
// given the target's name, which must not exist yet: a backup never overwrites anything.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export class BackupError extends Error {}

export interface BackupResult {
  file: string;
  bytes: number;
}

export function backupDatabase(sourceFile: string, targetFile: string): BackupResult {
  const target = path.resolve(targetFile);
  if (fs.existsSync(target)) throw new BackupError(`${targetFile} already exists: a backup never overwrites a file, choose a new name`);
  if (!fs.existsSync(path.dirname(target))) throw new BackupError(`the folder ${path.dirname(targetFile)} does not exist`);
  if (!fs.existsSync(sourceFile)) throw new BackupError(`no database at ${sourceFile} (DATABASE_PATH)`);

  const partial = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.partial`);
  try {
    const source = new Database(sourceFile, { readonly: true, fileMustExist: true });
    try {
      source.pragma('busy_timeout = 5000');
      source.prepare('VACUUM INTO ?').run(partial);
    } finally {
      source.close();
    }
    const problem = integrityProblem(partial);
    if (problem) throw new BackupError(`the copy failed its integrity check (${problem}); nothing was written to ${targetFile}`);
    const fd = fs.openSync(partial, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(partial, target); // fails if the target appeared meanwhile
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new BackupError(`${targetFile} already exists: a backup never overwrites a file, choose a new name`);
      throw error;
    }
    return { file: target, bytes: fs.statSync(target).size };
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

/** Null when SQLite's integrity check passes, else its first complaint. */
export function integrityProblem(file: string): string | null {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const result = db.pragma('integrity_check', { simple: true }) as string;
    return result === 'ok' ? null : result;
  } finally {
    db.close();
  }
}

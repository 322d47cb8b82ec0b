#!/usr/bin/env node
// `npm run bench`: runs every benchmark in bench/ (each bench/*.mjs but this file and the long soak
// run, soak.mjs), one after the other, with its defaults. `npm run bench -- <name> [options]` runs only bench/<name>.mjs and passes
// the options on (each benchmark has its own, so options are never sent to all of them).
// Exits non-zero if any benchmark broke.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const available = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs')
  .map((f) => f.slice(0, -'.mjs'.length))
  .sort();

const [first, ...rest] = process.argv.slice(2);
let selected;
let args = [];
if (first === undefined) {
  selected = available.filter((name) => name !== 'soak'); // minutes long: run it by name (docs/reliability.md)
} else if (available.includes(first)) {
  selected = [first];
  args = rest;
} else {
  console.error(`bench: unknown benchmark "${first}"; available: ${available.join(', ')}`);
  console.error('usage: npm run bench [-- <name> [options]]');
  process.exit(2);
}

let failed = 0;
for (const name of selected) {
  console.log(`\n=== bench/${name}.mjs ===`);
  const result = spawnSync(process.execPath, [path.join(here, `${name}.mjs`), ...args], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.error(`bench/${name}.mjs exited with ${result.status ?? result.signal}`);
  }
}
process.exit(failed === 0 ? 0 : 1);

// scripts/chromium.mjs: how `npm test` finds the browser for the end-to-end tests.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findChromium } from '../../scripts/chromium.mjs';

const script = path.resolve(__dirname, '../../scripts/chromium.mjs');

describe('findChromium', () => {
  it('takes CHROMIUM_PATH first when it is an executable', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ringi-chromium-'));
    const fake = path.join(dir, 'my-chrome');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    expect(findChromium({ CHROMIUM_PATH: fake })).toBe(fake);
  });

  it('refuses a CHROMIUM_PATH that is not executable instead of silently using another browser', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ringi-chromium-'));
    const notExecutable = path.join(dir, 'chrome.txt');
    writeFileSync(notExecutable, 'not a browser');
    expect(() => findChromium({ CHROMIUM_PATH: notExecutable })).toThrow(/CHROMIUM_PATH=.*is not an executable file/);
    expect(() => findChromium({ CHROMIUM_PATH: path.join(dir, 'missing') })).toThrow(/apt-get install chromium/);
  });

  it('stops before any test with one line saying what to run', () => {
    const run = spawnSync(process.execPath, [script], { env: { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' }, encoding: 'utf8' });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^npm test: CHROMIUM_PATH=\/nonexistent\/chromium is not an executable file; run `sudo apt-get install chromium`/);
  });
});

// The load balancer's health check: 200 while the database answers, 503 when it is gone or hangs.
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type RingiDb } from '../../src/server/db/client';
import { closePostgres, openPostgres } from '../../src/server/db/postgres';
import { healthResponse } from '../../src/server/http/health';
import { useTempDatabase } from './support/temp-db';

const db = useTempDatabase();

/** A TCP server on loopback that accepts connections and never says anything: a hung database. */
const silent = net.createServer(() => {});
const silentPort = new Promise<number>((resolve) => silent.listen(0, '127.0.0.1', () => resolve((silent.address() as net.AddressInfo).port)));
afterAll(() => silent.close());

describe('GET /healthz', () => {
  it('answers 200 while the database answers, with nothing about it in the body', async () => {
    const response = await healthResponse(db);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers 503 with the JSON error shape when the database is gone', async () => {
    let gone: RingiDb;
    if (process.env.DATABASE_URL) {
      gone = openPostgres('postgres://ringi:wrong@127.0.0.1:1/ringi') as unknown as RingiDb; // nothing listens on port 1
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringi-health-'));
      const sqlite = openDatabase(path.join(dir, 'gone.db'), path.resolve('db/migrations'));
      sqlite.$client.close();
      fs.rmSync(dir, { recursive: true, force: true });
      gone = sqlite;
    }
    const response = await healthResponse(gone);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toEqual({ error: { code: 'unavailable', message: 'The database does not answer.' } });
  });

  it('answers 503 in time when the database hangs', async () => {
    const hung = openPostgres(`postgres://ringi:pw@127.0.0.1:${await silentPort}/ringi`);
    try {
      expect((await healthResponse(hung as unknown as RingiDb, 200)).status).toBe(503);
    } finally {
      void closePostgres(hung).catch(() => {});
    }
  });
});

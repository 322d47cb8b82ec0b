// Vitest global setup of the `postgres` project: one real PostgreSQL server for the run
// (scripts/test-postgres.mjs: loopback only, temp folder, stopped afterwards) and a migrated
// template database every test file copies (postgres-database.ts).
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startTestPostgres } from '../../../scripts/test-postgres.mjs';
import { closePostgres, migratePostgres, openPostgres } from '../../../src/server/db/postgres';

/** Migrated once per run; every test file's database is a copy of it. */
export const TEMPLATE_DATABASE = 'ringi_template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The server's `postgres` database as its superuser: for creating and dropping databases. */
    postgresAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startTestPostgres();
  const admin = new pg.Client(server.url);
  await admin.connect();
  await admin.query(`create database ${TEMPLATE_DATABASE}`);
  await admin.end();
  const template = openPostgres(server.databaseUrl(TEMPLATE_DATABASE));
  await migratePostgres(template, path.resolve('db/migrations-pg'));
  await closePostgres(template);
  project.provide('postgresAdminUrl', server.url);
  return () => server.stop();
}

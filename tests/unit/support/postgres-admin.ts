// Databases on the `postgres` project's test server (postgres-server.ts), for the per-file setup
// (postgres-database.ts) and for tests that need more databases of their own.
import crypto from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

import { TEMPLATE_DATABASE } from './postgres-server';

export function postgresDatabaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withAdmin<T>(run: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client(inject('postgresAdminUrl'));
  await admin.connect();
  try {
    return await run(admin);
  } finally {
    await admin.end();
  }
}

export const newDatabaseName = () => `ringi_test_${crypto.randomBytes(6).toString('hex')}`;

/** A new empty (or template-copied) database; returns its URL. */
export async function createPostgresDatabase(options: { fromTemplate: boolean; name?: string }): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = options.name ?? newDatabaseName();
  await withAdmin((admin) => admin.query(`create database ${name}${options.fromTemplate ? ` template ${TEMPLATE_DATABASE}` : ''}`));
  return {
    url: postgresDatabaseUrl(inject('postgresAdminUrl'), name),
    drop: () => withAdmin((admin) => admin.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}


// Every environment variable Ringi reads, with its default. Paths resolve against the working
// directory (the project root), never import.meta.url: the server bundle lives in dist/server/chunks.
import path from 'node:path';

function fromRoot(value: string): string {
  return path.resolve(process.cwd(), value);
}

export const config = {
  /**
   * PostgreSQL connection string (postgres://user:password@host:5432/database): several instances on
   * one database (docs/adr/0014). Unset: SQLite at DATABASE_PATH. Never logged: it holds a password.
   */
  get databaseUrl(): string | undefined {
    const url = process.env.DATABASE_URL?.trim();
    if (!url) return undefined;
    if (!/^postgres(?:ql)?:\/\//i.test(url)) {
      throw new Error('DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:5432/database); unset it to use SQLite at DATABASE_PATH');
    }
    return url;
  },
  get databasePath(): string {
    return fromRoot(process.env.DATABASE_PATH ?? 'data/ringi.db');
  },
  get migrationsDir(): string {
    return fromRoot(process.env.RINGI_MIGRATIONS_DIR ?? 'db/migrations');
  },
  get postgresMigrationsDir(): string {
    return fromRoot(process.env.RINGI_PG_MIGRATIONS_DIR ?? 'db/migrations-pg');
  },
  get contentDir(): string {
    return fromRoot(process.env.RINGI_CONTENT_DIR ?? 'content');
  },
  /** Base64 of 32 random bytes; when unset, a key file beside the database is created once. */
  get secretKey(): string | undefined {
    return process.env.RINGI_SECRET_KEY || undefined;
  },
  get secretKeyFile(): string {
    return fromRoot(process.env.RINGI_SECRET_KEY_FILE ?? path.join(path.dirname(this.databasePath), 'secret.key'));
  },
  /** Where links point to, as prospects will type them; printed by the CLI and shown to reps. */
  get publicBaseUrl(): string {
    const fallback = `http://${process.env.HOST ?? '127.0.0.1'}:${process.env.PORT ?? '4321'}`;
    return (process.env.RINGI_PUBLIC_URL ?? fallback).replace(/\/+$/, '');
  },
};

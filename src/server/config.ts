// Every environment variable Ringi reads, with its default. Paths resolve against the working
// directory (the project root), never import.meta.url: the server bundle lives in dist/server/chunks.
import path from 'node:path';

function fromRoot(value: string): string {
  return path.resolve(process.cwd(), value);
}

export const config = {
  get databasePath(): string {
    return fromRoot(process.env.DATABASE_PATH ?? 'data/ringi.db');
  },
  get migrationsDir(): string {
    return fromRoot(process.env.RINGI_MIGRATIONS_DIR ?? 'db/migrations');
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

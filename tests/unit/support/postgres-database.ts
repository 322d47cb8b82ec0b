// Runs before each test file of the `postgres` project: a fresh database copied from the migrated
// template, named by DATABASE_URL for the file (so src/server/db/tables.ts picks the PostgreSQL
// tables and useTempDatabase() opens it), dropped afterwards. PostgreSQL mode wants
// RINGI_SECRET_KEY (every instance shares it): a fixed test key unless one is set.
import { afterAll } from 'vitest';
import { createPostgresDatabase } from './postgres-admin';

const database = await createPostgresDatabase({ fromTemplate: true });
const previous = { url: process.env.DATABASE_URL, key: process.env.RINGI_SECRET_KEY };
process.env.DATABASE_URL = database.url;
process.env.RINGI_SECRET_KEY ??= Buffer.alloc(32, 7).toString('base64');

afterAll(async () => {
  await database.drop();
  if (previous.url === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = previous.url;
  if (previous.key === undefined) delete process.env.RINGI_SECRET_KEY;
  else process.env.RINGI_SECRET_KEY = previous.key;
});

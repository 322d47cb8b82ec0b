import { defineConfig } from 'drizzle-kit';

// PostgreSQL migrations (DATABASE_URL=postgres://…), from the tables db/schema.pg.ts derives from
// db/schema.ts. `npm run db:generate` runs this config after the SQLite one (drizzle.config.ts).
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema.pg.ts',
  out: './db/migrations-pg',
});

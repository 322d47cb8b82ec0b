// The tables every module queries. Import them from here, never from db/schema.ts directly: this is
// the one place that picks the engine's table definitions (db/schema.ts stays the SQLite schema
// drizzle-kit reads).
export * from '../../../db/schema';

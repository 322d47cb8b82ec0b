// One schema drives both engines: every table, column, key and index of db/schema.ts has its
// PostgreSQL twin in db/schema.pg.ts, and src/server/db/tables.ts exports each table.
// (postgres-migrations.pg.test.ts checks the same against a migrated PostgreSQL database.)
import { getTableColumns, is, sql } from 'drizzle-orm';
import { getTableConfig as pgTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { blob, getTableConfig, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as sqliteSchema from '../../db/schema';
import * as postgresSchema from '../../db/schema.pg';
import * as tables from '../../src/server/db/tables';

const tableNames = postgresSchema.sqliteTableNames(sqliteSchema);
const pgExports = postgresSchema as unknown as Record<string, unknown>;
const sqliteExports = sqliteSchema as unknown as Record<string, Parameters<typeof getTableConfig>[0]>;

/** The PostgreSQL type each SQLite column must become. */
function expectedType(column: ReturnType<typeof getTableConfig>['columns'][number]): string {
  switch (column.columnType) {
    case 'SQLiteInteger':
    case 'SQLiteTimestamp':
      return 'bigint';
    case 'SQLiteBoolean':
      return 'boolean';
    case 'SQLiteText':
      return 'text';
    case 'SQLiteBlobBuffer':
      return 'bytea';
    case 'SQLiteReal':
      return 'double precision';
    default:
      return `unexpected ${column.columnType}`;
  }
}

describe('the PostgreSQL schema derived from db/schema.ts', () => {
  it('has a twin for every table, exported from db/schema.pg.ts and src/server/db/tables.ts', () => {
    expect(tableNames.length).toBeGreaterThanOrEqual(17);
    const missingTwins = tableNames.filter((name) => !is(pgExports[name], PgTable));
    expect(missingTwins, 'add `export const <name> = twins.<name>!;` to db/schema.pg.ts').toEqual([]);
    // Here (no DATABASE_URL) the SQLite tables; postgres-migrations.pg.test.ts checks the PostgreSQL ones.
    const missingInTables = tableNames.filter((name) => (tables as Record<string, unknown>)[name] !== sqliteExports[name]);
    expect(missingInTables, 'add `export const <name> = engine.<name>;` to src/server/db/tables.ts').toEqual([]);
  });

  it.each(tableNames)('%s: same columns, types, nullability, defaults and keys', (name) => {
    const sqliteTable = getTableConfig(sqliteExports[name]!);
    const pgTable = pgTableConfig(pgExports[name] as PgTable);
    expect(pgTable.name).toBe(sqliteTable.name);
    // SQLite numbers an INTEGER PRIMARY KEY without AUTOINCREMENT itself (rowid); Ringi always gives
    // such a key (a stage's number), so its twin has no default.
    const rowid = (c: (typeof sqliteTable.columns)[number]) => c.primary && c.columnType === 'SQLiteInteger' && !(c as { autoIncrement?: boolean }).autoIncrement;
    const describeSqlite = sqliteTable.columns.map((c) => ({ name: c.name, type: expectedType(c), notNull: c.notNull, primary: c.primary, hasDefault: c.hasDefault && !rowid(c), unique: c.isUnique }));
    const describePg = pgTable.columns.map((c) => ({ name: c.name, type: c.getSQLType(), notNull: c.notNull, primary: c.primary, hasDefault: c.hasDefault || c.generatedIdentity !== undefined, unique: c.isUnique }));
    expect(describePg).toEqual(describeSqlite);
    expect(pgTable.primaryKeys.map((k) => k.columns.map((c) => c.name))).toEqual(sqliteTable.primaryKeys.map((k) => k.columns.map((c) => c.name)));
    expect(pgTable.foreignKeys.map((k) => [k.getName(), k.onDelete ?? 'no action'])).toEqual(sqliteTable.foreignKeys.map((k) => [k.getName(), k.onDelete ?? 'no action']));
  });

  it.each(tableNames)('%s: same indexes', (name) => {
    const indexes = (config: { indexes: { config: { name?: string; unique: boolean; columns: unknown[] } }[] }) =>
      config.indexes.map(({ config: index }) => ({ name: index.name, unique: index.unique, columns: index.columns.map((c) => (c as { name: string }).name) }));
    expect(indexes(pgTableConfig(pgExports[name] as PgTable))).toEqual(indexes(getTableConfig(sqliteExports[name]!)));
  });

  it('gives the code the same values as SQLite: Dates, booleans, numbers, buffers', () => {
    const sqliteColumns = getTableColumns(sqliteSchema.visits);
    const pgColumns = getTableColumns(postgresSchema.visits);
    const startedAt = new Date('2026-12-03T09:15:00.123Z');
    expect(pgColumns.startedAt.mapToDriverValue(startedAt)).toBe(startedAt.getTime());
    // node-postgres may hand a bigint over as text: still the same Date.
    expect(pgColumns.startedAt.mapFromDriverValue(String(startedAt.getTime()))).toEqual(sqliteColumns.startedAt.mapFromDriverValue(startedAt.getTime()));
    expect(pgColumns.newDevice.mapFromDriverValue(true)).toBe(true);
    const hash = Buffer.from([1, 2, 3]);
    expect(getTableColumns(postgresSchema.accessLinks).secretHash.mapFromDriverValue(hash)).toEqual(hash);
  });

  it('translates the SQLite default for "now" and refuses SQLite expressions it does not know, naming the column', () => {
    const createdAt = pgTableConfig(postgresSchema.users).columns.find((c) => c.name === 'created_at')!;
    expect(String((createdAt.default as { queryChunks: { value: string[] }[] }).queryChunks[0]!.value[0])).toBe('(extract(epoch from now()) * 1000)::bigint');

    const odd = sqliteTable('odd', { at: integer('at').notNull().default(sql`(strftime('%s', 'now'))`) });
    expect(() => pgTableConfig(postgresSchema.derivePostgresTables({ odd }).odd!)).toThrow(/odd\.at: no PostgreSQL translation for the default \(strftime/);
    const blobs = sqliteTable('blobs', { id: text('id').primaryKey(), data: blob('data', { mode: 'buffer' }) });
    expect(pgTableConfig(postgresSchema.derivePostgresTables({ blobs }).blobs!).columns.map((c) => c.getSQLType())).toEqual(['text', 'bytea']);
  });
});

// The PostgreSQL tables, derived from the one schema (db/schema.ts) rather than written twice
// (docs/adr/0014). Every column keeps the JavaScript value the SQLite column gives the code (a
// timestamp stays a Date, a flag a boolean), so the data layer, written once against the SQLite
// tables, runs unchanged on either engine. drizzle-kit reads this file for db/migrations-pg/
// (drizzle.pg.config.ts); the app picks these tables in src/server/db/tables.ts.
//
// A table added to db/schema.ts needs one export line at the bottom of this file and one in
// src/server/db/tables.ts; tests/unit/postgres-schema.test.ts fails until both are there.
import { getTableColumns, is, SQL, sql, type Column } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  doublePrecision,
  foreignKey,
  index,
  numeric,
  pgTable,
  primaryKey,
  text,
  unique,
  uniqueIndex,
  type PgColumnBuilderBase,
  type PgTableWithColumns,
} from 'drizzle-orm/pg-core';
import { getTableConfig, SQLiteTable, type SQLiteColumn } from 'drizzle-orm/sqlite-core';
import * as sqliteSchema from './schema';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tables of every shape
type AnyPgTable = PgTableWithColumns<any>;

/**
 * SQLite expressions in column defaults, and their PostgreSQL equivalent. A default that is neither
 * here nor a plain literal stops the derivation with its table and column named: add it here.
 */
const DEFAULT_TRANSLATIONS: ReadonlyArray<[RegExp, string]> = [
  [/^\(?\s*unixepoch\('subsec'\)\s*\*\s*1000\s*\)?$/i, '(extract(epoch from now()) * 1000)::bigint'],
  [/^\(?\s*unixepoch\(\)\s*\)?$/i, 'extract(epoch from now())::bigint'],
];
const PLAIN_LITERAL = /^\(?\s*(?:-?\d+(?:\.\d+)?|'(?:[^']|'')*'|true|false|null)\s*\)?$/i;

class SchemaDerivationError extends Error {}

function translateDefault(expression: SQL, where: string): SQL {
  const chunks = expression.queryChunks;
  const text = chunks.map((chunk) => (chunk as { value?: unknown }).value).flat();
  if (!text.every((part) => typeof part === 'string')) throw new SchemaDerivationError(`${where}: a default with parameters cannot be translated to PostgreSQL`);
  const source = text.join('').trim();
  for (const [pattern, replacement] of DEFAULT_TRANSLATIONS) if (pattern.test(source)) return sql.raw(replacement);
  if (PLAIN_LITERAL.test(source)) return sql.raw(source);
  throw new SchemaDerivationError(`${where}: no PostgreSQL translation for the default ${source}; add one to DEFAULT_TRANSLATIONS in db/schema.pg.ts`);
}

/** A bigint (or bytea, text) column that maps values exactly as the SQLite column does. */
function mirrored(storage: 'bigint' | 'bytea' | 'text', column: SQLiteColumn) {
  const toNumber = storage === 'bigint';
  return customType<{ data: unknown; driverData: unknown }>({
    dataType: () => storage,
    toDriver: (value) => column.mapToDriverValue(value),
    // node-postgres returns bigint as text unless told otherwise (src/server/db/postgres.ts tells it).
    fromDriver: (value) => column.mapFromDriverValue(toNumber && typeof value === 'string' ? Number(value) : value),
  })(column.name);
}

function columnBuilder(column: SQLiteColumn, where: string): PgColumnBuilderBase {
  const kind = column.columnType;
  const mode = (column as { mode?: string }).mode;
  switch (kind) {
    case 'SQLiteInteger':
      // Every integer is a bigint: yen amounts and sums outgrow 32 bits; an AUTOINCREMENT key becomes an identity.
      return (column as { autoIncrement?: boolean }).autoIncrement
        ? bigint(column.name, { mode: 'number' }).generatedByDefaultAsIdentity()
        : bigint(column.name, { mode: 'number' });
    case 'SQLiteTimestamp':
      return mirrored('bigint', column); // milliseconds (or seconds) since the epoch, as on SQLite; a Date in code
    case 'SQLiteBoolean':
      return boolean(column.name);
    case 'SQLiteText':
      return text(column.name);
    case 'SQLiteTextJson':
      return mirrored('text', column);
    case 'SQLiteReal':
      return doublePrecision(column.name);
    case 'SQLiteNumeric':
      return numeric(column.name);
    case 'SQLiteBlobBuffer':
    case 'SQLiteBlobJson':
    case 'SQLiteBigInt':
      return mirrored('bytea', column);
    default:
      throw new SchemaDerivationError(`${where}: no PostgreSQL type for ${kind}${mode ? ` (${mode})` : ''}; add one to columnBuilder in db/schema.pg.ts`);
  }
}

type Builder = PgColumnBuilderBase & {
  notNull(): Builder;
  primaryKey(): Builder;
  unique(name?: string): Builder;
  default(value: unknown): Builder;
  $defaultFn(fn: () => unknown): Builder;
  $onUpdateFn(fn: () => unknown): Builder;
};

function derivedColumn(column: SQLiteColumn, where: string): Builder {
  if (column.generated) throw new SchemaDerivationError(`${where}: generated columns are not derived; write the PostgreSQL column by hand`);
  let builder = columnBuilder(column, where) as Builder;
  if (column.primary) builder = builder.primaryKey();
  else if (column.notNull) builder = builder.notNull();
  if (column.isUnique) builder = builder.unique(column.uniqueName);
  if (column.default !== undefined) builder = builder.default(is(column.default, SQL) ? translateDefault(column.default, where) : column.default);
  if (column.defaultFn) builder = builder.$defaultFn(column.defaultFn);
  if (column.onUpdateFn) builder = builder.$onUpdateFn(column.onUpdateFn);
  return builder;
}

function keyOf(table: SQLiteTable, column: Column): string {
  const entry = Object.entries(getTableColumns(table)).find(([, candidate]) => candidate === column);
  if (!entry) throw new SchemaDerivationError(`${getTableConfig(table).name}: column ${column.name} is not one of its own`);
  return entry[0];
}

/** The PostgreSQL twin of every SQLite table in `schema`, keyed by export name. */
export function derivePostgresTables(schema: Record<string, unknown>): Record<string, AnyPgTable> {
  const sqliteTables = Object.entries(schema).filter((entry): entry is [string, SQLiteTable] => is(entry[1], SQLiteTable));
  const twins = new Map<SQLiteTable, AnyPgTable>();
  const foreignColumn = (table: SQLiteTable, column: Column) => {
    const twin = twins.get(table);
    if (!twin) throw new SchemaDerivationError(`${getTableConfig(table).name} is referenced but not exported from db/schema.ts`);
    return getTableColumns(twin)[keyOf(table, column)]!;
  };
  const derived: Record<string, AnyPgTable> = {};
  for (const [exportName, table] of sqliteTables) {
    const config = getTableConfig(table);
    const columns = Object.fromEntries(
      Object.entries(getTableColumns(table)).map(([key, column]) => [key, derivedColumn(column as SQLiteColumn, `${config.name}.${column.name}`)]),
    );
    // Constraints and indexes are built lazily (drizzle evaluates this when asked), once every twin
    // exists; the table's own columns must be those drizzle hands in (`self`), not the table's.
    const twin = pgTable(config.name, columns, (self) => {
      const own = (column: Column) => (self as Record<string, never>)[keyOf(table, column)];
      return [
        ...config.primaryKeys.map((key) => primaryKey({ columns: key.columns.map(own) as never })),
        ...config.uniqueConstraints.map((constraint) => unique(constraint.name).on(...(constraint.columns.map(own) as [never]))),
        ...config.foreignKeys.map((key) => {
          const reference = key.reference();
          let built = foreignKey({
            name: key.getName(),
            columns: reference.columns.map(own) as never,
            foreignColumns: reference.foreignColumns.map((column) => foreignColumn(reference.foreignTable, column)) as never,
          });
          if (key.onDelete) built = built.onDelete(key.onDelete);
          if (key.onUpdate) built = built.onUpdate(key.onUpdate);
          return built;
        }),
        ...config.indexes.map(({ config: { name, columns: on, unique: isUnique, where } }) => {
          const built = (isUnique ? uniqueIndex : index)(name).on(...(on.map((column) => (is(column, SQL) ? column : own(column))) as [never]));
          return where ? built.where(where) : built;
        }),
        ...config.checks.map((constraint) => check(constraint.name, constraint.value)),
      ];
    });
    twins.set(table, twin);
    derived[exportName] = twin;
  }
  return derived;
}

/** Names of the SQLite tables of `schema` (export names). */
export function sqliteTableNames(schema: Record<string, unknown>): string[] {
  return Object.entries(schema)
    .filter(([, value]) => is(value, SQLiteTable))
    .map(([name]) => name);
}

const twins = derivePostgresTables(sqliteSchema);

// One line per table of db/schema.ts (drizzle-kit only sees named exports).
export const users = twins.users!;
export const accounts = twins.accounts!;
export const contacts = twins.contacts!;
export const pipelineStages = twins.pipelineStages!;
export const opportunities = twins.opportunities!;
export const rooms = twins.rooms!;
export const documents = twins.documents!;
export const documentVersions = twins.documentVersions!;
export const documentFiles = twins.documentFiles!;
export const roomDocuments = twins.roomDocuments!;
export const accessLinks = twins.accessLinks!;
export const visits = twins.visits!;
export const documentViews = twins.documentViews!;
export const linkEvents = twins.linkEvents!;
export const readingTotals = twins.readingTotals!;
export const opportunityEngagement = twins.opportunityEngagement!;
export const opportunityDocuments = twins.opportunityDocuments!;
export const documentPerformance = twins.documentPerformance!;
export const linkBrowsers = twins.linkBrowsers!;
export const authSessions = twins.authSessions!;
export const signInThrottle = twins.signInThrottle!;
export const workspaceSettings = twins.workspaceSettings!;
export const slackOutbox = twins.slackOutbox!;
export const jobLeases = twins.jobLeases!;
export const apiTokens = twins.apiTokens!;
export const apiIdempotency = twins.apiIdempotency!;
export const webhookEndpoints = twins.webhookEndpoints!;
export const webhookDeliveries = twins.webhookDeliveries!;
export const opportunityStageChanges = twins.opportunityStageChanges!;
export const approvalSuggestionDecisions = twins.approvalSuggestionDecisions!;

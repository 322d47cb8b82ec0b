// Values kept in memory per database file and shared by every bundled copy of a module in this
// process. The production server runs two copies of the server modules: the esbuild bundle of
// src/server/http/main.ts and Astro's bundle, each with its own connection to the same file. A
// module-level cache would give each copy its own, disagreeing answer (docs/adr/0007).
import { databaseLocation, type RingiDb } from './client';

const memoryStores = new WeakMap<RingiDb, Map<string, Map<string, unknown>>>();

/** The Map named `name` for `db`'s file (for an in-memory database: for that connection only). */
export function processStore<V>(name: string, db: RingiDb): Map<string, V> {
  const location = databaseLocation(db);
  let stores: Map<string, Map<string, unknown>> | undefined;
  if (location === null) {
    stores = memoryStores.get(db);
    if (!stores) memoryStores.set(db, (stores = new Map()));
  } else {
    const key = Symbol.for(`ringi.processStore:${location}`);
    const global = globalThis as Record<symbol, unknown>;
    stores = (global[key] ??= new Map()) as Map<string, Map<string, unknown>>;
  }
  let store = stores.get(name);
  if (!store) stores.set(name, (store = new Map()));
  return store as Map<string, V>;
}

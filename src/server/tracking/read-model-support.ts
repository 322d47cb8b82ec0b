// What the read model's modules share: the options, chunked IN lists, grouping, bounded numbers.
import { type DocumentCategoryLookup } from './engagement-score';

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Bound parameters per IN (...) list; SQLite allows far more, this keeps statements small. */
export const IN_CHUNK = 500;

export interface ReadModelOptions {
  /**
   * Slug → category from the content catalog, to tell key documents (pricing, security, roi,
   * approval-template). Without it, the categories recorded on the opportunity's raw views are used:
   * those are gone after the retention purge, so production callers should pass the catalog.
   */
  documentCategories?: DocumentCategoryLookup;
}

export function chunks<T>(items: readonly T[], size = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const list = map.get(key(row));
    if (list) list.push(row);
    else map.set(key(row), [row]);
  }
  return map;
}

export function boundedInt(value: number | undefined, fallback: number, min: number, max: number, name: string): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

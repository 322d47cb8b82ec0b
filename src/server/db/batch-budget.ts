// Background work that rewrites many rows (the retention purge, the aggregates' rebuild) runs as a
// series of transactions. On SQLite each transaction holds the file's write lock and, the driver being
// synchronous, this process's event loop for as long as it runs; how long a fixed number of rows takes
// depends on the database's size and the machine (a batch of 100 visits took 316 ms at 1 M views under
// load). So batches are sized by time: each takes about a budget, whatever the data (issue 16).

/** What a background transaction should take at most: beacons and pages wait this long at worst. */
export const TRANSACTION_BUDGET_MS = 20;

/**
 * The next batch's size after a batch of `size` items took `elapsedMs`: smaller in proportion when it
 * went over the budget (with a margin, since cost per item varies), twice as large when it took less
 * than half, never below 1 or above `max`.
 */
export function nextBatchSize(size: number, elapsedMs: number, max: number, budgetMs = TRANSACTION_BUDGET_MS): number {
  if (elapsedMs > budgetMs) return Math.max(1, Math.min(size - 1, Math.floor((size * budgetMs * 0.8) / elapsedMs)));
  if (elapsedMs < budgetMs / 2) return Math.min(max, size * 2);
  return Math.min(max, size);
}

/** The first batch: small, so a large database's first transaction is not the one that stalls. */
export function firstBatchSize(max: number): number {
  return Math.min(max, 10);
}

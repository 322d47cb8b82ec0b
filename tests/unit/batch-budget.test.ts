// Batches sized by time (src/server/db/batch-budget.ts): each background transaction takes about the
// budget, whatever the data.
import { describe, expect, it } from 'vitest';
import { TRANSACTION_BUDGET_MS, firstBatchSize, nextBatchSize } from '../../src/server/db/batch-budget';

describe('batch sizes from a time budget', () => {
  it('shrinks a batch that went over the budget in proportion, with a margin', () => {
    expect(nextBatchSize(100, 4 * TRANSACTION_BUDGET_MS, 1000)).toBe(20);
    expect(nextBatchSize(100, 316, 1000, 20)).toBe(5);
    expect(nextBatchSize(10, 21, 1000, 20)).toBe(7);
  });

  it('never goes below one item, and a batch over the budget always shrinks', () => {
    expect(nextBatchSize(1, 500, 1000)).toBe(1);
    expect(nextBatchSize(3, 10_000, 1000)).toBe(1);
    expect(nextBatchSize(2, 21, 1000, 20)).toBe(1);
  });

  it('doubles a batch that took less than half the budget, up to the maximum', () => {
    expect(nextBatchSize(10, 2, 1000)).toBe(20);
    expect(nextBatchSize(600, 1, 1000)).toBe(1000);
    expect(nextBatchSize(4, 0, 4)).toBe(4);
  });

  it('keeps a batch that took between half the budget and the budget', () => {
    expect(nextBatchSize(50, TRANSACTION_BUDGET_MS * 0.75, 1000)).toBe(50);
    expect(nextBatchSize(50, TRANSACTION_BUDGET_MS, 1000)).toBe(50);
    expect(nextBatchSize(50, TRANSACTION_BUDGET_MS, 30)).toBe(30);
  });

  it('starts small, within the maximum', () => {
    expect(firstBatchSize(1000)).toBe(10);
    expect(firstBatchSize(4)).toBe(4);
  });
});

// In-memory rate limits for anonymous, per-request abuse (view starts per link, token misses per
// network, …). A fixed budget per key refilled continuously (token bucket): bursts up to `burst`,
// then `perMinute` on average. Process-local on purpose: it guards one process's CPU, database and
// Slack channel against a flood; limits that must hold across instances live in the database.

export interface RateLimitRule {
  /** Requests allowed at once before the limit bites. */
  burst: number;
  /** Sustained rate the bucket refills at. */
  perMinute: number;
}

export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * One limiter per rule. Memory is bounded: past `maxKeys` the least recently used keys are
 * dropped (a dropped key starts again with a full bucket, which only ever errs towards allowing).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly rule: RateLimitRule,
    private readonly maxKeys = 50_000,
  ) {
    if (!(rule.burst >= 1) || !(rule.perMinute > 0)) throw new Error('rate limit: burst >= 1 and perMinute > 0 are required');
  }

  /** Takes one request from `key`'s budget, or says how long until one is available again. */
  take(key: string, nowMs: number = Date.now()): RateLimitDecision {
    const decision = decide(this.buckets.get(key), this.rule, nowMs);
    this.buckets.delete(key); // re-insert: Map order is recency order
    this.buckets.set(key, decision.bucket);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    return decision.allowed ? { allowed: true } : { allowed: false, retryAfterSeconds: decision.retryAfterSeconds };
  }

  /**
   * Whether `key` has budget left, without taking any: for limits counted only on some outcome
   * (e.g. token misses), checked before the request and taken once the outcome is known.
   */
  peek(key: string, nowMs: number = Date.now()): RateLimitDecision {
    const decision = decide(this.buckets.get(key), this.rule, nowMs);
    return decision.allowed ? { allowed: true } : { allowed: false, retryAfterSeconds: decision.retryAfterSeconds };
  }

  /** Forgets every key (tests, or an operator's reset). */
  clear(): void {
    this.buckets.clear();
  }

  get size(): number {
    return this.buckets.size;
  }
}

/** Pure: the bucket after one request at `nowMs`, and whether that request may go ahead. */
export function decide(
  bucket: Bucket | undefined,
  rule: RateLimitRule,
  nowMs: number,
): { allowed: true; bucket: Bucket } | { allowed: false; retryAfterSeconds: number; bucket: Bucket } {
  const perMs = rule.perMinute / 60_000;
  const elapsed = bucket ? Math.max(0, nowMs - bucket.updatedAt) : 0;
  const tokens = bucket ? Math.min(rule.burst, bucket.tokens + elapsed * perMs) : rule.burst;
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, updatedAt: nowMs } };
  const retryAfterSeconds = Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
  return { allowed: false, retryAfterSeconds, bucket: { tokens, updatedAt: nowMs } };
}

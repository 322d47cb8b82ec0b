import { describe, expect, it } from 'vitest';
import { decide, RateLimiter } from '../../src/server/security/rate-limit';

describe('rate limiter', () => {
  it('allows a burst, then refuses with the seconds until the next request fits', () => {
    const limiter = new RateLimiter({ burst: 3, perMinute: 6 });
    const t0 = 1_000_000;
    expect([1, 2, 3].map(() => limiter.take('link:a', t0).allowed)).toEqual([true, true, true]);
    expect(limiter.take('link:a', t0)).toEqual({ allowed: false, retryAfterSeconds: 10 });
    // Another key has its own budget.
    expect(limiter.take('link:b', t0).allowed).toBe(true);
  });

  it('refills at the sustained rate and never above the burst', () => {
    const limiter = new RateLimiter({ burst: 2, perMinute: 60 });
    const t0 = 5_000;
    limiter.take('k', t0);
    limiter.take('k', t0);
    expect(limiter.take('k', t0 + 500).allowed).toBe(false);
    expect(limiter.take('k', t0 + 1_000).allowed).toBe(true);
    // An hour idle gives back the burst, not 3,600 requests.
    const later = t0 + 3_600_000;
    expect([1, 2, 3].map(() => limiter.take('k', later).allowed)).toEqual([true, true, false]);
  });

  it('a refused request does not push the wait further out', () => {
    const rule = { burst: 1, perMinute: 1 };
    let bucket = decide(undefined, rule, 0).bucket;
    for (let i = 0; i < 100; i++) bucket = decide(bucket, rule, 0).bucket;
    const refused = decide(bucket, rule, 30_000);
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 30 });
    expect(decide(refused.bucket, rule, 60_000).allowed).toBe(true);
  });

  it('keeps at most maxKeys keys, dropping the least recently used', () => {
    const limiter = new RateLimiter({ burst: 1, perMinute: 1 }, 2);
    limiter.take('a', 0);
    limiter.take('b', 0);
    limiter.take('a', 0); // a is now the most recent
    limiter.take('c', 0); // drops b
    expect(limiter.size).toBe(2);
    expect(limiter.take('a', 0).allowed).toBe(false); // a was kept
    expect(limiter.take('b', 0).allowed).toBe(true); // b starts over
  });

  it('peek reports the budget without taking from it', () => {
    const limiter = new RateLimiter({ burst: 2, perMinute: 60 });
    expect(limiter.peek('miss:net', 0).allowed).toBe(true);
    expect(limiter.peek('miss:net', 0).allowed).toBe(true);
    limiter.take('miss:net', 0);
    limiter.take('miss:net', 0);
    expect(limiter.peek('miss:net', 0)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.peek('miss:net', 1_000).allowed).toBe(true);
  });

  it('refuses a rule that could never allow anything', () => {
    expect(() => new RateLimiter({ burst: 0, perMinute: 10 })).toThrow();
    expect(() => new RateLimiter({ burst: 1, perMinute: 0 })).toThrow();
  });
});

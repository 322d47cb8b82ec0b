// How fast view starts may come. A person opens a document every few seconds at most; 30 starts a
// second on one link are a script, and each start may open a visit and queue an alert.
import { RateLimiter, type RateLimitDecision, type RateLimitRule } from '../security/rate-limit';

/** Per access link: a reader clicking through a whole room at once fits in the burst. */
export const VIEW_STARTS_PER_LINK: RateLimitRule = { burst: 20, perMinute: 20 };
/** Per network (/24 or /48, hashed): an office behind one address, many readers at once. */
export const VIEW_STARTS_PER_NETWORK: RateLimitRule = { burst: 60, perMinute: 60 };

export class ViewStartLimits {
  readonly perLink = new RateLimiter(VIEW_STARTS_PER_LINK);
  readonly perNetwork = new RateLimiter(VIEW_STARTS_PER_NETWORK);

  /** Checked before the link is even looked up, so a flood of made-up tokens costs no database work. */
  takeNetwork(networkHash: string | null, nowMs = Date.now()): RateLimitDecision {
    return networkHash ? this.perNetwork.take(networkHash, nowMs) : { allowed: true };
  }

  takeLink(accessLinkId: string, nowMs = Date.now()): RateLimitDecision {
    return this.perLink.take(accessLinkId, nowMs);
  }
}

/** The process's limits (process-local on purpose, see rate-limit.ts). */
export const viewStartLimits = new ViewStartLimits();

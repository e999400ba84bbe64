/** Fixed-window counters, incremented atomically in the store so several app processes count together. */
export interface ThrottleStore {
  /** Adds one to the key's counter (starting a new window when the old one ended) and returns the new state. */
  hit(key: string, windowMs: number, now: number): Promise<{ count: number; windowStart: number }>;
  peek(key: string): Promise<{ count: number; windowStart: number } | null>;
  /** Takes back one counted attempt (it turned out to be a success). */
  release(key: string): Promise<void>;
  reset(key: string): Promise<void>;
  /** Deletes at most `limit` counters whose window started at or before `startedBefore`; returns how many. */
  purgeStarted(startedBefore: number, limit: number): Promise<number>;
}

export interface ThrottleRule {
  limit: number;
  /** Seconds. */
  window: number;
}

/**
 * Attempts are counted before the work they guard (the password check), in one atomic statement, so guesses sent in
 * parallel cannot all slip under the limit; a success then takes its count back.
 */
export class Throttle {
  constructor(private readonly store: ThrottleStore) {}

  /** Counts one attempt; returns 0 when it is within the limit, else the seconds until the window ends. */
  async attempt(key: string, rule: ThrottleRule, now = Date.now()): Promise<number> {
    const state = await this.store.hit(key, rule.window * 1000, now);
    if (state.count <= rule.limit) return 0;
    return Math.max(1, Math.ceil((state.windowStart + rule.window * 1000 - now) / 1000));
  }

  release(key: string): Promise<void> {
    return this.store.release(key);
  }

  reset(key: string): Promise<void> {
    return this.store.reset(key);
  }

  /**
   * Deletes counters whose window has ended under the longest of `rules` (nothing counts them any more: the next
   * attempt starts a new window), at most `limit` per call so that a run after a large attack stays short; the next
   * run takes the rest. Safe with several processes on one database (see SqlThrottleStore.purgeStarted).
   */
  purgeExpired(rules: ThrottleRule[], now = Date.now(), limit = 5000): Promise<number> {
    const longest = Math.max(...rules.map((r) => r.window));
    return this.store.purgeStarted(now - longest * 1000, limit);
  }
}

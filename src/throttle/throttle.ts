/** Fixed-window counters, incremented atomically in the store so several app processes count together. */
export interface ThrottleStore {
  /** Adds one to the key's counter (starting a new window when the old one ended) and returns the new state. */
  hit(key: string, windowMs: number, now: number): Promise<{ count: number; windowStart: number }>;
  peek(key: string): Promise<{ count: number; windowStart: number } | null>;
  reset(key: string): Promise<void>;
}

export interface ThrottleRule {
  limit: number;
  /** Seconds. */
  window: number;
}

export class Throttle {
  constructor(private readonly store: ThrottleStore) {}

  /** Seconds until the key may try again, or 0 when it is under its limit. */
  async retryAfter(key: string, rule: ThrottleRule, now = Date.now()): Promise<number> {
    const state = await this.store.peek(key);
    if (!state) return 0;
    const windowEnd = state.windowStart + rule.window * 1000;
    if (windowEnd <= now || state.count < rule.limit) return 0;
    return Math.ceil((windowEnd - now) / 1000);
  }

  async fail(key: string, rule: ThrottleRule, now = Date.now()): Promise<number> {
    const state = await this.store.hit(key, rule.window * 1000, now);
    return state.count;
  }

  reset(key: string): Promise<void> {
    return this.store.reset(key);
  }
}

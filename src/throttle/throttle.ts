/** Fixed-window counters, incremented atomically in the store so several app processes count together. */
export interface ThrottleStore {
  /** Adds one to the key's counter (starting a new window when the old one ended) and returns the new state. */
  hit(key: string, windowMs: number, now: number): Promise<{ count: number; windowStart: number }>;
  peek(key: string): Promise<{ count: number; windowStart: number } | null>;
  /** hit() for several distinct keys at once, in one atomic statement; the states come back in the order given. */
  hitAll(hits: { key: string; windowMs: number }[], now: number): Promise<{ count: number; windowStart: number }[]>;
  /** Takes back one counted attempt (it turned out to be a success). */
  release(key: string): Promise<void>;
  reset(key: string): Promise<void>;
  /** reset(resetKey) and release(releaseKey) together, in one statement. */
  settle(resetKey: string, releaseKey: string): Promise<void>;
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
    return (await this.attemptAll([[key, rule]], now))[0];
  }

  /** attempt() for several distinct keys in one statement (a sign-in counts the account and the address together). */
  async attemptAll(attempts: [key: string, rule: ThrottleRule][], now = Date.now()): Promise<number[]> {
    const states = await this.store.hitAll(
      attempts.map(([key, rule]) => ({ key, windowMs: rule.window * 1000 })),
      now,
    );
    return states.map((state, i) => {
      const { window, limit } = attempts[i][1];
      return state.count <= limit ? 0 : Math.max(1, Math.ceil((state.windowStart + window * 1000 - now) / 1000));
    });
  }

  /** A success: `resetKey` starts counting afresh and `releaseKey` takes back the attempt it counted. */
  succeeded(resetKey: string, releaseKey: string): Promise<void> {
    return this.store.settle(resetKey, releaseKey);
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

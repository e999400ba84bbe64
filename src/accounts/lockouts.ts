import type { ThrottleRule } from '../throttle/throttle.js';
import type { Role } from './account.js';

export type LockoutFlow = 'login' | 'recovery';

/** A per-account counter of failed attempts (from browsers the account never signed in on), still in its window. */
export interface AccountCounter {
  flow: LockoutFlow;
  /** The username the attempts named, folded (it may name no account). */
  usernameKey: string;
  count: number;
  windowStart: number;
}

/** Where one counter's attempts came from, by address, since its window started (from the audit log). */
export interface AttemptSource {
  flow: LockoutFlow;
  usernameKey: string;
  ip: string | null;
  attempts: number;
  lastAt: number;
}

export interface CounterAccount {
  id: string;
  username: string;
  name: string;
  roles: Role[];
  /** Has a password: the account can be signed in to and recovered. */
  claimed: boolean;
  active: boolean;
}

/** What the lockout report needs from storage. */
export interface LockoutStore {
  /** The per-account counters whose window is still open (started after `openSince` for its flow), at most `limit`. */
  accountCounters(openSince: Record<LockoutFlow, number>, limit: number): Promise<AccountCounter[]>;
  /** The accounts these folded usernames name. */
  accountsByUsername(usernameKeys: string[]): Promise<Map<string, CounterAccount>>;
  /** The failed attempts counted in these counters, by address (trusted browsers' own failures left out). */
  attemptSources(counters: AccountCounter[]): Promise<AttemptSource[]>;
}

export interface TargetedAccount {
  flow: LockoutFlow;
  /** The username as attempted (folded). */
  username: string;
  /** The account it names; null when it names none (someone trying usernames). */
  account: CounterAccount | null;
  /** Failed attempts from unknown browsers in the current window. */
  failures: number;
  limit: number;
  /**
   * At the limit: refused to every browser the account never signed in on until `until`. Its owner still gets in from
   * a browser where they signed in before. An unclaimed account has nothing to lock: its lock only answers the
   * attacker the same way, and ends when the family claims it.
   */
  locked: boolean;
  windowStart: number;
  until: number;
  /** Where the attempts came from, most first. */
  addresses: { ip: string | null; attempts: number; lastAt: number }[];
}

/**
 * Who is being targeted: the accounts (and usernames) under failed sign-in or recovery attempts now, whether they are
 * locked, from which addresses, and how many. For the admin console; three queries, whatever the number of attempts.
 */
export class LockoutReport {
  constructor(
    private readonly store: LockoutStore,
    private readonly limits: () => Record<LockoutFlow, ThrottleRule>,
  ) {}

  /** Locked ones first, then by number of failures; at most `limit`. */
  async targeted(now = Date.now(), limit = 200): Promise<TargetedAccount[]> {
    const rules = this.limits();
    const counters = await this.store.accountCounters({ login: now - rules.login.window * 1000, recovery: now - rules.recovery.window * 1000 }, limit);
    if (!counters.length) return [];
    const [accounts, sources] = await Promise.all([this.store.accountsByUsername([...new Set(counters.map((c) => c.usernameKey))]), this.store.attemptSources(counters)]);
    const targeted = counters.map((counter): TargetedAccount => {
      const rule = rules[counter.flow];
      const addresses = sources
        .filter((s) => s.flow === counter.flow && s.usernameKey === counter.usernameKey)
        .map(({ ip, attempts, lastAt }) => ({ ip, attempts, lastAt }))
        .sort((a, b) => b.attempts - a.attempts || b.lastAt - a.lastAt);
      return {
        flow: counter.flow,
        username: counter.usernameKey,
        account: accounts.get(counter.usernameKey) ?? null,
        failures: counter.count,
        limit: rule.limit,
        locked: counter.count >= rule.limit,
        windowStart: counter.windowStart,
        until: counter.windowStart + rule.window * 1000,
        addresses,
      };
    });
    return targeted.sort((a, b) => Number(b.locked) - Number(a.locked) || b.failures - a.failures || a.username.localeCompare(b.username));
  }
}

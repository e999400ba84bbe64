import type { EventBus } from '../events/bus.js';
import type { Throttle, ThrottleRule } from '../throttle/throttle.js';
import { usernameKey, type Account } from './account.js';
import type { PasswordHasher } from './passwords.js';
import type { AccountStore } from './ports.js';

export type LoginOutcome =
  | { ok: true; account: Account }
  | { ok: false; reason: 'unknown' | 'bad_password' | 'disabled' | 'unclaimed' }
  | { ok: false; reason: 'throttled'; retryAfter: number };

export interface LoginLimits {
  perAccount: ThrottleRule;
  perAddress: ThrottleRule;
}

/**
 * Password sign-in. Every failure costs one argon2 verification, whether or not the account exists, so neither the
 * answer nor its timing says which usernames are real. Each attempt is counted before the password is checked, so a
 * correct password during a lock is not revealed as correct, and parallel guesses cannot overrun the limit.
 */
export class Authenticator {
  constructor(
    private readonly accounts: AccountStore,
    private readonly hasher: PasswordHasher,
    private readonly throttle: Throttle,
    private readonly limits: () => LoginLimits,
    private readonly events: EventBus,
  ) {}

  async login(username: string, password: string, ip: string): Promise<LoginOutcome> {
    const key = usernameKey(username);
    const accountKey = `login:account:${key}`;
    const addressKey = `login:address:${ip}`;
    const limits = this.limits();

    const [accountWait, addressWait] = await Promise.all([
      this.throttle.attempt(accountKey, limits.perAccount),
      this.throttle.attempt(addressKey, limits.perAddress),
    ]);
    const retryAfter = Math.max(accountWait, addressWait);
    if (retryAfter > 0) {
      await this.events.emit({ type: 'login.throttled', ip, data: { username: key, scope: accountWait ? 'account' : 'address' } });
      return { ok: false, reason: 'throttled', retryAfter };
    }

    const account = await this.accounts.findByUsername(key);
    const stored = account?.passwordHash ?? null;
    const matches = stored ? await this.hasher.verify(stored, password) : await this.hasher.verifyDummy(password);

    let reason: 'unknown' | 'bad_password' | 'disabled' | 'unclaimed' | null = null;
    if (!account) reason = 'unknown';
    else if (!stored) reason = 'unclaimed';
    else if (!matches) reason = 'bad_password';
    else if (account.status !== 'active') reason = 'disabled';

    if (reason || !account) {
      // The attempt was counted above and stays counted.
      await this.events.emit({ type: 'login.failed', subjectId: account?.id ?? null, ip, data: { username: key, reason } });
      return { ok: false, reason: reason ?? 'unknown' };
    }

    const now = Date.now();
    // A school's shared address must not run out of attempts because its students sign in successfully.
    await Promise.all([this.accounts.recordLogin(account.id, now), this.throttle.reset(accountKey), this.throttle.release(addressKey)]);
    if (this.hasher.needsRehash(stored!)) {
      await this.accounts.upgradeHash(account.id, stored!, await this.hasher.hash(password));
      await this.events.emit({ type: 'password.rehashed', subjectId: account.id, data: { from: stored!.slice(0, 4) } });
    }
    await this.events.emit({ type: 'login.succeeded', actorId: account.id, subjectId: account.id, ip });
    return { ok: true, account };
  }
}

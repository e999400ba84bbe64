import type { EventBus } from '../events/bus.js';
import { throttleKeys } from '../throttle/keys.js';
import type { Throttle, ThrottleRule } from '../throttle/throttle.js';
import { usernameKey, type Account } from './account.js';
import type { DeviceTrust } from './device-trust.js';
import type { PasswordHasher } from './passwords.js';
import type { AccountStore } from './ports.js';

export type LoginOutcome =
  /** `deviceCookie`: the browser's device cookie renewed for this account (null when device trust is off). */
  { ok: true; account: Account; deviceCookie: string | null } | { ok: false; reason: FailureReason } | { ok: false; reason: 'throttled'; retryAfter: number };

type FailureReason = 'unknown' | 'bad_password' | 'disabled' | 'unclaimed' | 'no_pictures';

/**
 * What a sign-in checks the secret against: the password, or a picture sequence (src/pictures). Both are argon2id
 * hashes; `stored` is null when the account has none of this kind (then `missing` is the failure's reason).
 */
export interface Credential {
  method: 'password' | 'pictures';
  stored(account: Account): Promise<string | null>;
  missing: FailureReason;
  /** Replaces the stored hash of the same secret with one made with the configured parameters. */
  upgrade(account: Account, oldHash: string, newHash: string): Promise<void>;
}

export interface LoginLimits {
  perAccount: ThrottleRule;
  perAddress: ThrottleRule;
  /** Failed sign-ins allowed from one trusted device (see DeviceTrust) before it counts as unknown again. */
  perDevice?: ThrottleRule;
}

/**
 * Password sign-in. Every failure costs one argon2 verification, whether or not the account exists, so neither the
 * answer nor its timing says which usernames are real. Each attempt is counted before the password is checked, so a
 * correct password during a lock is not revealed as correct, and parallel guesses cannot overrun the limit.
 *
 * Attempts from a browser where the account signed in before (a valid device cookie, see DeviceTrust) are counted
 * against that device instead of the account: an attacker's guesses lock the account for every unknown browser, and
 * its owner still gets in from their own. They stay counted per address too.
 */
export class Authenticator {
  constructor(
    private readonly accounts: AccountStore,
    private readonly hasher: PasswordHasher,
    private readonly throttle: Throttle,
    private readonly limits: () => LoginLimits,
    private readonly events: EventBus,
    private readonly devices: DeviceTrust | null = null,
  ) {}

  login(username: string, password: string, ip: string, deviceCookie?: string): Promise<LoginOutcome> {
    return this.signIn(username, password, ip, deviceCookie, this.password);
  }

  private readonly password: Credential = {
    method: 'password',
    stored: async (account) => account.passwordHash,
    missing: 'unclaimed',
    upgrade: (account, oldHash, newHash) => this.accounts.upgradeHash(account.id, oldHash, newHash),
  };

  /**
   * A sign-in with another secret than the password (a picture sequence): counted under the same keys and limits, so
   * guesses of either kind add up to one lock-out, and answered the same way.
   */
  async signIn(username: string, secret: string, ip: string, deviceCookie: string | undefined, credential: Credential): Promise<LoginOutcome> {
    const key = usernameKey(username);
    const accountKey = throttleKeys.loginAccount(key);
    const addressKey = throttleKeys.loginAddress(ip);
    const limits = this.limits();
    const deviceId = limits.perDevice ? (this.devices?.deviceFor(deviceCookie, key) ?? null) : null;

    // A trusted device's attempt is counted against it alone; one that failed too often counts as unknown again.
    const [firstWait, addressWait] = await this.throttle.attemptAll([
      deviceId ? [throttleKeys.loginDevice(deviceId), limits.perDevice!] : [accountKey, limits.perAccount],
      [addressKey, limits.perAddress],
    ]);
    const trusted = deviceId !== null && firstWait === 0;
    const accountWait = deviceId === null ? firstWait : trusted ? 0 : await this.throttle.attempt(accountKey, limits.perAccount);
    const retryAfter = Math.max(accountWait, addressWait);
    if (retryAfter > 0) {
      await this.events.emit({ type: 'login.throttled', ip, data: { username: key, scope: accountWait ? 'account' : 'address' } });
      return { ok: false, reason: 'throttled', retryAfter };
    }

    const account = await this.accounts.findByUsername(key);
    const stored = account ? await credential.stored(account) : null;
    const matches = stored ? await this.hasher.verify(stored, secret) : await this.hasher.verifyDummy(secret);

    let reason: FailureReason | null = null;
    if (!account) reason = 'unknown';
    else if (!stored) reason = credential.missing;
    else if (!matches) reason = 'bad_password';
    else if (account.status !== 'active') reason = 'disabled';

    const device = { ...(trusted ? { device: 'trusted' } : {}), ...(credential.method === 'password' ? {} : { method: credential.method }) };
    const signedInWith = Object.keys(device).length ? { data: device } : {};
    if (reason || !account) {
      // The attempt was counted above and stays counted.
      await this.events.emit({ type: 'login.failed', subjectId: account?.id ?? null, ip, data: { username: key, reason, ...device } });
      return { ok: false, reason: reason ?? 'unknown' };
    }

    const now = Date.now();
    // A school's shared address must not run out of attempts because its students sign in successfully. A trusted
    // device's success clears that device's count only: the attempts of others against the account stay counted.
    await Promise.all([this.accounts.recordLogin(account.id, now), this.throttle.succeeded(trusted ? throttleKeys.loginDevice(deviceId) : accountKey, addressKey)]);
    if (this.hasher.needsRehash(stored!)) {
      await credential.upgrade(account, stored!, await this.hasher.hash(secret));
      await this.events.emit({
        type: 'password.rehashed',
        subjectId: account.id,
        data: { from: stored!.slice(0, 4), ...(credential.method === 'password' ? {} : { method: credential.method }) },
      });
    }
    await this.events.emit({ type: 'login.succeeded', actorId: account.id, subjectId: account.id, ip, ...signedInWith });
    return { ok: true, account, deviceCookie: limits.perDevice && this.devices ? this.devices.issue(deviceCookie, key) : null };
  }
}

import { createHmac } from 'node:crypto';
import { usernameKey, type Account } from '../accounts/account.js';
import { QUESTIONS_PER_ACCOUNT } from '../accounts/challenge-questions.js';
import { foldAnswer } from '../accounts/normalize.js';
import type { PasswordHasher } from '../accounts/passwords.js';
import type { DeviceTrust } from '../accounts/device-trust.js';
import type { AccountStore } from '../accounts/ports.js';
import type { ClaimStore } from '../claim/ports.js';
import type { EventBus } from '../events/bus.js';
import { throttleKeys } from '../throttle/keys.js';
import type { Throttle, ThrottleRule } from '../throttle/throttle.js';
import type { SessionRevoker } from './ports.js';

export interface RecoverySettings {
  perAccount: ThrottleRule;
  perAddress: ThrottleRule;
  /** Wrong sets allowed from a browser where the account signed in before (counted apart from the account's lock). */
  perDevice?: ThrottleRule;
  /** Ids of the district's question pool (fake questions for unknown usernames come from it). */
  questionIds: string[];
}

export interface Challenge {
  /** The account, when the username belongs to one that can recover; never shown to the person. */
  accountId: string | null;
  questionIds: string[];
}

export type AnswersOutcome =
  { outcome: 'correct'; accountId: string } | { outcome: 'wrong' } | { outcome: 'locked'; retryAfter: number } | { outcome: 'throttled'; retryAfter: number };

/**
 * "Forgot my Password" through the three challenge questions, without an oracle: a username that cannot recover
 * (unknown, disabled, never claimed) gets three plausible questions derived from the username with a server secret
 * (the same ones every time), the same number of hash verifications, and the same failure.
 *
 * Wrong answer sets lock recovery of the username for a day. From a browser where the account signed in before (a
 * device cookie, see DeviceTrust) they are counted against that browser instead, so an attacker's lock does not stop
 * the owner on their own device. For a username that cannot recover (unknown, or not claimed yet) the lock is only
 * the answer an attacker sees, the same as for a real account; claiming the account clears it (see ClaimService).
 */
export class RecoveryService {
  constructor(
    private readonly accounts: AccountStore,
    private readonly answers: Pick<ClaimStore, 'answers' | 'questionIdsInUse'>,
    private readonly hasher: PasswordHasher,
    private readonly throttle: Throttle,
    private readonly revoker: SessionRevoker,
    private readonly settings: () => RecoverySettings,
    private readonly events: EventBus,
    private readonly secret: string,
    private readonly devices: DeviceTrust | null = null,
  ) {}

  async challenge(username: string, ip: string): Promise<Challenge> {
    const account = await this.accounts.findByUsername(username);
    const stored = account && account.status === 'active' && account.passwordHash ? await this.answers.answers(account.id) : [];
    await this.events.emit({ type: 'recovery.started', subjectId: account?.id ?? null, ip, data: { username: usernameKey(username) } });
    if (account && stored.length === QUESTIONS_PER_ACCOUNT) return { accountId: account.id, questionIds: stored.map((a) => a.questionId) };
    return { accountId: null, questionIds: await this.decoyQuestions(username) };
  }

  /**
   * Three distinct questions chosen by HMAC(secret, username): stable for a username, unguessable without the secret.
   * They come from the questions real accounts actually chose, not from the current pool: when a district changes its
   * pool, real accounts keep their old questions, and decoys drawn from the new pool alone would stand out.
   */
  async decoyQuestions(username: string): Promise<string[]> {
    const pool = await this.decoyPool();
    const digest = createHmac('sha256', this.secret)
      .update(`recovery-questions:${usernameKey(username)}`)
      .digest();
    const chosen: string[] = [];
    for (let i = 0; chosen.length < QUESTIONS_PER_ACCOUNT && pool.length > 0; i += 1) {
      const index = digest.readUInt16BE((i * 2) % (digest.length - 1)) % pool.length;
      chosen.push(...pool.splice(index, 1));
    }
    return chosen;
  }

  private poolCache: { ids: string[]; until: number } | null = null;

  /** Question ids in use by real accounts (cached for ten minutes), topped up from the configured pool. */
  private async decoyPool(): Promise<string[]> {
    const now = Date.now();
    if (!this.poolCache || this.poolCache.until < now) {
      const inUse = await this.answers.questionIdsInUse();
      const ids = [...new Set([...inUse, ...this.settings().questionIds])].sort();
      this.poolCache = { ids, until: now + 10 * 60 * 1000 };
    }
    return [...this.poolCache.ids];
  }

  /** Checks all three answers at once; never says which one was wrong. */
  async checkAnswers(username: string, accountId: string | null, given: string[], ip: string, deviceCookie?: string): Promise<AnswersOutcome> {
    const { perAccount, perAddress, perDevice } = this.settings();
    const accountKey = throttleKeys.recoveryAccount(usernameKey(username));
    const addressKey = throttleKeys.recoveryAddress(ip);
    const deviceId = perDevice ? (this.devices?.deviceFor(deviceCookie, username) ?? null) : null;
    const deviceKey = deviceId ? throttleKeys.recoveryDevice(deviceId) : null;
    // As at sign-in: a trusted device's set is counted against it alone, until it has failed too often itself.
    const [firstWait, addressWait] = await Promise.all([
      deviceKey ? this.throttle.attempt(deviceKey, perDevice!) : this.throttle.attempt(accountKey, perAccount),
      this.throttle.attempt(addressKey, perAddress),
    ]);
    const trusted = deviceKey !== null && firstWait === 0;
    const accountWait = deviceKey === null ? firstWait : trusted ? 0 : await this.throttle.attempt(accountKey, perAccount);
    if (accountWait > 0) {
      await this.events.emit({ type: 'recovery.locked', subjectId: accountId, ip, data: { username: usernameKey(username) } });
      return { outcome: 'locked', retryAfter: accountWait };
    }
    if (addressWait > 0) {
      await this.events.emit({ type: 'recovery.throttled', subjectId: accountId, ip });
      return { outcome: 'throttled', retryAfter: addressWait };
    }

    const stored = accountId ? await this.answers.answers(accountId) : [];
    const results = await Promise.all(
      Array.from({ length: QUESTIONS_PER_ACCOUNT }, (_, i) => {
        const answer = foldAnswer(given[i] ?? '');
        return stored[i] ? this.hasher.verify(stored[i].answerHash, answer) : this.hasher.verifyDummy(answer);
      }),
    );
    if (!accountId || stored.length !== QUESTIONS_PER_ACCOUNT || results.some((ok) => !ok)) {
      await this.events.emit({ type: 'recovery.failed', subjectId: accountId, ip, data: { username: usernameKey(username), ...(trusted ? { device: 'trusted' } : {}) } });
      return { outcome: 'wrong' };
    }
    await Promise.all([this.throttle.reset(trusted ? deviceKey! : accountKey), this.throttle.release(addressKey)]);
    await this.events.emit({ type: 'recovery.answers_correct', subjectId: accountId, ip });
    return { outcome: 'correct', accountId };
  }

  /** The last step: the new password, then every session and token of the account ends. */
  async resetPassword(account: Account, passwordHash: string, ip: string): Promise<void> {
    await this.accounts.setPassword(account.id, passwordHash);
    await this.revoker.revokeAll(account.id);
    await this.events.emit({ type: 'password.reset', actorId: account.id, subjectId: account.id, ip, data: { via: 'challenge_questions' } });
  }
}

import { randomUUID } from 'node:crypto';
import { usernameKey, type Account } from '../accounts/account.js';
import type { LoginLimits } from '../accounts/authenticate.js';
import type { AccountStore } from '../accounts/ports.js';
import type { EventBus } from '../events/bus.js';
import type { Policies } from '../policies/definitions.js';
import { youngSignInFor } from '../policies/young-sign-in.js';
import type { Sealer } from '../shared/seal.js';
import { throttleKeys } from '../throttle/keys.js';
import type { Throttle } from '../throttle/throttle.js';
import { badgeDigest, codeFromScan, formatBadgeCode, newBadgeCode, normalizeBadgeCode } from './badge-code.js';
import type { BadgeStore } from './ports.js';

export type BadgeFailure = 'unknown' | 'voided' | 'disabled' | 'not_badge_grade';

export type BadgeOutcome = { ok: true; account: Account } | { ok: false; reason: BadgeFailure } | { ok: false; reason: 'throttled'; retryAfter: number };

/** Who did something to a badge: a teacher or an administrator (null from the command line). */
export interface BadgeActor {
  id: string | null;
  ip?: string | null;
}

/** A badge as a sheet prints it. */
export interface PrintedBadge {
  accountId: string;
  /** Grouped for typing: XXXX-XXXX-… */
  code: string;
  /** What the QR code holds: the issuer's badge page with the code. */
  url: string;
}

export interface BadgeSettings {
  issuer: string;
  login: LoginLimits;
  signIn: Policies['signIn'];
}

/**
 * Young students' QR badges. A badge is a random secret (140 bits) the sign-in finds by its keyed digest; it never
 * holds or reveals the password. Its sign-in is counted and locked exactly as a password's: per address before the
 * lookup, then against the account the badge names, so a lost card tried too often locks the account to its teacher.
 */
export class Badges {
  constructor(
    private readonly store: BadgeStore,
    private readonly accounts: AccountStore,
    private readonly throttle: Throttle,
    private readonly sealer: Sealer,
    private readonly serverSecret: string,
    /** Read at each use: the badge grades and the limits are policies the admin console can change while running. */
    private readonly settings: () => BadgeSettings,
    private readonly events: EventBus,
  ) {}

  /** Whether the policy gives this account a badge: an active student of a badge grade. */
  eligible(account: Pick<Account, 'grade' | 'roles' | 'status'>): boolean {
    return account.status === 'active' && account.roles.includes('student') && youngSignInFor(account.grade, this.settings().signIn).badge;
  }

  /** Badge grades only: whether the policy gives a student of this grade a badge. */
  gradeHasBadges(grade: string | null): boolean {
    return youngSignInFor(grade, this.settings().signIn).badge;
  }

  async signIn(input: string, ip: string): Promise<BadgeOutcome> {
    const limits = this.settings().login;
    const addressKey = throttleKeys.loginAddress(ip);
    const addressWait = await this.throttle.attempt(addressKey, limits.perAddress);
    if (addressWait > 0) {
      await this.events.emit({ type: 'login.throttled', ip, data: { method: 'badge', scope: 'address' } });
      return { ok: false, reason: 'throttled', retryAfter: addressWait };
    }
    const code = normalizeBadgeCode(codeFromScan(input.trim()));
    const badge = code ? await this.store.byDigest(badgeDigest(this.serverSecret, code)) : null;
    const account = badge ? await this.accounts.findById(badge.accountId) : null;
    if (!badge || !account) {
      await this.events.emit({ type: 'login.failed', ip, data: { method: 'badge', reason: 'unknown' } });
      return { ok: false, reason: 'unknown' };
    }

    // The badge names its account: the attempt counts against it, as a password's against the username it names.
    const key = usernameKey(account.username);
    const accountKey = throttleKeys.loginAccount(key);
    const accountWait = await this.throttle.attempt(accountKey, limits.perAccount);
    if (accountWait > 0) {
      await this.events.emit({ type: 'login.throttled', subjectId: account.id, ip, data: { method: 'badge', username: key, scope: 'account' } });
      return { ok: false, reason: 'throttled', retryAfter: accountWait };
    }
    let reason: BadgeFailure | null = null;
    if (badge.voidedAt !== null) reason = 'voided';
    else if (account.status !== 'active') reason = 'disabled';
    else if (!this.eligible(account)) reason = 'not_badge_grade';
    if (reason) {
      await this.events.emit({ type: 'login.failed', subjectId: account.id, ip, data: { method: 'badge', username: key, reason, badge: badge.id } });
      return { ok: false, reason };
    }

    const now = Date.now();
    await Promise.all([this.accounts.recordLogin(account.id, now), this.store.markUsed(badge.id, now), this.throttle.succeeded(accountKey, addressKey)]);
    await this.events.emit({ type: 'login.succeeded', actorId: account.id, subjectId: account.id, ip, data: { method: 'badge', badge: badge.id } });
    return { ok: true, account };
  }

  /** When each of these accounts' badge in use was issued and last used (absent: no badge). */
  async status(accountIds: string[]): Promise<Map<string, { createdAt: number; lastUsedAt: number | null }>> {
    const found = await this.store.activeFor(accountIds);
    return new Map([...found].map(([id, badge]) => [id, { createdAt: badge.createdAt, lastUsedAt: badge.lastUsedAt }]));
  }

  /**
   * The badges to print for these students, issuing one (audited) to each who has none. Students of grades without
   * badges are left out.
   */
  async forPrinting(students: { accountId: string; grade: string | null }[], actor: BadgeActor): Promise<Map<string, PrintedBadge>> {
    const eligible = students.filter((s) => this.gradeHasBadges(s.grade));
    const ids = eligible.map((s) => s.accountId);
    const existing = await this.store.activeFor(ids);
    const printed = new Map<string, PrintedBadge>();
    for (const [accountId, badge] of existing) printed.set(accountId, this.printable(accountId, this.sealer.open(badge.secretSealed)));
    for (const accountId of ids) {
      if (printed.has(accountId)) continue;
      const code = newBadgeCode();
      const id = randomUUID();
      if (await this.store.insertIfNone(accountId, { id, digest: badgeDigest(this.serverSecret, code), secretSealed: this.sealer.seal(code) }, Date.now())) {
        await this.events.emit({ type: 'badge.issued', actorId: actor.id, subjectId: accountId, ip: actor.ip ?? null, data: { badge: id } });
        printed.set(accountId, this.printable(accountId, code));
      } else {
        // Another print issued it meanwhile: that one is the badge.
        const other = (await this.store.activeFor([accountId])).get(accountId);
        if (other) printed.set(accountId, this.printable(accountId, this.sealer.open(other.secretSealed)));
      }
    }
    return printed;
  }

  /** Voids the student's badge: it fails at once. False when the student had none. */
  async void(accountId: string, actor: BadgeActor): Promise<boolean> {
    const voided = await this.store.replace(accountId, null, Date.now(), []);
    if (voided) await this.events.emit({ type: 'badge.voided', actorId: actor.id, subjectId: accountId, ip: actor.ip ?? null });
    return voided;
  }

  /**
   * A new badge for the student; the old one (if any) fails at once. A lock of failed sign-ins on the account ends
   * with it, as when a teacher sets pictures: the teacher is who a locked-out child goes to, and a child who signs in
   * only with a badge has no other way back in than a new card.
   */
  async regenerate(accountId: string, actor: BadgeActor): Promise<void> {
    const code = newBadgeCode();
    const id = randomUUID();
    const account = await this.accounts.findById(accountId);
    const unlock = account ? [throttleKeys.loginAccount(usernameKey(account.username))] : [];
    const voided = await this.store.replace(accountId, { id, digest: badgeDigest(this.serverSecret, code), secretSealed: this.sealer.seal(code) }, Date.now(), unlock);
    await this.events.emit({ type: 'badge.regenerated', actorId: actor.id, subjectId: accountId, ip: actor.ip ?? null, data: { badge: id, replaced: voided } });
  }

  private printable(accountId: string, code: string): PrintedBadge {
    return { accountId, code: formatBadgeCode(code), url: `${this.settings().issuer.replace(/\/$/, '')}/badge#${code}` };
  }
}

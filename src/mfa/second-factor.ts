import { randomUUID } from 'node:crypto';
import { usernameKey, type Account, type Role } from '../accounts/account.js';
import type { EventBus } from '../events/bus.js';
import { AppError, badRequest } from '../shared/errors.js';
import type { Sealer } from '../shared/seal.js';
import { throttleKeys } from '../throttle/keys.js';
import type { Throttle, ThrottleRule } from '../throttle/throttle.js';
import type { SecondFactorMethod } from './authn-context.js';
import type { FactorListing, MfaStore } from './ports.js';
import { newRecoveryCodes, normalizeRecoveryCode, recoveryCodeDigest } from './recovery-codes.js';
import { matchTotp, newTotpSecret } from './totp.js';

export interface SecondFactorSettings {
  requiredRoles: readonly Role[];
  /** Seconds a required account without a factor may put off setting one up; 0: none. */
  gracePeriod: number;
  perAccount: ThrottleRule;
  perAddress: ThrottleRule;
}

export type CodeOutcome = { ok: true; method: SecondFactorMethod } | { ok: false; reason: 'wrong' } | { ok: false; reason: 'throttled'; retryAfter: number };

/** A new authenticator app's secret while its owner adds it to the app (kept sealed in a flow record until then). */
export interface PendingTotp {
  secretSealed: string;
}

const MAX_NAME = 60;
const MAX_TICKET = 300;

/**
 * Second factors for staff: authenticator-app codes (RFC 6238) and recovery codes. Code attempts are counted before
 * they are checked, per account (a counter of their own: a known password must not reset it) and per address (with
 * passwords), so guessing the six digits is as slow as guessing a password.
 */
export class SecondFactors {
  constructor(
    private readonly store: MfaStore,
    private readonly sealer: Sealer,
    private readonly throttle: Throttle,
    private readonly digestKey: string,
    private readonly settings: () => SecondFactorSettings,
    private readonly events: EventBus,
  ) {}

  /** Whether the policy makes this account use a second factor. */
  required(account: Pick<Account, 'roles'>): boolean {
    const roles = this.settings().requiredRoles;
    return account.roles.some((role) => roles.includes(role));
  }

  /** Whether the sign-in goes on to a second step: asking for a code, or setting an app up. No I/O. */
  needed(account: Pick<Account, 'roles' | 'secondFactor'>): boolean {
    return account.secondFactor || this.required(account);
  }

  /**
   * For an account that must use a second factor and has none: until when it may still choose "Later" at sign-in,
   * or null when it may not (no grace period, or it is over). The period counts from the account's first sign-in
   * without a factor after the requirement applied to it; that time is stored at the first call, grace or not, so a
   * grace period given later does not restart for people who have been asked for a factor all along.
   */
  async graceUntil(account: Pick<Account, 'id' | 'roles' | 'secondFactor'>, now = Date.now()): Promise<number | null> {
    if (account.secondFactor || !this.required(account)) return null;
    const from = await this.store.graceFrom(account.id, now);
    const until = from + this.settings().gracePeriod * 1000;
    return now < until ? until : null;
  }

  /** Someone within the grace period chose to set a factor up later. */
  async deferred(account: Account, until: number, ip: string | null): Promise<void> {
    await this.events.emit({ type: 'mfa.deferred', actorId: account.id, subjectId: account.id, ip, data: { until: new Date(until).toISOString() } });
  }

  /** Staff may add a second factor; students are never offered one. */
  offered(account: Pick<Account, 'roles'>): boolean {
    return account.roles.some((role) => role !== 'student');
  }

  list(accountId: string): Promise<FactorListing[]> {
    return this.store.list(accountId);
  }

  unusedRecoveryCodes(accountId: string): Promise<number> {
    return this.store.unusedRecoveryCodes(accountId);
  }

  newTotp(): PendingTotp & { secret: string } {
    const secret = newTotpSecret();
    return { secret, secretSealed: this.sealer.seal(secret) };
  }

  secretOf(pending: PendingTotp): string {
    return this.sealer.open(pending.secretSealed);
  }

  /**
   * Adds the app once its owner typed a code it shows (proof the app holds the secret). Returns the new recovery
   * codes, to be shown once, when this is the account's first factor; null when the code is wrong.
   */
  async confirmTotp(account: Account, pending: PendingTotp, code: string, name: string, ip: string | null, now = Date.now()): Promise<{ recoveryCodes: string[] | null } | null> {
    const step = matchTotp(this.secretOf(pending), code.trim(), null, now);
    if (step === null) return null;
    const first = (await this.store.list(account.id)).length === 0;
    const codes = first ? newRecoveryCodes() : null;
    const id = randomUUID();
    const label = name.trim().slice(0, MAX_NAME);
    await this.store.addTotp(
      account.id,
      { id, name: label, secretSealed: pending.secretSealed, lastStep: step },
      codes && codes.map((c) => recoveryCodeDigest(this.digestKey, c)),
      now,
    );
    await this.events.emit({ type: 'mfa.enrolled', actorId: account.id, subjectId: account.id, ip, data: { factor: id, kind: 'totp' } });
    if (codes) await this.events.emit({ type: 'mfa.recovery_codes_issued', actorId: account.id, subjectId: account.id, ip, data: { count: codes.length } });
    return { recoveryCodes: codes };
  }

  /** Checks a code at sign-in: one of the account's apps' (a code not used before), or an unused recovery code. */
  async verify(account: Account, typed: string, ip: string, now = Date.now()): Promise<CodeOutcome> {
    const settings = this.settings();
    const accountKey = throttleKeys.secondFactorAccount(usernameKey(account.username));
    const addressKey = throttleKeys.loginAddress(ip);
    const [accountWait, addressWait] = await Promise.all([
      this.throttle.attempt(accountKey, settings.perAccount, now),
      this.throttle.attempt(addressKey, settings.perAddress, now),
    ]);
    const retryAfter = Math.max(accountWait, addressWait);
    if (retryAfter > 0) {
      await this.events.emit({ type: 'mfa.throttled', subjectId: account.id, ip, data: { scope: accountWait ? 'account' : 'address' } });
      return { ok: false, reason: 'throttled', retryAfter };
    }

    const method = await this.check(account, typed.trim(), now);
    if (!method) {
      await this.events.emit({ type: 'mfa.failed', subjectId: account.id, ip });
      return { ok: false, reason: 'wrong' };
    }
    await Promise.all([this.throttle.reset(accountKey), this.throttle.release(addressKey)]);
    await this.events.emit({ type: 'mfa.used', actorId: account.id, subjectId: account.id, ip, data: { method } });
    if (method === 'recovery') {
      const left = await this.store.unusedRecoveryCodes(account.id);
      await this.events.emit({ type: 'mfa.recovery_code_used', actorId: account.id, subjectId: account.id, ip, data: { left } });
    }
    return { ok: true, method };
  }

  private async check(account: Account, typed: string, now: number): Promise<SecondFactorMethod | null> {
    const digits = typed.replace(/\s/g, '');
    if (/^\d{6}$/.test(digits)) {
      for (const factor of await this.store.totps(account.id)) {
        const step = matchTotp(this.sealer.open(factor.secretSealed), digits, factor.lastStep, now);
        // Two submissions of one code at once: only the first to record its step gets in.
        if (step !== null && (await this.store.useTotpStep(factor.id, step, now))) return 'otp';
      }
      return null;
    }
    const code = normalizeRecoveryCode(typed);
    if (code && (await this.store.useRecoveryCode(account.id, recoveryCodeDigest(this.digestKey, code), now))) return 'recovery';
    return null;
  }

  async newRecoveryCodes(account: Account, ip: string | null, now = Date.now()): Promise<string[]> {
    const codes = newRecoveryCodes();
    await this.store.replaceRecoveryCodes(
      account.id,
      codes.map((c) => recoveryCodeDigest(this.digestKey, c)),
      now,
    );
    await this.events.emit({ type: 'mfa.recovery_codes_issued', actorId: account.id, subjectId: account.id, ip, data: { count: codes.length } });
    return codes;
  }

  async rename(account: Account, factorId: string, name: string, ip: string | null): Promise<boolean> {
    const label = name.trim().slice(0, MAX_NAME);
    if (!label || !(await this.store.rename(account.id, factorId, label))) return false;
    await this.events.emit({ type: 'mfa.renamed', actorId: account.id, subjectId: account.id, ip, data: { factor: factorId } });
    return true;
  }

  /** The owner removes one of their factors. */
  async remove(account: Account, factorId: string, ip: string | null): Promise<boolean> {
    if (!(await this.store.remove(account.id, factorId))) return false;
    await this.events.emit({ type: 'mfa.removed', actorId: account.id, subjectId: account.id, ip, data: { factor: factorId } });
    return true;
  }

  /**
   * The help desk removes every factor of a staff member who lost them, under a ticket (its reference and how the
   * person's identity was checked, kept in the audit log). Nobody resets their own, and only an administrator resets
   * an administrator's: otherwise the help desk could take over the accounts that govern it.
   */
  async reset(actor: Account, account: Account, ticket: string, ip: string | null): Promise<number> {
    if (actor.id === account.id) throw new AppError(403, 'OWN_FACTORS', 'mfa.helpdesk.errors.own');
    if (account.roles.includes('admin') && !actor.roles.includes('admin')) throw new AppError(403, 'ADMIN_FACTORS', 'mfa.helpdesk.errors.admin');
    const text = ticket.trim();
    if (!text) throw badRequest('TICKET_REQUIRED', 'mfa.helpdesk.errors.ticketRequired');
    if ([...text].length > MAX_TICKET) throw badRequest('TICKET_TOO_LONG', 'mfa.helpdesk.errors.ticketTooLong', { max: MAX_TICKET });
    const removed = await this.store.removeAll(account.id);
    await this.events.emit({ type: 'mfa.reset', actorId: actor.id, subjectId: account.id, ip, data: { ticket: text, factors: removed } });
    return removed;
  }
}

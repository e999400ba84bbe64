import { randomUUID } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { z } from 'zod';
import { usernameKey, type Account } from '../accounts/account.js';
import type { EventBus } from '../events/bus.js';
import { throttleKeys } from '../throttle/keys.js';
import type { Throttle } from '../throttle/throttle.js';
import type { MfaStore } from './ports.js';
import { newRecoveryCodes, recoveryCodeDigest } from './recovery-codes.js';
import type { SecondFactorSettings } from './second-factor.js';

/** Who the passkeys are for: the issuer's host (its registrable name, no port) and its origin. */
export interface RelyingParty {
  id: string;
  origin: string;
  name: string;
}

export function relyingPartyOf(issuer: string, name: string): RelyingParty {
  const url = new URL(issuer);
  return { id: url.hostname, origin: url.origin, name };
}

export type PasskeyOutcome = { ok: true; account: Account; userVerified: boolean } | { ok: false; reason: 'failed' } | { ok: false; reason: 'throttled'; retryAfter: number };

const MAX_NAME = 60;
/** A minute to touch the key or unlock the phone, with room to spare; the challenge is then worthless. */
const TIMEOUT_MS = 3 * 60 * 1000;

const base64url = z
  .string()
  .regex(/^[A-Za-z0-9_-]*$/)
  .max(16_384);
/** The shape the browser's script posts; the library checks everything inside it. */
const credentialJson = z.object({
  id: base64url.min(1),
  rawId: base64url.min(1),
  type: z.literal('public-key'),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
});
const registrationJson = credentialJson.extend({
  response: z.object({ clientDataJSON: base64url, attestationObject: base64url, transports: z.array(z.string().max(20)).max(10).optional() }),
});
const authenticationJson = credentialJson.extend({
  response: z.object({ clientDataJSON: base64url, authenticatorData: base64url, signature: base64url, userHandle: base64url.optional() }),
});

function parseJson<T>(schema: z.ZodType<T>, text: string): T | null {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The account's WebAuthn user handle: its id (a random UUID, nothing personal), as the authenticator stores it. */
const userHandleOf = (accountId: string) => Buffer.from(accountId, 'utf8').toString('base64url');

/**
 * Passkeys and security keys (WebAuthn, with @simplewebauthn/server). A passkey is a second factor after the
 * password, or the whole sign-in for a discoverable credential: then it stands for two factors only when the
 * authenticator verified its owner (a PIN or a biometric), which the route reads from the outcome. Attempts are
 * counted before they are checked, on the same counters as codes.
 */
export class Passkeys {
  constructor(
    private readonly store: MfaStore,
    private readonly accounts: { findById(id: string): Promise<Account | null>; recordLogin(id: string, at: number): Promise<void> },
    private readonly throttle: Throttle,
    private readonly digestKey: string,
    private readonly settings: () => SecondFactorSettings,
    private readonly events: EventBus,
    private readonly rp: () => RelyingParty,
  ) {}

  /**
   * Options for adding a passkey. A discoverable credential is asked for (so it also signs in without a username);
   * the account's own passkeys are excluded, so one authenticator is not added twice.
   */
  async registrationOptions(account: Account): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const rp = this.rp();
    const existing = await this.store.passkeys(account.id);
    return generateRegistrationOptions({
      rpName: rp.name,
      rpID: rp.id,
      userName: account.username,
      userDisplayName: `${account.givenName} ${account.familyName}`.trim() || account.username,
      userID: new Uint8Array(Buffer.from(account.id, 'utf8')),
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports as AuthenticatorTransportFuture[] })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
      timeout: TIMEOUT_MS,
    });
  }

  /**
   * Adds the passkey the browser created for `challenge`. Returns the new recovery codes when it is the account's
   * first factor (to be shown once), null codes otherwise, and whether the authenticator verified its owner; null
   * when the response does not verify.
   */
  async confirmRegistration(
    account: Account,
    challenge: string,
    responseText: string,
    name: string,
    ip: string | null,
    now = Date.now(),
  ): Promise<{ recoveryCodes: string[] | null; userVerified: boolean } | null> {
    const response = parseJson(registrationJson, responseText) as RegistrationResponseJSON | null;
    const rp = this.rp();
    let info;
    try {
      const result = response && (await verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin: rp.origin, expectedRPID: rp.id }));
      info = result && result.verified ? result.registrationInfo : null;
    } catch {
      info = null;
    }
    if (!info || (await this.store.passkeyByCredential(info.credential.id))) {
      await this.events.emit({ type: 'mfa.enrol_failed', actorId: account.id, subjectId: account.id, ip, data: { kind: 'passkey' } });
      return null;
    }
    const first = (await this.store.list(account.id)).length === 0;
    const codes = first ? newRecoveryCodes() : null;
    const id = randomUUID();
    await this.store.addPasskey(
      account.id,
      {
        id,
        name: name.trim().slice(0, MAX_NAME),
        credentialId: info.credential.id,
        publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
        signCount: info.credential.counter,
        transports: response?.response.transports ?? [],
      },
      codes && codes.map((c) => recoveryCodeDigest(this.digestKey, c)),
      now,
    );
    await this.events.emit({
      type: 'mfa.enrolled',
      actorId: account.id,
      subjectId: account.id,
      ip,
      data: { factor: id, kind: 'passkey', userVerified: info.userVerified, synced: info.credentialBackedUp },
    });
    if (codes) await this.events.emit({ type: 'mfa.recovery_codes_issued', actorId: account.id, subjectId: account.id, ip, data: { count: codes.length } });
    return { recoveryCodes: codes, userVerified: info.userVerified };
  }

  /** Options for signing in: the account's passkeys after its password, or any discoverable one (account null). */
  async authenticationOptions(accountId: string | null): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const mine = accountId ? await this.store.passkeys(accountId) : [];
    return generateAuthenticationOptions({
      rpID: this.rp().id,
      allowCredentials: mine.map((p) => ({ id: p.credentialId, transports: p.transports as AuthenticatorTransportFuture[] })),
      userVerification: 'preferred',
      timeout: TIMEOUT_MS,
    });
  }

  /**
   * Checks a signed challenge. With `accountId` (after the password) the passkey must be that account's; without,
   * the credential names its account (a discoverable credential's user handle) and the passkey is the whole sign-in:
   * then, when the authenticator did not verify its owner, an account that must use two factors (or an app that asks
   * for them, `multiFactorAsked`) is refused. Every failure looks the same.
   */
  async authenticate(
    expected: { accountId: string | null; challenge: string; multiFactorAsked?: boolean },
    responseText: string,
    ip: string,
    now = Date.now(),
  ): Promise<PasskeyOutcome> {
    const settings = this.settings();
    const addressKey = throttleKeys.loginAddress(ip);
    const addressWait = await this.throttle.attempt(addressKey, settings.perAddress, now);
    if (addressWait > 0) {
      await this.events.emit({ type: 'mfa.throttled', subjectId: expected.accountId, ip, data: { scope: 'address', method: 'passkey' } });
      return { ok: false, reason: 'throttled', retryAfter: addressWait };
    }
    const fail = async (accountId: string | null, why: string): Promise<PasskeyOutcome> => {
      await this.events.emit({ type: 'mfa.failed', subjectId: accountId, ip, data: { method: 'passkey', alone: expected.accountId === null, why } });
      return { ok: false, reason: 'failed' };
    };

    const response = parseJson(authenticationJson, responseText) as AuthenticationResponseJSON | null;
    const stored = response ? await this.store.passkeyByCredential(response.id) : null;
    const accountId = expected.accountId ?? stored?.accountId ?? null;
    const account = accountId ? await this.accounts.findById(accountId) : null;
    // Counted on the account as soon as one is known (after the password, or named by the credential).
    const accountKey = account && throttleKeys.secondFactorAccount(usernameKey(account.username));
    if (accountKey) {
      const accountWait = await this.throttle.attempt(accountKey, settings.perAccount, now);
      if (accountWait > 0) {
        await this.events.emit({ type: 'mfa.throttled', subjectId: account.id, ip, data: { scope: 'account', method: 'passkey' } });
        return { ok: false, reason: 'throttled', retryAfter: accountWait };
      }
    }
    if (!response || !stored || !account || !accountKey) return fail(accountId, response ? 'unknown credential' : 'malformed');
    if (stored.accountId !== account.id) return fail(account.id, "another account's credential");
    if (expected.accountId === null && response.response.userHandle !== userHandleOf(account.id)) return fail(account.id, 'user handle');
    if (account.status !== 'active') return fail(account.id, 'account disabled');

    const rp = this.rp();
    let info;
    try {
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge: expected.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        credential: {
          id: stored.credentialId,
          publicKey: new Uint8Array(Buffer.from(stored.publicKey, 'base64url')),
          counter: stored.signCount,
          transports: stored.transports as AuthenticatorTransportFuture[],
        },
        requireUserVerification: false,
      });
      info = result.verified ? result.authenticationInfo : null;
    } catch {
      // Bad signature, wrong challenge or origin, or a counter that went backwards (a cloned key).
      info = null;
    }
    if (!info) return fail(account.id, 'verification');
    const alone = expected.accountId === null;
    const roles = settings.requiredRoles;
    if (alone && !info.userVerified && (expected.multiFactorAsked || account.roles.some((role) => roles.includes(role)))) return fail(account.id, 'user not verified');

    await this.store.usePasskey(stored.id, info.newCounter, now);
    await Promise.all([this.throttle.reset(accountKey), this.throttle.release(addressKey)]);
    await this.events.emit({
      type: 'mfa.used',
      actorId: account.id,
      subjectId: account.id,
      ip,
      data: { method: 'passkey', factor: stored.id, alone, userVerified: info.userVerified },
    });
    if (alone) {
      await this.accounts.recordLogin(account.id, now);
      await this.events.emit({ type: 'login.succeeded', actorId: account.id, subjectId: account.id, ip, data: { method: 'passkey' } });
    }
    return { ok: true, account, userVerified: info.userVerified };
  }
}

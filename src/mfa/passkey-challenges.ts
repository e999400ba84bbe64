import type { FlowStore } from '../flows/flow.js';

/**
 * A WebAuthn challenge waiting for its answer: a flow record with an expiry, bound to what asked for it (a sign-in's
 * interaction, or a signed-in account adding a passkey). A new request replaces the one before; an answer takes the
 * challenge, so it is used at most once, even by two tabs posting at the same moment.
 */
export interface PasskeyChallenge {
  challenge: string;
  purpose: 'register' | 'authenticate';
  /** The account it is for; null for a username-less sign-in (the credential names its account). */
  accountId: string | null;
}

const kind = 'passkey-challenge';
/** The browser's own timeout, and a little more. */
const TTL_MS = 5 * 60 * 1000;

export const challengeBindings = {
  signIn: (uid: string) => `passkey:login:${uid}`,
  account: (accountId: string) => `passkey:account:${accountId}`,
};

export class PasskeyChallenges {
  constructor(private readonly flows: FlowStore) {}

  async issue(binding: string, challenge: PasskeyChallenge, now = Date.now()): Promise<void> {
    await this.flows.remove(binding);
    await this.flows.put<PasskeyChallenge>({ id: binding, kind, step: 'issued', context: challenge, expiresAt: now + TTL_MS, browserKey: null });
  }

  /** The challenge for one answer, or null when there is none (expired, already answered, or for another purpose). */
  async take(binding: string, purpose: PasskeyChallenge['purpose']): Promise<PasskeyChallenge | null> {
    const flow = await this.flows.get<PasskeyChallenge>(binding);
    if (!flow || flow.kind !== kind || flow.step !== 'issued' || flow.context.purpose !== purpose) return null;
    // Another tab answering at the same moment: the first to move the record gets the challenge.
    if (!(await this.flows.update(binding, flow.version, 'answered', flow.context))) return null;
    await this.flows.remove(binding);
    return flow.context;
  }
}

import type { Account } from './account.js';
import { foldName } from './normalize.js';
import type { PasswordHasher } from './passwords.js';

export interface PasswordRules {
  minLength: number;
  maxLength: number;
  blockCommon: boolean;
}

/** Which rule a new password broke; each has a translated explanation (passwords.problems.<code>). */
export type PasswordProblem = 'empty' | 'tooShort' | 'tooLong' | 'mismatch' | 'common' | 'personal' | 'reused';

export interface PasswordCheck {
  problem: PasswordProblem;
  params: Record<string, number>;
}

/** Loads the list of common breached passwords once, on first use. */
export type CommonPasswords = () => Promise<ReadonlySet<string>>;

/**
 * NIST SP 800-63B-style rules, as the letter asks: long enough (never truncated, any characters, NFC-normalised),
 * not a commonly breached password, not the person's own name, username or ID, and never one this account used.
 */
export class PasswordPolicy {
  constructor(
    private readonly rules: () => PasswordRules,
    private readonly hasher: PasswordHasher,
    private readonly common: CommonPasswords,
  ) {}

  /** The first broken rule, or null when the password is acceptable. */
  async check(password: string, confirm: string, account: Pick<Account, 'username' | 'studentId' | 'givenName' | 'familyName'>, history: string[]): Promise<PasswordCheck | null> {
    const rules = this.rules();
    const normalized = password.normalize('NFC');
    const length = [...normalized].length;
    if (length === 0) return { problem: 'empty', params: {} };
    if (length < rules.minLength) return { problem: 'tooShort', params: { min: rules.minLength } };
    if (length > rules.maxLength) return { problem: 'tooLong', params: { max: rules.maxLength } };
    if (normalized !== confirm.normalize('NFC')) return { problem: 'mismatch', params: {} };
    const lower = normalized.toLowerCase();
    if (rules.blockCommon && (await this.common()).has(lower)) return { problem: 'common', params: {} };
    if (isPersonal(normalized, account)) return { problem: 'personal', params: {} };
    for (const old of history) {
      if (await this.hasher.verify(old, normalized)) return { problem: 'reused', params: {} };
    }
    return null;
  }
}

function isPersonal(password: string, account: Pick<Account, 'username' | 'studentId' | 'givenName' | 'familyName'>): boolean {
  const folded = foldName(password).replace(/\s+/g, '');
  const identifiers = [account.username, account.studentId ?? ''].map((v) => v.toLowerCase()).filter((v) => v.length >= 4);
  if (identifiers.some((id) => folded.includes(id))) return true;
  // "Ana2026!" is the name with decoration; "banana12" is not.
  const letters = folded.replace(/[^\p{L}]/gu, '');
  const names = [account.givenName, account.familyName, `${account.givenName}${account.familyName}`, `${account.familyName}${account.givenName}`]
    .map((n) => foldName(n).replace(/[^\p{L}]/gu, ''))
    .filter((n) => n.length >= 2);
  return names.includes(letters);
}

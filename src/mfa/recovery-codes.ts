import { createHmac, randomInt } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
/** Letters and digits that cannot be misread for one another (no 0/O, 1/I/L). */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** Ten new codes such as `K7QM-3XPA-9RTD`: 60 bits each, typed once in an emergency. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: 12 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
  });
}

/** What a person typed, in the form codes are issued in (case, spaces and dashes forgiven). */
export function normalizeRecoveryCode(typed: string): string | null {
  const chars = typed.toUpperCase().replace(/[\s-]/g, '');
  return chars.length === 12 && [...chars].every((c) => ALPHABET.includes(c)) ? `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}` : null;
}

/**
 * Codes are stored as a keyed digest, not argon2: with 60 random bits a guess is hopeless at any speed, and a keyed
 * digest lets the sign-in find the code in one indexed query.
 */
export function recoveryCodeDigest(key: string, code: string): string {
  return createHmac('sha256', key).update(`recovery-code:${code}`).digest('base64url');
}

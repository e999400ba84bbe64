import { createHmac, randomBytes } from 'node:crypto';

/**
 * A badge code: 140 random bits in Crockford's base32 (no I, L, O or U, so nothing reads as another character), in
 * seven groups of four that a parent can type from the card. Read back, O counts as 0 and I or L as 1, case, spaces
 * and dashes are ignored.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_LENGTH = 28;
const GROUP = 4;

export function newBadgeCode(): string {
  const bytes = randomBytes(CODE_LENGTH);
  // 256 is a multiple of 32: each byte's low five bits are uniform.
  return Array.from(bytes, (b) => ALPHABET[b & 31]).join('');
}

/** The code as printed: groups of four joined by dashes. */
export function formatBadgeCode(code: string): string {
  return code.match(new RegExp(`.{1,${GROUP}}`, 'g'))!.join('-');
}

/** A typed or scanned code in canonical form, or null when it cannot be one (wrong length or characters). */
export function normalizeBadgeCode(input: string): string | null {
  const folded = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (folded.length !== CODE_LENGTH) return null;
  for (const c of folded) if (!ALPHABET.includes(c)) return null;
  return folded;
}

/** The code in a scanned badge URL (`<issuer>/badge#<code>`), or the input itself when it is not such a URL. */
export function codeFromScan(text: string): string {
  const hash = text.indexOf('#');
  return hash >= 0 ? text.slice(hash + 1) : text;
}

/**
 * The stored digest: HMAC-SHA256 under a key derived from the server secret. The code carries 140 random bits, so a
 * slow password hash would add nothing, and a keyed digest lets the sign-in find the badge by its code alone.
 */
export function badgeDigest(serverSecret: string, code: string): string {
  const key = createHmac('sha256', serverSecret).update('homeroom badge digest').digest();
  return createHmac('sha256', key).update(code).digest('base64url');
}

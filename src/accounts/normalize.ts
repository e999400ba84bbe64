/**
 * How typed text is compared with what the SIS holds or what was typed before. Forgiving about what families
 * actually type (case, accents on Latin letters, apostrophe and hyphen variants, spacing) and never fuzzier.
 */
const APOSTROPHES = /['‘’‚‛ʼʹʻ`´′＇]/g;
const HYPHENS = /[‐‑‒–—―−﹣－]/g;

/** Removes accents from Latin letters only: in other scripts the marks change the letter (が is not か). */
function stripLatinAccents(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/(\p{Script=Latin})\p{M}+/gu, '$1')
    .normalize('NFC');
}

/** Names: José = Jose, O’Connor = O'Connor, "  Mary   Ann " = "mary ann". */
export function foldName(value: string): string {
  return stripLatinAccents(value).replace(APOSTROPHES, "'").replace(HYPHENS, '-').replace(/\s+/gu, ' ').trim().toLowerCase();
}

/** Exact comparison still forgives surrounding spaces and Unicode composition, which nobody can see. */
export function exactName(value: string): string {
  return value.normalize('NFC').trim();
}

/**
 * Student IDs: spaces, leading zeros and an "S" or "S0" typed by mistake (the username's prefix) are ignored.
 * Mirrors the stored side's lower(ltrim(student_id, '0')).
 */
export function foldStudentId(value: string): string {
  return value
    .normalize('NFKC')
    .replace(/\s+/gu, '')
    .toLowerCase()
    .replace(/^s(?=\d)/, '')
    .replace(/^0+/, '');
}

/** Challenge answers: "Fluffy " = "fluffy", "Ste-Anne" = "ste anne"; punctuation and symbols do not count. */
export function foldAnswer(value: string): string {
  return stripLatinAccents(value)
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}

import type { LoadedDuplicate } from '../ports.js';

/**
 * Enrollments sharing the high half of their key hash with another row, in id order: the only rows that can repeat a
 * sourcedId. Read through roster_enrollments_key (a scan of the index alone finds the shared halves); a few thousand
 * rows at a million students, nearly all of them distinct ids whose halves happen to collide.
 */
export const SHARED_KEY_SQL = `SELECT id, sourced_id FROM roster_enrollments
  WHERE key_hi IN (SELECT key_hi FROM roster_enrollments GROUP BY key_hi HAVING count(*) > 1) ORDER BY id`;

/** Of rows in id order (a first load's ids are its file lines), those whose sourcedId an earlier row has. */
export function laterDuplicates(rows: Iterable<readonly [number | string, string]>): LoadedDuplicate[] {
  const seen = new Set<string>();
  const duplicates: LoadedDuplicate[] = [];
  for (const [id, sourcedId] of rows) {
    if (seen.has(sourcedId)) duplicates.push({ line: Number(id), sourcedId });
    else seen.add(sourcedId);
  }
  return duplicates;
}

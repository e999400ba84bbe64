/**
 * Fast non-cryptographic hashes for change detection. A row's content hash is stored beside it, so a re-import
 * compares one number per row instead of every column; the two-part key hash lets the enrollment index hold
 * millions of keys in typed arrays (see key-index.ts).
 */

/** 32-bit FNV-1a over UTF-16 code units, as an unsigned number. */
export function hash32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Final avalanche (murmur3 fmix32) so that near-identical keys spread over the table.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A second, independent 32-bit hash for the high half of a 64-bit key hash. */
export function hash32b(text: string): number {
  return hash32(text, 0x9747b28c);
}

/** Content hash of a row's stored values, in a fixed order (hashed in place: no joined string is built). */
export function rowHash(values: readonly (string | number | null)[]): number {
  let h = 0x811c9dc5;
  for (let v = 0; v < values.length; v += 1) {
    const value = values[v];
    const text = value === null ? '\u0000' : typeof value === 'string' ? value : String(value);
    for (let i = 0; i < text.length; i += 1) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= 0x1f; // the separator, so ["ab", "c"] and ["a", "bc"] differ
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

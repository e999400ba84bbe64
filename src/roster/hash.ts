/**
 * Fast non-cryptographic hashes for change detection. A row's content hash is stored beside it, so a re-import
 * compares one number per row instead of every column; the two-part key hash lets the enrollment index hold
 * millions of keys in typed arrays (see key-index.ts).
 */

const FNV_PRIME = 0x01000193;
const TERMINATOR = 0x1f;

/** Final avalanche (murmur3 fmix32), so that near-identical keys spread over a table. */
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32-bit FNV-1a over UTF-16 code units, as an unsigned number. */
export function hash32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return finish(h);
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
    h ^= TERMINATOR; // so ["ab", "c"] and ["a", "bc"] differ
    h = Math.imul(h, FNV_PRIME);
  }
  return finish(h);
}

/*
 * Content hash of a CSV record from its raw fields, restricted to the columns that matter (`known[column]` = 1; the
 * others, such as dateLastModified or a vendor's extension columns, do not make a row "changed"). The seed stands for
 * the header (which columns, in which order), so the same text under another header hashes differently. The same
 * value comes from the split fields (`fieldsHash`) and from the line's text (`lineHash`), so an unchanged line is
 * recognised without being split.
 */

export function fieldsHash(fields: readonly string[], known: Uint8Array, seed: number): number {
  let h = seed >>> 0;
  const count = Math.min(fields.length, known.length);
  for (let column = 0; column < count; column += 1) {
    if (!known[column]) continue;
    const text = fields[column];
    for (let i = 0; i < text.length; i += 1) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, FNV_PRIME);
    }
    h ^= TERMINATOR;
    h = Math.imul(h, FNV_PRIME);
  }
  return finish(h);
}

/**
 * `fieldsHash` of `text.split(',')`, computed on the text (a record without quotes). Also copies the fields whose
 * column has a slot in `wanted` (slot number, or -1) into `out`.
 */
export function lineHash(text: string, known: Uint8Array, seed: number, wanted: Int8Array, out: string[]): number {
  let h = seed >>> 0;
  let column = 0;
  let start = 0;
  const length = text.length;
  // Field by field (indexOf finds the commas faster than a test on every character), hashing known fields only.
  for (;;) {
    let end = text.indexOf(',', start);
    if (end === -1) end = length;
    if (column < known.length && known[column] === 1) {
      for (let i = start; i < end; i += 1) {
        h ^= text.charCodeAt(i);
        h = Math.imul(h, FNV_PRIME);
      }
      h ^= TERMINATOR;
      h = Math.imul(h, FNV_PRIME);
    }
    if (column < wanted.length && wanted[column] >= 0) out[wanted[column]] = text.slice(start, end);
    column += 1;
    if (end === length) break;
    start = end + 1;
  }
  return finish(h);
}
